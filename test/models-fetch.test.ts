import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelError } from '../src/models/errors.js';
import type { FetchEvent, FetchModelOptions } from '../src/models/fetch.js';
import { fetchModel, LOCK_FILE } from '../src/models/fetch.js';
import { verifyModelFiles } from '../src/models/verify.js';
import type { FixtureModel } from './fixtures/models/fixture-models.js';
import {
  fixtureRegistry,
  makeFixtureModel,
  sha256,
  tempDir,
  writeModelFiles,
} from './fixtures/models/fixture-models.js';
import type { LoopbackServer } from './fixtures/models/loopback-server.js';
import { startLoopbackServer } from './fixtures/models/loopback-server.js';

const REPO = 'fixture-org/tiny-model';
const MODEL_PATH = 'onnx/model_quantized.onnx';

let server: LoopbackServer;
let tmp: { dir: string; cleanup(): void };
let model: FixtureModel;

function hubPath(remote: string): string {
  return `/${REPO}/resolve/main/${remote}`;
}

function options(extra: Partial<FetchModelOptions> = {}): FetchModelOptions {
  return {
    registry: fixtureRegistry([model]),
    env: { HF_ENDPOINT: server.origin, RINGMEM_CACHE_DIR: join(tmp.dir, 'cache') },
    retries: 0,
    retryDelayMs: 1,
    idleTimeoutMs: 5_000,
    connectTimeoutMs: 5_000,
    ...extra,
  };
}

function installedPath(remote: string): string {
  return join(tmp.dir, 'cache', 'models', model.manifest.id, remote);
}

function modelRequests() {
  return server.requests.filter((r) => r.path === hubPath(MODEL_PATH));
}

async function expectModelError(promise: Promise<unknown>, code: string): Promise<ModelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelError);
  expect((error as ModelError).code).toBe(code);
  return error as ModelError;
}

beforeEach(async () => {
  server = await startLoopbackServer();
  tmp = tempDir('fetch');
  model = makeFixtureModel('tiny-int8', REPO, 7);
  for (const [remote, data] of model.files) server.files.set(hubPath(remote), data);
});

afterEach(async () => {
  await server.close();
  tmp.cleanup();
});

describe('fetchModel from a hub endpoint', () => {
  it('downloads every file, verifies it and writes the manifest last', async () => {
    const result = await fetchModel('tiny-int8', options());
    expect(result.files.map((f) => f.status)).toEqual(['downloaded', 'downloaded', 'downloaded']);
    for (const [remote, data] of model.files) {
      expect(sha256(readFileSync(installedPath(remote)))).toBe(sha256(data));
      expect(existsSync(`${installedPath(remote)}.partial`)).toBe(false);
    }
    const written = JSON.parse(readFileSync(join(result.dir, 'manifest.json'), 'utf8'));
    expect(written.id).toBe('tiny-int8');
    expect(existsSync(join(result.dir, LOCK_FILE))).toBe(false);
    expect((await verifyModelFiles(model.manifest, result.dir)).ok).toBe(true);
  });

  it('skips files that are already present and verified on a second fetch', async () => {
    await fetchModel('tiny-int8', options());
    const before = server.requests.length;
    const again = await fetchModel('tiny-int8', options());
    expect(again.files.map((f) => f.status)).toEqual(['present', 'present', 'present']);
    expect(server.requests.length).toBe(before);
  });

  it('downloads again every file when forced', async () => {
    await fetchModel('tiny-int8', options());
    const before = server.requests.length;
    const again = await fetchModel('tiny-int8', options({ force: true }));
    expect(again.files.map((f) => f.status)).toEqual(['downloaded', 'downloaded', 'downloaded']);
    expect(server.requests.length).toBe(before + 3);
  });

  it('replaces an installed file whose bytes were altered', async () => {
    await fetchModel('tiny-int8', options());
    const target = installedPath('tokenizer.json');
    const bad = Buffer.from(readFileSync(target));
    bad[10] = (bad[10] ?? 0) ^ 0xff;
    writeFileSync(target, bad);
    const again = await fetchModel('tiny-int8', options());
    expect(again.files.find((f) => f.path === 'tokenizer.json')?.status).toBe('downloaded');
    expect(sha256(readFileSync(target))).toBe(model.manifest.files.tokenizer.sha256);
  });

  it('refuses a file with the right size but the wrong sha256 and leaves nothing behind', async () => {
    const good = model.files.get(MODEL_PATH)!;
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] ?? 0) ^ 0x01;
    server.behaviours.set(hubPath(MODEL_PATH), { kind: 'serve', data: corrupt });
    const error = await expectModelError(fetchModel('tiny-int8', options()), 'FILE_HASH_MISMATCH');
    expect(error.message).toContain(`expected ${sha256(good)}`);
    expect(error.message).toContain(sha256(corrupt));
    expect(existsSync(installedPath(MODEL_PATH))).toBe(false);
    expect(existsSync(`${installedPath(MODEL_PATH)}.partial`)).toBe(false);
  });

  it('refuses a file whose size differs from the pinned size before downloading it', async () => {
    const longer = Buffer.concat([model.files.get(MODEL_PATH)!, Buffer.from('extra')]);
    server.behaviours.set(hubPath(MODEL_PATH), { kind: 'serve', data: longer });
    const error = await expectModelError(fetchModel('tiny-int8', options()), 'FILE_SIZE_MISMATCH');
    expect(error.message).toContain(`has ${longer.length} bytes, expected ${longer.length - 5}`);
    expect(existsSync(`${installedPath(MODEL_PATH)}.partial`)).toBe(false);
  });

  it('names the URL in the error when the server answers 404', async () => {
    server.files.delete(hubPath('config.json'));
    const error = await expectModelError(fetchModel('tiny-int8', options()), 'FETCH_HTTP_STATUS');
    expect(error.message).toContain(`HTTP 404 for ${server.origin}${hubPath('config.json')}`);
  });

  it('keeps the partial file when the connection drops and resumes it with a Range request', async () => {
    const size = model.files.get(MODEL_PATH)!.length;
    server.behaviours.set(hubPath(MODEL_PATH), { kind: 'drop', afterBytes: 20_000, times: 1 });
    const first = await expectModelError(fetchModel('tiny-int8', options()), 'FETCH_NETWORK');
    expect(first.message).toContain('run the fetch again to resume');
    const partial = `${installedPath(MODEL_PATH)}.partial`;
    const kept = statSync(partial).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(size);

    const second = await fetchModel('tiny-int8', options());
    expect(second.files.find((f) => f.path === MODEL_PATH)).toMatchObject({
      status: 'resumed',
      transferred: size - kept,
    });
    const requests = modelRequests();
    expect(requests).toHaveLength(2);
    expect(requests[0]?.range).toBeUndefined();
    expect(requests[1]?.range).toBe(`bytes=${kept}-`);
    expect((await verifyModelFiles(model.manifest, second.dir)).ok).toBe(true);
  });

  it('retries a dropped connection by itself, resuming from the bytes it already has', async () => {
    server.behaviours.set(hubPath(MODEL_PATH), { kind: 'drop', afterBytes: 10_000, times: 2 });
    const result = await fetchModel('tiny-int8', options({ retries: 3 }));
    expect(result.files.find((f) => f.path === MODEL_PATH)?.status).toBe('resumed');
    const ranges = modelRequests().map((r) => r.range);
    expect(ranges).toHaveLength(3);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(ranges[2]).toMatch(/^bytes=\d+-$/);
    expect((await verifyModelFiles(model.manifest, result.dir)).ok).toBe(true);
  });

  it('restarts from zero when the server ignores the Range header', async () => {
    const partial = `${installedPath(MODEL_PATH)}.partial`;
    mkdirSync(dirname(partial), { recursive: true });
    // A stale partial of wrong bytes: appending to it would fail the hash, restarting must not.
    writeFileSync(partial, Buffer.alloc(5000, 0xab));
    server.behaviours.set(hubPath(MODEL_PATH), { kind: 'ignore-range' });
    await fetchModel('tiny-int8', options());
    // One request: the 200 answer was taken as the whole file, not appended to the stale bytes.
    expect(modelRequests().map((r) => r.range)).toEqual(['bytes=5000-']);
    expect(sha256(readFileSync(installedPath(MODEL_PATH)))).toBe(model.manifest.files.model.sha256);
  });

  it('restarts once from zero when a resumed partial turns out to hold other bytes', async () => {
    const partial = `${installedPath(MODEL_PATH)}.partial`;
    await fetchModel('tiny-int8', options());
    const good = readFileSync(installedPath(MODEL_PATH));
    // Wrong first bytes, right length prefix: the server resumes, the hash fails, one clean retry.
    writeFileSync(partial, Buffer.alloc(1000, 0x11));
    writeFileSync(installedPath(MODEL_PATH), Buffer.alloc(0));
    const result = await fetchModel('tiny-int8', options());
    expect(result.files.find((f) => f.path === MODEL_PATH)?.status).toBe('downloaded');
    expect(readFileSync(installedPath(MODEL_PATH)).equals(good)).toBe(true);
    expect(
      modelRequests()
        .slice(-2)
        .map((r) => r.range),
    ).toEqual(['bytes=1000-', undefined]);
  });

  it('installs a complete partial file left by an interrupted rename without a request', async () => {
    const partial = `${installedPath(MODEL_PATH)}.partial`;
    mkdirSync(dirname(partial), { recursive: true });
    writeFileSync(partial, model.files.get(MODEL_PATH)!);
    const result = await fetchModel('tiny-int8', options());
    expect(result.files.find((f) => f.path === MODEL_PATH)?.transferred).toBe(0);
    expect(modelRequests()).toHaveLength(0);
    expect(existsSync(partial)).toBe(false);
  });

  it('treats a 416 answer as a wrong partial, restarts, and refuses a source shorter than the pin', async () => {
    const partial = `${installedPath(MODEL_PATH)}.partial`;
    mkdirSync(dirname(partial), { recursive: true });
    writeFileSync(partial, model.files.get(MODEL_PATH)!.subarray(0, 5000));
    const shorter = model.files.get(MODEL_PATH)!.subarray(0, 4000);
    server.behaviours.set(hubPath(MODEL_PATH), { kind: 'serve', data: Buffer.from(shorter) });
    const error = await expectModelError(fetchModel('tiny-int8', options()), 'FILE_SIZE_MISMATCH');
    expect(error.message).toContain(`has 4000 bytes, expected ${model.manifest.files.model.bytes}`);
    expect(modelRequests().map((r) => r.range)).toEqual(['bytes=5000-', undefined]);
    expect(existsSync(partial)).toBe(false);
  });

  it('fails with a clear timeout error when the server stalls mid-file', async () => {
    server.behaviours.set(hubPath(MODEL_PATH), { kind: 'stall', afterBytes: 4096 });
    const error = await expectModelError(
      fetchModel('tiny-int8', options({ idleTimeoutMs: 200 })),
      'FETCH_TIMEOUT',
    );
    expect(error.message).toContain('no data from 127.0.0.1');
    expect(error.message).toContain('200 ms');
    expect(statSync(`${installedPath(MODEL_PATH)}.partial`).size).toBe(4096);
  });

  it('fails with a clear timeout error when the server never sends response headers', async () => {
    server.behaviours.set(hubPath(MODEL_PATH), { kind: 'hang' });
    const error = await expectModelError(
      fetchModel('tiny-int8', options({ connectTimeoutMs: 200 })),
      'FETCH_TIMEOUT',
    );
    expect(error.message).toContain('no response from 127.0.0.1');
    expect(error.message).toContain('within 200 ms');
  });

  it('follows a redirect to another host path, as Hugging Face does to its CDN', async () => {
    const cdnPath = '/cdn/blob-123';
    server.files.set(cdnPath, model.files.get(MODEL_PATH)!);
    server.behaviours.set(hubPath(MODEL_PATH), { kind: 'redirect', location: cdnPath });
    await fetchModel('tiny-int8', options());
    expect(server.requests.some((r) => r.path === cdnPath)).toBe(true);
    expect(sha256(readFileSync(installedPath(MODEL_PATH)))).toBe(model.manifest.files.model.sha256);
  });

  it('gives up after five redirects in a loop', async () => {
    server.behaviours.set(hubPath(MODEL_PATH), { kind: 'redirect', location: hubPath(MODEL_PATH) });
    const error = await expectModelError(
      fetchModel('tiny-int8', options()),
      'FETCH_TOO_MANY_REDIRECTS',
    );
    expect(error.message).toContain('more than 5 redirects');
    expect(modelRequests()).toHaveLength(6);
  });

  it('reports progress events for every file', async () => {
    const events: FetchEvent[] = [];
    await fetchModel('tiny-int8', options({ onEvent: (e) => events.push(e) }));
    const done = events.filter((e) => e.type === 'file-done');
    expect(done.map((e) => e.path)).toEqual([
      'onnx/model_quantized.onnx',
      'tokenizer.json',
      'config.json',
    ]);
    const last = events.filter((e) => e.type === 'file-progress' && e.path === MODEL_PATH).at(-1);
    expect(last).toMatchObject({ bytesDone: model.files.get(MODEL_PATH)!.length });
  });

  it('reports an unreachable endpoint as a network error naming the URL', async () => {
    const origin = server.origin;
    await server.close();
    const error = await expectModelError(fetchModel('tiny-int8', options()), 'FETCH_NETWORK');
    expect(error.message).toContain(`${origin}${hubPath(MODEL_PATH)}`);
    server = await startLoopbackServer(); // afterEach closes it
  });
});

describe('fetchModel from a mirror', () => {
  it('copies from a directory laid out as <DIR>/<remote path>', async () => {
    const mirror = join(tmp.dir, 'flat');
    writeModelFiles(model, mirror);
    const result = await fetchModel('tiny-int8', options({ from: mirror }));
    expect((await verifyModelFiles(model.manifest, result.dir)).ok).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  it('copies from a directory laid out as <DIR>/<repo>/<remote path>', async () => {
    const mirror = join(tmp.dir, 'nested');
    writeModelFiles(model, mirror, REPO);
    const result = await fetchModel('tiny-int8', options({ from: mirror }));
    expect((await verifyModelFiles(model.manifest, result.dir)).ok).toBe(true);
  });

  it('names both places it looked when a mirror directory lacks a file', async () => {
    const mirror = join(tmp.dir, 'partial-mirror');
    writeModelFiles(model, mirror);
    const error = await expectModelError(
      fetchModel('tiny-int8', options({ from: join(mirror, 'onnx') })),
      'FETCH_SOURCE_MISSING',
    );
    expect(error.message).toContain(join(mirror, 'onnx', MODEL_PATH));
    expect(error.message).toContain(join(mirror, 'onnx', REPO, MODEL_PATH));
  });

  it('downloads from a base URL, trying <URL>/<path> and then <URL>/<repo>/<path>', async () => {
    for (const [remote, data] of model.files) server.files.set(`/mirror/${REPO}/${remote}`, data);
    const result = await fetchModel('tiny-int8', options({ from: `${server.origin}/mirror` }));
    expect((await verifyModelFiles(model.manifest, result.dir)).ok).toBe(true);
    const paths = server.requests.map((r) => r.path);
    expect(paths.slice(0, 2)).toEqual([`/mirror/${MODEL_PATH}`, `/mirror/${REPO}/${MODEL_PATH}`]);
  });

  it('refuses a --from path that is not a directory', async () => {
    await expectModelError(
      fetchModel('tiny-int8', options({ from: join(tmp.dir, 'nowhere') })),
      'FETCH_SOURCE_MISSING',
    );
  });
});

describe('fetch lock', () => {
  it('refuses a second concurrent fetch of the same model', async () => {
    server.behaviours.set(hubPath(MODEL_PATH), { kind: 'stall', afterBytes: 100 });
    const first = fetchModel('tiny-int8', options({ idleTimeoutMs: 1500 }));
    // Wait until the first fetch holds the lock (its request reached the server).
    while (modelRequests().length === 0) await new Promise((r) => setTimeout(r, 10));
    const error = await expectModelError(fetchModel('tiny-int8', options()), 'MODEL_LOCKED');
    expect(error.message).toContain(`pid ${process.pid}`);
    await expectModelError(first, 'FETCH_TIMEOUT');
    expect(existsSync(join(tmp.dir, 'cache', 'models', 'tiny-int8', LOCK_FILE))).toBe(false);
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const dir = join(tmp.dir, 'cache', 'models', 'tiny-int8');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: dead, host: hostname(), token: 'x', since: 'then' }),
    );
    const result = await fetchModel('tiny-int8', options());
    expect(result.files).toHaveLength(3);
  });
});

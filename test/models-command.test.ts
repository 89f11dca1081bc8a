import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelsCommandDeps } from '../src/cli/models-command.js';
import { runModelsCommand } from '../src/cli/models-command.js';
import type { ModelManifest } from '../src/models/manifest.js';
import { cachedModelDir } from '../src/models/paths.js';
import { createRegistry } from '../src/models/registry.js';
import type { FixtureModel } from './fixtures/models/fixture-models.js';
import { makeFixtureModel, tempDir, writeModelFiles } from './fixtures/models/fixture-models.js';
import type { LoopbackServer } from './fixtures/models/loopback-server.js';
import { startLoopbackServer } from './fixtures/models/loopback-server.js';

const REPO = 'fixture-org/cli-model';
const MODEL_PATH = 'onnx/model_quantized.onnx';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let tmp: ReturnType<typeof tempDir>;
let server: LoopbackServer;
let model: FixtureModel;
let builtin: FixtureModel;
let deps: ModelsCommandDeps;
let env: NodeJS.ProcessEnv;

async function run(...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runModelsCommand(argv, { stdout, stderr, env }, deps);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function installIntoCache(): string {
  const dir = cachedModelDir('cli-int8', env);
  writeModelFiles(model, dir);
  return dir;
}

beforeEach(async () => {
  tmp = tempDir('cli');
  server = await startLoopbackServer();
  model = makeFixtureModel('cli-int8', REPO, 21);
  builtin = makeFixtureModel('cli-builtin', 'org/unused', 22);
  for (const [remote, data] of model.files)
    server.files.set(`/${REPO}/resolve/main/${remote}`, data);
  const modelsDir = join(tmp.dir, 'package-models');
  const { source: _none, ...builtinManifest } = builtin.manifest;
  deps = {
    registry: createRegistry(
      [
        { manifest: builtinManifest as ModelManifest, bundledDir: join(modelsDir, 'builtin') },
        { manifest: model.manifest },
      ],
      { cli: 'cli-int8', builtin: 'cli-builtin' },
    ),
    modelsDir,
    fetchDefaults: { retryDelayMs: 1, retries: 0 },
  };
  env = { RINGMEM_CACHE_DIR: join(tmp.dir, 'cache'), HF_ENDPOINT: server.origin };
});

afterEach(async () => {
  await server.close();
  tmp.cleanup();
});

describe('ringmem models list', () => {
  it('reports each model as not installed, then installed with its directory', async () => {
    const before = JSON.parse((await run('list', '--json')).stdout);
    const row = before.models.find((m: { id: string }) => m.id === 'cli-int8');
    expect(row).toMatchObject({
      installed: false,
      status: 'absent',
      dir: null,
      dim: 8,
      pooling: 'mean',
    });
    expect(row.aliases).toEqual(['cli']);
    expect(row.bytes).toBe([...model.files.values()].reduce((s, b) => s + b.length, 0));

    const dir = installIntoCache();
    const after = JSON.parse((await run('list', '--json')).stdout);
    expect(after.models.find((m: { id: string }) => m.id === 'cli-int8')).toMatchObject({
      installed: true,
      status: 'installed',
      dir,
      origin: 'cache',
    });
  });

  it('marks a model with a truncated file as partially installed', async () => {
    const dir = installIntoCache();
    truncateSync(join(dir, MODEL_PATH), 10);
    const { stdout } = await run('list');
    expect(stdout).toMatch(/cli-int8 +cli +\S+ kB +8 +mean +partial +/);
  });

  it('prints a table with the id, size, dim, pooling, install state and notes', async () => {
    const { code, stdout } = await run('list');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^ID +ALIASES +SIZE +DIM +POOLING +INSTALLED +WHERE$/);
    expect(stdout).toMatch(
      /cli-int8 +cli +\S+ kB +8 +mean +no +\(fetch: ringmem models fetch cli\)/,
    );
    expect(stdout).toContain('    test fixture');
    expect(stdout).toContain(`Cache: ${join(tmp.dir, 'cache', 'models')}`);
  });
});

describe('ringmem models fetch', () => {
  it('downloads from HF_ENDPOINT, shows progress on stderr and the result on stdout', async () => {
    const { code, stdout, stderr } = await run('fetch', 'cli');
    expect(code).toBe(0);
    expect(stdout).toBe(
      `cli-int8: installed and verified in ${cachedModelDir('cli-int8', env)} (3 downloaded)\n`,
    );
    // stderr is not a TTY here: one line per 10 %, then a final line per file.
    expect(stderr).toContain(`downloading ${MODEL_PATH}: verified`);
    expect(stderr).not.toContain('\r');
    expect((await run('verify', 'cli')).code).toBe(0);
  });

  it('installs from a mirror directory given with --from', async () => {
    const mirror = join(tmp.dir, 'mirror');
    writeModelFiles(model, mirror, REPO);
    const { code } = await run('fetch', 'cli-int8', '--from', mirror);
    expect(code).toBe(0);
    expect(server.requests).toHaveLength(0);
    expect((await run('path', 'cli')).stdout).toBe(`${cachedModelDir('cli-int8', env)}\n`);
  });

  it('installs into --dir, which then works as an explicit model directory', async () => {
    const target = join(tmp.dir, 'my-model');
    expect((await run('fetch', 'cli', '--dir', target)).code).toBe(0);
    expect(existsSync(join(target, 'manifest.json'))).toBe(true);
    expect((await run('path', '--dir', target)).stdout).toBe(`${target}\n`);
  });

  it('exits 1 with the URL in the message when the server answers 404', async () => {
    server.files.delete(`/${REPO}/resolve/main/config.json`);
    const { code, stderr } = await run('fetch', 'cli');
    expect(code).toBe(1);
    expect(stderr).toContain(`HTTP 404 for ${server.origin}/${REPO}/resolve/main/config.json`);
    expect(stderr).toContain('[FETCH_HTTP_STATUS]');
  });

  it('exits 1 with a timeout error when the server stalls past --idle-timeout', async () => {
    server.behaviours.set(`/${REPO}/resolve/main/${MODEL_PATH}`, {
      kind: 'stall',
      afterBytes: 1000,
    });
    const { code, stderr } = await run('fetch', 'cli', '--idle-timeout', '0.2');
    expect(code).toBe(1);
    expect(stderr).toContain('no data from 127.0.0.1');
    expect(stderr).toContain('[FETCH_TIMEOUT]');
  });

  it('says there is nothing to fetch for the built-in model', async () => {
    const { code, stdout } = await run('fetch', 'builtin');
    expect(code).toBe(0);
    expect(stdout).toContain('cli-builtin ships inside the package');
  });
});

describe('ringmem models verify', () => {
  it('reports every file as ok for an intact model', async () => {
    installIntoCache();
    const { code, stdout } = await run('verify', 'cli');
    expect(code).toBe(0);
    expect(stdout.match(/^ {2}ok +/gm)).toHaveLength(3);
  });

  it('exits 1 and names a truncated file', async () => {
    const dir = installIntoCache();
    truncateSync(join(dir, MODEL_PATH), 1000);
    const { code, stdout, stderr } = await run('verify', 'cli');
    expect(code).toBe(1);
    expect(stdout).toMatch(
      new RegExp(
        `WRONG SIZE +${MODEL_PATH} +1000 bytes, expected ${model.manifest.files.model.bytes}`,
      ),
    );
    expect(stderr).toContain('run `ringmem models fetch cli-int8` to repair it');
  });

  it('exits 1 and names a corrupted file of the right size with both digests', async () => {
    const dir = installIntoCache();
    const path = join(dir, 'tokenizer.json');
    const bytes = readFileSync(path);
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const { code, stdout } = await run('verify', 'cli', '--json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    const file = report.files.find((f: { path: string }) => f.path === 'tokenizer.json');
    expect(file.status).toBe('hash-mismatch');
    expect(file.expectedSha256).toBe(model.manifest.files.tokenizer.sha256);
    expect(file.actualSha256).not.toBe(file.expectedSha256);
    expect(report.ok).toBe(false);
  });

  it('exits 1 with the fetch command when the model is not installed', async () => {
    const { code, stderr } = await run('verify', 'cli');
    expect(code).toBe(1);
    expect(stderr).toContain('run `ringmem models fetch cli`');
  });
});

describe('ringmem models path', () => {
  it('prints the resolved directory of a named model', async () => {
    const dir = installIntoCache();
    expect(await run('path', 'cli-int8')).toEqual({ code: 0, stdout: `${dir}\n`, stderr: '' });
  });

  it('prints the directory of the model ringmem would use when no id is given', async () => {
    const dir = installIntoCache();
    expect((await run('path')).stdout).toBe(`${dir}\n`);
  });

  it('exits 1 when the model is not installed', async () => {
    const { code, stdout, stderr } = await run('path', 'cli');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('[MODEL_NOT_INSTALLED]');
  });
});

describe('ringmem models usage', () => {
  it('prints help for the group and for each command with exit 0', async () => {
    expect((await run('--help')).stdout).toContain('Usage: ringmem models <command>');
    for (const command of ['list', 'fetch', 'verify', 'path']) {
      const r = await run(command, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: ringmem models ${command}`);
    }
  });

  it('exits 2 on usage errors and says what is accepted', async () => {
    expect((await run()).code).toBe(2);
    const unknown = await run('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('expected one of: list, fetch, verify, path');
    const noId = await run('fetch');
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain('missing model id');
    const badTimeout = await run('fetch', 'cli', '--idle-timeout', 'soon');
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain('expected a number of seconds > 0');
    expect((await run('list', '--bogus')).code).toBe(2);
    expect((await run('path', 'a', 'b')).code).toBe(2);
    const unknownModel = await run('fetch', 'nope');
    expect(unknownModel.code).toBe(2);
    expect(unknownModel.stderr).toContain('known models: cli-builtin, cli-int8');
  });
});

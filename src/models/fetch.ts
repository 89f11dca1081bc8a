import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DownloadProgress } from './download.js';
import { downloadFile, partialPath } from './download.js';
import { ModelError } from './errors.js';
import { acquireLock } from './lock.js';
import type { ModelManifest } from './manifest.js';
import { cachedModelDir, fileInside } from './paths.js';
import type { ModelRegistry } from './registry.js';
import type { FetchFrom } from './sources.js';
import { openSource, parseFrom } from './sources.js';
import { sha256File } from './verify.js';

/**
 * Fetching a whole model into a directory (the per-user cache unless told otherwise): one lock for
 * the model, every file downloaded and verified by `downloadFile`, files already present *and*
 * verified skipped, and `manifest.json` written last so a directory that has one is complete.
 */

export type FileFetchStatus = 'present' | 'downloaded' | 'resumed';

export type FetchEvent =
  | { type: 'file-start'; path: string; bytes: number; index: number; count: number }
  | {
      type: 'file-progress';
      path: string;
      phase: DownloadProgress['phase'] | 'check';
      bytesDone: number;
      bytesTotal: number;
    }
  | {
      type: 'file-done';
      path: string;
      status: FileFetchStatus;
      bytes: number;
      transferred: number;
    };

export interface FetchModelOptions {
  registry: ModelRegistry;
  env: NodeJS.ProcessEnv;
  /** A mirror directory or base URL; default: `HF_ENDPOINT` or https://huggingface.co. */
  from?: string;
  /** Target directory; default `<cache>/models/<id>`. */
  dir?: string;
  /** Download every file again even if present and verified. */
  force?: boolean;
  idleTimeoutMs?: number;
  connectTimeoutMs?: number;
  maxRedirects?: number;
  retries?: number;
  retryDelayMs?: number;
  /** Age after which another process's lock counts as abandoned. */
  lockStaleMs?: number;
  onEvent?: (event: FetchEvent) => void;
}

export interface FetchModelResult {
  id: string;
  dir: string;
  from: FetchFrom;
  files: { path: string; status: FileFetchStatus; bytes: number; transferred: number }[];
}

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
export const MAX_REDIRECTS = 5;
export const LOCK_FILE = '.fetch.lock';

export async function fetchModel(
  idOrAlias: string,
  options: FetchModelOptions,
): Promise<FetchModelResult> {
  const entry = options.registry.lookup(idOrAlias);
  if (entry === undefined) {
    throw new ModelError(
      'MODEL_UNKNOWN',
      `unknown model ${JSON.stringify(idOrAlias)}; known models: ${options.registry.names().join(', ')}`,
    );
  }
  const manifest = entry.manifest;
  if (manifest.source === undefined) {
    throw new ModelError(
      'MODEL_NOT_DOWNLOADABLE',
      `${manifest.id} has no download source` +
        (entry.bundledDir ? ` (it ships inside the package, in ${entry.bundledDir})` : '') +
        '; nothing to fetch',
    );
  }
  const from = parseFrom(options.from, options.env);
  const dir = resolve(options.dir ?? cachedModelDir(manifest.id, options.env));
  await mkdir(dir, { recursive: true });
  const lock = await acquireLock(join(dir, LOCK_FILE), {
    what: `${manifest.id} into ${dir}`,
    ...(options.lockStaleMs === undefined ? {} : { staleMs: options.lockStaleMs }),
  });
  try {
    const files = await fetchFiles(manifest, dir, from, options);
    await writeManifest(manifest, dir);
    return { id: manifest.id, dir, from, files };
  } finally {
    await lock.release();
  }
}

async function fetchFiles(
  manifest: ModelManifest,
  dir: string,
  from: FetchFrom,
  options: FetchModelOptions,
): Promise<FetchModelResult['files']> {
  const source = manifest.source as NonNullable<ModelManifest['source']>;
  const list = Object.values(manifest.files);
  const results: FetchModelResult['files'] = [];
  const http = {
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    maxRedirects: options.maxRedirects ?? MAX_REDIRECTS,
  };
  for (const [index, f] of list.entries()) {
    const path = fileInside(dir, f.path);
    const emit = options.onEvent;
    emit?.({ type: 'file-start', path: f.path, bytes: f.bytes, index, count: list.length });
    if (options.force) {
      await rm(path, { force: true });
      await rm(partialPath(path), { force: true });
    } else if (
      await alreadyVerified(path, f.sha256, f.bytes, (done) =>
        emit?.({
          type: 'file-progress',
          path: f.path,
          phase: 'check',
          bytesDone: done,
          bytesTotal: f.bytes,
        }),
      )
    ) {
      results.push({ path: f.path, status: 'present', bytes: f.bytes, transferred: 0 });
      emit?.({
        type: 'file-done',
        path: f.path,
        status: 'present',
        bytes: f.bytes,
        transferred: 0,
      });
      continue;
    }
    const byteSource = openSource(
      from,
      { remote: f.remote ?? f.path, repo: source.repo, revision: source.revision },
      http,
    );
    const r = await downloadFile({ path, bytes: f.bytes, sha256: f.sha256 }, byteSource, {
      retries: options.retries ?? 3,
      retryDelayMs: options.retryDelayMs ?? 500,
      onProgress: (p) =>
        emit?.({
          type: 'file-progress',
          path: f.path,
          phase: p.phase,
          bytesDone: p.bytesDone,
          bytesTotal: p.bytesTotal,
        }),
    });
    results.push({ path: f.path, status: r.status, bytes: f.bytes, transferred: r.transferred });
    emit?.({
      type: 'file-done',
      path: f.path,
      status: r.status,
      bytes: f.bytes,
      transferred: r.transferred,
    });
  }
  return results;
}

/**
 * True when the final file exists with the pinned size and hash. A final file that exists but does
 * not match is deleted now, so a failed re-download cannot leave it looking installed.
 */
async function alreadyVerified(
  path: string,
  sha256: string,
  bytes: number,
  onBytes: (done: number) => void,
): Promise<boolean> {
  let actual: { sha256: string; bytes: number };
  try {
    actual = await sha256File(path, onBytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if (actual.bytes === bytes && actual.sha256 === sha256) return true;
  await rm(path, { force: true });
  return false;
}

/** Written last and atomically: the directory then works as `RINGMEM_MODEL_DIR` on its own. */
async function writeManifest(manifest: ModelManifest, dir: string): Promise<void> {
  const final = join(dir, 'manifest.json');
  const tmp = `${final}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(tmp, final);
}

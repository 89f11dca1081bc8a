import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import type { ModelFile, ModelManifest } from './manifest.js';
import { fileInside } from './paths.js';

/**
 * Checking model files on disk: a cheap presence check (sizes only, used on every resolution)
 * and a full verification (sizes + sha256, used by `ringmem models verify` and after fetches).
 */

export type PresenceStatus = 'present' | 'missing' | 'size-mismatch';
export type VerifyStatus = 'ok' | 'missing' | 'size-mismatch' | 'hash-mismatch' | 'unreadable';

export interface FileCheck<S extends string> {
  /** Key in `manifest.files` (`model`, `tokenizer`, ...). */
  key: string;
  path: string;
  absolutePath: string;
  status: S;
  expectedBytes: number;
  actualBytes?: number;
  expectedSha256: string;
  actualSha256?: string;
  /** Why a file could not be read, for `unreadable`. */
  detail?: string;
}

export interface VerifyReport {
  ok: boolean;
  dir: string;
  files: FileCheck<VerifyStatus>[];
}

const HASH_CHUNK = 1 << 20;

/** sha256 of a whole file, streamed in 1 MiB chunks so a 100 MB model never sits in memory. */
export async function sha256File(
  path: string,
  onBytes?: (bytesSoFar: number) => void,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: HASH_CHUNK })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    onBytes?.(bytes);
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** The `detail` of a `missing` check whose path exists but is not a regular file. */
export const NOT_A_FILE = 'not a regular file';

function sizeOf(path: string): number | typeof NOT_A_FILE | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : NOT_A_FILE;
  } catch {
    // Missing is reported by status, not thrown.
    return undefined;
  }
}

/**
 * Stats one file of a model: is it there with the pinned size? This is the one size check every
 * caller shares (resolution, verify, fetch, the embedder's load); each words its own error.
 */
export function checkFile(dir: string, key: string, file: ModelFile): FileCheck<PresenceStatus> {
  const absolutePath = fileInside(dir, file.path);
  const size = sizeOf(absolutePath);
  const common = {
    key,
    path: file.path,
    absolutePath,
    expectedBytes: file.bytes,
    expectedSha256: file.sha256,
  };
  if (size === undefined) return { ...common, status: 'missing' };
  if (size === NOT_A_FILE) return { ...common, status: 'missing', detail: NOT_A_FILE };
  return {
    ...common,
    status: size === file.bytes ? 'present' : 'size-mismatch',
    actualBytes: size,
  };
}

/** Stats every file of a model: is it there with the pinned size? No hashing, so it is fast. */
export function checkPresence(manifest: ModelManifest, dir: string): FileCheck<PresenceStatus>[] {
  return Object.entries(manifest.files).map(([key, f]) => checkFile(dir, key, f));
}

export interface VerifyOptions {
  /** Called while hashing, with the file being hashed and bytes hashed so far. */
  onProgress?: (path: string, bytesDone: number, bytesTotal: number) => void;
}

/** Sizes + sha256 of every file of a model; a file with the wrong size is not hashed. */
export async function verifyModelFiles(
  manifest: ModelManifest,
  dir: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const files: FileCheck<VerifyStatus>[] = [];
  for (const presence of checkPresence(manifest, dir)) {
    if (presence.status !== 'present') {
      files.push({ ...presence, status: presence.status });
      continue;
    }
    try {
      const { sha256 } = await sha256File(presence.absolutePath, (done) =>
        options.onProgress?.(presence.path, done, presence.expectedBytes),
      );
      files.push({
        ...presence,
        status: sha256 === presence.expectedSha256 ? 'ok' : 'hash-mismatch',
        actualSha256: sha256,
      });
    } catch (error) {
      files.push({ ...presence, status: 'unreadable', detail: (error as Error).message });
    }
  }
  return { ok: files.every((f) => f.status === 'ok'), dir, files };
}

/** One line per problem, for error messages: `tokenizer.json: missing`. */
export function describeProblems(checks: readonly FileCheck<string>[]): string {
  return checks
    .filter((c) => c.status !== 'ok' && c.status !== 'present')
    .map((c) => {
      switch (c.status) {
        case 'missing':
          return `${c.path}: missing`;
        case 'size-mismatch':
          return `${c.path}: ${c.actualBytes} bytes, expected ${c.expectedBytes}`;
        case 'hash-mismatch':
          return `${c.path}: sha256 ${c.actualSha256}, expected ${c.expectedSha256}`;
        default:
          return `${c.path}: ${c.status}${c.detail ? ` (${c.detail})` : ''}`;
      }
    })
    .join('; ');
}

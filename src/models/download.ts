import type { Hash } from 'node:crypto';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describeError } from '../errors.js';
import { ModelError } from './errors.js';
import type { ByteSource } from './sources.js';
import { FetchStatusError } from './sources.js';

/**
 * Downloading one file into place: stream to `<file>.partial` while hashing, resume a partial file
 * from where it stopped, check size and sha256, then rename atomically. A file that does not match
 * its pin never appears under its final name.
 */

export interface DownloadTarget {
  /** Absolute final path. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface DownloadOptions {
  /** Extra attempts after a dropped connection, a stall or a 5xx; each resumes the partial file. */
  retries: number;
  /** Pause before a retry, doubled each time. */
  retryDelayMs: number;
  onProgress?: (event: DownloadProgress) => void;
}

export interface DownloadProgress {
  phase: 'rehash' | 'download';
  bytesDone: number;
  bytesTotal: number;
}

export interface DownloadResult {
  /** `resumed` when the final bytes were appended to a partial file left by an earlier attempt. */
  status: 'downloaded' | 'resumed';
  /** Bytes actually transferred by this call (less than the size when resumed). */
  transferred: number;
}

const PARTIAL = '.partial';

export function partialPath(path: string): string {
  return path + PARTIAL;
}

async function sizeOrZero(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Hashes the first `length` bytes of a file into `hash`, reporting progress. */
async function hashPrefix(
  path: string,
  length: number,
  hash: Hash,
  onBytes: (done: number) => void,
): Promise<void> {
  let done = 0;
  for await (const chunk of createReadStream(path, {
    start: 0,
    end: length - 1,
    highWaterMark: 1 << 20,
  })) {
    hash.update(chunk as Buffer);
    done += (chunk as Buffer).length;
    onBytes(done);
  }
}

function isRetryable(error: unknown): boolean {
  if (error instanceof FetchStatusError) return error.retryable;
  if (error instanceof ModelError)
    return error.code === 'FETCH_TIMEOUT' || error.code === 'FETCH_NETWORK';
  // Errors from the body stream (ECONNRESET, "aborted") are plain Node errors: a dropped connection.
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT' ||
    (error as Error)?.message === 'aborted'
  );
}

export async function downloadFile(
  target: DownloadTarget,
  source: ByteSource,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const partial = partialPath(target.path);
  await mkdir(dirname(target.path), { recursive: true });

  const report = (phase: DownloadProgress['phase'], bytesDone: number) =>
    options.onProgress?.({ phase, bytesDone, bytesTotal: target.bytes });

  // State that survives between attempts of this call: how many bytes the partial holds and the
  // hash of exactly those bytes, so a retry does not re-read what it already hashed.
  let have = await sizeOrZero(partial);
  let hash = createHash('sha256');
  if (have > target.bytes) {
    await removeIfPresent(partial);
    have = 0;
  } else if (have > 0) {
    await hashPrefix(partial, have, hash, (done) => report('rehash', done));
  }
  // Whether the partial predates this call: a hash mismatch then may come from a stale prefix, so
  // one clean restart from zero is allowed before refusing.
  let startedFromOldPrefix = have > 0;
  let restartedClean = false;
  let transferred = 0;
  let resumedAny = false;
  let failures = 0;
  const startOver = () => {
    have = 0;
    hash = createHash('sha256');
    startedFromOldPrefix = false;
    resumedAny = false;
  };
  const restartFromZero = async () => {
    await removeIfPresent(partial);
    startOver();
  };

  for (;;) {
    if (have === target.bytes) {
      // Digesting ends this hash: the file is then renamed, refused, or restarted with a new one.
      const got = hash.digest('hex');
      if (got === target.sha256) {
        await rename(partial, target.path);
        return { status: resumedAny ? 'resumed' : 'downloaded', transferred };
      }
      if (startedFromOldPrefix && !restartedClean) {
        restartedClean = true;
        await restartFromZero();
        continue;
      }
      await removeIfPresent(partial);
      throw new ModelError(
        'FILE_HASH_MISMATCH',
        `refusing ${target.path}: sha256 ${got}, expected ${target.sha256} ` +
          `(${target.bytes} bytes received); the source serves different bytes than the pinned ` +
          'file — check the mirror / HF_ENDPOINT, or the model revision',
      );
    }

    let opened: Awaited<ReturnType<ByteSource['open']>>;
    let where = 'the source';
    let handle: FileHandle | undefined;
    try {
      opened = await source.open(have);
      where = opened.where;
      if (opened.kind === 'range-not-satisfiable') {
        // The source has no bytes after our offset although the partial is short: the partial
        // does not belong to this file. Start over once; a second time means the source is short.
        if (have === 0 || restartedClean) {
          throw new ModelError(
            'FILE_SIZE_MISMATCH',
            `${where} is shorter than the pinned ${target.bytes} bytes of ${target.path}`,
          );
        }
        restartedClean = true;
        await restartFromZero();
        continue;
      }
      if (opened.totalBytes !== undefined && opened.totalBytes !== target.bytes) {
        opened.close();
        await removeIfPresent(partial);
        throw new ModelError(
          'FILE_SIZE_MISMATCH',
          `refusing ${where}: it has ${opened.totalBytes} bytes, expected ${target.bytes} ` +
            `for ${target.path}; the source serves a different file than the pinned one`,
        );
      }
      if (opened.start !== have) {
        if (opened.start !== 0) {
          opened.close();
          throw new ModelError(
            'FETCH_NETWORK',
            `${where} answered a request for bytes ${have}- with bytes ${opened.start}-; ` +
              'the server mishandles Range requests',
          );
        }
        // A 200 to a Range request: the server ignores ranges, so take the file from byte 0.
        startOver();
      }
      if (have > 0) resumedAny = true;
      handle = await open(partial, have === 0 ? 'w' : 'a');
      for await (const chunk of opened.body) {
        if (have + chunk.length > target.bytes) {
          opened.close();
          await handle.close();
          handle = undefined;
          await removeIfPresent(partial);
          throw new ModelError(
            'FILE_SIZE_MISMATCH',
            `refusing ${where}: it sent more than the pinned ${target.bytes} bytes of ${target.path}`,
          );
        }
        await handle.write(chunk);
        hash.update(chunk);
        have += chunk.length;
        transferred += chunk.length;
        report('download', have);
      }
      if (have === target.bytes) await handle.sync();
      await handle.close();
      handle = undefined;
      if (have < target.bytes) {
        // A clean end of the body before the pinned size: a connection closed early (e.g. a server
        // without Content-Length). Resumable like a reset.
        throw new ModelError(
          'FETCH_NETWORK',
          `${where} closed the connection after ${have} of ${target.bytes} bytes`,
        );
      }
    } catch (error) {
      if (handle !== undefined) await handle.close().catch(() => undefined);
      // Never trust bytes counted in memory over the file on disk after a failed write.
      const onDisk = await sizeOrZero(partial);
      if (onDisk !== have) {
        await restartFromZero();
      }
      const retryable = isRetryable(error);
      if (!retryable || failures >= options.retries) {
        if (retryable) {
          throw new ModelError(
            (error as ModelError).code === 'FETCH_TIMEOUT' ? 'FETCH_TIMEOUT' : 'FETCH_NETWORK',
            `${describeError(error)} (after ${failures + 1} attempt${failures === 0 ? '' : 's'}; ` +
              `${have} of ${target.bytes} bytes kept in ${partial} — run the fetch again to resume)`,
            { cause: error },
          );
        }
        throw error;
      }
      failures++;
      await new Promise((r) => setTimeout(r, options.retryDelayMs * 2 ** (failures - 1)));
    }
  }
}

import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { createPidFile, pidAlive } from '../pid-file.js';

/** File names inside a persistence directory. */
export const SNAPSHOT_FILE = 'snapshot.rm';
export const SNAPSHOT_TMP = 'snapshot.rm.tmp';
export const LOCK_FILE = 'lock';
const LOG_PATTERN = /^log-(\d{10})\.rm$/;

export function logFileName(generation: number): string {
  return `log-${String(generation).padStart(10, '0')}.rm`;
}

/** Log files in the directory, by generation ascending. */
export function listLogs(dir: string): { generation: number; name: string }[] {
  const out: { generation: number; name: string }[] = [];
  for (const name of readdirSync(dir)) {
    const m = LOG_PATTERN.exec(name);
    if (m) out.push({ generation: Number(m[1]), name });
  }
  return out.sort((a, b) => a.generation - b.generation);
}

/**
 * Creates the directory 0700 when missing. Returns a warning when an existing one can be read by
 * other users (memory holds whatever agents were told: it should not be world-readable).
 */
export function ensurePrivateDir(dir: string): string | undefined {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (process.getuid && st.uid !== process.getuid()) {
    throw new Error(`${dir} belongs to uid ${st.uid}, not to this user`);
  }
  if ((st.mode & 0o077) !== 0) {
    return `${dir} is accessible to other users (mode ${(st.mode & 0o777).toString(8)}): run \`chmod 700 ${dir}\``;
  }
  return undefined;
}

/**
 * Takes the directory's lock (a file created with O_EXCL holding our pid), so two servers never
 * append to one log. A lock whose process is gone (kill -9, a crash) is taken over. Throws with
 * the holder's pid when a live process has it.
 */
export function takeDirLock(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createPidFile(path)) {
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    }
    // Held: by a live process (refuse, naming it), or stale (take it over).
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(path, 'utf8').trim());
    } catch {
      // Unreadable: treated as stale.
    }
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && pidAlive(holder)) {
      throw new DirInUseError(
        `${dir} is in use by another ringmem process (pid ${holder}): two servers cannot share one directory. Use \`ringmem serve --shared\` so every client talks to one daemon, or give this server another --persist directory`,
      );
    }
    unlinkSync(path);
  }
  throw new Error(`could not take the lock ${path}`);
}

export class DirInUseError extends Error {}

/** Makes a rename or unlink in `dir` durable. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems do not support fsync on a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes all of `buf` (writeSync may write less than asked). */
export function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

export function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Lock files that hold the pid of their owner, shared by the persistence directory's lock
 * (persist/files.ts), the daemon's start lock (daemon/connect.ts) and, for `pidAlive`, the model
 * download lock (models/lock.ts). Creating the file with O_EXCL is the lock; the pid inside lets
 * a later process tell a live holder from one that died without releasing it.
 */
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';

/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates `path` (mode 0600) holding this process's pid, only if it does not exist yet: true when
 * this call created it, false when it was already there. Other errors are thrown.
 */
export function createPidFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * The pid a lock file holds, or undefined when its content is not one (empty: a lock being
 * written this instant, or garbage). Throws when the file cannot be read (e.g. just removed).
 */
export function readPidFile(path: string): number | undefined {
  const holder = Number(readFileSync(path, 'utf8').trim());
  return Number.isSafeInteger(holder) && holder > 0 ? holder : undefined;
}

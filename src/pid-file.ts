import { closeSync, constants, openSync, writeSync } from 'node:fs';

/**
 * Pid files, the lock shape the daemon's start lock and durable memory's directory lock share: a
 * file created only if absent (O_EXCL) holding its creator's pid, stale once that process is gone.
 */

/** Whether a process with this pid exists (EPERM: it does, but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `path` (mode 0600) holding this process's pid if it does not exist: true when created. */
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

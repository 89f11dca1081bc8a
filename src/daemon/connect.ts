import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { selfCommand } from '../cli/config-command.js';
import { createPidFile, pidAlive } from '../pid-file.js';
import { checkSocket, type DaemonPaths, ensureRuntimeDir } from './paths.js';

export class DaemonNotRunningError extends Error {}

const LOG_CAP_BYTES = 1024 * 1024;

function connectOnce(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** A connected socket, or undefined when nothing listens (no socket file, or a stale one). */
async function tryConnect(paths: DaemonPaths): Promise<Socket | undefined> {
  if (!checkSocket(paths)) return undefined;
  try {
    return await connectOnce(paths.socket);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ENOENT') return undefined;
    throw error;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The start lock: whoever creates `daemon.lock` (O_EXCL) starts the daemon; everyone else waits
 * for it and then connects, so two fronts started at the same moment start one daemon. A lock
 * whose process is gone, or older than `staleMs`, is taken over.
 */
async function takeStartLock(
  path: string,
  timeoutMs: number,
  staleMs = 30_000,
): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (createPidFile(path)) {
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // Taken over as stale meanwhile: nothing to release.
        }
      };
    }
    let stale = false;
    try {
      const holder = Number(readFileSync(path, 'utf8').trim());
      const age = Date.now() - statSync(path).mtimeMs;
      // An empty lock is one being written this instant: stale only if it stays empty.
      const valid = Number.isSafeInteger(holder) && holder > 0;
      stale = valid ? !pidAlive(holder) || age > staleMs : age > 1000;
    } catch {
      // Half-written or just removed: look again.
    }
    if (stale) {
      try {
        unlinkSync(path);
      } catch {
        // Someone else removed it first.
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for another process to start the daemon (lock ${path})`);
    }
    await sleep(25);
  }
}

/** Starts `ringmem daemon run <args>` detached, its output appended to the daemon log. */
function spawnDaemon(paths: DaemonPaths, args: string[], env: NodeJS.ProcessEnv) {
  try {
    if (statSync(paths.log).size > LOG_CAP_BYTES) truncateSync(paths.log, 0);
  } catch {
    // No log yet.
  }
  const logFd = openSync(paths.log, 'a', 0o600);
  const main = selfCommand().args[0] as string;
  const child = spawn(process.execPath, [main, 'daemon', 'run', ...args], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env,
    cwd: '/',
  });
  closeSync(logFd);
  child.unref();
  return child;
}

function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
}

/**
 * Connects to the user's daemon, starting it when none answers (`start` given). A stale socket
 * (its daemon was killed) is removed first. Throws DaemonNotRunningError without `start`.
 */
export async function connectOrStart(
  paths: DaemonPaths,
  start: { args: string[]; env: NodeJS.ProcessEnv } | undefined,
  timeoutMs = 30_000,
): Promise<{ socket: Socket; started: boolean }> {
  ensureRuntimeDir(paths);
  let socket = await tryConnect(paths);
  if (socket) return { socket, started: false };
  if (!start)
    throw new DaemonNotRunningError(`no ringmem daemon is running (socket ${paths.socket})`);
  const release = await takeStartLock(paths.lock, timeoutMs);
  try {
    socket = await tryConnect(paths);
    if (socket) return { socket, started: false };
    try {
      unlinkSync(paths.socket);
    } catch {
      // No stale socket.
    }
    const child = spawnDaemon(paths, start.args, start.env);
    let exited: number | null | undefined;
    child.once('exit', (code) => {
      exited = code;
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      socket = await tryConnect(paths);
      if (socket) return { socket, started: true };
      if (exited !== undefined) {
        throw new Error(
          `the ringmem daemon exited at start (code ${exited}): ${logTail(paths.log)} (log: ${paths.log})`,
        );
      }
      await sleep(20);
    }
    throw new Error(
      `the ringmem daemon did not start within ${timeoutMs / 1000} s (log: ${paths.log})`,
    );
  } finally {
    release();
  }
}

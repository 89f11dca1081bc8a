import { chmodSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the per-user daemon lives: `$RINGMEM_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/ringmem`, else
 * `<tmp>/ringmem-<uid>`. The directory is this user's and 0700 (like ssh-agent's and gpg-agent's),
 * so only this user can reach the socket inside it; one owned by anyone else is refused.
 */
export interface DaemonPaths {
  dir: string;
  socket: string;
  lock: string;
  log: string;
  config: string;
}

export function daemonPaths(env: NodeJS.ProcessEnv = process.env): DaemonPaths {
  const uid = process.getuid?.() ?? 0;
  const dir =
    env.RINGMEM_RUNTIME_DIR ||
    (env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'ringmem') : join(tmpdir(), `ringmem-${uid}`));
  const configHome = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return {
    dir,
    socket: join(dir, 'daemon.sock'),
    lock: join(dir, 'daemon.lock'),
    log: join(dir, 'daemon.log'),
    config: env.RINGMEM_DAEMON_CONFIG || join(configHome, 'ringmem', 'daemon.json'),
  };
}

export class UnsafePathError extends Error {}

/** Creates the runtime directory 0700 if needed and checks that it is this user's alone. */
export function ensureRuntimeDir(paths: DaemonPaths): void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const st = statSync(paths.dir);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new UnsafePathError(
      `${paths.dir} belongs to uid ${st.uid}, not to you (uid ${uid}): refusing to use a daemon there. Set RINGMEM_RUNTIME_DIR to a directory of your own`,
    );
  }
  if ((st.mode & 0o077) !== 0) chmodSync(paths.dir, 0o700);
}

/**
 * Checks the socket before connecting: it must be a socket owned by this user, so a socket
 * planted by someone else is never sent a word of memory. Returns false when there is none.
 */
export function checkSocket(paths: DaemonPaths): boolean {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(paths.socket);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const uid = process.getuid?.();
  if (!st.isSocket()) {
    throw new UnsafePathError(`${paths.socket} exists but is not a socket: remove it`);
  }
  if (uid !== undefined && st.uid !== uid) {
    throw new UnsafePathError(
      `${paths.socket} is owned by uid ${st.uid}, not by you (uid ${uid}): refusing to connect. Remove it, or set RINGMEM_RUNTIME_DIR to a directory of your own`,
    );
  }
  return true;
}

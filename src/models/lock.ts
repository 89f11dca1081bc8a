import { readFileSync, statSync } from 'node:fs';
import { open, readFile, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { pidAlive } from '../pid-file.js';
import { ModelError } from './errors.js';

/**
 * A lock file so two fetches of the same model (two terminals, two servers starting) never write
 * the same `.partial` file at once. Created with O_EXCL, holding the owner's pid, host and a
 * random token; the owner touches it every few seconds. A lock is stale — and is taken over —
 * when its pid is gone on this host, or when nobody touched it for `staleMs`.
 *
 * Known limit: two processes that both find the same stale lock at the same instant may both
 * remove it; the window is one unlink + open, and the worst case is two writers to one partial
 * file, which the final sha256 check still catches (the file is refused, not installed).
 */

export interface LockOptions {
  staleMs?: number;
  heartbeatMs?: number;
  /** What is being locked, for the error message (e.g. the model id). */
  what: string;
}

export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

interface LockContent {
  pid: number;
  host: string;
  token: string;
  since: string;
}

function readContent(path: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return parsed as LockContent;
    }
  } catch {
    // Unreadable or half-written: judged by age below.
  }
  return undefined;
}

/** Why an existing lock is stale, or undefined while it is live. */
function staleReason(path: string, staleMs: number): string | undefined {
  let ageMs: number;
  try {
    ageMs = Date.now() - statSync(path).mtimeMs;
  } catch {
    return 'it vanished';
  }
  const content = readContent(path);
  if (content !== undefined && content.host === hostname() && !pidAlive(content.pid)) {
    return `process ${content.pid} is gone`;
  }
  if (ageMs > staleMs) return `it was not refreshed for ${Math.round(ageMs / 1000)} s`;
  return undefined;
}

export async function acquireLock(path: string, options: LockOptions): Promise<HeldLock> {
  const staleMs = options.staleMs ?? 60_000;
  const heartbeatMs = options.heartbeatMs ?? Math.max(1000, Math.floor(staleMs / 6));
  const content: LockContent = {
    pid: process.pid,
    host: hostname(),
    token: Math.random().toString(36).slice(2),
    since: new Date().toISOString(),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(JSON.stringify(content));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const reason = staleReason(path, staleMs);
      if (reason !== undefined && attempt === 0) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      const holder = readContent(path);
      throw new ModelError(
        'MODEL_LOCKED',
        `another fetch of ${options.what} is running` +
          (holder ? ` (pid ${holder.pid} on ${holder.host} since ${holder.since})` : '') +
          `; wait for it to finish, or delete ${path} if no such process exists`,
      );
    }
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, heartbeatMs);
  heartbeat.unref();
  return {
    path,
    async release() {
      clearInterval(heartbeat);
      // Remove only our own lock: if it was taken over as stale, the new owner's file stays.
      const current = await readFile(path, 'utf8').catch(() => '');
      if (current === JSON.stringify(content)) await unlink(path).catch(() => undefined);
    },
  };
}

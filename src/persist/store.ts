// Why this file is longer than ~400 lines: DurableStore is one state machine — on / off /
// refused, the generation, the log descriptor being appended to, a background compaction in flight
// and the snapshot it may install — and what is left here are its transitions, whose fields change
// together. Everything that is not a transition has its own file: the directory and its lock
// (files.ts), the record format (format.ts), reading a directory back (restore.ts) and encoding
// headers, inserts and snapshots (writers.ts).
import {
  closeSync,
  constants,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  openSync,
  renameSync,
} from 'node:fs';
import { join } from 'node:path';
import type { MemoryEngine, StorageStatus } from '../engine/engine.js';
import { describeError } from '../errors.js';
import type { LogFn } from '../log.js';
import {
  DirInUseError,
  ensurePrivateDir,
  fsyncDir,
  listLogs,
  logFileName,
  removeIfPresent,
  SNAPSHOT_FILE,
  SNAPSHOT_TMP,
  takeDirLock,
  writeAll,
} from './files.js';
import { RecordType, RecordWriter } from './format.js';
import {
  type DirFiles,
  type ExplicitSettings,
  encodeSettings,
  RefusedError,
  readDirFiles,
  replayInto,
} from './restore.js';
import { createLogFile, writeInsertRecords, writeSnapshot } from './writers.js';

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface StoreOptions {
  dir: string;
  fsync: FsyncPolicy;
  /** How often a snapshot is rewritten (forgotten and expired data leave the files then). */
  compactIntervalMs: number;
  /** Model id and dimension recorded in every file; a directory from another model is refused. */
  model: string;
  dim: number;
  log: LogFn;
  /** fsync period under 'interval'. */
  syncIntervalMs?: number;
}

/** Compact early when the log outgrows this and twice the snapshot. */
const LOG_COMPACT_BYTES = 64 * 1024 * 1024;

/**
 * Durable memory for one engine: an append-only log of inserts and forgets plus a compacted
 * snapshot, in one directory. On open it restores the engine (snapshot, then the logs that
 * follow it, each read up to its first bad record); afterwards the engine reports every change
 * (DurableMemoryEngine) and the store appends it before the call returns.
 *
 * Files: `snapshot.rm` (generation g, written beside as `snapshot.rm.tmp` and renamed into
 * place), `log-<g>.rm` (changes since snapshot g), `lock` (the pid that writes here).
 *
 * Failure policy: a write that fails (disk full, read-only, I/O error) turns persistence off
 * with an error naming the file; the server keeps serving from RAM, and each compaction
 * interval retries by writing a fresh snapshot. A directory that cannot be read safely (another
 * model, a corrupt snapshot, in use by another process) is refused: never written, never mixed.
 */
export class DurableStore {
  private readonly opts: StoreOptions;
  private state: StorageStatus['state'] = 'refused';
  private error: string | null = null;
  private fd: number | undefined;
  private generation = 0;
  private readonly writer = new RecordWriter();
  private readonly explicit = new Map<string, ExplicitSettings>();
  private unsynced = false;
  private dirty = false;
  private logBytes = 0;
  private snapshotBytes = 0;
  private nextExpiryAt = Number.POSITIVE_INFINITY;
  private lastCompaction: number | null = null;
  private compactionPending = false;
  /** A background compaction is flushing its snapshot. */
  private compacting = false;
  /** Generation of the snapshot in place (a late background one never replaces a newer one). */
  private installedGeneration = 0;
  private releaseLock: (() => void) | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private compactTimer: NodeJS.Timeout | undefined;
  private readonly restored = { entries: 0, namespaces: 0, ms: 0, droppedBytes: 0 };
  private readonly warnings: string[] = [];
  private closed = false;

  private constructor(
    private readonly engine: MemoryEngine,
    opts: StoreOptions,
  ) {
    this.opts = opts;
  }

  /**
   * Opens (or creates) the directory and restores the engine from it. Never throws: a directory
   * that cannot be used leaves the store refused or off, with the reason in `status()`.
   */
  static open(engine: MemoryEngine, opts: StoreOptions): DurableStore {
    // A file-size limit (ulimit -f) would otherwise kill the process on the write that crosses
    // it; ignored, the write fails with EFBIG and is handled like a full disk.
    if (process.listenerCount('SIGXFSZ') === 0) process.on('SIGXFSZ', () => {});
    const store = new DurableStore(engine, opts);
    store.openDir();
    store.startTimers();
    return store;
  }

  private openDir(): void {
    const { dir, log } = this.opts;
    const started = performance.now();
    try {
      const warning = ensurePrivateDir(dir);
      if (warning) this.warn(warning);
      this.releaseLock = takeDirLock(dir);
    } catch (error) {
      const why = describeError(error);
      this.refuse(
        error instanceof DirInUseError
          ? why
          : `cannot use ${dir} for durable memory: ${why}. Fix the directory (it must be a writable directory of this user) or point --persist elsewhere`,
      );
      return;
    }
    let files: DirFiles;
    try {
      files = readDirFiles(dir, this.opts.model, this.opts.dim, (m) => this.warn(m));
    } catch (error) {
      this.releaseLock?.();
      this.releaseLock = undefined;
      if (error instanceof RefusedError) this.refuse(error.message);
      else this.refuse(`cannot read ${dir}: ${describeError(error)}`);
      return;
    }
    const replayed = replayInto(this.engine, files, dir, this.opts.dim, (m) => this.warn(m));
    for (const [ns, settings] of replayed.explicit) this.explicit.set(ns, settings);
    this.restored.entries = replayed.entries;
    this.restored.namespaces = replayed.namespaces;
    this.restored.droppedBytes = files.droppedBytes;
    this.snapshotBytes = files.snapshot?.buf.length ?? 0;
    this.installedGeneration = files.snapshot?.generation ?? 0;
    this.generation = Math.max(this.installedGeneration, files.logs.at(-1)?.generation ?? 0);
    this.dirty = files.logs.some((l) => l.records.length > 1);
    this.restored.ms = performance.now() - started;
    this.state = 'on';
    try {
      this.openLogForAppend(files);
    } catch (error) {
      this.fail(error, `opening the log in ${dir}`);
    }
    this.updateExpiry();
    log(
      'info',
      `durable memory in ${dir}: restored ${this.restored.entries} entries in ${this.restored.namespaces} namespaces (${this.restored.ms.toFixed(0)} ms), fsync ${this.opts.fsync}`,
    );
  }

  private openLogForAppend(files: DirFiles): void {
    const last = files.logs.at(-1);
    const path = join(this.opts.dir, logFileName(this.generation));
    if (last && last.generation === this.generation) {
      this.fd = openSync(path, constants.O_WRONLY | constants.O_APPEND, 0o600);
      this.logBytes = fstatSync(this.fd).size;
      return;
    }
    this.fd = this.createLog(this.generation);
  }

  /** Creates log g with its header, durably; returns its descriptor. */
  private createLog(generation: number): number {
    const { fd, bytes } = createLogFile(this.opts.dir, generation, this.opts);
    this.logBytes = bytes;
    return fd;
  }

  // ── logging changes ──────────────────────────────────────────────────────────────────────

  /** Logs the entries an insert just stored (ids ≥ firstId in the namespace). */
  logInsert(namespace: string, firstId: number): void {
    if (this.state !== 'on') return;
    writeInsertRecords(this.writer, this.engine, namespace, firstId);
    this.append();
  }

  logForget(ids: readonly number[], namespace: string | undefined): void {
    this.logJson(RecordType.Forget, { ns: namespace, ids });
  }

  logCut(before: number, namespace: string | undefined): void {
    this.logJson(RecordType.Cut, { ns: namespace, before });
  }

  logDrop(namespace: string): void {
    this.explicit.delete(namespace);
    this.logJson(RecordType.Drop, { ns: namespace });
  }

  logNamespace(namespace: string, settings: ExplicitSettings): void {
    const merged: ExplicitSettings = { ...this.explicit.get(namespace) };
    if (settings.capacity !== undefined) merged.capacity = settings.capacity;
    if (settings.ttlMs !== undefined) merged.ttlMs = settings.ttlMs;
    this.explicit.set(namespace, merged);
    this.logJson(RecordType.Namespace, encodeSettings(namespace, merged));
  }

  private logJson(type: (typeof RecordType)[keyof typeof RecordType], value: unknown): void {
    if (this.state !== 'on') return;
    this.writer.reset();
    this.writer.json(type, value);
    this.append();
  }

  /** Writes the writer's records to the log; under 'always' they are on disk when this returns. */
  private append(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    const bytes = this.writer.bytes();
    try {
      writeAll(fd, bytes);
      if (this.opts.fsync === 'always') fdatasyncSync(fd);
      else this.unsynced = true;
    } catch (error) {
      this.fail(error, `writing ${join(this.opts.dir, logFileName(this.generation))}`);
      return;
    }
    this.logBytes += bytes.length;
    this.dirty = true;
    if (
      this.logBytes > LOG_COMPACT_BYTES &&
      this.logBytes > 2 * this.snapshotBytes &&
      !this.compactionPending
    ) {
      // Keep restart time and disk use bounded by the live data, not by the history.
      this.compactionPending = true;
      setImmediate(() => {
        this.compactionPending = false;
        this.compactInBackground();
      });
    }
  }

  // ── compaction ───────────────────────────────────────────────────────────────────────────

  /**
   * Writes the live window as snapshot g+1 (beside the old one, then renamed into place) and
   * starts log g+1; older files are deleted. Forgotten and expired entries are not in the new
   * files, so this is when they leave the disk. From state 'off' this is also the retry.
   */
  compact(): boolean {
    return this.runCompaction(false);
  }

  /**
   * The timer's compaction: the snapshot is written and the log switched at once, and the
   * snapshot's flush to disk and its rename happen off the event loop (a large window would
   * otherwise stall every client for the fsync). Until the rename, a restart reads the old
   * snapshot and both logs, which hold the same changes.
   */
  compactInBackground(): void {
    // A retry after a failure stays synchronous: nothing else is being written then anyway.
    this.runCompaction(this.state === 'on');
  }

  private runCompaction(background: boolean): boolean {
    // A synchronous compaction (close, tests) may overtake a background one still flushing.
    if (this.state === 'refused' || this.closed || (background && this.compacting)) return false;
    const { dir } = this.opts;
    const generation = this.generation + 1;
    const tmp = join(dir, `${SNAPSHOT_TMP}-${generation}`);
    let newLog: number | undefined;
    let snapFd: number | undefined;
    let bytes = 0;
    let stage = `writing ${tmp}`;
    try {
      snapFd = openSync(tmp, 'w', 0o600);
      bytes = writeSnapshot(snapFd, generation, this.engine, this.explicit, this.opts);
      if (!background) {
        fdatasyncSync(snapFd);
        closeSync(snapFd);
        snapFd = undefined;
      }
      stage = `creating ${join(dir, logFileName(generation))}`;
      newLog = this.createLog(generation);
      if (!background) {
        stage = `renaming ${tmp} to ${SNAPSHOT_FILE}`;
        renameSync(tmp, join(dir, SNAPSHOT_FILE));
        fsyncDir(dir);
      }
    } catch (error) {
      if (snapFd !== undefined) closeSync(snapFd);
      if (newLog !== undefined) closeSync(newLog);
      this.compactionFailed(`${stage}: ${describeError(error)}`, [
        tmp,
        join(dir, logFileName(generation)),
      ]);
      return false;
    }
    // From here changes go to the new log; the old one holds nothing the new snapshot lacks.
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // Closing a failed descriptor may fail again; it is being replaced.
      }
    }
    this.fd = newLog;
    this.generation = generation;
    this.dirty = false;
    this.unsynced = false;
    if (!background) {
      this.installed(generation, bytes);
      return true;
    }
    this.compacting = true;
    const fd = snapFd as number;
    fdatasync(fd, (syncError) => {
      this.compacting = false;
      let error: unknown = syncError;
      try {
        closeSync(fd);
      } catch {
        // Reported through syncError when it matters.
      }
      if (!error && generation > this.installedGeneration && !this.closed) {
        try {
          renameSync(tmp, join(dir, SNAPSHOT_FILE));
          fsyncDir(dir);
        } catch (renameError) {
          error = renameError;
        }
      } else if (!error) {
        removeIfPresent(tmp); // a newer snapshot got in first (a synchronous one at close)
        return;
      }
      if (error) {
        this.dirty = true; // the logs still hold everything: try again next interval
        this.compactionFailed(`installing ${tmp}: ${describeError(error)}`, [tmp]);
        return;
      }
      this.installed(generation, bytes);
    });
    return true;
  }

  /** Snapshot `generation` is in place: older logs go, and persistence is on again if it was off. */
  private installed(generation: number, bytes: number): void {
    const { dir } = this.opts;
    this.installedGeneration = generation;
    this.snapshotBytes = bytes;
    try {
      for (const { generation: g, name } of listLogs(dir)) {
        if (g < generation) removeIfPresent(join(dir, name));
      }
      fsyncDir(dir);
    } catch (error) {
      this.warn(`could not delete logs older than snapshot ${generation}: ${describeError(error)}`);
    }
    this.lastCompaction = Date.now();
    this.updateExpiry();
    if (this.state === 'off') {
      this.opts.log('warning', `durable memory is back on: ${dir} holds the current window again`);
      this.state = 'on';
      this.error = null;
    }
  }

  private compactionFailed(message: string, leftovers: string[]): void {
    try {
      for (const path of leftovers) removeIfPresent(path);
    } catch {
      // The directory itself is failing; the message below says so.
    }
    if (this.state === 'on') {
      this.warn(
        `compaction failed (${message}); the log keeps every change, forgotten entries stay in it until a compaction succeeds`,
      );
    } else if (!`${this.error ?? ''}`.includes(message)) {
      this.error = `${this.error}; retry failed: ${message}`;
    }
  }

  /** When the oldest entry in the files expires (a compaction is then due to remove it). */
  private updateExpiry(): void {
    let next = Number.POSITIVE_INFINITY;
    const now = this.engine.now();
    for (const s of this.engine.stats()) {
      if (s.ttlMs !== null && s.oldestAgeMs !== null) {
        next = Math.min(next, now - s.oldestAgeMs + s.ttlMs);
      }
    }
    this.nextExpiryAt = next;
  }

  private startTimers(): void {
    if (this.state === 'refused') return;
    if (this.opts.fsync === 'interval') {
      this.syncTimer = setInterval(() => this.syncNow(), this.opts.syncIntervalMs ?? 1000);
      this.syncTimer.unref();
    }
    this.compactTimer = setInterval(() => {
      if (this.state === 'off' || this.dirty || this.engine.now() >= this.nextExpiryAt) {
        this.compactInBackground();
      }
    }, this.opts.compactIntervalMs);
    this.compactTimer.unref();
  }

  private syncNow(): void {
    if (!this.unsynced || this.fd === undefined || this.state !== 'on') return;
    this.unsynced = false;
    const fd = this.fd;
    fdatasync(fd, (error) => {
      if (error && fd === this.fd) this.fail(error, `flushing ${logFileName(this.generation)}`);
    });
  }

  // ── state ────────────────────────────────────────────────────────────────────────────────

  private warn(message: string): void {
    this.warnings.push(message);
    this.opts.log('warning', message);
  }

  private refuse(message: string): void {
    this.state = 'refused';
    this.error = message;
    this.opts.log('error', `durable memory is off: ${message}; serving from RAM only`);
  }

  private fail(error: unknown, doing: string): void {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === 'ENOSPC' || code === 'EDQUOT'
        ? 'the disk is full: free space'
        : code === 'EROFS' || code === 'EACCES' || code === 'EPERM'
          ? `the directory is not writable: make ${this.opts.dir} writable by this user`
          : 'check the disk';
    this.state = 'off';
    this.error = `${doing} failed: ${describeError(error)}. ${hint}; ringmem retries every ${Math.round(this.opts.compactIntervalMs / 1000)} s. Until then changes live in RAM only, and a restart would bring back the directory's older contents (delete ${this.opts.dir} to wipe them)`;
    this.opts.log('error', `durable memory is off: ${this.error}`);
  }

  status(): StorageStatus {
    let logBytes = this.logBytes;
    if (this.state === 'refused') logBytes = 0;
    return {
      kind: 'disk',
      state: this.state,
      error: this.error,
      dir: this.opts.dir,
      fsync: this.opts.fsync,
      compact_interval_seconds: this.opts.compactIntervalMs / 1000,
      log_bytes: logBytes,
      snapshot_bytes: this.snapshotBytes,
      last_compaction:
        this.lastCompaction === null ? null : new Date(this.lastCompaction).toISOString(),
      restored_entries: this.restored.entries,
      restore_ms: Math.round(this.restored.ms),
      warnings: [...this.warnings],
    };
  }

  /** Stops the timers, writes a final snapshot when anything changed, and releases the directory. */
  close(): void {
    if (this.closed) return;
    if (this.syncTimer) clearInterval(this.syncTimer);
    if (this.compactTimer) clearInterval(this.compactTimer);
    if (this.state !== 'refused' && (this.dirty || this.state === 'off')) this.compact();
    this.closed = true;
    if (this.fd !== undefined) {
      try {
        if (this.state === 'on') fdatasyncSync(this.fd);
        closeSync(this.fd);
      } catch {
        // Already reported when the write failed.
      }
      this.fd = undefined;
    }
    this.releaseLock?.();
    this.releaseLock = undefined;
  }
}

import {
  closeSync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { MemoryEngine, StoredSlot } from '../engine/engine.js';
import { describeError } from '../errors.js';
import { defaultRegistry } from '../models/registry.js';
import { listLogs, removeIfPresent, SNAPSHOT_FILE, SNAPSHOT_TMP } from './files.js';
import {
  type FileHeader,
  FORMAT_NAME,
  FORMAT_VERSION,
  type RawRecord,
  RecordType,
  readEntries,
  readJson,
  scanRecords,
} from './format.js';

/**
 * Opening a persistence directory: reading and checking its files, then replaying them into an
 * engine. Writing (the log, compactions) is the store's (store.ts).
 */

/** A problem opening the directory that needs the user: nothing is read from or written to it. */
export class RefusedError extends Error {}

/** Namespace settings given explicitly (the others follow the server's defaults on restore). */
export interface ExplicitSettings {
  capacity?: number;
  ttlMs?: number;
}

export interface OpenedFile {
  name: string;
  generation: number;
  buf: Buffer;
  records: RawRecord[];
}

export interface DirFiles {
  snapshot: OpenedFile | undefined;
  logs: OpenedFile[];
  /** Bytes cut from torn or damaged logs. */
  droppedBytes: number;
}

/**
 * Reads and checks every file of the directory before anything is applied, so a refusal changes
 * nothing. A log is read up to its first bad record and cut there; logs after a damaged one, and
 * logs older than the snapshot, are removed.
 */
export function readDirFiles(
  dir: string,
  model: string,
  dim: number,
  warn: (message: string) => void,
): DirFiles {
  let droppedBytes = 0;
  const checkHeader = (path: string, record: RawRecord | undefined, kind: FileHeader['kind']) =>
    checkFileHeader(dir, model, dim, path, record, kind);
  // Snapshots a crash left half-made (the one in place is still whole).
  for (const name of readdirSync(dir)) {
    if (name.startsWith(SNAPSHOT_TMP)) removeIfPresent(join(dir, name));
  }
  let snapshot: OpenedFile | undefined;
  const snapPath = join(dir, SNAPSHOT_FILE);
  let buf: Buffer | undefined;
  try {
    buf = readFileSync(snapPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (buf) {
    const scan = scanRecords(buf);
    const corrupt = (why: string) =>
      new RefusedError(
        `the snapshot ${snapPath} is corrupt (${why}); ringmem will not guess what it held. Move it away (\`mv ${snapPath} ${snapPath}.bad\`) and restart to begin from the logs only, or delete ${dir} to start empty. Persistence stays off until then`,
      );
    if (scan.stop) throw corrupt(`${scan.stop} at byte ${scan.goodEnd}`);
    const header = checkHeader(snapPath, scan.records[0], 'snapshot');
    if (!header) throw corrupt('no header record');
    if (scan.records.at(-1)?.type !== RecordType.End)
      throw corrupt('it ends before its end record');
    snapshot = { name: SNAPSHOT_FILE, generation: header.generation, buf, records: scan.records };
  }
  const base = snapshot?.generation ?? 0;
  const logs: OpenedFile[] = [];
  let stopped = false;
  for (const { generation, name } of listLogs(dir)) {
    const path = join(dir, name);
    if (generation < base || stopped) {
      // Older than the snapshot (a compaction that crashed before deleting it), or after a
      // damaged log: nothing in it can be applied.
      if (stopped) warn(`dropped ${path}: it follows a damaged log`);
      removeIfPresent(path);
      continue;
    }
    const fileBuf = readFileSync(path);
    const scan = scanRecords(fileBuf);
    const header = scan.records[0] ? checkHeader(path, scan.records[0], 'log') : undefined;
    if (!header) {
      // A log created but never completed its header (a crash at that instant): empty.
      droppedBytes += fileBuf.length;
      removeIfPresent(path);
      stopped = true;
      continue;
    }
    if (scan.stop) {
      const dropped = fileBuf.length - scan.goodEnd;
      droppedBytes += dropped;
      warn(
        `${path}: dropped the last ${dropped} bytes (${scan.stop} at byte ${scan.goodEnd}): a write torn by a crash, or damage; everything before it was restored`,
      );
      truncateFile(path, scan.goodEnd);
      stopped = true;
    }
    logs.push({ name, generation, buf: fileBuf, records: scan.records });
  }
  return { snapshot, logs, droppedBytes };
}

function checkFileHeader(
  dir: string,
  model: string,
  dim: number,
  path: string,
  record: RawRecord | undefined,
  kind: FileHeader['kind'],
): FileHeader | undefined {
  if (!record || record.type !== RecordType.Header) return undefined;
  const h = readJson(record.payload) as Partial<FileHeader>;
  if (h.format !== FORMAT_NAME || h.kind !== kind || typeof h.generation !== 'number') {
    throw new RefusedError(
      `${path} is not a ringmem ${kind} file; --persist must name a directory that only ringmem writes`,
    );
  }
  if ((h.version ?? 0) > FORMAT_VERSION) {
    throw new RefusedError(
      `${path} was written by a newer ringmem (format ${h.version}, this one reads ${FORMAT_VERSION}): upgrade ringmem, or use another --persist directory`,
    );
  }
  if (h.model !== model || h.dim !== dim) {
    // A model this ringmem cannot load (e.g. the built-in model of an earlier version, replaced by
    // a retrained one) cannot be the way out: say so instead of suggesting --model with it.
    const known = typeof h.model === 'string' && defaultRegistry().lookup(h.model) !== undefined;
    const way = known
      ? `Start with --model ${h.model}, give another --persist directory, or delete ${dir} to start over`
      : `This ringmem cannot load ${h.model} (an earlier built-in model, or one not installed here): give another --persist directory, or delete ${dir} to start over`;
    throw new RefusedError(
      `${dir} holds memory embedded with model ${h.model} (${h.dim} dims), but this server uses ${model} (${dim} dims); vectors of two models cannot be mixed. ${way}`,
    );
  }
  return h as FileHeader;
}

/**
 * Applies the snapshot and then the logs to an empty engine through its restore methods (and,
 * for forgets and cuts, its ordinary ones: the engine is not logging yet).
 */
export function replayInto(
  engine: MemoryEngine,
  files: DirFiles,
  dir: string,
  dim: number,
  warn: (message: string) => void,
): { explicit: Map<string, ExplicitSettings>; entries: number; namespaces: number } {
  const explicit = new Map<string, ExplicitSettings>();
  let nextId = 1;
  let skipped = 0;
  let firstSkip = '';
  const restore = (ns: string, e: StoredSlot) => {
    try {
      engine.restoreSlot(ns, e);
    } catch (error) {
      if (skipped++ === 0) firstSkip = describeError(error);
    }
    if (e.id >= nextId) nextId = e.id + 1;
  };
  const apply = (file: OpenedFile) => {
    for (const r of file.records) {
      try {
        switch (r.type) {
          case RecordType.Entries:
            readEntries(r.payload, dim, restore, (ns, count) =>
              engine.reserveForRestore(ns, count),
            );
            break;
          case RecordType.Namespace: {
            const v = readJson(r.payload) as { ns: string; capacity?: number; ttlMs?: number };
            const settings = decodeSettings(v);
            if (settings.capacity !== undefined || settings.ttlMs !== undefined) {
              explicit.set(v.ns, settings);
            }
            engine.configureNamespace(v.ns, settings);
            break;
          }
          case RecordType.Forget: {
            const v = readJson(r.payload) as { ns?: string; ids: number[] };
            engine.forget(v.ids, v.ns);
            break;
          }
          case RecordType.Cut: {
            const v = readJson(r.payload) as { ns?: string; before: number };
            engine.forgetOlderThan({ before: v.before, namespace: v.ns });
            break;
          }
          case RecordType.Drop: {
            const v = readJson(r.payload) as { ns: string };
            engine.dropNamespace(v.ns);
            explicit.delete(v.ns);
            break;
          }
          case RecordType.End: {
            const v = readJson(r.payload) as { nextId: number };
            if (v.nextId > nextId) nextId = v.nextId;
            break;
          }
        }
      } catch (error) {
        warn(
          `${join(dir, file.name)}: skipped a record at byte ${r.offset}: ${describeError(error)}`,
        );
      }
    }
  };
  if (files.snapshot) apply(files.snapshot);
  for (const log of files.logs) apply(log);
  if (skipped > 0) {
    warn(
      `${skipped} stored entries did not fit this server's settings and were not restored (first: ${firstSkip})`,
    );
  }
  engine.finishRestore(nextId);
  const stats = engine.stats();
  return { explicit, entries: stats.reduce((n, s) => n + s.count, 0), namespaces: stats.length };
}

export function truncateFile(path: string, length: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, length);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function encodeSettings(ns: string, s: ExplicitSettings): Record<string, unknown> {
  return {
    ns,
    capacity: s.capacity,
    ttlMs: s.ttlMs === undefined ? undefined : Number.isFinite(s.ttlMs) ? s.ttlMs : 'none',
  };
}

export function decodeSettings(v: {
  capacity?: number;
  ttlMs?: number | string;
}): ExplicitSettings {
  const out: ExplicitSettings = {};
  if (typeof v.capacity === 'number') out.capacity = v.capacity;
  if (v.ttlMs === 'none') out.ttlMs = Number.POSITIVE_INFINITY;
  else if (typeof v.ttlMs === 'number') out.ttlMs = v.ttlMs;
  return out;
}

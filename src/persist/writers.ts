import { closeSync, constants, fdatasyncSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { MemoryEngine } from '../engine/engine.js';
import { fsyncDir, logFileName, writeAll } from './files.js';
import {
  beginEntries,
  endEntries,
  type FileHeader,
  FORMAT_NAME,
  FORMAT_VERSION,
  RecordType,
  RecordWriter,
  writeEntry,
} from './format.js';
import { type ExplicitSettings, encodeSettings } from './restore.js';

/**
 * What the durable store (store.ts) writes, as functions of the engine's state and the file's
 * identity: a file header, a new log file, the records of one insert, a whole snapshot. The store
 * decides when; these know how.
 */

/** Entries per Entries record in a snapshot, and bytes after which a record is closed anyway. */
const SNAPSHOT_BATCH = 4096;
const RECORD_SOFT_LIMIT = 8 * 1024 * 1024;

/** Who wrote a file: a directory from another model (or dimension) is refused on open. */
export interface FileIdentity {
  model: string;
  dim: number;
}

export function fileHeader(
  kind: FileHeader['kind'],
  generation: number,
  id: FileIdentity,
): FileHeader {
  return {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    kind,
    generation,
    model: id.model,
    dim: id.dim,
    precision: 'f32',
    created: new Date().toISOString(),
  };
}

/**
 * Creates log `generation` in `dir` with its header, durably (data and directory entry synced);
 * returns its descriptor, open for appending, and the bytes written.
 */
export function createLogFile(
  dir: string,
  generation: number,
  id: FileIdentity,
): { fd: number; bytes: number } {
  const path = join(dir, logFileName(generation));
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND,
    0o600,
  );
  try {
    const w = new RecordWriter();
    w.json(RecordType.Header, fileHeader('log', generation, id));
    writeAll(fd, w.bytes());
    fdatasyncSync(fd);
    fsyncDir(dir);
    return { fd, bytes: w.length };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Puts into `w` (after a reset) the Entries records of the entries an insert just stored in
 * `namespace`: those with ids ≥ firstId.
 */
export function writeInsertRecords(
  w: RecordWriter,
  engine: MemoryEngine,
  namespace: string,
  firstId: number,
): void {
  w.reset();
  let countAt = beginEntries(w, namespace);
  let count = 0;
  engine.exportSlots(namespace, firstId, (slot) => {
    if (count > 0 && w.length > RECORD_SOFT_LIMIT) {
      endEntries(w, countAt, count);
      countAt = beginEntries(w, namespace);
      count = 0;
    }
    writeEntry(w, slot);
    count++;
  });
  endEntries(w, countAt, count);
}

/**
 * Writes the engine's live window to `fd` as snapshot `generation` (header, each namespace's
 * settings and entries, then End with the next id); returns the bytes written. Written in pieces
 * of at most SNAPSHOT_BATCH entries, so memory stays bounded whatever the window's size.
 */
export function writeSnapshot(
  fd: number,
  generation: number,
  engine: MemoryEngine,
  explicit: ReadonlyMap<string, ExplicitSettings>,
  id: FileIdentity,
): number {
  let bytes = 0;
  const w = new RecordWriter();
  const flush = () => {
    writeAll(fd, w.bytes());
    bytes += w.length;
    w.reset();
  };
  w.json(RecordType.Header, fileHeader('snapshot', generation, id));
  let entries = 0;
  for (const ns of engine.namespaces()) {
    w.json(RecordType.Namespace, encodeSettings(ns, explicit.get(ns) ?? {}));
    let countAt = -1;
    let count = 0;
    engine.exportSlots(ns, 0, (slot) => {
      if (countAt < 0 || count >= SNAPSHOT_BATCH || w.length > RECORD_SOFT_LIMIT) {
        if (countAt >= 0) {
          endEntries(w, countAt, count);
          flush();
        }
        countAt = beginEntries(w, ns);
        count = 0;
      }
      writeEntry(w, slot);
      count++;
      entries++;
    });
    if (countAt >= 0) endEntries(w, countAt, count);
    flush();
  }
  w.json(RecordType.End, { nextId: engine.nextEntryId, entries });
  flush();
  return bytes;
}

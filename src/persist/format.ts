import type { StoredSlot } from '../engine/engine.js';
import { crc32 } from './crc32.js';

/**
 * The on-disk record format shared by the log and the snapshots.
 *
 * One record = u32 length (of what follows the 8-byte head) + u32 CRC-32 (of the same bytes) +
 * one type byte + the payload, little-endian. A reader stops at the first record whose length
 * runs past the end of the file or whose checksum does not match: after a crash that is a torn
 * last write, which is expected and dropped, never read as data (SQLite's WAL and Redis's AOF
 * do the same).
 *
 * Entries records carry the stored unit vectors in the ring's precision (float32 today) together
 * with id, time and arrival similarity, so a restart restores the window without re-embedding.
 */

export const FORMAT_NAME = 'ringmem-persist';
export const FORMAT_VERSION = 1;

export const RecordType = {
  /** JSON FileHeader; always the first record of a file. */
  Header: 1,
  /** JSON {ns, capacity?, ttlMs?}: a namespace with explicit settings (or, in a snapshot, any namespace). */
  Namespace: 2,
  /** Binary batch of entries of one namespace (see encodeEntries). */
  Entries: 3,
  /** JSON {ns?, ids}: ids tombstoned by forget. */
  Forget: 4,
  /** JSON {ns?, before}: forget_older_than with its absolute cutoff. */
  Cut: 5,
  /** JSON {ns}: a namespace dropped. */
  Drop: 6,
  /** JSON {nextId, entries}: last record of a complete snapshot. */
  End: 7,
} as const;
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];

export interface FileHeader {
  format: typeof FORMAT_NAME;
  version: number;
  kind: 'snapshot' | 'log';
  /** Snapshot generation this file belongs to: a log g follows snapshot g. */
  generation: number;
  model: string;
  dim: number;
  precision: 'f32';
  created: string;
}

/** Head bytes of a record: u32 length + u32 crc. */
export const RECORD_HEAD = 8;
/** Refuse lengths beyond this when reading: a corrupt length must not allocate gigabytes. */
export const MAX_RECORD_BYTES = 1 << 30;

/**
 * Builds records into one growing buffer: `begin(type)`, write the payload, `end()`. The buffer
 * is reused between batches so logging an insert allocates nothing per entry.
 */
export class RecordWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  private pos = 0;
  private start = -1;

  get length(): number {
    return this.pos;
  }

  reset(): void {
    this.pos = 0;
    this.start = -1;
  }

  /** The bytes written so far (a view: valid until the next write or reset). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  begin(type: RecordTypeCode): void {
    this.ensure(RECORD_HEAD + 1);
    this.start = this.pos;
    this.pos += RECORD_HEAD;
    this.buf[this.pos++] = type;
  }

  end(): void {
    const start = this.start;
    const body = this.buf.subarray(start + RECORD_HEAD, this.pos);
    this.buf.writeUInt32LE(body.length, start);
    this.buf.writeUInt32LE(crc32(body), start + 4);
    this.start = -1;
  }

  json(type: RecordTypeCode, value: unknown): void {
    this.begin(type);
    this.string32(JSON.stringify(value));
    this.end();
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  f32(v: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.pos);
    this.pos += 4;
  }

  /** u32 byte length + UTF-8. */
  string32(s: string): void {
    const n = Buffer.byteLength(s);
    this.ensure(4 + n);
    this.buf.writeUInt32LE(n, this.pos);
    this.buf.write(s, this.pos + 4, n, 'utf8');
    this.pos += 4 + n;
  }

  /** The row's float32 bits, as stored (no conversion). */
  row(row: Float32Array): void {
    const n = row.byteLength;
    this.ensure(n);
    this.buf.set(new Uint8Array(row.buffer, row.byteOffset, n), this.pos);
    this.pos += n;
  }
}

export interface RawRecord {
  type: number;
  /** Payload bytes after the type byte (a view into the file buffer). */
  payload: Buffer;
  /** Offset of the record's head in the file. */
  offset: number;
}

export interface ScanResult {
  records: RawRecord[];
  /** Offset just past the last good record. */
  goodEnd: number;
  /** Why reading stopped before the end of the buffer, when it did. */
  stop: string | undefined;
}

/** Reads records until the end or the first bad one (torn, bad checksum, absurd length). */
export function scanRecords(buf: Buffer): ScanResult {
  const records: RawRecord[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < RECORD_HEAD + 1) {
      return { records, goodEnd: pos, stop: `a torn record head (${buf.length - pos} bytes)` };
    }
    const len = buf.readUInt32LE(pos);
    if (len < 1 || len > MAX_RECORD_BYTES) {
      return { records, goodEnd: pos, stop: `an impossible record length ${len}` };
    }
    if (pos + RECORD_HEAD + len > buf.length) {
      return {
        records,
        goodEnd: pos,
        stop: `a torn record (${len} bytes announced, ${buf.length - pos - RECORD_HEAD} present)`,
      };
    }
    const body = buf.subarray(pos + RECORD_HEAD, pos + RECORD_HEAD + len);
    if (crc32(body) !== buf.readUInt32LE(pos + 4)) {
      return { records, goodEnd: pos, stop: 'a record whose checksum does not match' };
    }
    records.push({ type: body[0] as number, payload: body.subarray(1), offset: pos });
    pos += RECORD_HEAD + len;
  }
  return { records, goodEnd: pos, stop: undefined };
}

export function readJson(payload: Buffer): unknown {
  const n = payload.readUInt32LE(0);
  return JSON.parse(payload.toString('utf8', 4, 4 + n));
}

export type StoredEntry = StoredSlot;

const HAS_TEXT = 1;
const HAS_TAGS = 2;
const HAS_META = 4;
const DEAD = 8;

/** Entries payload: u32 ns length + ns, u32 count, then per entry its fields and row. */
export function beginEntries(w: RecordWriter, namespace: string): number {
  w.begin(RecordType.Entries);
  w.string32(namespace);
  const countAt = w.length;
  w.u32(0); // patched by endEntries
  return countAt;
}

export function writeEntry(w: RecordWriter, e: StoredEntry): void {
  const flags =
    (e.text !== undefined ? HAS_TEXT : 0) |
    (e.tags && e.tags.length > 0 ? HAS_TAGS : 0) |
    (e.metadata !== undefined ? HAS_META : 0) |
    (e.dead ? DEAD : 0);
  w.f64(e.id);
  w.f64(e.time);
  w.f32(e.arrival);
  w.u8(flags);
  if (flags & HAS_TEXT) w.string32(e.text as string);
  if (flags & HAS_TAGS) w.string32(JSON.stringify(e.tags));
  if (flags & HAS_META) w.string32(JSON.stringify(e.metadata));
  if (!e.dead) w.row(e.row as Float32Array);
}

/** Patches the count at `countAt` (the offset `beginEntries` left) and closes the record. */
export function endEntries(w: RecordWriter, countAt: number, count: number): void {
  w.bytes().writeUInt32LE(count, countAt);
  w.end();
}

/**
 * Decodes an Entries payload, calling `visit` per entry. `row` is a scratch array reused for
 * every entry: the visitor copies it if it keeps it.
 */
export function readEntries(
  payload: Buffer,
  dim: number,
  visit: (namespace: string, entry: StoredEntry) => void,
  before?: (namespace: string, count: number) => void,
): number {
  // DataView reads inline in V8; Buffer's readDoubleLE and friends do not.
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  let pos = 0;
  const nsLen = view.getUint32(pos, true);
  const namespace = payload.toString('utf8', pos + 4, pos + 4 + nsLen);
  pos += 4 + nsLen;
  const count = view.getUint32(pos, true);
  pos += 4;
  before?.(namespace, count);
  const row = new Float32Array(dim);
  const rowBytes = Buffer.from(row.buffer);
  const str = (): string => {
    const n = view.getUint32(pos, true);
    const s = payload.toString('utf8', pos + 4, pos + 4 + n);
    pos += 4 + n;
    return s;
  };
  const entry: StoredEntry = {
    id: 0,
    time: 0,
    arrival: 0,
    dead: false,
    text: undefined,
    tags: undefined,
    metadata: undefined,
    row: undefined,
  };
  for (let i = 0; i < count; i++) {
    entry.id = view.getFloat64(pos, true);
    entry.time = view.getFloat64(pos + 8, true);
    entry.arrival = view.getFloat32(pos + 16, true);
    const flags = payload[pos + 20] as number;
    pos += 21;
    entry.text = flags & HAS_TEXT ? str() : undefined;
    entry.tags = flags & HAS_TAGS ? (JSON.parse(str()) as string[]) : undefined;
    entry.metadata = flags & HAS_META ? (JSON.parse(str()) as Record<string, unknown>) : undefined;
    entry.dead = (flags & DEAD) !== 0;
    if (entry.dead) entry.row = undefined;
    else {
      if (pos + 4 * dim > payload.length) {
        throw new Error(`an entries record ends inside a vector (entry ${i} of ${count})`);
      }
      payload.copy(rowBytes, 0, pos, pos + 4 * dim);
      pos += 4 * dim;
      entry.row = row;
    }
    visit(namespace, entry);
  }
  if (pos !== payload.length) {
    throw new Error(`an entries record has ${payload.length - pos} bytes after its last entry`);
  }
  return count;
}

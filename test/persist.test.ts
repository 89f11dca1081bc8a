import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredSlot } from '../src/engine/engine.js';
import { MemoryEngine } from '../src/engine/index.js';
import { loadKernel, type Precision } from '../src/kernel/index.js';
import { crc32, crc32Portable } from '../src/persist/crc32.js';
import { DurableMemoryEngine, type PersistSettings } from '../src/persist/durable-engine.js';
import { listLogs, SNAPSHOT_FILE } from '../src/persist/files.js';
import { seededRandom, seededUnitRows } from '../src/seeded-rows.js';

const DIM = 16;
const kernel = loadKernel({ backend: 'auto', warn: () => {} });
const dirs: string[] = [];
const open: DurableMemoryEngine[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ringmem-persist-'));
  dirs.push(dir);
  return join(dir, 'mem');
}

afterEach(() => {
  for (const e of open.splice(0)) e.closeStore();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Opened {
  engine: DurableMemoryEngine;
  clock: { t: number };
  logs: string[];
}

function openEngine(
  dir: string,
  options: {
    t?: number;
    capacity?: number;
    ttlMs?: number;
    model?: string;
    fsync?: PersistSettings['fsync'];
    compactIntervalMs?: number;
    precision?: Precision;
  } = {},
): Opened {
  const clock = { t: options.t ?? 1_700_000_000_000 };
  const logs: string[] = [];
  const engine = new DurableMemoryEngine(
    {
      dim: DIM,
      capacity: options.capacity ?? 64,
      ttlMs: options.ttlMs,
      kernel,
      clock: () => clock.t,
      precision: options.precision,
    },
    {
      dir,
      fsync: options.fsync ?? 'always',
      compactIntervalMs: options.compactIntervalMs ?? 3_600_000,
      model: options.model ?? 'test-model',
      log: (level, message) => logs.push(`${level}: ${message}`),
    },
  );
  open.push(engine);
  return { engine, clock, logs };
}

/** A crash: the process vanishes without closing anything (the lock's pid is ours, so it is taken over). */
function crash(e: DurableMemoryEngine): void {
  open.splice(open.indexOf(e), 1);
}

function slots(engine: MemoryEngine, ns: string): StoredSlot[] {
  const out: StoredSlot[] = [];
  engine.exportSlots(ns, 0, (s) => out.push({ ...s, row: s.row ? s.row.slice() : undefined }));
  return out;
}

function expectSameWindow(a: MemoryEngine, b: MemoryEngine): void {
  expect(b.namespaces().sort()).toEqual(a.namespaces().sort());
  expect(b.nextEntryId).toBe(a.nextEntryId);
  for (const ns of a.namespaces()) {
    const sa = slots(a, ns);
    const sb = slots(b, ns);
    expect(sb.map((s) => [s.id, s.time, s.dead])).toEqual(sa.map((s) => [s.id, s.time, s.dead]));
    for (let i = 0; i < sa.length; i++) {
      // Bit for bit: rows and arrival similarities are stored as the ring holds them.
      expect(Object.is(sb[i]!.arrival, sa[i]!.arrival) || sb[i]!.arrival === sa[i]!.arrival).toBe(
        true,
      );
      if (!sa[i]!.dead) {
        expect(Buffer.from(sb[i]!.row!.buffer).equals(Buffer.from(sa[i]!.row!.buffer))).toBe(true);
        expect(sb[i]!.text).toBe(sa[i]!.text);
        expect(sb[i]!.tags ?? []).toEqual(sa[i]!.tags ?? []);
        expect(sb[i]!.metadata).toEqual(sa[i]!.metadata);
      }
    }
    const ca = a.centroidOf(ns)!;
    const cb = b.centroidOf(ns)!;
    for (let i = 0; i < DIM; i++) expect(cb[i]!).toBeCloseTo(ca[i]!, 12);
    const probe = seededUnitRows(1, DIM, 99);
    const ra = a.anomaly(ns, probe);
    const rb = b.anomaly(ns, probe);
    expect(rb.windowSize).toBe(ra.windowSize);
    expect(rb.baseline.count).toBe(ra.baseline.count);
    if (ra.zScore === null) expect(rb.zScore).toBeNull();
    else expect(rb.zScore!).toBeCloseTo(ra.zScore, 9);
    expect(rb.baseline.mean ?? 0).toBeCloseTo(ra.baseline.mean ?? 0, 12);
  }
}

function allFileBytes(dir: string): Buffer {
  const names = readdirSync(dir).filter((n) => n !== 'lock');
  return Buffer.concat(names.map((n) => readFileSync(join(dir, n))));
}

describe('CRC-32', () => {
  it('matches the portable table implementation and the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    const data = Buffer.from(seededUnitRows(64, 16, 3).buffer);
    expect(crc32Portable(data)).toBe(crc32(data));
  });
});

describe('durable memory (--persist)', () => {
  it('restores ids, times, rows, payloads, centroid and baseline exactly after a crash', () => {
    const dir = tempDir();
    const a = openEngine(dir);
    const rows = seededUnitRows(40, DIM, 1);
    for (let i = 0; i < 40; i += 8) {
      a.clock.t += 1000;
      a.engine.insert(
        i % 16 === 0 ? 'notes' : 'logs',
        rows.subarray(i * DIM, (i + 8) * DIM),
        Array.from({ length: 8 }, (_, j) => ({
          text: `text ${i + j} é✓`,
          tags: j % 2 ? ['odd'] : undefined,
          metadata: j % 3 ? { n: i + j, who: 'x' } : undefined,
        })),
        { score: i % 16 !== 0 },
      );
    }
    a.engine.forget([3, 20]);
    a.clock.t += 1000;
    a.engine.forgetOlderThan({ ageMs: 4500, namespace: 'logs' });
    crash(a.engine);
    const b = openEngine(dir, { t: a.clock.t });
    expectSameWindow(a.engine, b.engine);
    expect(b.engine.storageStatus().state).toBe('on');
    // New ids continue after the last one ever given out.
    const next = b.engine.insert('notes', seededUnitRows(1, DIM, 5)).ids[0]!;
    expect(next).toBe(a.engine.nextEntryId);
  });

  it.each(['f16', 'int8'] as const)(
    'restores a window stored at %s exactly: rows, centroid, baseline and scores',
    (precision) => {
      const dir = tempDir();
      const a = openEngine(dir, { precision, capacity: 24 });
      const rows = seededUnitRows(40, DIM, 11);
      for (let i = 0; i < 40; i += 8) {
        a.clock.t += 1000;
        a.engine.insert('logs', rows.subarray(i * DIM, (i + 8) * DIM), undefined, { score: true });
      }
      a.engine.forget([30]);
      crash(a.engine);
      const b = openEngine(dir, { precision, capacity: 24, t: a.clock.t });
      expect(b.engine.stats('logs')[0]!.precision).toBe(precision);
      expectSameWindow(a.engine, b.engine);
      const q = seededUnitRows(1, DIM, 12);
      expect(b.engine.search('logs', q, { k: 5 }).hits).toEqual(
        a.engine.search('logs', q, { k: 5 }).hits,
      );
    },
  );

  it('restores a directory written at one precision into another: rows re-encoded, within the precision', () => {
    const dir = tempDir();
    const a = openEngine(dir, { precision: 'f32' });
    const rows = seededUnitRows(20, DIM, 21);
    a.engine.insert('logs', rows);
    crash(a.engine);
    const b = openEngine(dir, { precision: 'int8', t: a.clock.t + 1000 });
    expect(b.engine.stats('logs')[0]!.precision).toBe('int8');
    const restored = slots(b.engine, 'logs');
    expect(restored).toHaveLength(20);
    restored.forEach((s, i) => {
      for (let d = 0; d < DIM; d++) {
        // f16 (int8's stored copy) rounds a unit row's component by at most 2^-12.
        expect(Math.abs(s.row![d]! - rows[i * DIM + d]!)).toBeLessThanOrEqual(2 ** -12);
      }
    });
    const q = rows.subarray(3 * DIM, 4 * DIM);
    expect(b.engine.search('logs', q, { k: 1 }).hits[0]!.id).toBe(restored[3]!.id);
    b.engine.insert('logs', seededUnitRows(4, DIM, 22));
    crash(b.engine);
    // Back to f32: the files still hold the first rows as the f32 server wrote them, and the rows
    // the int8 server logged as it stored them (its f16 copy).
    const c = openEngine(dir, { precision: 'f32', t: a.clock.t + 2000 });
    const again = slots(c.engine, 'logs');
    const written = slots(b.engine, 'logs');
    expect(again).toHaveLength(24);
    expect(again.slice(0, 20).map((s) => Array.from(s.row!))).toEqual(
      Array.from({ length: 20 }, (_, i) => Array.from(rows.subarray(i * DIM, (i + 1) * DIM))),
    );
    expect(again.slice(20).map((s) => Array.from(s.row!))).toEqual(
      written.slice(20).map((s) => Array.from(s.row!)),
    );
    expect(c.engine.stats('logs')[0]!.precision).toBe('f32');
  });

  it('rebuilds the lexical index on restore: lexical and hybrid recall rank as before the crash', () => {
    const dir = tempDir();
    const a = openEngine(dir);
    const texts = [
      'ERR_SOCKET_TIMEOUT while calling parseHTTPResponse',
      'the user prefers dark mode in the editor',
      'deploy of v1.2.3 finished on host alpha',
      'ticket #1234 closed by Maria',
      'the cache warmed up after the deploy',
    ];
    a.engine.insert(
      'notes',
      seededUnitRows(texts.length, DIM, 9),
      texts.map((text) => ({ text })),
    );
    a.engine.forget([4]);
    crash(a.engine);
    const b = openEngine(dir, { t: a.clock.t });
    const query = seededUnitRows(1, DIM, 10);
    for (const mode of ['lexical', 'hybrid'] as const) {
      for (const text of ['socket timeout', 'deploy', 'dark mode', 'host alpha']) {
        const options = { k: 5, mode, text };
        const before = a.engine.search('notes', query, options).hits;
        const after = b.engine.search('notes', query, options).hits;
        expect(after.map((h) => [h.id, h.score, h.lexicalScore])).toEqual(
          before.map((h) => [h.id, h.score, h.lexicalScore]),
        );
        if (mode === 'lexical') expect(after.length).toBeGreaterThan(0);
      }
    }
  });

  it('keeps the window and the ring layout (tombstones included) across compactions and further logging', () => {
    const dir = tempDir();
    const a = openEngine(dir, { capacity: 6 });
    const ref = new MemoryEngine({ dim: DIM, capacity: 6, kernel, clock: () => a.clock.t });
    const rng = seededRandom(7);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('insert' as const), n: fc.integer({ min: 1, max: 4 }) }),
            fc.record({ op: fc.constant('forget' as const), back: fc.integer({ min: 0, max: 8 }) }),
            fc.record({ op: fc.constant('cut' as const), age: fc.integer({ min: 0, max: 5000 }) }),
            fc.constant({ op: 'compact' as const }),
            // Not awaited: later steps (and restarts) land while its snapshot is still flushing.
            fc.constant({ op: 'bgcompact' as const }),
            fc.constant({ op: 'restart' as const }),
          ),
          { maxLength: 30 },
        ),
        (ops) => {
          let cur = openEngine(dir, { capacity: 6, t: a.clock.t });
          for (const step of ops) {
            cur.clock.t += 500;
            a.clock.t = cur.clock.t;
            if (step.op === 'insert') {
              const v = seededUnitRows(step.n, DIM, Math.floor(rng() * 1e6));
              const entries = Array.from({ length: step.n }, (_, i) => ({ text: `t${i}` }));
              const got = cur.engine.insert('ns', v, entries, { score: step.n === 1 });
              const want = ref.insert('ns', v, entries, { score: step.n === 1 });
              expect(got.ids).toEqual(want.ids);
            } else if (step.op === 'forget') {
              const id = Math.max(1, ref.nextEntryId - 1 - step.back);
              expect(cur.engine.forget([id])).toEqual(ref.forget([id]));
            } else if (step.op === 'cut') {
              expect(cur.engine.forgetOlderThan({ ageMs: step.age })).toEqual(
                ref.forgetOlderThan({ ageMs: step.age }),
              );
            } else if (step.op === 'compact') {
              expect(cur.engine.store.compact()).toBe(true);
            } else if (step.op === 'bgcompact') {
              cur.engine.store.compactInBackground();
            } else {
              crash(cur.engine);
              cur = openEngine(dir, { capacity: 6, t: cur.clock.t });
            }
          }
          expectSameWindow(ref, cur.engine);
          crash(cur.engine);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('finishes a background compaction off the event loop, and a crash before its rename loses nothing', async () => {
    const dir = tempDir();
    const a = openEngine(dir);
    const { ids } = a.engine.insert('ns', seededUnitRows(2, DIM, 1), [
      { text: 'A' },
      { text: 'B' },
    ]);
    a.engine.store.compactInBackground();
    // Written after the log switched, before the snapshot is in place.
    a.engine.insert('ns', seededUnitRows(1, DIM, 2), [{ text: 'C' }]);
    a.engine.forget([ids[0]!]);
    crash(a.engine);
    const b = openEngine(dir);
    expectSameWindow(a.engine, b.engine);
    expect(b.engine.recent('ns', 5).map((e) => e.text)).toEqual(['C', 'B']);
    b.engine.store.compactInBackground();
    const deadline = Date.now() + 10_000;
    while (b.engine.storageStatus().last_compaction === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(b.engine.storageStatus().last_compaction).not.toBeNull();
    expect(readdirSync(dir).filter((n) => n.includes('tmp'))).toEqual([]);
    expect(listLogs(dir)).toHaveLength(1);
    crash(b.engine);
    expectSameWindow(b.engine, openEngine(dir).engine);
  });

  it('drops a torn last record and restores everything before it', () => {
    const dir = tempDir();
    const a = openEngine(dir);
    a.engine.insert('ns', seededUnitRows(3, DIM, 1), [{ text: 'a' }, { text: 'b' }, { text: 'c' }]);
    const log = join(dir, listLogs(dir).at(-1)!.name);
    const goodSize = statSync(log).size;
    a.engine.insert('ns', seededUnitRows(2, DIM, 2), [{ text: 'd' }, { text: 'e' }]);
    crash(a.engine);
    for (const cut of [1, 9, 30, statSync(log).size - goodSize - 1]) {
      const full = readFileSync(log);
      writeFileSync(log, full.subarray(0, full.length - cut));
      const b = openEngine(dir);
      expect(b.engine.stats()[0]!.count).toBe(3);
      expect(b.engine.recent('ns', 10).map((e) => e.text)).toEqual(['c', 'b', 'a']);
      expect(b.logs.join('\n')).toMatch(/dropped the last \d+ bytes/);
      expect(statSync(log).size).toBe(goodSize);
      // Appending after the truncation continues a well-formed log.
      b.engine.insert('ns', seededUnitRows(2, DIM, 2), [{ text: 'd' }, { text: 'e' }]);
      crash(b.engine);
      expect(openEngine(dir).engine.stats()[0]!.count).toBe(5);
      crash(open.at(-1)!);
    }
  });

  it('stops at a flipped bit in the log: records before it come back, none after it is read as data', () => {
    const dir = tempDir();
    const a = openEngine(dir);
    for (let i = 0; i < 4; i++) {
      a.engine.insert('ns', seededUnitRows(1, DIM, i), [{ text: `entry ${i}` }]);
    }
    crash(a.engine);
    const log = join(dir, listLogs(dir).at(-1)!.name);
    const buf = readFileSync(log);
    // Flip a bit inside the third entry's record (the header record comes first).
    const third = buf.indexOf('entry 2');
    buf[third + 2] = (buf[third + 2] as number) ^ 0x10;
    writeFileSync(log, buf);
    const b = openEngine(dir);
    expect(b.engine.recent('ns', 10).map((e) => e.text)).toEqual(['entry 1', 'entry 0']);
    expect(b.logs.join('\n')).toMatch(/checksum does not match/);
  });

  it('refuses a corrupt snapshot, names the file and what to do, and leaves it untouched', () => {
    const dir = tempDir();
    const a = openEngine(dir);
    a.engine.insert('ns', seededUnitRows(2, DIM, 1), [{ text: 'x' }, { text: 'y' }]);
    a.engine.store.compact();
    crash(a.engine);
    const snap = join(dir, SNAPSHOT_FILE);
    const buf = readFileSync(snap);
    buf[buf.length - 20] = (buf[buf.length - 20] as number) ^ 1;
    writeFileSync(snap, buf);
    const b = openEngine(dir);
    const status = b.engine.storageStatus();
    expect(status.state).toBe('refused');
    expect(status.error).toContain(snap);
    expect(status.error).toMatch(/mv .*snapshot\.rm .*\.bad/);
    expect(b.engine.namespaces()).toEqual([]);
    // Serving from RAM still works, and nothing is written to the refused directory.
    b.engine.insert('ns', seededUnitRows(1, DIM, 3), [{ text: 'z' }]);
    expect(readFileSync(snap).equals(buf)).toBe(true);
  });

  it('refuses a directory written with another model and never mixes vectors', () => {
    const dir = tempDir();
    const a = openEngine(dir, { model: 'bge-small-en-v1.5-int8' });
    a.engine.insert('ns', seededUnitRows(1, DIM, 1), [{ text: 'x' }]);
    crash(a.engine);
    const before = allFileBytes(dir);
    const b = openEngine(dir, { model: 'model-b' });
    expect(b.engine.storageStatus().state).toBe('refused');
    expect(b.engine.storageStatus().error).toMatch(
      /model bge-small-en-v1.5-int8 .* this server uses model-b .*--model bge-small-en-v1.5-int8/,
    );
    expect(b.engine.namespaces()).toEqual([]);
    b.engine.insert('ns', seededUnitRows(1, DIM, 2), [{ text: 'y' }]);
    b.engine.closeStore();
    expect(allFileBytes(dir).equals(before)).toBe(true);
  });

  it('does not suggest --model with a model this ringmem cannot load, such as an earlier built-in model', () => {
    const dir = tempDir();
    const a = openEngine(dir, { model: 'ringmem-builtin-en' });
    a.engine.insert('ns', seededUnitRows(1, DIM, 1), [{ text: 'x' }]);
    crash(a.engine);
    const b = openEngine(dir, { model: 'ringmem-builtin-en-2' });
    expect(b.engine.storageStatus().state).toBe('refused');
    const error = b.engine.storageStatus().error ?? '';
    expect(error).toMatch(/cannot load ringmem-builtin-en .*another --persist directory/);
    expect(error).not.toMatch(/--model ringmem-builtin-en\b/);
    b.engine.closeStore();
  });

  it('forgets for real: a forgotten text is gone after restart, and gone from the files after compaction', () => {
    const dir = tempDir();
    const a = openEngine(dir);
    const { ids } = a.engine.insert('ns', seededUnitRows(2, DIM, 1), [
      { text: 'keep me' },
      { text: 'SECRET-TOKEN-123' },
    ]);
    a.engine.forget([ids[1]!]);
    crash(a.engine);
    const b = openEngine(dir);
    expect(b.engine.recent('ns', 10).map((e) => e.text)).toEqual(['keep me']);
    expect(allFileBytes(dir).includes('SECRET-TOKEN-123')).toBe(true);
    expect(b.engine.store.compact()).toBe(true);
    expect(allFileBytes(dir).includes('SECRET-TOKEN-123')).toBe(false);
    expect(allFileBytes(dir).includes('keep me')).toBe(true);
  });

  it('removes forgotten text from the files at the next compaction interval, without being asked', async () => {
    const dir = tempDir();
    const a = openEngine(dir, { compactIntervalMs: 100 });
    const { ids } = a.engine.insert('ns', seededUnitRows(2, DIM, 1), [
      { text: 'stays' },
      { text: 'PRIVATE-NOTE-42' },
    ]);
    a.engine.forget([ids[1]!]);
    expect(allFileBytes(dir).includes('PRIVATE-NOTE-42')).toBe(true);
    const deadline = Date.now() + 10_000;
    while (allFileBytes(dir).includes('PRIVATE-NOTE-42') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(allFileBytes(dir).includes('PRIVATE-NOTE-42')).toBe(false);
    expect(a.engine.storageStatus().last_compaction).not.toBeNull();
  });

  it('expires entries across a restart, and the next compaction removes them from the files', () => {
    const dir = tempDir();
    const a = openEngine(dir, { ttlMs: 3_600_000 });
    a.engine.insert('ns', seededUnitRows(1, DIM, 1), [{ text: 'old news' }]);
    a.clock.t += 1_800_000;
    a.engine.insert('ns', seededUnitRows(1, DIM, 2), [{ text: 'fresh' }]);
    a.engine.closeStore();
    open.splice(open.indexOf(a.engine), 1);
    const b = openEngine(dir, { ttlMs: 3_600_000, t: a.clock.t + 2_000_000 });
    expect(b.engine.recent('ns', 10).map((e) => e.text)).toEqual(['fresh']);
    b.engine.store.compact();
    expect(allFileBytes(dir).includes('old news')).toBe(false);
  });

  it('brings back only what fits a smaller capacity: the newest entries', () => {
    const dir = tempDir();
    const a = openEngine(dir, { capacity: 10 });
    a.engine.insert(
      'ns',
      seededUnitRows(10, DIM, 1),
      Array.from({ length: 10 }, (_, i) => ({ text: `${i}` })),
    );
    crash(a.engine);
    const b = openEngine(dir, { capacity: 4 });
    expect(b.engine.recent('ns', 10).map((e) => e.text)).toEqual(['9', '8', '7', '6']);
  });

  it('creates the directory 0700 and its files 0600', () => {
    const dir = tempDir();
    const a = openEngine(dir);
    a.engine.insert('ns', seededUnitRows(1, DIM, 1), [{ text: 'x' }]);
    a.engine.store.compact();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(dir)) {
      expect(statSync(join(dir, name)).mode & 0o777, name).toBe(0o600);
    }
  });

  it('refuses a path that cannot be a directory and keeps serving from RAM', () => {
    const base = tempDir();
    const a = openEngine(base);
    crash(a.engine);
    writeFileSync(join(base, 'file'), 'x');
    const b = openEngine(join(base, 'file', 'sub'));
    expect(b.engine.storageStatus().state).toBe('refused');
    expect(b.engine.storageStatus().error).toMatch(/cannot use .*file\/sub/);
    expect(b.engine.insert('ns', seededUnitRows(1, DIM, 1)).ids).toEqual([1]);
  });
});

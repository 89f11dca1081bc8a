/**
 * Scan benchmark: `npm run bench:scan` → bench-results/scan.json and bench-results/scan.md.
 *
 * Brute-force inner-product top-10 over 5k / 20k / 100k × 384 float32 unit rows, one query at a
 * time on one core, for: ringmem native (each ISA this CPU runs), the ringmem JS kernel, usearch
 * `exactSearch`, hnswlib-node `BruteforceSearch` (inner product) and a plain JS loop. Reports mean,
 * p50, p99 (µs), effective GB/s (slab bytes / p50 time) and its ratio to this machine's single-core
 * read bandwidth on a buffer of the same size, measured by tools/bw-probe.c.
 *
 * Single core: on Linux the script re-runs itself under `taskset -c 0` (children inherit it), and
 * usearch is told to use one thread. Options: --sizes 5000,20000 --queries 200 --warmup 30
 * --no-pin --out bench-results.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  alignedFloat32Array,
  JsKernel,
  kernelInfo,
  loadKernel,
  type ScanKernel,
} from '../src/kernel/index.js';
import { optionalAddon } from '../src/kernel/loader.js';
import {
  ASYNC_MIN_VALUES,
  asyncParts,
  type NativeIsa,
  NativeKernel,
} from '../src/kernel/native-kernel.js';
import { seededUnitRows as unitRows } from '../src/seeded-rows.js';
import { compactFigures, compactMarkdown } from './bench-compact.js';
import { renderScanSvg } from './chart.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const DIM = 384;
const K = 10;

interface Options {
  sizes: number[];
  queries: number;
  warmup: number;
  pin: boolean;
  /** Internal: only measure the async hop and print it as JSON (run unpinned by the parent). */
  asyncOnly: boolean;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = {
    sizes: [5_000, 20_000, 100_000],
    queries: 200,
    warmup: 30,
    pin: true,
    asyncOnly: false,
    out: path.join(ROOT, 'bench-results'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--sizes' && v) {
      opts.sizes = v.split(',').map((s) => Number.parseInt(s, 10));
      i++;
    } else if (a === '--queries' && v) {
      opts.queries = Number.parseInt(v, 10);
      i++;
    } else if (a === '--warmup' && v) {
      opts.warmup = Number.parseInt(v, 10);
      i++;
    } else if (a === '--out' && v) {
      opts.out = path.resolve(v);
      i++;
    } else if (a === '--no-pin') opts.pin = false;
    else if (a === '--async-only') opts.asyncOnly = true;
    else
      throw new Error(
        `unknown option ${a}; accepted: --sizes a,b --queries n --warmup n --no-pin --out dir`,
      );
  }
  if (opts.sizes.some((n) => !Number.isInteger(n) || n < K) || opts.queries < 1) {
    throw new Error(`--sizes must be integers >= ${K} and --queries >= 1`);
  }
  return opts;
}

/** Re-runs this script pinned to CPU 0 when possible; returns true if the child did the work. */
function repinned(opts: Options): boolean {
  if (!opts.pin || process.env.RINGMEM_BENCH_PINNED === '1' || process.platform !== 'linux') {
    return false;
  }
  const probe = spawnSync('taskset', ['-c', '0', 'true']);
  if (probe.status !== 0) return false;
  const res = spawnSync(
    'taskset',
    ['-c', '0', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, RINGMEM_BENCH_PINNED: '1' } },
  );
  process.exitCode = res.status ?? 1;
  return true;
}

interface Stats {
  minUs: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  gbs: number;
  bwRatio: number;
}

interface Contender {
  name: string;
  /** Runs query i and returns the top-K rows (for the cross-check). */
  run: (i: number) => ArrayLike<number>;
}

/**
 * Times every contender on the same queries. The box is shared, so instead of one contender after
 * another (whose figures would depend on who else was busy at that moment) the queries are split
 * into rounds and each round runs every contender back to back: load noise falls on all of them
 * alike, and within a round a contender's slab stays cache-warm as it would in a busy server.
 */
function timeAll(
  contenders: Contender[],
  warmup: number,
  queries: number,
  rounds: number,
): Float64Array[] {
  const us = contenders.map(() => new Float64Array(queries));
  for (const c of contenders) for (let i = 0; i < warmup; i++) c.run(i % queries);
  const perRound = Math.ceil(queries / rounds);
  for (let start = 0; start < queries; start += perRound) {
    const stop = Math.min(queries, start + perRound);
    contenders.forEach((c, ci) => {
      c.run(start); // re-warm this contender's data after the others ran
      for (let i = start; i < stop; i++) {
        const t0 = process.hrtime.bigint();
        c.run(i);
        us[ci]![i] = Number(process.hrtime.bigint() - t0) / 1e3;
      }
    });
  }
  return us;
}

function summarize(us: Float64Array, bytes: number, bw: number): Stats {
  const sorted = Array.from(us).sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, x) => s + x, 0) / n;
  const p50 = sorted[Math.floor(0.5 * (n - 1))]!;
  const p99 = sorted[Math.floor(0.99 * (n - 1))]!;
  const gbs = bytes / (p50 * 1e3);
  return { minUs: sorted[0]!, meanUs: mean, p50Us: p50, p99Us: p99, gbs, bwRatio: gbs / bw };
}

interface Bandwidth {
  bestGbs: number;
  medianGbs: number;
}

/** Builds tools/bw-probe.c into a temp dir (cc -O3 -march=native) and measures `bytes`. */
function makeProbe(): { measure: (bytes: number) => Bandwidth; cleanup: () => void } | undefined {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringmem-bw-'));
  const exe = path.join(dir, 'bw-probe');
  try {
    execFileSync('cc', ['-O3', '-march=native', '-o', exe, path.join(ROOT, 'tools/bw-probe.c')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    console.error(`bench-scan: could not build tools/bw-probe.c: ${(error as Error).message}`);
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    measure: (bytes) => {
      const passes = Math.max(50, Math.min(400, Math.floor(6e9 / bytes)));
      const out = execFileSync(exe, [String(bytes), String(passes)], { encoding: 'utf8' });
      const j = JSON.parse(out) as { best_gbs: number; median_gbs: number };
      return { bestGbs: j.best_gbs, medianGbs: j.median_gbs };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function ringmemContender(
  name: string,
  kernel: ScanKernel,
  slab: Float32Array,
  queries: Float32Array[],
  rows: number,
): Contender {
  const segments = Uint32Array.of(0, rows);
  const idx = new Int32Array(K);
  const scores = new Float32Array(K);
  return {
    name,
    run: (i) => {
      kernel.topK({
        slab,
        dim: DIM,
        segments,
        query: queries[i]!,
        k: K,
        outIdx: idx,
        outScores: scores,
      });
      return idx;
    },
  };
}

/** The loop a reader would write first: one accumulator, insertion into a sorted top-k. */
function plainJsContender(slab: Float32Array, queries: Float32Array[], rows: number): Contender {
  const bestIdx = new Int32Array(K);
  const bestScore = new Float64Array(K);
  return {
    name: 'plain JS loop',
    run: (qi) => {
      const q = queries[qi]!;
      bestScore.fill(Number.NEGATIVE_INFINITY);
      bestIdx.fill(-1);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        const base = r * DIM;
        for (let i = 0; i < DIM; i++) s += slab[base + i]! * q[i]!;
        if (s > bestScore[K - 1]!) {
          let j = K - 1;
          while (j > 0 && bestScore[j - 1]! < s) {
            bestScore[j] = bestScore[j - 1]!;
            bestIdx[j] = bestIdx[j - 1]!;
            j--;
          }
          bestScore[j] = s;
          bestIdx[j] = r;
        }
      }
      return bestIdx;
    },
  };
}

interface UsearchModule {
  exactSearch(
    dataset: Float32Array,
    queries: Float32Array,
    dimensions: number,
    count: number,
    metric: string,
    threads?: number,
  ): { keys: BigUint64Array };
}

function usearchContender(slab: Float32Array, queries: Float32Array[]): Contender {
  const usearch = require('usearch') as { default?: UsearchModule } & UsearchModule;
  const mod = usearch.default ?? usearch;
  // Trap: exactSearch ignores a view's byteOffset, so the dataset and every query are fresh arrays
  // (the aligned slab is a view with a non-zero offset).
  const fresh = queries.map((q) => new Float32Array(q));
  const dataset = new Float32Array(slab);
  return {
    name: 'usearch exactSearch',
    run: (i) => Array.from(mod.exactSearch(dataset, fresh[i]!, DIM, K, 'ip', 1).keys, Number),
  };
}

interface HnswModule {
  BruteforceSearch: new (
    space: string,
    dim: number,
  ) => {
    initIndex(max: number): void;
    addPoint(point: number[], label: number): void;
    searchKnn(q: number[], k: number): { neighbors: number[] };
  };
}

function hnswContender(slab: Float32Array, queries: Float32Array[], rows: number): Contender {
  const hnsw = require('hnswlib-node') as HnswModule;
  const index = new hnsw.BruteforceSearch('ip', DIM);
  index.initIndex(rows);
  for (let r = 0; r < rows; r++)
    index.addPoint(Array.from(slab.subarray(r * DIM, (r + 1) * DIM)), r);
  // Its API takes number[]; convert once outside the timed region.
  const arrays = queries.map((q) => Array.from(q));
  return { name: 'hnswlib BruteforceSearch', run: (i) => index.searchKnn(arrays[i]!, K).neighbors };
}

/** Top-K overlap with the reference (ties aside, every correct contender scores K). */
function overlap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const set = new Set(Array.from(b));
  let n = 0;
  for (const x of Array.from(a)) if (set.has(x)) n++;
  return n;
}

interface AsyncRow {
  rows: number;
  values: number;
  syncUs: number;
  asyncUs: number;
  overheadUs: number;
  /** NativeKernel.topKAsync as the engine calls it: sync below, split across the pool above. */
  engineUs: number;
  engineParts: number;
}

/**
 * Where the thread-pool hop pays off: p50 of `await addon.topKAsync` (always async) vs the sync
 * call, for growing scans. The overhead is what an async scan costs beyond the scan itself.
 */
async function measureAsync(isa: NativeIsa, reps: number): Promise<AsyncRow[]> {
  const addon = optionalAddon();
  if (addon === undefined) throw new Error('bench-scan: the native addon is not built');
  const isaId = addon.isaNames.indexOf(isa);
  const out: AsyncRow[] = [];
  const maxRows = 65_536;
  const kernel = new NativeKernel(addon, isa);
  const slab = unitRows(maxRows, DIM, 77);
  const q = unitRows(1, DIM, 78);
  const idx = new Int32Array(K);
  const scores = new Float32Array(K);
  for (const rows of [16, 256, 1024, 2048, 4096, 8192, 16_384, 32_768, 65_536]) {
    const seg = Uint32Array.of(0, rows);
    const sync: number[] = [];
    const asyncT: number[] = [];
    const engineT: number[] = [];
    for (let i = 0; i < reps + 20; i++) {
      // Alternate which goes first so neither always finds the slab freshly cached by the other.
      const asyncFirst = i % 2 === 1;
      let a = 0n;
      if (asyncFirst) {
        const t = process.hrtime.bigint();
        await addon.topKAsync(isaId, slab, DIM, seg, q, K, idx, scores);
        a = process.hrtime.bigint() - t;
      }
      const t0 = process.hrtime.bigint();
      addon.topK(isaId, slab, DIM, seg, q, K, idx, scores);
      const sy = process.hrtime.bigint() - t0;
      if (!asyncFirst) {
        const t = process.hrtime.bigint();
        await addon.topKAsync(isaId, slab, DIM, seg, q, K, idx, scores);
        a = process.hrtime.bigint() - t;
      }
      const t1 = process.hrtime.bigint();
      await kernel.topKAsync({
        slab,
        dim: DIM,
        segments: seg,
        query: q,
        k: K,
        outIdx: idx,
        outScores: scores,
      });
      const e = process.hrtime.bigint() - t1;
      if (i >= 20) {
        sync.push(Number(sy) / 1e3);
        asyncT.push(Number(a) / 1e3);
        engineT.push(Number(e) / 1e3);
      }
    }
    const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const s = med(sync);
    const a = med(asyncT);
    out.push({
      rows,
      values: rows * DIM,
      syncUs: s,
      asyncUs: a,
      overheadUs: a - s,
      engineUs: med(engineT),
      engineParts: rows * DIM < ASYNC_MIN_VALUES ? 0 : asyncParts(rows * DIM),
    });
  }
  return out;
}

/**
 * The async table is measured in a child allowed on every CPU: pinned, the pool thread would share
 * one core with the main thread and the rest of the box, which is not how a server runs and
 * inflates the hop for large scans many times over.
 */
async function asyncTable(isa: NativeIsa): Promise<AsyncRow[]> {
  const cpus = os.cpus().length;
  if (process.platform === 'linux' && cpus > 1) {
    const res = spawnSync(
      'taskset',
      [
        '-c',
        `0-${cpus - 1}`,
        process.execPath,
        ...process.execArgv,
        process.argv[1]!,
        '--async-only',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, RINGMEM_BENCH_PINNED: '1', RINGMEM_BENCH_ISA: isa },
      },
    );
    if (res.status === 0) return JSON.parse(res.stdout) as AsyncRow[];
    console.error(`bench-scan: unpinned async run failed (${res.stderr.trim()}); measuring pinned`);
  }
  return measureAsync(isa, 200);
}

interface EngineFigures {
  insertsPerSec: number;
  bytesPerRecord: number;
  note: string;
}

/**
 * The engine's raw-vector insert path, measured in the same run as the scans: unit rows
 * (pre-normalised, as an embedder delivers them) inserted in batches of 10k into a 100k ring,
 * wrapping several times, with anomaly scoring off (scoring costs one scan per row, measured
 * above). Bytes per record = the namespace's accounted bytes / entries once the ring is full.
 */
async function engineFigures(): Promise<EngineFigures | undefined> {
  const { MemoryEngine } = await import('../src/engine/index.js');
  const dim = 384;
  const capacity = 100_000;
  const batchRows = 10_000;
  const batch = unitRows(batchRows, dim, 12345);
  const rates: number[] = [];
  let bytesPerRecord = 0;
  for (let round = 0; round < 5; round++) {
    const engine = new MemoryEngine({
      dim,
      capacity,
      kernel: loadKernel(),
      maxBytes: 8 * 1024 ** 3,
    });
    // Fill once (allocation and growth), then time inserts into the full ring (the steady state).
    for (let i = 0; i < capacity / batchRows; i++) engine.insert('bench', batch);
    const inserts = 1_000_000;
    const t0 = performance.now();
    for (let i = 0; i < inserts / batchRows; i++) engine.insert('bench', batch);
    rates.push(inserts / ((performance.now() - t0) / 1000));
    const s = engine.stats('bench')[0]!;
    bytesPerRecord = s.bytes / s.count;
  }
  rates.sort((a, b) => a - b);
  return {
    insertsPerSec: rates[Math.floor(rates.length / 2)]!,
    bytesPerRecord,
    note: `Median of 5 runs of 1M inserts (batches of 10k) into a full 100k × ${dim} ring, scoring off; bytes/record counts the slab row (4·dim = ${4 * dim}) plus time, id, arrival similarity, tombstone, filter byte and payload references (target ≤ 4·dim + 64 = ${4 * dim + 64}).`,
  };
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1]!.trim();
  } catch {
    // Not Linux: fall through to what Node knows.
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function cpuFlags(): string[] {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    const flags = new Set(line?.split(':')[1]?.trim().split(/\s+/) ?? []);
    return ['avx2', 'fma', 'avx512f'].filter((f) => flags.has(f));
  } catch {
    return [];
  }
}

function pinnedTo(): string {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    return status.match(/Cpus_allowed_list:\s*(\S+)/)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.asyncOnly) {
    const isa = (process.env.RINGMEM_BENCH_ISA ?? 'avx2-fma') as NativeIsa;
    process.stdout.write(`${JSON.stringify(await measureAsync(isa, 200))}\n`);
    return;
  }
  if (repinned(opts)) return;

  const info = kernelInfo();
  let nativeIsas: NativeIsa[] = [];
  try {
    nativeIsas = loadKernel({ backend: 'native' }).info.availableIsas as NativeIsa[];
  } catch (error) {
    console.error(
      `bench-scan: native kernel unavailable, measuring JS only: ${(error as Error).message}`,
    );
  }
  const probe = makeProbe();
  const machine = {
    cpu: cpuModel(),
    cores: os.cpus().length,
    cpuFlags: cpuFlags(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
    pinnedCpus: pinnedTo(),
    /** 1-minute load average when the run started: the box is shared, so say how busy it was. */
    loadAverage1m: os.loadavg()[0] ?? Number.NaN,
    kernel: info,
  };
  console.error(
    `bench-scan: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, CPUs ${machine.pinnedCpus}`,
  );

  const queryCount = opts.queries;
  const queries = Array.from({ length: queryCount }, (_, i) => unitRows(1, DIM, 1_000_000 + i));
  const results: {
    rows: number;
    bytes: number;
    bandwidth: Bandwidth | undefined;
    contenders: (Stats & { name: string; overlap: number })[];
  }[] = [];

  for (const rows of opts.sizes) {
    // ringmem's slab is 64-byte aligned, as the engine allocates it (alignedFloat32Array); the
    // others get what their own API gives them (usearch: a fresh array; hnswlib copies).
    const slab = alignedFloat32Array(rows * DIM);
    slab.set(unitRows(rows, DIM, rows));
    const bytes = rows * DIM * 4;
    // The probe runs before and after the contenders and the higher median counts: on a shared
    // box one probe can land in a slow moment, and "% of bandwidth" must never flatter the scan.
    const before = probe?.measure(bytes);
    const contenders: Contender[] = [
      ...nativeIsas.map((isa) =>
        ringmemContender(`ringmem native ${isa}`, loadKernel({ isa }), slab, queries, rows),
      ),
      ringmemContender('ringmem JS kernel', new JsKernel(), slab, queries, rows),
      usearchContender(slab, queries),
      hnswContender(slab, queries, rows),
      plainJsContender(slab, queries, rows),
    ];
    const reference = contenders[0]!;
    const overlaps = contenders.map((c) => {
      let agree = 0;
      const n = Math.min(queryCount, 20);
      for (let i = 0; i < n; i++) agree += overlap(c.run(i), Array.from(reference.run(i)));
      return agree / n;
    });
    const times = timeAll(contenders, opts.warmup, queryCount, 10);
    const after = probe?.measure(bytes);
    const bandwidth =
      before === undefined || after === undefined
        ? undefined
        : {
            medianGbs: Math.max(before.medianGbs, after.medianGbs),
            bestGbs: Math.max(before.bestGbs, after.bestGbs),
          };
    const bw = bandwidth?.medianGbs ?? Number.NaN;
    console.error(
      `\n${rows} x ${DIM} (${(bytes / 1e6).toFixed(1)} MB), read bandwidth median ${fmt(bw)} GB/s (higher of two probes)`,
    );
    const rowResults = contenders.map((c, ci) => {
      const stats = summarize(times[ci]!, bytes, bw);
      const ov = overlaps[ci]!;
      console.error(
        `  ${c.name.padEnd(28)} min ${fmt(stats.minUs).padStart(9)} µs  mean ${fmt(stats.meanUs).padStart(9)} µs  p50 ${fmt(stats.p50Us).padStart(9)} µs  ` +
          `p99 ${fmt(stats.p99Us).padStart(9)} µs  ${fmt(stats.gbs).padStart(6)} GB/s  ${fmt(100 * stats.bwRatio, 0)}% bw  top-${K} overlap ${fmt(ov, 2)}`,
      );
      return { name: c.name, ...stats, overlap: ov };
    });
    results.push({ rows, bytes, bandwidth, contenders: rowResults });
  }
  probe?.cleanup();

  const asyncRows = nativeIsas.length > 0 ? await asyncTable(nativeIsas[0]!) : [];
  for (const r of asyncRows) {
    console.error(
      `  async ${r.rows} rows: sync ${fmt(r.syncUs)} µs, async ${fmt(r.asyncUs)} µs, overhead ${fmt(r.overheadUs)} µs, engine path ${fmt(r.engineUs)} µs`,
    );
  }
  const engine = await engineFigures();
  // Compact vectors (f16, int8) against f32 at the largest size, on real embeddings when available.
  const compact = await compactFigures(Math.max(...opts.sizes), Math.min(opts.queries, 60));
  console.error(compactMarkdown(compact));

  mkdirSync(opts.out, { recursive: true });
  const json = {
    machine,
    dim: DIM,
    k: K,
    queries: queryCount,
    warmup: opts.warmup,
    results,
    async: asyncRows,
    engine: engine ?? null,
    compact,
  };
  writeFileSync(path.join(opts.out, 'scan.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(
    path.join(opts.out, 'scan.md'),
    `${renderMarkdown(json, results, asyncRows, engine)}\n${compactMarkdown(compact)}`,
  );
  writeFileSync(path.join(opts.out, 'scan.svg'), `${renderScanSvg(json)}\n`);
  console.error(`\nwrote ${path.join(opts.out, 'scan.json')}, scan.md and scan.svg`);
}

function renderMarkdown(
  json: {
    machine: Record<string, unknown> & {
      loadAverage1m: number;
      cpu: string;
      cores: number;
      node: string;
      date: string;
      pinnedCpus: string;
      cpuFlags: string[];
    };
    queries: number;
    warmup: number;
  },
  results: {
    rows: number;
    bytes: number;
    bandwidth: Bandwidth | undefined;
    contenders: (Stats & { name: string; overlap: number })[];
  }[],
  asyncRows: AsyncRow[],
  engine: EngineFigures | undefined,
): string {
  const m = json.machine;
  const lines: string[] = [];
  lines.push('# Scan benchmark (`npm run bench:scan`)', '');
  lines.push(
    `Machine: **${m.cpu}**, ${m.cores} cores (SIMD: ${m.cpuFlags.join(', ') || 'none detected'}), Node ${m.node}, ` +
      `${m.date.slice(0, 10)}. Pinned to CPU(s) ${m.pinnedCpus} (\`taskset -c 0\`); usearch runs with 1 thread. ` +
      `Load average (1 min) at start: ${fmt(m.loadAverage1m, 2)} on ${m.cores} cores.`,
    '',
    `Top-${K} inner product over N × ${DIM} float32 unit rows, one query per call, ${json.queries} timed queries after ` +
      `${json.warmup} warm-up queries, in 10 rounds that each run every contender back to back (the box is shared; ` +
      'rounds spread load noise evenly). GB/s = slab bytes / p50 time. "% bw" = that over this machine\'s median ' +
      'single-core read bandwidth on a buffer of the same size (tools/bw-probe.c: AVX2 loads, eight accumulators; ' +
      'run before and after the contenders, the higher median counts). ' +
      'ringmem scans a 64-byte-aligned slab (alignedFloat32Array, as the engine allocates it); usearch gets a ' +
      'fresh Float32Array (it ignores view offsets) and hnswlib copies rows into its own index. ' +
      '"overlap" = mean shared rows with the first contender\'s top-10 over 20 queries (10 = same set).',
    '',
  );
  for (const r of results) {
    const best = r.contenders[0]!;
    const by = (prefix: string) => r.contenders.find((c) => c.name.startsWith(prefix));
    const hnsw = by('hnswlib');
    const us = by('usearch');
    lines.push(
      `## ${r.rows.toLocaleString('en-US')} × ${DIM} (${(r.bytes / 1e6).toFixed(1)} MB) — read bandwidth ` +
        `${fmt(r.bandwidth?.medianGbs ?? Number.NaN)} GB/s median, ${fmt(r.bandwidth?.bestGbs ?? Number.NaN)} best`,
      '',
      '| contender | min µs | mean µs | p50 µs | p99 µs | GB/s | % bw | overlap |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const c of r.contenders) {
      lines.push(
        `| ${c.name} | ${fmt(c.minUs)} | ${fmt(c.meanUs)} | ${fmt(c.p50Us)} | ${fmt(c.p99Us)} | ${fmt(c.gbs)} | ${fmt(100 * c.bwRatio, 0)}% | ${fmt(c.overlap, 1)} |`,
      );
    }
    lines.push(
      '',
      `${best.name} p50 speed-up: ${hnsw ? `${fmt(hnsw.p50Us / best.p50Us, 2)}× vs hnswlib BruteforceSearch` : 'hnswlib n/a'}, ` +
        `${us ? `${fmt(us.p50Us / best.p50Us, 2)}× vs usearch exactSearch` : 'usearch n/a'}.`,
      '',
    );
  }
  if (asyncRows.length > 0) {
    lines.push(
      '## Async threshold (thread-pool hop vs synchronous scan, p50, best ISA, unpinned: any CPU)',
      '',
      '| rows × 384 | values | sync µs | async µs (one task) | hop overhead µs | topKAsync µs (engine path) | engine path |',
      '|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const r of asyncRows) {
      const path =
        r.engineParts === 0 ? 'sync' : `${r.engineParts} pool task${r.engineParts > 1 ? 's' : ''}`;
      lines.push(
        `| ${r.rows} | ${r.values} | ${fmt(r.syncUs)} | ${fmt(r.asyncUs)} | ${fmt(r.overheadUs)} | ${fmt(r.engineUs)} | ${path} |`,
      );
    }
    lines.push(
      '',
      'See ASYNC_MIN_VALUES and asyncParts in src/kernel/native-kernel.ts for the threshold and the split chosen from this. ' +
        '"engine path" is what NativeKernel.topKAsync does at that size: the scan on the main thread, or parts of it on that many pool threads at once. The small-scan ' +
        'rows give the cost of the hop; for scans that spill out of L3 the pool thread may land on the other, ' +
        'busy core, so those rows mostly show contention on the shared box.',
      '',
    );
  }
  lines.push('## Engine: raw-vector insert throughput and bytes/record', '');
  lines.push(
    engine
      ? `${fmt(engine.insertsPerSec, 0)} inserts/s, ${fmt(engine.bytesPerRecord, 0)} bytes/record. ${engine.note}`
      : '_Not measured yet — hook `engineFigures()` in tools/bench-scan.ts, to be filled in by the engine (src/engine/)._',
    '',
  );
  return lines.join('\n');
}

if (!existsSync(path.join(ROOT, 'package.json')))
  throw new Error('bench-scan: run from the ringmem checkout');
await main();

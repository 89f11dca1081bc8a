/**
 * Compact vectors on the scan path (part of `npm run bench:scan`; alone: `npx tsx
 * tools/bench-compact.ts [--rows 100000] [--queries 60]`): the f32 kernel against the f16 and int8
 * kernels over the same rows in the same run, queries interleaved, one at a time, top-10.
 *
 * Rows: real built-in-model embeddings of real text — every line of the Loghub 2k logs and the
 * HDFS 5k sample plus SciFact abstracts split into sentences (../shared/data), embedded as passages
 * — up to `--rows`, tiled when fewer; random unit rows when the shared data is absent (said so in
 * the output). Queries: other texts of the same data, embedded as queries.
 *
 * Reports per precision: p50 / p99 µs, speed-up over f32, bytes per stored vector, and the mean
 * top-10 overlap with the exact f32 result; for int8 also with exact rescoring of its top-40 from
 * an f32 copy (what that copy costs is in the bytes column). Then the same rows through the engine
 * at each `--precision` (src/engine/vector-rows.ts): recall time, overlap and score error against
 * f32, bytes per record, and scored ingest of a batch into the full window.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { MemoryEngine } from '../src/engine/index.js';
import { int8Candidates } from '../src/engine/vector-rows.js';
import type { Precision } from '../src/kernel/compact.js';
import {
  alignedFloat32Array,
  encodeF16,
  encodeInt8,
  loadKernel,
  type ScanKernel,
  vectorBytes,
} from '../src/kernel/index.js';
import { createRuntime } from '../src/runtime.js';
import { seededUnitRows } from '../src/seeded-rows.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = process.env.RINGMEM_SHARED_DIR ?? path.join(ROOT, '..', 'shared');
const DIM = 384;
const K = 10;
const RESCORE = 40;

function realTexts(limit: number): string[] {
  const data = path.join(SHARED, 'data');
  if (!existsSync(data)) return [];
  const texts: string[] = [];
  const loghub = path.join(data, 'loghub_2k');
  if (existsSync(loghub)) {
    for (const system of readdirSync(loghub)) {
      const file = path.join(loghub, system, `${system}_2k.log`);
      if (existsSync(file)) texts.push(...readFileSync(file, 'utf8').split('\n').filter(Boolean));
    }
  }
  const hdfs = path.join(data, 'hdfs_5k_labelled', 'HDFS_5k.log');
  if (existsSync(hdfs)) texts.push(...readFileSync(hdfs, 'utf8').split('\n').filter(Boolean));
  const scifact = path.join(data, 'scifact_train', 'corpus.jsonl');
  if (existsSync(scifact)) {
    for (const line of readFileSync(scifact, 'utf8').split('\n')) {
      if (!line) continue;
      const doc = JSON.parse(line) as { text: string };
      texts.push(...doc.text.split(/(?<=[.!?])\s+/).filter((s) => s.length > 20));
      if (texts.length >= limit) break;
    }
  }
  return texts.slice(0, limit);
}

export interface CompactRow {
  precision: string;
  bytesPerVector: number;
  p50us: number;
  p99us: number;
  speedup: number;
  overlap: number;
}

/** The same rows stored in an engine at each precision: what `recall` and scored ingest see. */
export interface EngineRow {
  precision: Precision;
  /** memory_stats' bytes_per_record (vector at the precision + slot arrays; no payload here). */
  bytesPerRecord: number;
  /** Engine bytes for the whole window (what --max-bytes counts). */
  windowBytes: number;
  searchP50us: number;
  searchP99us: number;
  searchSpeedup: number;
  /** Mean top-10 overlap of engine.search with the f32 engine's. */
  overlap: number;
  /** Largest |score − f32 score| over matching hits. */
  maxScoreError: number;
  /** Scored ingest of a batch of 256 into the full window (anomaly fields, one pass): p50 ms. */
  scoredBatchMs: number;
}

export interface CompactFigures {
  rows: number;
  dim: number;
  data: string;
  isa: string;
  results: CompactRow[];
  engine: EngineRow[];
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
}

export async function compactFigures(rows = 100_000, queries = 60): Promise<CompactFigures> {
  const kernel: ScanKernel = loadKernel({ warn: () => {} });
  const slab = alignedFloat32Array(rows * DIM);
  let qs: Float32Array;
  let data: string;
  const texts = realTexts(rows + queries);
  if (texts.length > queries * 2) {
    const rt = createRuntime(loadConfig({}, {}), () => {});
    const embedder = rt.embedder;
    const corpus = texts.slice(0, texts.length - queries);
    const vecs = await embedder.embed(corpus, 'passage');
    for (let r = 0; r < rows; r++) {
      const from = (r % corpus.length) * DIM;
      slab.set(vecs.subarray(from, from + DIM), r * DIM);
    }
    qs = await embedder.embed(texts.slice(texts.length - queries), 'query');
    await rt.close();
    data = `built-in-model embeddings of ${corpus.length} real texts (Loghub 2k, HDFS 5k, SciFact sentences)${corpus.length < rows ? `, tiled to ${rows} rows` : ''}`;
  } else {
    slab.set(seededUnitRows(rows, DIM, 1));
    qs = seededUnitRows(queries, DIM, 2);
    data = 'random unit rows (../shared/data absent)';
  }
  const halves = encodeF16(slab);
  const { codes, scales } = encodeInt8(slab, DIM);
  const segments = Uint32Array.of(0, rows);
  const idx = new Int32Array(RESCORE);
  const scores = new Float32Array(RESCORE);
  const times: Record<string, number[]> = { f32: [], f16: [], int8: [] };
  const overlaps: Record<string, number[]> = { f16: [], int8: [], 'int8+rescore': [] };
  const exact = new Int32Array(K);
  const exactScores = new Float32Array(K);
  const rescoreScores = new Float64Array(RESCORE);
  for (let rep = -5; rep < queries; rep++) {
    const q = qs.subarray(
      ((rep + queries) % queries) * DIM,
      (((rep + queries) % queries) + 1) * DIM,
    );
    let t0 = performance.now();
    kernel.topK({
      slab,
      dim: DIM,
      segments,
      query: q,
      k: K,
      outIdx: exact,
      outScores: exactScores,
    });
    const tF32 = performance.now() - t0;
    t0 = performance.now();
    kernel.topKCompact({
      precision: 'f16',
      rows: halves,
      dim: DIM,
      segments,
      query: q,
      k: K,
      outIdx: idx,
      outScores: scores,
    });
    const tF16 = performance.now() - t0;
    const f16Hits = new Set(idx.subarray(0, K));
    t0 = performance.now();
    kernel.topKCompact({
      precision: 'int8',
      rows: codes,
      scales,
      dim: DIM,
      segments,
      query: q,
      k: RESCORE,
      outIdx: idx,
      outScores: scores,
    });
    const tI8 = performance.now() - t0;
    if (rep < 0) continue;
    times.f32!.push(tF32 * 1000);
    times.f16!.push(tF16 * 1000);
    times.int8!.push(tI8 * 1000);
    const want = new Set(exact);
    const hit = (s: Iterable<number>) => [...s].filter((r) => want.has(r)).length / K;
    overlaps.f16!.push(hit(f16Hits));
    overlaps.int8!.push(hit(idx.subarray(0, K)));
    // Exact rescoring of int8's top-40 from the f32 rows.
    const cand = Array.from(idx.subarray(0, RESCORE));
    cand.forEach((r, i) => {
      let s = 0;
      for (let d = 0; d < DIM; d++) s += slab[r * DIM + d]! * q[d]!;
      rescoreScores[i] = s;
    });
    const order = cand.map((r, i) => ({ r, s: rescoreScores[i]! })).sort((a, b) => b.s - a.s);
    overlaps['int8+rescore']!.push(hit(order.slice(0, K).map((o) => o.r)));
  }
  const f32p50 = quantile(times.f32!, 0.5);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const row = (precision: string, t: number[], bytes: number, overlap: number): CompactRow => ({
    precision,
    bytesPerVector: bytes,
    p50us: quantile(t, 0.5),
    p99us: quantile(t, 0.99),
    speedup: f32p50 / quantile(t, 0.5),
    overlap,
  });
  const engine = enginePrecisionFigures(kernel, slab, qs, rows, queries);
  return {
    rows,
    dim: DIM,
    data,
    isa: kernel.info.isa,
    engine,
    results: [
      row('f32', times.f32!, vectorBytes('f32', DIM), 1),
      row('f16', times.f16!, vectorBytes('f16', DIM), mean(overlaps.f16!)),
      row('int8', times.int8!, vectorBytes('int8', DIM), mean(overlaps.int8!)),
      row(
        `int8 + f32 rescoring of top-${RESCORE}`,
        times.int8!,
        vectorBytes('int8', DIM) + vectorBytes('f32', DIM),
        mean(overlaps['int8+rescore']!),
      ),
    ],
  };
}

const SCORED_BATCH = 256;

/**
 * One engine per precision holding the same `rows` (capacity = rows), queried with the same
 * queries interleaved (engine.search, top-10): time, overlap and score error against the f32
 * engine; then scored ingest of batches of 256 into the full window (the anomaly path's
 * many-queries pass), interleaved too.
 */
function enginePrecisionFigures(
  kernel: ScanKernel,
  slab: Float32Array,
  qs: Float32Array,
  rows: number,
  queries: number,
): EngineRow[] {
  const precisions: Precision[] = ['f32', 'f16', 'int8'];
  const engines = precisions.map(
    (precision) =>
      new MemoryEngine({
        dim: DIM,
        capacity: rows,
        ttlMs: Number.POSITIVE_INFINITY,
        kernel,
        precision,
        maxBytes: 8 * 1024 ** 3,
      }),
  );
  const step = 4096;
  for (const e of engines) {
    for (let r = 0; r < rows; r += step) {
      e.insert('bench', slab.subarray(r * DIM, Math.min(rows, r + step) * DIM));
    }
  }
  const times = precisions.map(() => [] as number[]);
  const overlaps = precisions.map(() => [] as number[]);
  const errors = precisions.map(() => 0);
  for (let rep = -3; rep < queries; rep++) {
    const i = (rep + queries) % queries;
    const q = qs.subarray(i * DIM, (i + 1) * DIM);
    const hits = engines.map((e, p) => {
      const t0 = performance.now();
      const res = e.search('bench', q, { k: K });
      if (rep >= 0) times[p]!.push((performance.now() - t0) * 1000);
      return res.hits;
    });
    if (rep < 0) continue;
    const exact = new Map(hits[0]!.map((h) => [h.id, h.score]));
    hits.forEach((h, p) => {
      overlaps[p]!.push(h.filter((x) => exact.has(x.id)).length / K);
      for (const x of h) {
        const want = exact.get(x.id);
        if (want !== undefined) errors[p] = Math.max(errors[p]!, Math.abs(x.score - want));
      }
    });
  }
  const batchTimes = precisions.map(() => [] as number[]);
  const batches = 5;
  for (let b = 0; b < batches; b++) {
    const from = (b * SCORED_BATCH) % Math.max(1, rows - SCORED_BATCH);
    const batch = slab.subarray(from * DIM, (from + SCORED_BATCH) * DIM);
    engines.forEach((e, p) => {
      const t0 = performance.now();
      e.insert('bench', batch, undefined, { score: true });
      batchTimes[p]!.push(performance.now() - t0);
    });
  }
  const f32p50 = quantile(times[0]!, 0.5);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return engines.map((e, p) => {
    const stats = e.stats('bench')[0]!;
    return {
      precision: precisions[p]!,
      bytesPerRecord: stats.bytesPerRecord,
      windowBytes: stats.bytes,
      searchP50us: quantile(times[p]!, 0.5),
      searchP99us: quantile(times[p]!, 0.99),
      searchSpeedup: f32p50 / quantile(times[p]!, 0.5),
      overlap: mean(overlaps[p]!),
      maxScoreError: errors[p]!,
      scoredBatchMs: quantile(batchTimes[p]!, 0.5),
    };
  });
}

export function compactMarkdown(c: CompactFigures): string {
  return [
    `## Compact vectors (${c.rows.toLocaleString('en')} × ${c.dim}, top-${K}, one query at a time, kernel ${c.isa})`,
    '',
    `Rows: ${c.data}. Same rows and queries for every precision, interleaved. Overlap: mean share of the exact f32 top-${K} found.`,
    '',
    '| precision | bytes / vector | p50 µs | p99 µs | speed-up vs f32 | top-10 overlap with f32 |',
    '|---|---:|---:|---:|---:|---:|',
    ...c.results.map(
      (r) =>
        `| ${r.precision} | ${r.bytesPerVector} | ${r.p50us.toFixed(0)} | ${r.p99us.toFixed(0)} | ${r.speedup.toFixed(2)}× | ${r.overlap.toFixed(3)} |`,
    ),
    '',
    `The rescoring row scans int8 for the top ${RESCORE} and rescores those ${RESCORE} exactly from an f32 copy: its time is the int8 scan's (the ${RESCORE} dot products cost a few µs), its bytes include the copy.`,
    '',
    `### Through the engine (\`--precision\`): the same ${c.rows.toLocaleString('en')} rows in one namespace per precision`,
    '',
    `Recall: engine.search top-${K}, same queries interleaved; overlap and score error against the f32 engine. int8 scans its codes for the best ${int8Candidates(K)} and rescores them from its f16 copy. Scored batch: insert of ${SCORED_BATCH} rows with anomaly fields into the full window (one many-queries pass; f16/int8 decode the window to f32 in 4 MB chunks for it), median of 5.`,
    '',
    '| precision | bytes / record | window MB | recall p50 µs | p99 µs | speed-up vs f32 | top-10 overlap | max score error | scored batch of 256, ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...c.engine.map(
      (r) =>
        `| ${r.precision} | ${r.bytesPerRecord} | ${(r.windowBytes / 1024 ** 2).toFixed(1)} | ${r.searchP50us.toFixed(0)} | ${r.searchP99us.toFixed(0)} | ${r.searchSpeedup.toFixed(2)}× | ${r.overlap.toFixed(3)} | ${r.maxScoreError.toExponential(1)} | ${r.scoredBatchMs.toFixed(0)} |`,
    ),
    '',
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '100000' },
      queries: { type: 'string', default: '60' },
    },
  });
  const c = await compactFigures(Number(values.rows), Number(values.queries));
  process.stdout.write(compactMarkdown(c));
}

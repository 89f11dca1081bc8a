import { MemoryEngine } from '../engine/index.js';
import { JsKernel, loadKernel } from '../kernel/index.js';
import type { ScanKernel } from '../kernel/types.js';
import { createRuntime } from '../runtime.js';
import { seededUnitRows as unitRows } from '../seeded-rows.js';
import { benchRecall } from './bench-recall.js';
import { parseCommandOrExit, settingsHelp } from './flags.js';
import type { CliIo } from './io.js';
import { createProgressBar } from './progress.js';

export const BENCH_HELP = `ringmem bench — measure this installation: scan, insert and embedding speed

Runs on this machine with what is installed: the native and JS scan kernels on 5k / 20k / 100k
× 384 rows (top-10, one query at a time), raw-vector inserts into a full ring, recall in each mode (semantic, hybrid, lexical) over 10k
entries with text, and the configured
embedding model at batch 1 and batched. Prints markdown tables; progress goes to stderr.
The peer comparison (usearch, hnswlib-node, transformers.js) lives in the repository:
npm run bench:scan, npm run bench:embed.

Options:
  --queries <n>                  Timed queries per size (default 200).
  --json                         Print the results as JSON instead of tables.
${settingsHelp()}`;

interface Timing {
  p50: number;
  p99: number;
  mean: number;
}

function summarize(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

export async function runBench(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandOrExit(
    'bench',
    argv,
    io,
    {
      queries: { type: 'string' },
      json: { type: 'boolean' },
    },
    BENCH_HELP,
  );
  if (typeof parsed === 'number') return parsed;
  const queries = Number(parsed.values.queries ?? 200);
  if (!Number.isInteger(queries) || queries < 10 || queries > 100_000) {
    io.stderr.write('ringmem bench: --queries takes an integer from 10 to 100000\n');
    return 2;
  }
  const dim = 384;
  const sizes = [5_000, 20_000, 100_000];
  const kernels: { name: string; kernel: ScanKernel }[] = [];
  try {
    const native = loadKernel({ backend: 'native', warn: () => {} });
    kernels.push({ name: `native ${native.info.isa}`, kernel: native });
  } catch {
    // No addon: the JS kernel row below is what this installation runs.
  }
  kernels.push({ name: 'JS kernel', kernel: new JsKernel() });
  const steps = sizes.length * kernels.length + 3;
  const bar = createProgressBar({
    stream: io.stderr,
    label: 'ringmem bench',
    total: steps,
    format: (n) => `${n}`,
  });
  let step = 0;
  const advance = () => bar.update(++step);

  const scan: { rows: number; kernel: string; timing: Timing; gbs: number }[] = [];
  const outIdx = new Int32Array(10);
  const outScores = new Float32Array(10);
  for (const rows of sizes) {
    const slab = unitRows(rows, dim, rows);
    const qs = unitRows(32, dim, 7);
    const segs = new Uint32Array([0, rows]);
    for (const { name, kernel } of kernels) {
      const n = name === 'JS kernel' ? Math.max(10, Math.floor(queries / 10)) : queries;
      for (let i = 0; i < 5; i++)
        kernel.topK({
          slab,
          dim,
          segments: segs,
          query: qs.subarray(0, dim),
          k: 10,
          outIdx,
          outScores,
        });
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const q = qs.subarray((i % 32) * dim, ((i % 32) + 1) * dim);
        const t0 = performance.now();
        kernel.topK({ slab, dim, segments: segs, query: q, k: 10, outIdx, outScores });
        samples.push((performance.now() - t0) * 1000);
      }
      const timing = summarize(samples);
      scan.push({ rows, kernel: name, timing, gbs: (rows * dim * 4) / (timing.p50 * 1e3) });
      advance();
    }
  }

  // The insert path follows --kernel / RINGMEM_KERNEL, so `--kernel js` measures the JS fallback.
  // Without the addon only the JS kernel is there, whatever was asked.
  const insertKernel =
    kernels.find((k) => (parsed.config.kernel === 'js') === (k.name === 'JS kernel')) ??
    kernels[0]!;
  const engine = new MemoryEngine({
    dim,
    capacity: 100_000,
    kernel: insertKernel.kernel,
    maxBytes: 8 * 1024 ** 3,
  });
  const batch = unitRows(10_000, dim, 3);
  for (let i = 0; i < 10; i++) engine.insert('bench', batch);
  const t0 = performance.now();
  for (let i = 0; i < 30; i++) engine.insert('bench', batch);
  const insertsPerSec = 300_000 / ((performance.now() - t0) / 1000);
  const s = engine.stats('bench')[0]!;
  const bytesPerRecord = s.bytes / s.count;
  advance();

  // What the lexical side adds to a recall: 10k entries with text, the three modes interleaved.
  const recall = await benchRecall(insertKernel.kernel, 10_000, queries);
  advance();

  const runtime = createRuntime(parsed.config, () => {}, io.env);
  let embed:
    | { model: string; short: Timing; long: Timing; textsPerSec: number }
    | { model: string; error: string };
  try {
    const e = runtime.embedder;
    await e.ready;
    const short = (i: number) => `the build ${i} failed on the staging server`;
    const long = (i: number) =>
      `${'the service logged a long diagnostic message about retries and timeouts '.repeat(12)}${i}`;
    const time1 = async (make: (i: number) => string) => {
      const samples: number[] = [];
      for (let i = 0; i < Math.min(queries, 200); i++) {
        const t = performance.now();
        await e.embed([make(i + 1_000_000)], 'passage');
        samples.push((performance.now() - t) * 1000);
      }
      return summarize(samples);
    };
    const shortT = await time1(short);
    const longT = await time1(long);
    const texts = Array.from({ length: 4096 }, (_, i) => short(i + 2_000_000));
    const tb = performance.now();
    for (let i = 0; i < texts.length; i += 256) await e.embed(texts.slice(i, i + 256), 'passage');
    embed = {
      model: e.modelId,
      short: shortT,
      long: longT,
      textsPerSec: texts.length / ((performance.now() - tb) / 1000),
    };
  } catch (error) {
    embed = { model: runtime.embedder.modelId, error: (error as Error).message };
  }
  await runtime.close();
  advance();
  bar.finish('done');

  if (parsed.values.json) {
    io.stdout.write(
      `${JSON.stringify({ scan, insert: { kernel: insertKernel.name, insertsPerSec, bytesPerRecord }, recall, embed }, null, 2)}\n`,
    );
    return 0;
  }
  const f = (x: number, d = 1) => x.toFixed(d);
  const out: string[] = [
    `## Scan: top-10 over N × ${dim} float32, one query (µs)`,
    '',
    '| rows | kernel | p50 | p99 | mean | GB/s at p50 |',
    '|---:|---|---:|---:|---:|---:|',
    ...scan.map(
      (r) =>
        `| ${r.rows} | ${r.kernel} | ${f(r.timing.p50)} | ${f(r.timing.p99)} | ${f(r.timing.mean)} | ${f(r.gbs)} |`,
    ),
    '',
    `## Insert (${insertKernel.name}): ${Math.round(insertsPerSec).toLocaleString('en-US')} raw vectors/s into a full 100k × ${dim} ring; ${Math.round(bytesPerRecord)} bytes/record`,
    '',
    `## Recall modes (${insertKernel.name}): top-10 over ${recall.rows.toLocaleString('en-US')} entries with text (µs, modes interleaved)`,
    '',
    '| mode | p50 | p99 |',
    '|---|---:|---:|',
    `| semantic | ${f(recall.semantic.p50)} | ${f(recall.semantic.p99)} |`,
    `| hybrid | ${f(recall.hybrid.p50)} | ${f(recall.hybrid.p99)} |`,
    `| lexical | ${f(recall.lexical.p50)} | ${f(recall.lexical.p99)} |`,
    '',
    `Hybrid adds ${f(recall.hybridOverheadP50)} µs p50 to semantic recall.`,
    '',
  ];
  if ('error' in embed) {
    out.push(`## Embed: ${embed.model} not available: ${embed.error}`);
  } else {
    out.push(
      `## Embed: ${embed.model}`,
      '',
      '| case | p50 µs | p99 µs |',
      '|---|---:|---:|',
      `| short text, batch 1 | ${f(embed.short.p50)} | ${f(embed.short.p99)} |`,
      `| long text, batch 1 | ${f(embed.long.p50)} | ${f(embed.long.p99)} |`,
      '',
      `Batched (256 per call): ${Math.round(embed.textsPerSec).toLocaleString('en-US')} texts/s.`,
    );
  }
  io.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

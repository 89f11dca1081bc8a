/**
 * `npm run bench:embed` — ringmem's embedder vs transformers.js feature-extraction on the same
 * ONNX files, in the same process and run:
 *
 * - batch-1 latency, short (~12 tokens) and long (~250 tokens) text: p50 and p99, the two
 *   implementations interleaved call by call so machine noise hits both alike;
 * - batched throughput (texts/s) on 512 log-like texts of mixed length;
 * - tokenisation alone (texts/s), ASCII and non-ASCII short texts.
 *
 * Model: the shape-faithful all-MiniLM-L6-v2 stand-in (tools/gen-test-model.ts), fp32 and int8;
 * its compute equals the real model's, so the timings transfer. Also the built-in model, ringmem
 * only, when models/builtin/manifest.json exists. Results: bench-results/embed.json and embed.md.
 *
 * Options: --quick (fewer iterations), --threads N (onnxruntime intra-op threads for both sides;
 * default: onnxruntime's own choice for both).
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AutoTokenizer,
  env,
  type FeatureExtractionPipeline,
  pipeline,
} from '@huggingface/transformers';
import { createOnnxEmbedder, type OnnxEmbedder } from '../src/embed/index.js';
import { type ModelManifest, parseManifest } from '../src/models/manifest.js';
import { generateTestModel } from './onnx/test-model.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    threads: { type: 'string' },
    out: { type: 'string', default: 'bench-results' },
    'model-dir': { type: 'string', default: 'test/.generated/minilm-shape' },
  },
});
const quick = args.quick === true;
const threads = args.threads !== undefined ? Number(args.threads) : undefined;

// ---------------------------------------------------------------- inputs

const WORDS = (
  'the a service request user error warning disk network cache memory agent time host port ' +
  'deploy release queue worker thread database index query latency timeout retry connection ' +
  'failed succeeded started stopped because after before while during with from into over'
).split(' ');

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function sentence(r: () => number, words: number, i: number): string {
  const parts = [`#${i}`];
  for (let w = 0; w < words; w++) parts.push(WORDS[Math.floor(r() * WORDS.length)]!);
  return parts.join(' ');
}

/** Distinct texts (never repeated, so no cache can help either side). */
function texts(n: number, minWords: number, maxWords: number, seed: number): string[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) =>
    sentence(r, minWords + Math.floor(r() * (maxWords - minWords + 1)), i),
  );
}

// ---------------------------------------------------------------- stats

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)]!;
}

interface Latency {
  p50: number;
  p99: number;
  mean: number;
  n: number;
}

function summarise(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    mean: round(mean),
    n: samples.length,
  };
}

// ---------------------------------------------------------------- runners

type Runner = (batch: string[]) => Promise<unknown>;

/** Batch-1 latency of two runners, alternating which goes first, in ms. */
/** Longest warm-up before a latency measurement, per text length and variant. */
const WARMUP_MS = 1500;

async function interleavedLatency(
  a: Runner,
  b: Runner,
  inputs: string[],
  warmup: number,
): Promise<[Latency, Latency]> {
  // Warm both up to a steady state (JIT-compiled JS, onnxruntime's arenas sized) as a server
  // that has been running a while is: up to `warmup` calls each, at most WARMUP_MS in all.
  const warmStart = performance.now();
  for (let i = 0; i < warmup && performance.now() - warmStart < WARMUP_MS; i++) {
    await a([`warm-up ${i} ${inputs[i % inputs.length]}`]);
    await b([`warm-up ${i} ${inputs[i % inputs.length]}`]);
  }
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const order: Array<[Runner, number[]]> =
      i % 2 === 0
        ? [
            [a, sa],
            [b, sb],
          ]
        : [
            [b, sb],
            [a, sa],
          ];
    for (const [run, samples] of order) {
      const t = performance.now();
      await run([inputs[i]!]);
      samples.push(performance.now() - t);
    }
  }
  return [summarise(sa), summarise(sb)];
}

interface Rate {
  best: number;
  median: number;
}

/**
 * Texts per second for several contenders, measured in interleaved rounds (A, B, C, A, B, C, …)
 * so load from other processes on the shared machine falls on all of them alike. Each round uses
 * distinct texts, so no cache can help. Reports the best and the median round.
 */
async function interleavedThroughput(
  contenders: Array<(batch: string[]) => Promise<unknown>>,
  inputs: string[],
  rounds: number,
): Promise<Rate[]> {
  const samples: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let c = 0; c < contenders.length; c++) {
      const batch = inputs.map((t) => `${t} r${r}c${c}`);
      const t = performance.now();
      await contenders[c]!(batch);
      samples[c]!.push(batch.length / ((performance.now() - t) / 1000));
    }
  }
  return samples.map((xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return {
      best: Math.round(sorted[sorted.length - 1]! * 10) / 10,
      median: Math.round(percentile(sorted, 50) * 10) / 10,
    };
  });
}

function tokenRate(encode: (t: string) => unknown, inputs: string[], repeats: number): number {
  let best = 0;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    for (const s of inputs) encode(s);
    best = Math.max(best, inputs.length / ((performance.now() - t) / 1000));
  }
  return Math.round(best);
}

// ---------------------------------------------------------------- model setup

function loadManifest(path: string): ModelManifest {
  return parseManifest(JSON.parse(readFileSync(path, 'utf8')), path);
}

function ensureTestModel(dir: string): void {
  if (existsSync(join(dir, 'manifest.json')) && existsSync(join(dir, 'manifest.int8.json'))) return;
  console.error(`generating the shape-faithful test model in ${dir} ...`);
  generateTestModel({ outDir: dir });
}

function makeRingmem(dir: string, manifest: ModelManifest): OnnxEmbedder {
  return createOnnxEmbedder({
    modelDir: dir,
    manifest,
    cacheSize: 0, // a benchmark of the model path, not of the cache
    ...(threads !== undefined ? { intraOpThreads: threads } : {}),
  });
}

async function makeTransformers(
  id: string,
  dtype: 'fp32' | 'q8',
): Promise<FeatureExtractionPipeline> {
  const options: Record<string, unknown> = { dtype };
  if (threads !== undefined) options.session_options = { intraOpNumThreads: threads };
  return (await pipeline('feature-extraction', id, options)) as FeatureExtractionPipeline;
}

// ---------------------------------------------------------------- main

interface VariantResult {
  model: string;
  file: string;
  pooling: string;
  latencyShortMs: { ringmem: Latency; transformersjs: Latency | null };
  latencyLongMs: { ringmem: Latency; transformersjs: Latency | null };
  throughputTextsPerS: {
    ringmem: Rate;
    ringmemConcurrentCalls: Rate;
    transformersjs: Rate | null;
  };
  ratios: {
    latencyShortP50: number | null;
    latencyLongP50: number | null;
    throughput: number | null;
  };
}

async function benchVariant(
  label: string,
  dir: string,
  manifest: ModelManifest,
  tjs: FeatureExtractionPipeline | null,
): Promise<VariantResult> {
  const pooling = manifest.pooling === 'none' ? 'none' : manifest.pooling;
  const ringmem = makeRingmem(dir, manifest);
  await ringmem.ready;
  const ours: Runner = (b) => ringmem.embed(b, 'passage');
  const theirs: Runner | null =
    tjs === null
      ? null
      : (b) => tjs(b, { pooling: pooling === 'cls' ? 'cls' : 'mean', normalize: true });
  const nShort = quick ? 60 : 300;
  const nLong = quick ? 12 : 60;
  const shortTexts = texts(nShort, 8, 10, 11);
  const longTexts = texts(nLong, 230, 240, 12);
  const mixed = texts(quick ? 96 : 256, 4, 60, 13);
  console.error(`[${label}] batch-1 latency, short text ...`);
  const [rs, ts] = theirs
    ? await interleavedLatency(ours, theirs, shortTexts, 300)
    : [await soloLatency(ours, shortTexts), null];
  console.error(`[${label}] batch-1 latency, long text ...`);
  const [rl, tl] = theirs
    ? await interleavedLatency(ours, theirs, longTexts, 20)
    : [await soloLatency(ours, longTexts), null];
  console.error(`[${label}] throughput ...`);
  const chunked = (run: Runner, size: number) => async (batch: string[]) => {
    for (let s = 0; s < batch.length; s += size) await run(batch.slice(s, s + size));
  };
  // ringmem: all texts in one call; and one call per text, all at once (the batcher coalesces).
  const contenders = [
    ours,
    (batch: string[]) => Promise.all(batch.map((t) => ringmem.embed([t], 'passage'))),
    ...(theirs ? [chunked(theirs, 32)] : []),
  ];
  const rates = await interleavedThroughput(contenders, mixed, quick ? 2 : 5);
  const rt = rates[0]!;
  const rc = rates[1]!;
  const tt = rates[2] ?? null;
  await ringmem.close();
  const ratio = (a: number, b: number | undefined | null) =>
    b === null || b === undefined ? null : Math.round((a / b) * 1000) / 1000;
  return {
    model: label,
    file: join(basename(dir), manifest.files.model.path),
    pooling,
    latencyShortMs: { ringmem: rs, transformersjs: ts ?? null },
    latencyLongMs: { ringmem: rl, transformersjs: tl ?? null },
    throughputTextsPerS: { ringmem: rt, ringmemConcurrentCalls: rc, transformersjs: tt },
    ratios: {
      latencyShortP50: ratio(rs.p50, ts?.p50),
      latencyLongP50: ratio(rl.p50, tl?.p50),
      throughput: ratio(rt.median, tt?.median),
    },
  };
}

async function soloLatency(run: Runner, inputs: string[]): Promise<Latency> {
  const warmStart = performance.now();
  for (let i = 0; i < 1000 && performance.now() - warmStart < WARMUP_MS; i++) {
    await run([`warm-up ${i} ${inputs[i % inputs.length]}`]);
  }
  const samples: number[] = [];
  for (const t of inputs) {
    const start = performance.now();
    await run([t]);
    samples.push(performance.now() - start);
  }
  return summarise(samples);
}

function cpuFlags(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const flags = /^flags\s*:\s*(.*)$/m.exec(info)?.[1]?.split(' ') ?? [];
    return ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx_vnni']
      .filter((f) => flags.includes(f))
      .join(' ');
  } catch {
    return 'unknown';
  }
}

function version(pkg: string): string {
  try {
    return JSON.parse(readFileSync(join('node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const modelDir = resolve(args['model-dir']!);
  ensureTestModel(modelDir);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${dirname(modelDir)}/`;
  const hfId = basename(modelDir);
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    logicalCores: cpus().length,
    isa: cpuFlags(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    onnxruntimeNode: version('onnxruntime-node'),
    transformersjs: version('@huggingface/transformers'),
    tokenizersjs: version('@huggingface/tokenizers'),
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    commit: (() => {
      try {
        return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
      } catch {
        return 'unknown';
      }
    })(),
  };
  console.error(
    `machine: ${machine.cpu}, ${machine.logicalCores} logical cores, load ${machine.loadAverageAtStart.join(' ')}`,
  );

  const variants: VariantResult[] = [];
  const fp32 = loadManifest(join(modelDir, 'manifest.json'));
  const tjsFp32 = await makeTransformers(hfId, 'fp32');
  variants.push(await benchVariant('minilm-shape fp32', modelDir, fp32, tjsFp32));

  // Tokenisation alone, on the fp32 pair's tokenizers (same tokenizer.json).
  const probe = makeRingmem(modelDir, fp32);
  await probe.ready;
  const tok = probe.tokenizer!;
  const tjsTok = await AutoTokenizer.from_pretrained(hfId);
  const nTok = quick ? 5000 : 20000;
  const asciiShort = texts(nTok, 8, 10, 21);
  const unicodeShort = asciiShort.map((t, i) => `${t} café ${i % 2 ? 'naïve' : 'Straße'} 😀`);
  const max = fp32.maxTokens;
  const tokenisation = {
    asciiShort: {
      ringmem: tokenRate((t) => tok.encode(t, max), asciiShort, 3),
      transformersjs: tokenRate((t) => tjsTok(t, { truncation: true }), asciiShort, 3),
    },
    nonAsciiShort: {
      ringmem: tokenRate((t) => tok.encode(t, max), unicodeShort, 3),
      transformersjs: tokenRate((t) => tjsTok(t, { truncation: true }), unicodeShort, 3),
    },
  };
  await probe.close();
  await tjsFp32.dispose();

  if (existsSync(join(modelDir, 'manifest.int8.json'))) {
    const int8 = loadManifest(join(modelDir, 'manifest.int8.json'));
    const tjsQ8 = await makeTransformers(hfId, 'q8');
    variants.push(await benchVariant('minilm-shape int8', modelDir, int8, tjsQ8));
    await tjsQ8.dispose();
  }

  // A tiny model with the same tokenizer: compute is negligible, so its latency is each
  // implementation's own overhead around onnxruntime (tokenising, tensors, pooling).
  const tinyDir = join(dirname(modelDir), `${hfId}-tiny-overhead`);
  if (!existsSync(join(tinyDir, 'manifest.json'))) {
    generateTestModel({
      outDir: tinyDir,
      int8: false,
      config: { hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 64 },
    });
  }
  const tjsTiny = await makeTransformers(basename(tinyDir), 'fp32');
  variants.push(
    await benchVariant(
      'tiny (overhead probe)',
      tinyDir,
      loadManifest(join(tinyDir, 'manifest.json')),
      tjsTiny,
    ),
  );
  await tjsTiny.dispose();

  const builtinManifest = join('models', 'builtin', 'manifest.json');
  if (existsSync(builtinManifest)) {
    try {
      const m = loadManifest(builtinManifest);
      variants.push(await benchVariant(`builtin ${m.id}`, resolve('models/builtin'), m, null));
    } catch (error) {
      console.error(`built-in model skipped: ${(error as Error).message}`);
    }
  }

  const result = {
    benchmark: 'embed',
    date: started.toISOString(),
    command: `npm run bench:embed${quick ? ' -- --quick' : ''}${threads !== undefined ? ` -- --threads ${threads}` : ''}`,
    machine,
    intraOpThreads:
      threads ??
      'onnxruntime default (both sides); the built-in model 1, the embedder default for pooling-none models',
    notes:
      'Same ONNX files and tokenizer for both; ringmem cache disabled; distinct texts per call. ' +
      'Latency: batch of 1, the two implementations interleaved call by call, after a warm-up of up to ' +
      '300 calls each (short text; 20 long; 1000 for ringmem alone), at most 1.5 s, so both run JIT-compiled as a ' +
      'long-running server does. Throughput: ringmem gets ' +
      'all texts in one call (its batcher makes batches of <=32 rows, grouped by length); ' +
      'transformers.js gets chunks of 32 in input order. "ringmemConcurrentCalls": one call per text, ' +
      'all at once, coalesced by the batcher. Throughput rounds are interleaved across the three.',
    variants,
    tokenisationTextsPerS: tokenisation,
    targets: {
      latencyP50RatioMax: 0.8,
      throughputRatioMin: 1.25,
      tokenisationShortTextsPerSMin: 50000,
    },
    loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
  };
  mkdirSync(args.out!, { recursive: true });
  writeFileSync(join(args.out!, 'embed.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(args.out!, 'embed.md'), markdown(result));
  console.log(markdown(result));
}

function markdown(r: {
  date: string;
  command: string;
  machine: Record<string, unknown>;
  intraOpThreads: unknown;
  notes: string;
  variants: VariantResult[];
  tokenisationTextsPerS: Record<string, { ringmem: number; transformersjs: number }>;
  loadAverageAtEnd: number[];
}): string {
  const m = r.machine;
  const fmt = (l: Latency | null) =>
    l === null ? '—' : `${l.p50.toFixed(2)} / ${l.p99.toFixed(2)}`;
  const ratio = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)}×`);
  const rate = (x: Rate | null) =>
    x === null ? '—' : `${Math.round(x.median)} (best ${Math.round(x.best)})`;
  const lines = [
    '# Embedding benchmark',
    '',
    `\`${r.command}\` — ${r.date}, commit ${m.commit}`,
    '',
    `Machine: ${m.cpu}, ${m.logicalCores} logical cores (${m.isa}), ${m.memoryGiB} GiB, ${m.os}; ` +
      `Node ${m.node}, onnxruntime-node ${m.onnxruntimeNode}, transformers.js ${m.transformersjs}, ` +
      `tokenizers.js ${m.tokenizersjs}. Load average at start ${(m.loadAverageAtStart as number[]).join(' ')}, ` +
      `at end ${r.loadAverageAtEnd.join(' ')} (the machine is shared; figures are noisy). ` +
      `Intra-op threads: ${r.intraOpThreads}.`,
    '',
    r.notes,
    '',
    '## Batch-1 latency (ms, p50 / p99) and throughput',
    '',
    '| model | pooling | short: ringmem | short: transformers.js | ratio p50 | long: ringmem | long: transformers.js | ratio p50 | texts/s ringmem | texts/s ringmem (concurrent calls) | texts/s transformers.js | ratio |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.variants.map(
      (v) =>
        `| ${v.model} | ${v.pooling} | ${fmt(v.latencyShortMs.ringmem)} | ${fmt(v.latencyShortMs.transformersjs)} | ` +
        `${ratio(v.ratios.latencyShortP50)} | ${fmt(v.latencyLongMs.ringmem)} | ${fmt(v.latencyLongMs.transformersjs)} | ` +
        `${ratio(v.ratios.latencyLongP50)} | ${rate(v.throughputTextsPerS.ringmem)} | ${rate(v.throughputTextsPerS.ringmemConcurrentCalls)} | ` +
        `${rate(v.throughputTextsPerS.transformersjs)} | ${ratio(v.ratios.throughput)} |`,
    ),
    '',
    'Short text: 9–11 words (about 12 tokens). Long text: 231–241 words (about 245 tokens, under the 256 cap).',
    'The tiny model (2 layers, hidden 32, same tokenizer) costs almost nothing to run, so its rows show',
    'the per-call overhead of each implementation around onnxruntime.',
    'Throughput: 256 texts of 5–61 words per round, 5 rounds interleaved across contenders; texts/s',
    'as median (best) round; the ratio is of medians. Targets: latency ratio ≤ 0.80×, throughput ratio ≥ 1.25×.',
    '',
    '## Tokenisation alone (texts/s, best of 3)',
    '',
    '| texts | ringmem | transformers.js |',
    '|---|---|---|',
    ...Object.entries(r.tokenisationTextsPerS).map(
      ([k, v]) => `| ${k} | ${v.ringmem} | ${v.transformersjs} |`,
    ),
    '',
    'Target: ≥ 50,000 short texts/s. ringmem includes truncation and the Int32Array of model ids; ',
    'transformers.js is its tokenizer call with truncation (it builds tensors too).',
    '',
  ];
  return lines.join('\n');
}

await main();

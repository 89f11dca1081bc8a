// Measures ringmem's anomaly verdicts on labelled logs and sweeps the rule's thresholds.
//
//   npm run eval:anomaly -- ../shared/data/hdfs_5k_labelled [--model auto] [--capacity 2000]
//
// HDFS labels are per block (a block's whole trace is anomalous or not), so a block counts as
// flagged when any of its lines is. Lines stream through the engine in file order exactly as
// `ringmem watch` would send them; each line's components (centroid similarity, baseline μ and σ,
// nearest similarity) are recorded once, and every rule variant is evaluated on them offline.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { maskLogLine } from '../src/cli/log-mask.js';
import { loadConfig } from '../src/config.js';
import { DEFAULT_ANOMALY_CONFIG } from '../src/engine/index.js';
import { createRuntime } from '../src/runtime.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string', default: 'auto' },
    capacity: { type: 'string', default: '2000' },
    out: { type: 'string', default: 'bench-results' },
    raw: { type: 'boolean', default: false },
  },
});
const dataDir = positionals[0];
if (!dataDir) {
  console.error(
    'usage: npm run eval:anomaly -- <dir with HDFS_5k.log and HDFS_5k_block_labels.csv>',
  );
  process.exit(2);
}

const lines = readFileSync(join(dataDir, 'HDFS_5k.log'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '');
const labels = new Map<string, boolean>();
for (const row of readFileSync(join(dataDir, 'HDFS_5k_block_labels.csv'), 'utf8')
  .split('\n')
  .slice(1)) {
  const [id, label] = row.trim().split(',');
  if (id) labels.set(id, label === 'Anomaly');
}
const blockOf = (line: string) => /blk_-?\d+/.exec(line)?.[0] ?? '';

const config = loadConfig(
  { '--model': values.model, '--capacity': values.capacity, '--ttl': 'none' },
  process.env,
);
const runtime = createRuntime(config, () => {}, process.env);
const { memory } = runtime;
await memory.embedder.ready;

interface Components {
  block: string;
  n: number;
  c: number;
  mu: number;
  sigma: number;
  nearest: number;
}
const rows: Components[] = [];
const started = performance.now();
for (let i = 0; i < lines.length; i += 64) {
  const batch = lines.slice(i, i + 64);
  const res = await memory.remember(batch, {
    namespace: 'hdfs',
    embedAs: values.raw ? undefined : maskLogLine,
  });
  res.anomalies!.forEach((a, j) => {
    rows.push({
      block: blockOf(batch[j]!),
      n: a.windowSize,
      c: a.centroidSimilarity ?? Number.NaN,
      mu: a.baseline.mean ?? Number.NaN,
      sigma: a.baseline.std ?? Number.NaN,
      nearest: a.nearest?.similarity ?? Number.NaN,
    });
  });
}
const seconds = (performance.now() - started) / 1000;

function score(r: Components, zT: number, nT: number, floor: number): number {
  if (!Number.isFinite(r.mu) || !Number.isFinite(r.c)) return 0;
  const z = (r.mu - r.c) / Math.max(r.sigma, floor);
  let damping = 1;
  if (Number.isFinite(r.nearest) && r.nearest > nT)
    damping = Math.max(0, (1 - r.nearest) / (1 - nT));
  return damping / (1 + Math.exp(-(z - zT)));
}

function evaluate(zT: number, nT: number, minWindow: number, floor: number) {
  const flagged = new Set<string>();
  let lineFlags = 0;
  for (const r of rows) {
    if (r.n >= minWindow && score(r, zT, nT, floor) >= 0.5) {
      flagged.add(r.block);
      lineFlags++;
    }
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [block, anomalous] of labels) {
    const f = flagged.has(block);
    if (f && anomalous) tp++;
    else if (f) fp++;
    else if (anomalous) fn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { zT, nT, minWindow, floor, tp, fp, fn, precision, recall, f1, lineFlags };
}

/** Block-level ROC AUC of the maximum line score (threshold-free quality of the score itself). */
function auc(zT: number, nT: number, floor: number): number {
  const maxByBlock = new Map<string, number>();
  for (const r of rows)
    maxByBlock.set(r.block, Math.max(maxByBlock.get(r.block) ?? 0, score(r, zT, nT, floor)));
  const pos: number[] = [];
  const neg: number[] = [];
  for (const [block, anomalous] of labels) (anomalous ? pos : neg).push(maxByBlock.get(block) ?? 0);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

const results = [];
for (const zT of [0.5, 1, 1.5, 2, 2.5, 3, 4])
  for (const nT of [0.8, 0.85, 0.9, 0.95, 0.98, 1])
    for (const minWindow of [16, 64])
      for (const floor of [0.02, 0.05]) results.push(evaluate(zT, nT, minWindow, floor));
results.sort((a, b) => b.f1 - a.f1 || a.lineFlags - b.lineFlags);
const d = DEFAULT_ANOMALY_CONFIG;
const def = evaluate(d.zThreshold, d.nearestThreshold, d.minWindow, d.sigmaFloor);
const model = memory.embedder.modelId;
const md = [
  `# Anomaly verdicts on HDFS (${labels.size} blocks, ${[...labels.values()].filter(Boolean).length} anomalous, ${rows.length} lines)`,
  '',
  `Model ${model}, capacity ${config.capacity}, ${rows.length} lines in ${seconds.toFixed(1)} s. Lines ${values.raw ? 'raw' : 'masked as `ringmem watch` masks them (tokens with digits → <*>)'}. Command: \`npm run eval:anomaly -- ${dataDir}${values.raw ? ' --raw' : ''}\`.`,
  '',
  `Default rule (z ≥ ${d.zThreshold}, nearest damping above ${d.nearestThreshold}, warm-up ${d.minWindow}, σ floor ${d.sigmaFloor}): precision ${def.precision.toFixed(2)}, recall ${def.recall.toFixed(2)}, F1 ${def.f1.toFixed(2)} (${def.tp} TP, ${def.fp} FP, ${def.fn} FN; ${def.lineFlags} lines flagged). Block-level ROC AUC of the max line score: ${auc(d.zThreshold, d.nearestThreshold, d.sigmaFloor).toFixed(3)}.`,
  '',
  '| z threshold | nearest damping above | warm-up | σ floor | precision | recall | F1 | lines flagged |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results
    .slice(0, 15)
    .map(
      (r) =>
        `| ${r.zT} | ${r.nT} | ${r.minWindow} | ${r.floor} | ${r.precision.toFixed(2)} | ${r.recall.toFixed(2)} | ${r.f1.toFixed(2)} | ${r.lineFlags} |`,
    ),
].join('\n');
mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, 'anomaly-hdfs.md'), `${md}\n`);
writeFileSync(
  join(values.out!, 'anomaly-hdfs.json'),
  `${JSON.stringify({ model, seconds, default: def, sweep: results }, null, 2)}\n`,
);
console.log(md);
await runtime.close();

// Measures ringmem's anomaly scores on logs and prints the rule ringmem shipped before (issue 18)
// side by side with the engine's current rule.
//
//   npm run eval:anomaly                      # every benchmark, data from ../shared/data
//   npm run eval:anomaly -- --data DIR --systems OpenSSH,HDFS --host-lines 500
//
// 1. Foreign-line injection (Loghub 2k samples): each system's 2,000 lines in file order, with 20
//    single lines of other systems and 8 foreign templates recurring 2–5 times injected at seeded
//    positions (tools/anomaly/injection.ts). AUROC of the score, foreign lines against host
//    lines: all of them ("line"), first occurrences only ("first": singles and the first line of
//    each recurring template), and the recurring templates' 2nd–5th occurrences ("later").
// 2. HDFS (hdfs_5k_labelled): labels are per block, so a block scores its maximum line score;
//    block-level AUROC, and precision/recall/F1 of the verdicts (a block is flagged when any of
//    its lines is).
// Lines are masked and batched exactly as `ringmem watch` does. Deterministic for a given seed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import {
  type AnomalyConfig,
  type AnomalyReport,
  DEFAULT_ANOMALY_CONFIG,
} from '../src/engine/index.js';
import { createRuntime } from '../src/runtime.js';
import { buildInjectedStream, type InjectedStream } from './anomaly/injection.js';
import { readLoghub } from './anomaly/loghub.js';
import { auroc, mean } from './anomaly/metrics.js';
import { embedLines, previousRuleScore, streamReports } from './anomaly/stream.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: join(repo, '..', 'shared', 'data') },
    model: { type: 'string', default: 'auto' },
    systems: { type: 'string' },
    'host-lines': { type: 'string' },
    seed: { type: 'string', default: '18' },
    out: { type: 'string', default: join(repo, 'bench-results') },
    raw: { type: 'boolean', default: false },
    /** Anomaly settings to try instead of the defaults, e.g. --set k=6 --set alpha=0.02. */
    set: { type: 'string', multiple: true },
    /** Also sweep k and the weights of the rule (how the defaults were chosen). */
    sweep: { type: 'boolean', default: false },
  },
});
const dataDir = values.data!;
const loghubDir = join(dataDir, 'loghub_2k');
const hdfsDir = join(dataDir, 'hdfs_5k_labelled');
if (!existsSync(loghubDir) && !existsSync(hdfsDir)) {
  console.log(
    `eval:anomaly skipped: no development data at ${dataDir} (expects loghub_2k/ and hdfs_5k_labelled/; pass --data DIR)`,
  );
  process.exit(0);
}

const config = loadConfig({ '--model': values.model, '--ttl': 'none' }, process.env);
const runtime = createRuntime(config, () => {}, process.env);
const { embedder, kernel } = runtime;
await embedder.ready;
const dim = embedder.dim;
const overrides: Record<string, number> = {};
for (const kv of values.set ?? []) {
  const [key, value] = kv.split('=');
  if (!key || !(key in DEFAULT_ANOMALY_CONFIG) || !Number.isFinite(Number(value))) {
    console.error(
      `--set ${kv}: expected one of ${Object.keys(DEFAULT_ANOMALY_CONFIG).join(', ')} = a number`,
    );
    process.exit(2);
  }
  overrides[key] = Number(value);
}
const engineConfig = (capacity: number) => ({
  dim,
  kernel,
  capacity,
  ttlMs: Infinity,
  // RINGMEM_PRECISION=f16|int8 replays the streams at that vector precision.
  precision: config.precision.default,
  anomaly: overrides as Partial<AnomalyConfig>,
});
const seed = Number(values.seed);
const hostLines = values['host-lines'] ? Number(values['host-lines']) : undefined;
const WARM = 100;

interface RuleFigures {
  line: number;
  first: number;
  later: number;
  /** Host lines flagged / host lines (after warm-up). */
  falseAlarmRate: number;
  /** Foreign first occurrences flagged / foreign first occurrences. */
  firstRecall: number;
}

interface SystemRow {
  system: string;
  lines: number;
  previous: RuleFigures;
  current: RuleFigures;
}

type Scorer = (a: AnomalyReport) => { score: number; flag: boolean };
const previous: Scorer = (a) => {
  const score = previousRuleScore(a);
  // Its warm-up was 16 entries.
  return { score, flag: a.windowSize >= 16 && score >= 0.5 };
};
const current: Scorer = (a) => ({ score: a.score, flag: a.isAnomaly });

function figures(stream: InjectedStream, reports: AnomalyReport[], rule: Scorer): RuleFigures {
  const host: number[] = [];
  const first: number[] = [];
  const later: number[] = [];
  let hostFlags = 0;
  let firstFlags = 0;
  stream.kinds.forEach((kind, i) => {
    const { score, flag } = rule(reports[i]!);
    if (kind === 'host') {
      if (i < WARM) return;
      host.push(score);
      if (flag) hostFlags++;
    } else if (kind === 'recur-later') later.push(score);
    else {
      first.push(score);
      if (flag) firstFlags++;
    }
  });
  return {
    line: auroc([...first, ...later], host),
    first: auroc(first, host),
    later: auroc(later, host),
    falseAlarmRate: hostFlags / host.length,
    firstRecall: firstFlags / first.length,
  };
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const md: string[] = [];
const json: Record<string, unknown> = { model: embedder.modelId, seed };
const started = performance.now();

const prepared: { stream: InjectedStream; vectors: Float32Array }[] = [];
if (existsSync(loghubDir)) {
  const all = readLoghub(loghubDir);
  const wanted = values.systems?.split(',');
  const hosts = wanted ? all.filter((s) => wanted.includes(s.name)) : all;
  const rows: SystemRow[] = [];
  for (const [h, host] of hosts.entries()) {
    const stream = buildInjectedStream(host, all, { seed: seed * 1000 + h, hostLines });
    const vectors = await embedLines(embedder, stream.lines, values.raw);
    prepared.push({ stream, vectors });
    const reports = streamReports(vectors, stream.lines, engineConfig(10_000));
    rows.push({
      system: host.name,
      lines: stream.lines.length,
      previous: figures(stream, reports, previous),
      current: figures(stream, reports, current),
    });
  }
  const meanOf = (get: (r: SystemRow) => number) => mean(rows.map(get));
  md.push(
    `## Foreign-line injection (${rows.length} Loghub systems as hosts; seed ${seed}${hostLines ? `; first ${hostLines} host lines` : ''})`,
    '',
    'AUROC of the score, foreign lines vs host lines; flags: share of host lines flagged (false alarms) and of foreign first occurrences flagged.',
    '',
    '| host | lines | previous: line | first | later | false alarms | first flagged | **current: line** | **first** | **later** | false alarms | first flagged |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.system} | ${r.lines} | ${f3(r.previous.line)} | ${f3(r.previous.first)} | ${f3(r.previous.later)} | ${pct(r.previous.falseAlarmRate)} | ${pct(r.previous.firstRecall)} | ${f3(r.current.line)} | ${f3(r.current.first)} | ${f3(r.current.later)} | ${pct(r.current.falseAlarmRate)} | ${pct(r.current.firstRecall)} |`,
    ),
    `| **mean** | | ${f3(meanOf((r) => r.previous.line))} | ${f3(meanOf((r) => r.previous.first))} | ${f3(meanOf((r) => r.previous.later))} | ${pct(meanOf((r) => r.previous.falseAlarmRate))} | ${pct(meanOf((r) => r.previous.firstRecall))} | **${f3(meanOf((r) => r.current.line))}** | **${f3(meanOf((r) => r.current.first))}** | **${f3(meanOf((r) => r.current.later))}** | ${pct(meanOf((r) => r.current.falseAlarmRate))} | ${pct(meanOf((r) => r.current.firstRecall))} |`,
    '',
  );
  json.injection = rows;
} else {
  md.push(`(foreign-line injection skipped: ${loghubDir} is absent)`, '');
}

if (existsSync(hdfsDir)) {
  const lines = readFileSync(join(hdfsDir, 'HDFS_5k.log'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const labels = new Map<string, boolean>();
  for (const row of readFileSync(join(hdfsDir, 'HDFS_5k_block_labels.csv'), 'utf8')
    .split('\n')
    .slice(1)) {
    const [id, label] = row.trim().split(',');
    if (id) labels.set(id, label === 'Anomaly');
  }
  const blockOf = (line: string) => /blk_-?\d+/.exec(line)?.[0] ?? '';
  const vectors = await embedLines(embedder, lines, values.raw);
  const reports = streamReports(vectors, lines, engineConfig(2000));
  const hdfs = (rule: Scorer) => {
    const maxScore = new Map<string, number>();
    const flagged = new Set<string>();
    reports.forEach((a, i) => {
      const block = blockOf(lines[i]!);
      const { score, flag } = rule(a);
      maxScore.set(block, Math.max(maxScore.get(block) ?? 0, score));
      if (flag) flagged.add(block);
    });
    const pos: number[] = [];
    const neg: number[] = [];
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const [block, bad] of labels) {
      (bad ? pos : neg).push(maxScore.get(block) ?? 0);
      const f = flagged.has(block);
      if (f && bad) tp++;
      else if (f) fp++;
      else if (bad) fn++;
    }
    const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
    const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { auroc: auroc(pos, neg), precision, recall, f1, tp, fp, fn };
  };
  const p = hdfs(previous);
  const c = hdfs(current);
  md.push(
    `## HDFS (${labels.size} blocks, ${[...labels.values()].filter(Boolean).length} anomalous, ${lines.length} lines; capacity 2000)`,
    '',
    '| rule | block AUROC (max line score) | precision | recall | F1 |',
    '|---|---:|---:|---:|---:|',
    `| previous | ${f3(p.auroc)} | ${p.precision.toFixed(2)} | ${p.recall.toFixed(2)} | ${p.f1.toFixed(2)} |`,
    `| **current** | **${f3(c.auroc)}** | ${c.precision.toFixed(2)} | ${c.recall.toFixed(2)} | ${c.f1.toFixed(2)} |`,
    '',
  );
  json.hdfs = { previous: p, current: c };
} else {
  md.push(`(HDFS skipped: ${hdfsDir} is absent)`, '');
}

if (values.sweep && prepared.length > 0) {
  // Every variant replays the same embedded streams; only the rule's settings change.
  const grid: Partial<AnomalyConfig>[] = [];
  for (const k of [1, 4, 6, 8, 12, 16])
    for (const centroidWeight of [0, 0.03, 0.2, 0.5])
      for (const countWeight of [0, 0.1]) grid.push({ k, centroidWeight, countWeight });
  const sweep = grid.map((variant) => {
    const per = prepared.map(({ stream, vectors }) =>
      figures(
        stream,
        streamReports(vectors, stream.lines, {
          ...engineConfig(10_000),
          anomaly: { ...overrides, ...variant },
        }),
        current,
      ),
    );
    const m = (get: (f: RuleFigures) => number) => mean(per.map(get));
    return {
      ...variant,
      line: m((f) => f.line),
      first: m((f) => f.first),
      later: m((f) => f.later),
      falseAlarmRate: m((f) => f.falseAlarmRate),
      firstRecall: m((f) => f.firstRecall),
    };
  });
  sweep.sort((a, b) => b.first + b.later - (a.first + a.later));
  md.push(
    `## Sweep of the rule (mean over ${prepared.length} injected streams; other settings at their defaults${values.set ? ` with ${values.set.join(', ')}` : ''})`,
    '',
    '| k | centroid weight | count weight | line | first | later | false alarms | first flagged |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...sweep.map(
      (v) =>
        `| ${v.k} | ${v.centroidWeight} | ${v.countWeight} | ${f3(v.line)} | ${f3(v.first)} | ${f3(v.later)} | ${pct(v.falseAlarmRate)} | ${pct(v.firstRecall)} |`,
    ),
    '',
  );
  json.sweep = sweep;
}

const seconds = (performance.now() - started) / 1000;
const header = [
  '# Anomaly scores on logs: previous rule vs current rule',
  '',
  `Model ${embedder.modelId}, kernel ${kernel.info.backend}/${kernel.info.isa}; lines ${values.raw ? 'raw' : 'masked as `ringmem watch` masks them'}; ${seconds.toFixed(1)} s. Command: \`npm run eval:anomaly${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`.`,
  '',
];
const text = [...header, ...md].join('\n');
console.log(text);
if (!values.systems && !hostLines && !values.set && !values.sweep) {
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(join(values.out!, 'anomaly.md'), `${text}\n`);
  writeFileSync(join(values.out!, 'anomaly.json'), `${JSON.stringify(json, null, 2)}\n`);
}
await runtime.close();

/**
 * Retrieval quality of ringmem's recall, lexical / semantic / hybrid side by side, through the
 * same Memory API the MCP tools use:
 *
 *   npm run eval:retrieval -- <BEIR folder | LoCoMo .json> [--model builtin] [--out bench-results]
 *                             [--sweep] [--queries N]
 *
 * BEIR folders (corpus.jsonl, queries.jsonl, qrels/*.tsv) give nDCG@10 and recall@10 over one
 * namespace holding the corpus ("title. text"); LoCoMo files give hit@5 and hit@10 with one
 * namespace per conversation holding its turns as "<speaker>: <text>". `--sweep` also runs the
 * fusion rules and weights that chose the defaults (src/engine/fusion.ts). Results go to
 * <out>/retrieval-<name>.json and .md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createMemory } from '../src/create-memory.js';
import { DEFAULT_FUSION, type FusionConfig, type FusionRule } from '../src/engine/fusion.js';
import { evaluateMode, loadTask, type ModeScores, rememberTask } from './eval-retrieval-lib.js';

const USAGE =
  'usage: npm run eval:retrieval -- <BEIR folder | LoCoMo .json> [--model ID|DIR] [--out DIR] [--sweep] [--queries N]';

interface Args {
  path: string;
  model: string;
  out: string;
  sweep: boolean;
  queries: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    path: '',
    model: 'builtin',
    out: 'bench-results',
    sweep: false,
    queries: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--model') args.model = argv[++i] ?? '';
    else if (a === '--out') args.out = argv[++i] ?? '';
    else if (a === '--sweep') args.sweep = true;
    else if (a === '--queries') args.queries = Number(argv[++i]);
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}; ${USAGE}`);
    else args.path = a;
  }
  if (!args.path) throw new Error(`missing the data path; ${USAGE}`);
  if (!args.model || !args.out) throw new Error(`--model and --out need a value; ${USAGE}`);
  if (args.queries !== undefined && !(Number.isInteger(args.queries) && args.queries > 0)) {
    throw new Error(`--queries takes a positive integer; ${USAGE}`);
  }
  return args;
}

const f3 = (x: number) => x.toFixed(3);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const task = loadTask(args.path, { queries: args.queries });
  const docs = task.namespaces.reduce((s, ns) => s + ns.docs.length, 0);
  const capacity = Math.max(...task.namespaces.map((ns) => ns.docs.length));
  const memory = await createMemory({ model: args.model, capacity, ttl: 'none', maxBytes: '4GB' });
  const load = loadavg()[0] as number;
  const t0 = performance.now();
  const ids = await rememberTask(memory, task);
  const rememberMs = performance.now() - t0;
  process.stderr.write(
    `${task.name}: ${docs} texts remembered in ${(rememberMs / 1000).toFixed(1)} s, ${task.questions.length} questions\n`,
  );

  const modes: ModeScores[] = [];
  for (const mode of ['lexical', 'semantic', 'hybrid'] as const) {
    modes.push(await evaluateMode(memory, task, ids, mode));
  }
  const sweep: { fusion: Partial<FusionConfig>; metrics: Record<string, number> }[] = [];
  if (args.sweep) {
    const rules: FusionRule[] = ['minmax', 'absolute', 'zscore', 'rrf'];
    const weights = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    for (const rule of rules) {
      for (const weight of rule === 'rrf' ? [0.3, 0.5] : weights) {
        for (const pool of rule === 'minmax' ? [20, 50, 100] : [50]) {
          const fusion = { rule, weight, pool };
          const r = await evaluateMode(memory, task, ids, 'hybrid', fusion);
          sweep.push({ fusion, metrics: r.metrics });
          process.stderr.write(
            `  ${rule} w=${weight} pool=${pool}: ${Object.entries(r.metrics)
              .map(([k, v]) => `${k} ${f3(v)}`)
              .join(', ')}\n`,
          );
        }
      }
    }
  }
  await memory.close();

  const metricNames = Object.keys(modes[0]?.metrics ?? {});
  const result = {
    task: task.name,
    kind: task.kind,
    path: args.path,
    model: memory.model.id,
    texts: docs,
    questions: task.questions.length,
    fusion: DEFAULT_FUSION,
    rememberSeconds: rememberMs / 1000,
    modes,
    sweep,
    machine: `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}`,
    loadAverage: load,
    date: new Date().toISOString(),
    command: `npm run eval:retrieval -- ${process.argv.slice(2).join(' ')}`,
  };
  const lines = [
    `# Retrieval: ${task.name} (${task.kind === 'beir' ? 'BEIR' : 'LoCoMo'})`,
    '',
    `${docs} texts, ${task.questions.length} questions; model \`${result.model}\`; fusion ${DEFAULT_FUSION.rule}, semantic weight ${DEFAULT_FUSION.weight}, pool ${DEFAULT_FUSION.pool}.`,
    `Remembered in ${result.rememberSeconds.toFixed(1)} s; ${result.machine}, load average ${load.toFixed(1)} at start; ${result.date}.`,
    `Command: \`${result.command}\``,
    '',
    `| mode | ${metricNames.join(' | ')} | recall p50 ms |`,
    `|---|${metricNames.map(() => '---:').join('|')}|---:|`,
    ...modes.map(
      (m) =>
        `| ${m.mode} | ${metricNames.map((k) => f3(m.metrics[k] as number)).join(' | ')} | ${m.p50Ms.toFixed(2)} |`,
    ),
  ];
  if (sweep.length > 0) {
    lines.push(
      '',
      '## Fusion sweep (hybrid mode)',
      '',
      `| rule | semantic weight | pool | ${metricNames.join(' | ')} |`,
      `|---|---:|---:|${metricNames.map(() => '---:').join('|')}|`,
      ...sweep.map(
        (s) =>
          `| ${s.fusion.rule} | ${s.fusion.weight} | ${s.fusion.pool} | ${metricNames.map((k) => f3(s.metrics[k] as number)).join(' | ')} |`,
      ),
    );
  }
  const md = `${lines.join('\n')}\n`;
  process.stdout.write(md);
  mkdirSync(args.out, { recursive: true });
  const base = join(args.out, `retrieval-${task.name}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${base}.md`, md);
  process.stderr.write(`wrote ${base}.json and ${base}.md\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`eval:retrieval: ${(error as Error).message}\n`);
  process.exit(1);
});

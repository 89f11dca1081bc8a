/**
 * `npm run bench:call-path` — where the time of one MCP tool call goes, stage by stage.
 *
 * Spawns the built server (`node dist/cli/main.js serve`, the built-in model, defaults but
 * `--capacity`) with tools/call-spans.mjs preloaded, which times each stage of every call inside
 * the server, and the SDK echo server beside it (tools/mcp-echo-server.mjs). Per window it fills
 * the window with distinct log-like lines, then times, calls interleaved with the floor's:
 * - `recall` (k = 10, hybrid, the default) and one-text `remember`: the per-call path;
 * - `remember` of 256 texts with the window full: the ingest path (embedding vs the anomaly
 *   neighbour search vs the insert itself).
 * Stages (medians over the calls): data→memory (JSON-RPC parse, message guards, the SDK's dispatch
 * and input validation), embed, engine (search, or neighbour search + insert + scoring), after
 * memory (the tool's reply building and the SDK's output check), send (JSON and the pipe write).
 * The client's round trip and the floor's are measured in the same run. Needs `npm run build`.
 * Writes bench-results/call-path.md.
 *
 *   npx tsx tools/bench-call-path.ts [--windows 100,10000,100000] [--calls 300] [--batches 8]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { textGen } from './bench-texts.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const echo = join(root, 'tools', 'mcp-echo-server.mjs');
const preload = join(root, 'tools', 'call-spans.mjs');
const { values: args } = parseArgs({
  options: {
    windows: { type: 'string', default: '100,10000,100000' },
    calls: { type: 'string', default: '300' },
    batches: { type: 'string', default: '8' },
    out: { type: 'string', default: 'bench-results' },
  },
});
const windows = String(args.windows)
  .split(',')
  .map((w) => Number.parseInt(w, 10))
  .filter((w) => w > 0);
const CALLS = Number(args.calls);
const BATCHES = Number(args.batches);
const BATCH = 256;
if (!existsSync(cli)) {
  console.error('bench-call-path needs the built CLI: run `npm run build` first');
  process.exit(1);
}

const median = (xs: number[]) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

type Spans = Record<string, number | string>;

function connect(command: string[], onStderr?: (line: string) => void) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: command,
    stderr: onStderr ? 'pipe' : 'ignore',
    cwd: root,
  });
  if (onStderr) {
    let buf = '';
    transport.stderr?.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        onStderr(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
      }
    });
  }
  const client = new Client({ name: 'bench-call-path', version: '1.0.0' });
  return { client, transport };
}

async function timedCall(client: Client, name: string, a: Record<string, unknown>) {
  const t0 = performance.now();
  const res = (await client.callTool({ name, arguments: a })) as CallToolResult;
  const ms = performance.now() - t0;
  if (res.isError) throw new Error(`${name} failed: ${JSON.stringify(res.content)}`);
  return ms;
}

interface Row {
  label: string;
  roundTrip: number;
  floor: number;
  spans: Spans[];
}

async function windowRun(window: number): Promise<Row[]> {
  let spans: Spans[] = [];
  const rm = connect(['--import', preload, cli, 'serve', '--capacity', String(window)], (line) => {
    if (line.startsWith('SPANS ')) spans.push(JSON.parse(line.slice(6)) as Spans);
  });
  const ec = connect([echo]);
  await rm.client.connect(rm.transport);
  await ec.client.connect(ec.transport);
  const next = textGen(window);
  for (let stored = 0; stored < window; stored += BATCH) {
    await rm.client.callTool({
      name: 'remember',
      arguments: { texts: Array.from({ length: BATCH }, next) },
    });
  }
  const rows: Row[] = [];
  const measure = async (
    label: string,
    tool: string,
    n: number,
    make: () => Record<string, unknown>,
  ) => {
    spans = [];
    const rt: number[] = [];
    const fl: number[] = [];
    for (let i = 0; i < n + 5; i++) {
      const a = make();
      const ms = await timedCall(rm.client, tool, a);
      const floor = await timedCall(
        ec.client,
        'echo',
        'texts' in a ? { texts: a.texts } : { text: a.query ?? a.text },
      );
      if (i >= 5) {
        rt.push(ms);
        fl.push(floor);
      }
    }
    rows.push({
      label: `${label}, window ${window}`,
      roundTrip: median(rt),
      floor: median(fl),
      spans: spans.slice(5),
    });
  };
  await measure('recall (k 10)', 'recall', CALLS, () => ({ query: next(), k: 10 }));
  await measure('remember 1 text', 'remember', CALLS, () => ({ text: next() }));
  await measure(`remember ${BATCH} texts`, 'remember', BATCHES, () => ({
    texts: Array.from({ length: BATCH }, next),
  }));
  await rm.client.close();
  await ec.client.close();
  return rows;
}

const load0 = loadavg();
const all: Row[] = [];
for (const w of windows) {
  const rows = await windowRun(w);
  all.push(...rows);
  for (const r of rows)
    console.error(
      `${r.label}: round trip p50 ${r.roundTrip.toFixed(2)} ms (floor ${r.floor.toFixed(2)})`,
    );
}
const load1 = loadavg();

const f = (x: number) => (Number.isFinite(x) ? (x >= 10 ? x.toFixed(1) : x.toFixed(3)) : '—');
const stage = (r: Row, key: string) =>
  median(r.spans.map((s) => (typeof s[key] === 'number' ? (s[key] as number) : 0)));
const lines = [
  "# Where a tool call's time goes",
  '',
  `\`npx tsx tools/bench-call-path.ts --windows ${windows.join(',')} --calls ${CALLS} --batches ${BATCHES}\` — ${new Date().toISOString()}`,
  '',
  `Machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} logical cores; Node ${process.version}. Load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at end ${load1.map((x) => x.toFixed(2)).join(' ')}.`,
  '',
  'Medians in ms over the calls, measured inside the server (tools/call-spans.mjs); round trip and SDK floor (echo of the same input) from the client, interleaved. "to memory": JSON-RPC parse, message guards, the SDK\'s dispatch and input validation; "after memory": the tool\'s reply building and the SDK\'s output check; "neighbours": the anomaly neighbour search of the batch against the window (insert minus insertWith); "insertWith": scoring and storing the rows.',
  '',
  '| call | round trip | SDK floor | server total | to memory | embed | search | neighbours | insertWith | after memory (output check) | send (write) | reply bytes |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
];
for (const r of all) {
  const insert = stage(r, 'insert');
  const insertWith = stage(r, 'insertWith');
  lines.push(
    `| ${r.label} | ${f(r.roundTrip)} | ${f(r.floor)} | ${f(stage(r, 'total'))} | ${f(stage(r, 'toMemory'))} | ${f(stage(r, 'embed'))} | ${f(stage(r, 'search'))} | ${insert > 0 ? f(median(r.spans.map((s) => ((s.insert as number) ?? 0) - ((s.insertWith as number) ?? 0)))) : '—'} | ${insertWith > 0 ? f(insertWith) : '—'} | ${f(stage(r, 'afterMemory'))} (${f(stage(r, 'validateOutput'))}) | ${f(stage(r, 'send'))} (${f(stage(r, 'write'))}) | ${f0(stage(r, 'bytes'))} |`,
  );
}
function f0(x: number) {
  return Number.isFinite(x) ? x.toFixed(0) : '—';
}
const md = `${lines.join('\n')}\n`;
const outDir = resolve(root, String(args.out));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'call-path.md'), md);
process.stdout.write(md);

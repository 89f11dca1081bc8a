/**
 * `npm run bench:mcp` — ringmem through MCP, beside the SDK floor, in one run.
 *
 * Spawns the real server (`node dist/cli/main.js serve`, the built-in model, default settings but
 * `--capacity`) and a minimal SDK server whose one tool echoes its input (tools/mcp-echo-server.mjs),
 * talks to both with the SDK's own Client, and reports each row of issue 17's table with the floor
 * beside it:
 * - handshake (spawn → `initialize` answered), stdio;
 * - `remember` throughput in batches of 256 texts with the window full, per window size;
 *   floor: the echo tool given the same 256 texts;
 * - `recall` round trip (k = 10), p50 and p99, per window size; floor: echo of the query;
 * - Streamable HTTP: one call at a time (p50, p99), and 200 calls at once from 20 sessions
 *   (calls/s and p99).
 * ringmem and floor calls are interleaved so machine noise hits both alike. The machine, its load
 * at start and end, and the kernel ISA are recorded. Results: bench-results/mcp.{json,md}.
 *
 * Run time is bounded: `--budget-s` (default 900) caps the whole run; a window that cannot be
 * filled in its share is reported with the size it reached. `--windows 100,10000` picks windows;
 * `--quick` fewer samples. Needs `npm run build` first (it runs the built CLI, as users do).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { loadKernel } from '../src/kernel/index.js';
import { textGen } from './bench-texts.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const echo = join(root, 'tools', 'mcp-echo-server.mjs');

const { values: args } = parseArgs({
  options: {
    windows: { type: 'string', default: '100,10000,100000' },
    'budget-s': { type: 'string', default: '900' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench-results' },
  },
});
const windows = String(args.windows)
  .split(',')
  .map((w) => Number.parseInt(w, 10))
  .filter((w) => w > 0);
const budgetMs = Number(args['budget-s']) * 1000;
const quick = args.quick === true;
const started = performance.now();
const BATCH = 256;

if (!existsSync(cli)) {
  console.error('bench:mcp needs the built CLI: run `npm run build` first');
  process.exit(1);
}

// ---------------------------------------------------------------- inputs

// ---------------------------------------------------------------- helpers

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
const p50 = (xs: number[]) => quantile(xs, 0.5);
const p99 = (xs: number[]) => quantile(xs, 0.99);
const left = () => budgetMs - (performance.now() - started);

function stdioClient(which: 'ringmem' | 'echo', capacity?: number) {
  const serverArgs =
    which === 'ringmem'
      ? [cli, 'serve', ...(capacity ? ['--capacity', String(capacity)] : [])]
      : [echo];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: serverArgs,
    stderr: 'ignore',
    cwd: root,
  });
  const client = new Client({ name: 'bench-mcp', version: '1.0.0' });
  return { client, transport };
}

async function call(client: Client, name: string, a: Record<string, unknown>) {
  const res = (await client.callTool({ name, arguments: a })) as CallToolResult;
  if (res.isError) throw new Error(`${name} failed: ${JSON.stringify(res.content)}`);
  return res;
}

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

// ---------------------------------------------------------------- handshake

async function handshake(rounds: number) {
  const ringmem: number[] = [];
  const floor: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const which of ['ringmem', 'echo'] as const) {
      const { client, transport } = stdioClient(which);
      const ms = await timed(() => client.connect(transport));
      (which === 'ringmem' ? ringmem : floor).push(ms);
      await client.close();
    }
  }
  return { ringmem, floor };
}

// ---------------------------------------------------------------- per window, stdio

interface WindowResult {
  window: number;
  reached: number;
  fillSeconds: number;
  rememberBatchMs: number[];
  echoBatchMs: number[];
  recallMs: number[];
  echoMs: number[];
}

async function windowRun(window: number, share: number): Promise<WindowResult> {
  const deadline = performance.now() + share;
  const rm = stdioClient('ringmem', window);
  const ec = stdioClient('echo');
  await rm.client.connect(rm.transport);
  await ec.client.connect(ec.transport);
  const next = textGen(window);
  const steadyBatches = quick ? 4 : window >= 100_000 ? 6 : 12;
  const out: WindowResult = {
    window,
    reached: 0,
    fillSeconds: 0,
    rememberBatchMs: [],
    echoBatchMs: [],
    recallMs: [],
    echoMs: [],
  };
  const fillStart = performance.now();
  let stored = 0;
  // Fill to capacity (or until this window's share of the budget is spent), then time batches
  // that each evict as many as they store. A window not filled in time is timed where it got to
  // and reported with the size it reached.
  while (stored < window && performance.now() < deadline) {
    await call(rm.client, 'remember', { texts: Array.from({ length: BATCH }, next) });
    stored += BATCH;
  }
  out.fillSeconds = (performance.now() - fillStart) / 1000;
  for (let b = 0; b < steadyBatches; b++) {
    const texts = Array.from({ length: BATCH }, next);
    out.rememberBatchMs.push(await timed(() => call(rm.client, 'remember', { texts })));
    out.echoBatchMs.push(await timed(() => call(ec.client, 'echo', { texts })));
    if (b >= 2 && performance.now() > deadline + 60_000) break;
  }
  out.reached = Math.min(stored, window);
  const recalls = quick ? 40 : 150;
  for (let i = 0; i < recalls + 10; i++) {
    const query = next();
    const a = await timed(() => call(rm.client, 'recall', { query, k: 10 }));
    const b = await timed(() => call(ec.client, 'echo', { text: query }));
    if (i >= 10) {
      out.recallMs.push(a);
      out.echoMs.push(b);
    }
  }
  await rm.client.close();
  await ec.client.close();
  return out;
}

// ---------------------------------------------------------------- HTTP

function startHttp(which: 'ringmem' | 'echo'): Promise<{ url: URL; stop: () => void }> {
  const child = spawn(
    process.execPath,
    which === 'ringmem'
      ? [cli, 'serve', '--http', '--port', '0', '--capacity', '100']
      : [echo, '--http'],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolvePromise, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolvePromise({ url: new URL(m[1]!), stop: () => child.kill() });
    });
    child.on('exit', (code) => reject(new Error(`${which} HTTP server exited (${code}): ${err}`)));
  });
}

async function httpClient(url: URL): Promise<Client> {
  const client = new Client({ name: 'bench-mcp', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

async function httpRun() {
  const rmServer = await startHttp('ringmem');
  const ecServer = await startHttp('echo');
  try {
    const rm = await httpClient(rmServer.url);
    const ec = await httpClient(ecServer.url);
    const next = textGen(7);
    await call(rm, 'remember', { texts: Array.from({ length: 100 }, next) });
    const one = { ringmem: [] as number[], floor: [] as number[] };
    const n = quick ? 40 : 150;
    for (let i = 0; i < n + 10; i++) {
      const query = next();
      const a = await timed(() => call(rm, 'recall', { query, k: 10 }));
      const b = await timed(() => call(ec, 'echo', { text: query }));
      if (i >= 10) {
        one.ringmem.push(a);
        one.floor.push(b);
      }
    }
    await rm.close();
    await ec.close();
    const burst = async (url: URL, tool: string) => {
      const clients = await Promise.all(Array.from({ length: 20 }, () => httpClient(url)));
      const latencies: number[] = [];
      const t0 = performance.now();
      await Promise.all(
        clients.flatMap((c) =>
          Array.from({ length: 10 }, async () => {
            const query = next();
            const a = tool === 'recall' ? { query, k: 10 } : { text: query };
            latencies.push(await timed(() => call(c, tool, a)));
          }),
        ),
      );
      const wall = performance.now() - t0;
      await Promise.all(clients.map((c) => c.close()));
      return { callsPerSecond: 200 / (wall / 1000), p50: p50(latencies), p99: p99(latencies) };
    };
    const concurrent = [];
    for (let r = 0; r < (quick ? 1 : 3); r++) {
      concurrent.push({
        ringmem: await burst(rmServer.url, 'recall'),
        floor: await burst(ecServer.url, 'echo'),
      });
    }
    return { one, concurrent };
  } finally {
    rmServer.stop();
    ecServer.stop();
  }
}

// ---------------------------------------------------------------- run

const load0 = loadavg();
let isa = 'unknown';
try {
  isa = loadKernel({ warn: () => {} }).info.isa;
} catch {}
console.error(`bench:mcp: windows ${windows.join(', ')}, budget ${budgetMs / 1000} s`);
const hs = await handshake(quick ? 3 : 7);
console.error(
  `handshake p50 ${p50(hs.ringmem).toFixed(0)} ms (floor ${p50(hs.floor).toFixed(0)} ms)`,
);
const http = await httpRun();
console.error(
  `HTTP one at a time p50 ${p50(http.one.ringmem).toFixed(2)} ms (floor ${p50(http.one.floor).toFixed(2)} ms)`,
);
const perWindow: WindowResult[] = [];
for (let i = 0; i < windows.length; i++) {
  // Later (bigger) windows get the larger share of what is left.
  const weights = windows.slice(i).map((w) => Math.max(1, w / 1000));
  const share = (left() * weights[0]!) / weights.reduce((a, b) => a + b, 0);
  const r = await windowRun(windows[i]!, Math.max(45_000, share));
  perWindow.push(r);
  console.error(
    `window ${r.window} (reached ${r.reached}): remember ${(BATCH / (p50(r.rememberBatchMs) / 1000)).toFixed(0)} texts/s, recall p50 ${p50(r.recallMs).toFixed(2)} ms (floor ${p50(r.echoMs).toFixed(2)})`,
  );
}
const load1 = loadavg();

// ---------------------------------------------------------------- report

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 1024 ** 3),
  os: `${platform()} ${release()} ${arch()}`,
  node: process.version,
  kernelIsa: isa,
  loadAverageStart: load0,
  loadAverageEnd: load1,
};
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '—');
const rows: string[][] = [];
rows.push([
  'handshake (spawn → initialize answered), stdio',
  `${f0(p50(hs.ringmem))} / ${f0(p99(hs.ringmem))} ms`,
  `${f0(p50(hs.floor))} / ${f0(p99(hs.floor))} ms`,
  `${(p50(hs.ringmem) / p50(hs.floor)).toFixed(2)}× floor`,
]);
for (const r of perWindow) {
  const w = r.reached < r.window ? `${r.window} (reached ${r.reached})` : String(r.window);
  const tps = BATCH / (p50(r.rememberBatchMs) / 1000);
  const floorTps = BATCH / (p50(r.echoBatchMs) / 1000);
  rows.push([
    `remember throughput, window ${w}, batches of ${BATCH}, stdio`,
    `${f0(tps)} texts/s (batch p50 ${f0(p50(r.rememberBatchMs))} / p99 ${f0(p99(r.rememberBatchMs))} ms)`,
    `${f0(floorTps)} texts/s (echo of the batch)`,
    `${r.rememberBatchMs.length} batches`,
  ]);
  rows.push([
    `recall round trip, window ${w}, stdio`,
    `${f2(p50(r.recallMs))} / ${f2(p99(r.recallMs))} ms`,
    `${f2(p50(r.echoMs))} / ${f2(p99(r.echoMs))} ms`,
    `+${f2(p50(r.recallMs) - p50(r.echoMs))} ms at p50`,
  ]);
}
rows.push([
  'recall round trip, window 100, Streamable HTTP, one call at a time',
  `${f2(p50(http.one.ringmem))} / ${f2(p99(http.one.ringmem))} ms`,
  `${f2(p50(http.one.floor))} / ${f2(p99(http.one.floor))} ms`,
  `+${f2(p50(http.one.ringmem) - p50(http.one.floor))} ms at p50`,
]);
const cps = http.concurrent.map((c) => c.ringmem.callsPerSecond);
const cpsFloor = http.concurrent.map((c) => c.floor.callsPerSecond);
rows.push([
  '200 concurrent recalls from 20 sessions, Streamable HTTP',
  `${f0(p50(cps))} calls/s, p99 ${f0(p50(http.concurrent.map((c) => c.ringmem.p99)))} ms`,
  `${f0(p50(cpsFloor))} calls/s, p99 ${f0(p50(http.concurrent.map((c) => c.floor.p99)))} ms`,
  `${(p50(cps) / p50(cpsFloor)).toFixed(2)}× floor (median of ${http.concurrent.length})`,
]);

const md = [
  '# MCP benchmark',
  '',
  `\`npm run bench:mcp\` — ${new Date().toISOString()}`,
  '',
  `Machine: ${machine.cpu}, ${machine.cores} logical cores, ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}; scan kernel ${isa}. Load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at end ${load1.map((x) => x.toFixed(2)).join(' ')} (shared machine: compare a row with its floor, not across runs).`,
  '',
  "ringmem: `node dist/cli/main.js serve` (built-in model, defaults but `--capacity`). Floor: tools/mcp-echo-server.mjs, a minimal `@modelcontextprotocol/sdk` server whose one tool echoes its input, measured in the same run, calls interleaved with ringmem's. Figures: p50 / p99.",
  '',
  '| figure | ringmem | SDK floor | vs floor |',
  '|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
].join('\n');
const outDir = resolve(root, String(args.out));
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'mcp.json'),
  `${JSON.stringify({ date: new Date().toISOString(), machine, batch: BATCH, handshake: hs, http, windows: perWindow }, null, 2)}\n`,
);
writeFileSync(join(outDir, 'mcp.md'), md);
process.stdout.write(md);

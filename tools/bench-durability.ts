/**
 * Sharing and durability benchmark: `npm run bench:durability` → bench-results/durability.json
 * and bench-results/durability.md.
 *
 * 1. Round trip through the shared front vs a private stdio server: the same SDK Client calls
 *    (`ping`, and `memory_stats`) alternate between a private `ringmem serve` and a
 *    `ringmem serve --shared` front (whose daemon runs in its own runtime directory); the p50
 *    difference is what the extra hop costs.
 * 2. Persistence cost per remember batch: engine inserts of 32 × 384-d rows with ~120-character
 *    texts, RAM only vs --persist with fsync never, interval and always (same rows, same order).
 * 3. Restart time: 100k entries of 384 dims restored from the log alone (after a crash) and from
 *    a snapshot (after a clean stop), each in a fresh process; wall and CPU time.
 *
 * Options: --calls 1000 --batches 400 --entries 100000 --out bench-results.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { MemoryEngine } from '../src/engine/index.js';
import { loadKernel } from '../src/kernel/index.js';
import { DurableMemoryEngine } from '../src/persist/durable-engine.js';
import { listLogs, SNAPSHOT_FILE } from '../src/persist/files.js';
import { seededUnitRows } from '../src/seeded-rows.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const DIM = 384;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const outIdx = process.argv.indexOf('--out');
const OUT = outIdx >= 0 ? (process.argv[outIdx + 1] as string) : path.join(ROOT, 'bench-results');

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), n: s.length };
}
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

function env(extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('RINGMEM_')) out[k] = v;
  }
  return { ...out, RINGMEM_LOG_LEVEL: 'warning', ...extra };
}

async function connect(args: string[], extra: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'bench-durability', version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI, ...args],
      env: env(extra),
      stderr: 'inherit',
    }),
  );
  return client;
}

async function roundTrips(calls: number) {
  const runtime = mkdtempSync(path.join(os.tmpdir(), 'rmb-'));
  const priv = await connect(['serve'], {});
  const shared = await connect(['serve', '--shared'], { RINGMEM_RUNTIME_DIR: runtime });
  const kinds = [
    ['ping', (c: Client) => c.ping()],
    ['memory_stats', (c: Client) => c.callTool({ name: 'memory_stats', arguments: {} })],
  ] as const;
  const samples = kinds.map(() => ({ a: [] as number[], b: [] as number[], diff: [] as number[] }));
  const time = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  for (let i = 0; i < calls + 100; i++) {
    // Both calls, both servers, every iteration, in alternating order: load on this shared
    // machine then hits both sides alike, and each pair gives one difference.
    for (let c = 0; c < kinds.length; c++) {
      const call = kinds[c]![1];
      let ta: number;
      let tb: number;
      if (i % 2 === 0) {
        ta = await time(() => call(priv));
        tb = await time(() => call(shared));
      } else {
        tb = await time(() => call(shared));
        ta = await time(() => call(priv));
      }
      if (i < 100) continue;
      const s = samples[c]!;
      s.a.push(ta);
      s.b.push(tb);
      s.diff.push(tb - ta);
    }
  }
  const results: Record<
    string,
    { private: ReturnType<typeof summary>; shared: ReturnType<typeof summary>; addedPaired: number }
  > = {};
  kinds.forEach(([name], c) => {
    const s = samples[c]!;
    results[name] = {
      private: summary(s.a),
      shared: summary(s.b),
      addedPaired: summary(s.diff).p50,
    };
  });
  await priv.close();
  await shared.close();
  execFileSync(process.execPath, [CLI, 'daemon', 'stop'], {
    env: env({ RINGMEM_RUNTIME_DIR: runtime }),
  });
  rmSync(runtime, { recursive: true, force: true });
  return results;
}

const kernel = loadKernel({ backend: 'auto', warn: () => {} });

function texts(n: number, seed: number): { text: string }[] {
  return Array.from({ length: n }, (_, i) => ({
    text: `entry ${seed}-${i}: the build on main failed at the integration step after the cache was evicted`,
  }));
}

function persistCost(batches: number) {
  const BATCH = 32;
  const rows = seededUnitRows(BATCH * 16, DIM, 11);
  const out: Record<string, ReturnType<typeof summary> & { logBytesPerBatch?: number }> = {};
  for (const mode of ['ram', 'never', 'interval', 'always'] as const) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rmb-persist-'));
    const config = { dim: DIM, capacity: 10_000, kernel };
    const engine =
      mode === 'ram'
        ? new MemoryEngine(config)
        : new DurableMemoryEngine(config, {
            dir: path.join(dir, 'mem'),
            fsync: mode,
            compactIntervalMs: 3_600_000,
            model: 'bench',
            log: () => {},
          });
    const samples: number[] = [];
    for (let b = 0; b < batches + 20; b++) {
      const v = rows.subarray((b % 16) * BATCH * DIM, ((b % 16) + 1) * BATCH * DIM);
      const entries = texts(BATCH, b);
      const t = performance.now();
      engine.insert('bench', v, entries);
      if (b >= 20) samples.push(performance.now() - t);
    }
    let logBytesPerBatch: number | undefined;
    if (engine instanceof DurableMemoryEngine) {
      const st = engine.storageStatus();
      logBytesPerBatch = Math.round((st.log_bytes as number) / (batches + 20));
      engine.closeStore();
    }
    out[mode] = { ...summary(samples), logBytesPerBatch };
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

function restartConfig(dir: string, entries: number) {
  return {
    config: { dim: DIM, capacity: entries, maxBytes: 8 * 1024 ** 3, kernel },
    persist: {
      dir,
      fsync: 'never' as const,
      compactIntervalMs: 3_600_000,
      model: 'bench',
      log: () => {},
    },
  };
}

/** In a fresh process, as a real restart is: open the directory, report wall and CPU time. */
function restartChild(dir: string, entries: number, close: boolean): void {
  const { config, persist } = restartConfig(dir, entries);
  const cpu = process.cpuUsage();
  const t = performance.now();
  const engine = new DurableMemoryEngine(config, persist);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const restored = engine.stats()[0]?.count ?? 0;
  if (close) engine.closeStore(); // writes the snapshot the next restart reads
  process.stdout.write(
    `${JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, restored })}\n`,
  );
}

function restart(entries: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rmb-restart-'));
  const mem = path.join(dir, 'mem');
  const { config, persist } = restartConfig(mem, entries);
  const writer = new DurableMemoryEngine(config, persist);
  const BATCH = 1000;
  for (let b = 0; b < entries / BATCH; b++) {
    writer.insert('bench', seededUnitRows(BATCH, DIM, b), texts(BATCH, b));
  }
  // A crash: no final snapshot, and the lock of a process that is gone.
  rmSync(path.join(mem, 'lock'));
  const logBytes = listLogs(mem).reduce((n, l) => n + statSync(path.join(mem, l.name)).size, 0);
  const child = (close: boolean) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          fileURLToPath(import.meta.url),
          '--restart-child',
          mem,
          String(entries),
          close ? 'close' : 'crash',
        ],
        { encoding: 'utf8' },
      ),
    ) as { ms: number; cpuMs: number; restored: number };
  const out: Record<string, { ms: number; cpuMs: number; bytes: number; restored: number }> = {};
  out.log = { ...child(true), bytes: logBytes };
  out.snapshot = { ...child(false), bytes: statSync(path.join(mem, SNAPSHOT_FILE)).size };
  rmSync(dir, { recursive: true, force: true });
  return out;
}

async function main(): Promise<void> {
  const calls = option('calls', 1000);
  const batches = option('batches', 400);
  const entries = option('entries', 100_000);
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`;
  const loadBefore = os.loadavg()[0]!.toFixed(2);
  console.error(`round trips (${calls} calls each)…`);
  const rt = await roundTrips(calls);
  console.error(`persistence cost (${batches} batches of 32)…`);
  const pc = persistCost(batches);
  console.error(`restart with ${entries} entries…`);
  const rs = restart(entries);
  const loadAfter = os.loadavg()[0]!.toFixed(2);
  const lines = [
    '# Sharing and durability',
    '',
    `Machine: ${machine}; load average ${loadBefore} before, ${loadAfter} after (a shared machine: compare within this run). Command: \`npm run bench:durability\`.`,
    '',
    '## Shared front vs private server (round trip, SDK Client over stdio)',
    '',
    '| call | private p50 | shared p50 | added: difference of p50s | added: median of paired differences | private p99 | shared p99 |',
    '|---|---|---|---|---|---|---|',
    ...Object.entries(rt).map(
      ([name, r]) =>
        `| ${name} | ${fmt(r.private.p50)} | ${fmt(r.shared.p50)} | ${fmt(r.shared.p50 - r.private.p50)} | ${fmt(r.addedPaired)} | ${fmt(r.private.p99)} | ${fmt(r.shared.p99)} |`,
    ),
    '',
    '## Cost of --persist per remember batch (engine insert of 32 × 384-d rows with texts)',
    '',
    '| mode | p50 | p99 | added p50 vs RAM | log bytes per batch |',
    '|---|---|---|---|---|',
    ...Object.entries(pc).map(
      ([mode, r]) =>
        `| ${mode === 'ram' ? 'RAM only' : `fsync ${mode}`} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${mode === 'ram' ? '—' : fmt(r.p50 - pc.ram!.p50)} | ${r.logBytesPerBatch ?? '—'} |`,
    ),
    '',
    `## Restart with ${entries.toLocaleString('en')} entries of ${DIM} dims`,
    '',
    '| restored from | wall time | CPU time | file bytes | entries back |',
    '|---|---|---|---|---|',
    ...Object.entries(rs).map(
      ([from, r]) =>
        `| ${from} | ${fmt(r.ms)} | ${fmt(r.cpuMs)} | ${(r.bytes / 1024 ** 2).toFixed(0)} MB | ${r.restored.toLocaleString('en')} |`,
    ),
    '',
  ];
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'durability.md'), lines.join('\n'));
  writeFileSync(
    path.join(OUT, 'durability.json'),
    `${JSON.stringify({ machine, loadBefore, loadAfter, roundTrips: rt, persistCost: pc, restart: rs }, null, 2)}\n`,
  );
  console.log(lines.join('\n'));
}

const childAt = process.argv.indexOf('--restart-child');
if (childAt >= 0) {
  restartChild(
    process.argv[childAt + 1] as string,
    Number(process.argv[childAt + 2]),
    process.argv[childAt + 3] === 'close',
  );
} else {
  await main();
}

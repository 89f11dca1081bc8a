/**
 * npm run bench:fleet — fleet mode (src/fleet) on a private loopback redis-server:
 *  1. replication lag: a producer XADDs ready-made entries at 1k and 10k writes/s; a follower
 *     node (FleetLink + engine) applies them; lag = applied here − sent, per entry (p50/p99/max).
 *  2. catch-up: a fresh node applies a 100k-entry stream from the start (entries/s, seconds).
 *  3. recall on a follower vs a private engine holding the same 10k rows (p50/p99 of the scan).
 * Producer and follower share this process's clock (no cross-machine skew in the figures).
 * Options: --dim N (384), --seconds S per rate (3), --catchup N (100000).
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createClient } from '@redis/client';
import { MemoryEngine } from '../src/engine/engine.js';
import { encodeEvent } from '../src/fleet/codec.js';
import { FleetLink } from '../src/fleet/link.js';
import { loadKernel } from '../src/kernel/index.js';
import { startRedis } from '../test/helpers/redis-server.js';

const { values } = parseArgs({
  options: {
    dim: { type: 'string', default: '384' },
    seconds: { type: 'string', default: '3' },
    catchup: { type: 'string', default: '100000' },
  },
});
const DIM = Number(values.dim);
const SECONDS = Number(values.seconds);
const CATCHUP = Number(values.catchup);
const MODEL = 'bench-model';
const kernel = loadKernel({ backend: 'auto', env: process.env, warn: () => {} });

function unitRow(seed: number): Float32Array {
  const row = new Float32Array(DIM);
  let x = (seed * 2654435761) >>> 0 || 1;
  let norm = 0;
  for (let i = 0; i < DIM; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const v = ((x >>> 0) / 4294967296) * 2 - 1;
    row[i] = v;
    norm += v * v;
  }
  for (let i = 0; i < DIM; i++) row[i] = (row[i] as number) / Math.sqrt(norm);
  return row;
}

function fields(seed: number): (string | Buffer)[] {
  return Object.entries(
    encodeEvent({
      kind: 'entry',
      row: unitRow(seed),
      dim: DIM,
      model: MODEL,
      text: `log line ${seed}: request served in ${seed % 97} ms by worker ${seed % 13}`,
      tags: undefined,
      metadata: undefined,
      arrival: Number.NaN,
      score: null,
    }),
  ).flat();
}

function pct(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}
const f = (x: number) => x.toFixed(2);

function node(url: string, prefix: string, capacity: number) {
  const engine = new MemoryEngine({ dim: DIM, capacity, kernel });
  const link = new FleetLink(engine, { url, prefix, model: MODEL, log: () => {}, blockMs: 1000 });
  return { engine, link };
}

async function until(cond: () => boolean, ms = 600_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function lagAt(url: string, rate: number): Promise<void> {
  const prefix = `lag${rate}:`;
  const total = Math.round(rate * SECONDS);
  const follower = node(url, prefix, total + 10);
  // One producer connection, one stream: the k-th entry applied is the k-th sent.
  const sentAt = new Float64Array(total);
  const lags = new Float64Array(total);
  let applied = 0;
  const apply = follower.link.applier.apply.bind(follower.link.applier);
  follower.link.applier.apply = (ns, id, event) => {
    const ok = apply(ns, id, event);
    if (ns === 'bench' && applied < total) {
      lags[applied] = performance.now() - (sentAt[applied] as number);
      applied++;
    }
    return ok;
  };
  const producer = createClient({ url });
  await producer.connect();
  const key = `${prefix}ns:bench`;
  await producer.sendCommand(['XADD', `${prefix}namespaces`, '*', 'n', 'bench']);
  follower.link.start();
  await until(() => !follower.link.state().catchingUp);
  const payloads = Array.from({ length: Math.min(total, 2000) }, (_, i) => fields(i));
  const started = performance.now();
  let n = 0;
  const pending: Promise<unknown>[] = [];
  // Paced: every turn sends what is due by now, so the rate holds without bursts of a timer tick.
  while (n < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    while (n < due) {
      sentAt[n] = performance.now();
      pending.push(
        producer.sendCommand([
          'XADD',
          key,
          '*',
          ...(payloads[n % payloads.length] as (string | Buffer)[]),
        ]),
      );
      n++;
    }
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(pending);
  await until(() => applied >= total, 120_000);
  const seconds = (performance.now() - started) / 1000;
  const sorted = lags.slice(0, applied).sort();
  console.log(
    `lag @ ${rate}/s target (${total} writes in ${seconds.toFixed(1)} s = ${(total / seconds).toFixed(0)}/s): ` +
      `p50 ${f(pct(sorted, 0.5))} ms, p99 ${f(pct(sorted, 0.99))} ms, max ${f(sorted[sorted.length - 1] ?? 0)} ms (${applied} timed)`,
  );
  await follower.link.close();
  await producer.close();
}

async function catchUp(url: string): Promise<void> {
  const prefix = 'catchup:';
  const producer = createClient({ url });
  await producer.connect();
  const key = `${prefix}ns:bench`;
  await producer.sendCommand(['XADD', `${prefix}namespaces`, '*', 'n', 'bench']);
  const payloads = Array.from({ length: 2000 }, (_, i) => fields(i));
  for (let start = 0; start < CATCHUP; start += 2000) {
    const batch: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(CATCHUP, start + 2000); i++) {
      batch.push(
        producer.sendCommand(['XADD', key, '*', ...(payloads[i % 2000] as (string | Buffer)[])]),
      );
    }
    await Promise.all(batch);
  }
  await producer.close();
  const fresh = node(url, prefix, CATCHUP);
  const t0 = performance.now();
  fresh.link.start();
  await until(() => fresh.engine.stats('bench')[0]?.count === CATCHUP);
  const ms = performance.now() - t0;
  console.log(
    `catch-up: ${CATCHUP} entries (dim ${DIM}) applied by a fresh node in ${(ms / 1000).toFixed(2)} s (${((CATCHUP / ms) * 1000).toFixed(0)} entries/s)`,
  );
  await recall(fresh.engine);
  await fresh.link.close();
}

/** Recall (the scan) on the follower that caught up vs a private engine given the same rows. */
async function recall(follower: MemoryEngine): Promise<void> {
  const n = Math.min(10_000, CATCHUP);
  const mine = new MemoryEngine({ dim: DIM, capacity: n, kernel });
  const tail = new MemoryEngine({ dim: DIM, capacity: n, kernel });
  // Both hold the newest n rows: the follower's from the stream, the private one inserted here.
  follower.exportSlots('bench', 0, (s) => {
    if (s.row) tail.restoreSlot('bench', s);
  });
  const rows = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) rows.set(unitRow(CATCHUP - n + i), i * DIM);
  mine.insert('bench', rows);
  const time = async (engine: MemoryEngine) => {
    const out = new Float64Array(500);
    for (let q = 0; q < 500; q++) {
      const query = unitRow(1_000_000 + q);
      const t0 = performance.now();
      await engine.searchAsync('bench', query, { k: 10 });
      out[q] = performance.now() - t0;
    }
    return out.sort();
  };
  await time(tail);
  await time(mine);
  const a = await time(tail);
  const b = await time(mine);
  console.log(
    `recall k=10 over ${n} entries: follower p50 ${f(pct(a, 0.5) * 1000)} µs / p99 ${f(pct(a, 0.99) * 1000)} µs; ` +
      `private p50 ${f(pct(b, 0.5) * 1000)} µs / p99 ${f(pct(b, 0.99) * 1000)} µs; ratio p50 ${(pct(a, 0.5) / pct(b, 0.5)).toFixed(2)}`,
  );
}

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores, node ${process.version}, kernel ${JSON.stringify(kernel.info)}, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const redis = await startRedis();
  try {
    await lagAt(redis.url, 1000);
    await lagAt(redis.url, 10_000);
    await catchUp(redis.url);
  } finally {
    await redis.dispose();
  }
  console.log(
    `load average after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

await main();

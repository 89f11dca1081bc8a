/**
 * Scored ingest in the engine, without MCP or the model: a batch scored in one pass
 * (`insert` with `score: true`, and `insertAsync`) against the same rows scored item by item (one
 * scan each, what ingest cost before batching), same process, same run, into a full window.
 *
 *   npx tsx tools/bench-ingest.ts [--windows 10000,100000] [--batch 256] [--rounds 3]
 *
 * Rows are random 384-d unit vectors (src/seeded-rows.ts). At large windows the item-by-item side
 * is timed on fewer rows (`--item-rows`, default 32) and compared per row.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { MemoryEngine } from '../src/engine/index.js';
import { loadKernel } from '../src/kernel/index.js';
import { seededUnitRows } from '../src/seeded-rows.js';

const { values } = parseArgs({
  options: {
    windows: { type: 'string', default: '10000,100000' },
    batch: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '3' },
    'item-rows': { type: 'string', default: '32' },
  },
});
const DIM = 384;
const batch = Number(values.batch);
const rounds = Number(values.rounds);
const itemRows = Number(values['item-rows']);
const kernel = loadKernel({ warn: () => {} });
console.log(
  `kernel ${kernel.info.isa}; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(
  '| window | batch of N, one pass (ms/row) | insertAsync (ms/row) | item by item (ms/row) | speed-up |',
);
console.log('|---:|---:|---:|---:|---:|');
for (const window of String(values.windows).split(',').map(Number)) {
  const e = new MemoryEngine({ dim: DIM, capacity: window, kernel, maxBytes: 8 * 1024 ** 3 });
  e.insert('ns', seededUnitRows(window, DIM, 1));
  const one: number[] = [];
  const oneAsync: number[] = [];
  const each: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const rows = seededUnitRows(batch, DIM, 100 + r);
    let t0 = performance.now();
    e.insert('ns', rows, undefined, { score: true });
    one.push((performance.now() - t0) / batch);
    const more = seededUnitRows(batch, DIM, 200 + r);
    t0 = performance.now();
    await e.insertAsync('ns', more, undefined, { score: true });
    oneAsync.push((performance.now() - t0) / batch);
    const n = Math.min(batch, itemRows);
    t0 = performance.now();
    for (let i = 0; i < n; i++) {
      e.insert('ns', rows.subarray(i * DIM, (i + 1) * DIM), undefined, { score: true });
    }
    each.push((performance.now() - t0) / n);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `| ${window} | ${med(one).toFixed(3)} | ${med(oneAsync).toFixed(3)} | ${med(each).toFixed(3)} | ${(med(each) / med(one)).toFixed(1)}× |`,
  );
}
console.log(
  `load average at end ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);

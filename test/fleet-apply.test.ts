import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { MemoryEngine, type StoredSlot } from '../src/engine/engine.js';
import { FleetApplier } from '../src/fleet/applier.js';
import { decodeEvent, encodeEvent, type FleetEvent } from '../src/fleet/codec.js';
import { FleetLink } from '../src/fleet/link.js';
import {
  compareStreamIds,
  entryIdOf,
  ID_EPOCH_MS,
  SEQ_SPAN,
  streamIdOf,
} from '../src/fleet/stream-ids.js';
import { engineKernels } from './helpers/kernels.js';

// The fleet's determinism without Redis: nodes (in-process engines) apply one shared, in-memory
// stream at their own pace, writers score against whatever they have applied so far, and at the
// end every node holds the same window slot for slot. The Redis side is test/fleet.test.ts.

const DIM = 8;
const MODEL = 'test-model';
const kernel = engineKernels()[0]!.kernel;

type Op =
  | { kind: 'write'; node: number; seed: number; tag: boolean }
  | { kind: 'forget'; node: number; pick: number }
  | { kind: 'cut'; node: number; back: number }
  | { kind: 'sync'; node: number; steps: number }
  | { kind: 'tick'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      node: fc.nat(2),
      seed: fc.integer(),
      tag: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('forget' as const), node: fc.nat(2), pick: fc.nat() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('cut' as const), node: fc.nat(2), back: fc.nat(20) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('sync' as const), node: fc.nat(2), steps: fc.nat(6) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.nat(5) }) },
);

function rowOf(seed: number): Float32Array {
  const row = new Float32Array(DIM);
  let x = seed | 0 || 1;
  for (let i = 0; i < DIM; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    row[i] = (x % 1000) / 1000 + (i === 0 ? 2 : 0);
  }
  let norm = 0;
  for (const v of row) norm += v * v;
  for (let i = 0; i < DIM; i++) row[i] = (row[i] as number) / Math.sqrt(norm);
  return row;
}

function windowOf(engine: MemoryEngine, namespace: string) {
  const out: Omit<StoredSlot, 'row'>[] & { row?: number[] }[] = [];
  engine.exportSlots(namespace, 0, (s) => {
    out.push({ ...s, row: s.row ? [...s.row] : undefined } as never);
  });
  return out;
}

describe('stream ids as entry ids', () => {
  it('pack order-preserving, round-trip, and refuse what cannot be packed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: ID_EPOCH_MS, max: ID_EPOCH_MS + 60 * 365 * 86_400_000 }),
        fc.nat(SEQ_SPAN - 1),
        fc.nat(5),
        fc.nat(SEQ_SPAN - 1),
        (ms, seq, dms, seq2) => {
          const a = `${ms}-${seq}`;
          const b = `${ms + dms}-${seq2}`;
          const ia = entryIdOf(a)!;
          const ib = entryIdOf(b)!;
          expect(Number.isSafeInteger(ia) && ia > 0).toBe(true);
          expect(streamIdOf(ia)).toBe(a);
          expect(Math.sign(ia - ib)).toBe(compareStreamIds(a, b));
        },
      ),
    );
    expect(entryIdOf(`${ID_EPOCH_MS}-0`)).toBe(1);
    expect(entryIdOf(`${ID_EPOCH_MS + 5}-${SEQ_SPAN}`)).toBeUndefined();
    expect(entryIdOf(`${ID_EPOCH_MS - 1}-0`)).toBeUndefined();
    expect(entryIdOf('garbage')).toBeUndefined();
  });
});

describe('the fleet applier', () => {
  it('refuses entries of another model or dimension with one logged reason, never mixing them in', () => {
    const engine = new MemoryEngine({ dim: DIM, kernel });
    const lines: string[] = [];
    const applier = new FleetApplier(engine, MODEL, (_l, m) => lines.push(m));
    const entry = (model: string, dim: number): FleetEvent & { kind: 'entry' } => ({
      kind: 'entry',
      row: rowOf(dim + model.length).subarray(0, dim),
      dim,
      model,
      text: 'x',
      tags: undefined,
      metadata: undefined,
      arrival: Number.NaN,
      score: null,
    });
    const t = Date.now();
    expect(applier.apply('ns', `${t}-0`, entry('other-model', DIM))).toBe(false);
    expect(applier.apply('ns', `${t}-1`, entry('other-model', DIM))).toBe(false);
    expect(applier.apply('ns', `${t}-2`, { ...entry(MODEL, 4), row: new Float32Array(4) })).toBe(
      false,
    );
    expect(applier.apply('ns', `${t}-3`, entry(MODEL, DIM))).toBe(true);
    expect(engine.stats('ns')[0]!.count).toBe(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/other-model.*start every node with the same --model/);
  });

  it.each(['f32', 'f16', 'int8'] as const)(
    'gives every node the same window, slot for slot, under random interleaved writes, forgets and cuts (%s)',
    (precision) => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), fc.nat(7), (ops, cap) => {
          const capacity = cap + 2;
          const stream: { id: string; fields: Buffer[] }[] = [];
          let ms = Date.UTC(2026, 10, 28);
          let seq = 0;
          const nodes = [0, 1, 2].map(() => {
            const engine = new MemoryEngine({
              dim: DIM,
              capacity,
              kernel,
              clock: () => ms,
              precision,
            });
            return { engine, applier: new FleetApplier(engine, MODEL, () => {}), cursor: 0 };
          });
          const xadd = (event: FleetEvent) => {
            const flat = Object.entries(encodeEvent(event)).flatMap(([k, v]) => [
              Buffer.from(k),
              Buffer.isBuffer(v) ? Buffer.from(v) : Buffer.from(v, 'utf8'),
            ]);
            stream.push({ id: `${ms}-${seq++}`, fields: flat });
          };
          const sync = (node: (typeof nodes)[number], steps: number) => {
            for (let s = 0; s < steps && node.cursor < stream.length; s++) {
              const { id, fields } = stream[node.cursor++]!;
              node.applier.apply('ns', id, decodeEvent(fields));
            }
          };
          for (const op of ops) {
            if (op.kind === 'tick') {
              if (op.ms > 0) {
                ms += op.ms;
                seq = 0;
              }
            } else if (op.kind === 'sync') {
              sync(nodes[op.node]!, op.steps);
            } else if (op.kind === 'write') {
              const { engine } = nodes[op.node]!;
              const row = rowOf(op.seed);
              const report = engine.anomaly('ns', row);
              xadd({
                kind: 'entry',
                row,
                dim: DIM,
                model: MODEL,
                text: `text ${op.seed}`,
                tags: op.tag ? ['t'] : undefined,
                metadata: op.tag ? { seed: op.seed } : undefined,
                arrival: report.centroidSimilarity ?? Number.NaN,
                score: report.score,
              });
            } else if (op.kind === 'forget') {
              const live = nodes[op.node]!.engine.recent('ns', 1000);
              if (live.length > 0) xadd({ kind: 'forget', ids: [live[op.pick % live.length]!.id] });
            } else {
              xadd({ kind: 'cut', before: ms - op.back });
            }
          }
          for (const node of nodes) sync(node, stream.length);
          const first = windowOf(nodes[0]!.engine, 'ns');
          for (const node of nodes.slice(1)) {
            expect(windowOf(node.engine, 'ns')).toEqual(first);
          }
          // And what they agree on is the stream: live ids are the entries' packed stream ids.
          for (const slot of first) expect(entryIdOf(streamIdOf(slot.id))).toBe(slot.id);
          expect(nodes[0]!.engine.stats('ns')[0]?.precision ?? precision).toBe(precision);
        }),
        { numRuns: precision === 'f32' ? 200 : 60 },
      );
    },
  );
});

describe('fleet settings', () => {
  it('accept redis:// and rediss:// URLs, refuse others with what is accepted, and default the prefix', () => {
    expect(loadConfig({ '--redis': 'rediss://agent@redis.lan:6380' }, {}).redisUrl).toBe(
      'rediss://agent@redis.lan:6380',
    );
    expect(loadConfig({}, { RINGMEM_REDIS_URL: 'redis://10.0.0.5' }).redisUrl).toBe(
      'redis://10.0.0.5',
    );
    expect(loadConfig({}, {}).redisUrl).toBeUndefined();
    expect(loadConfig({}, {}).redisPrefix).toBe('ringmem:');
    expect(() => loadConfig({ '--redis': 'http://10.0.0.5' }, {})).toThrow(
      /--redis="http:\/\/10.0.0.5" is invalid: expected a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(() => loadConfig({ '--redis-prefix': 'a b' }, {})).toThrow(/without spaces/);
  });

  it('never show the Redis password in what a node reports', async () => {
    const engine = new MemoryEngine({ dim: DIM, kernel });
    const link = new FleetLink(engine, {
      url: 'redis://agent:s3cret@127.0.0.1:1',
      prefix: 'p:',
      model: MODEL,
      log: () => {},
    });
    expect(link.describe()).toEqual({ redis: 'redis://agent:***@127.0.0.1:1', prefix: 'p:' });
    await expect(link.append('ns', [{ kind: 'forget', ids: [1] }])).rejects.toThrow(
      /did not acknowledge the write.*nothing was stored/,
    );
    await expect(link.append('ns', [{ kind: 'forget', ids: [1] }])).rejects.not.toThrow(/s3cret/);
    await link.close();
  });
});

/**
 * A/B of native addon builds on the scan kernels: `npx tsx tools/bench-addons.ts [--rows 100000]
 * [--rounds 31] [--isa avx512f] A.node B.node …` — copy `native/build/Release/ringmem_kernel.node`
 * aside after building each variant; `A.node@avx2-fma` pins one entry to an ISA, so one build's
 * kernels can be compared with each other. Every round scans the same rows once per build and precision
 * (f32 scan, f16 and int8 compact scans, one query, top-10), interleaved, so load drifts hit every
 * build alike; prints the p50 per build and precision, and each build's ratio to the first.
 *
 * Rows are seeded pseudo-random values (the kernels' speed does not depend on the values); 100k ×
 * 384 float32 rows are 154 MB, past any cache, which is where memory-side changes (prefetching,
 * access order) show. Use --rows 10000 to see the cache-resident case.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadKernel, type NativeIsa } from '../src/kernel/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rows: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '31' },
    isa: { type: 'string' },
  },
});
if (positionals.length === 0) {
  console.error(
    'usage: npx tsx tools/bench-addons.ts [--rows N] [--rounds N] [--isa ISA] A.node [B.node …]',
  );
  process.exit(2);
}
function usageError(message: string): never {
  console.error(`bench-addons: ${message}`);
  process.exit(2);
}
const rows = Number(values.rows);
const rounds = Number(values.rounds);
if (!Number.isInteger(rows) || rows < 1)
  usageError(`--rows must be a positive integer, got ${values.rows}`);
if (!Number.isInteger(rounds) || rounds < 1) {
  usageError(`--rounds must be a positive integer, got ${values.rounds}`);
}
const dim = 384;
const k = 10;

const slab = new Float32Array(rows * dim);
const halves = new Uint16Array(rows * dim);
const codes = new Int8Array(rows * dim);
const scales = new Float32Array(rows).fill(1 / 127);
let seed = 1;
for (let i = 0; i < rows * dim; i++) {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  slab[i] = (seed >>> 8) / 2 ** 24 - 0.5;
  halves[i] = 0x3000 + ((seed >>> 16) & 0x3ff); // halves in [0.125, 0.25)
  codes[i] = (seed >>> 24) - 128;
}
const query = Float32Array.from({ length: dim }, (_, i) => Math.sin(i + 1));
const segments = Uint32Array.from([0, rows]);
const outIdx = new Int32Array(k);
const outScores = new Float32Array(k);

// `file.node@isa` pins that build to one ISA (e.g. comparing a build's AVX2 and AVX-512 kernels);
// otherwise --isa, else the best the CPU runs.
const kernels = positionals.map((spec) => {
  const at = spec.lastIndexOf('@');
  const file = at > 0 ? spec.slice(0, at) : spec;
  const isa = (at > 0 ? spec.slice(at + 1) : values.isa) as NativeIsa | undefined;
  try {
    return loadKernel({ backend: 'native', addonPath: path.resolve(file), isa });
  } catch (error) {
    const reasons = (error as { reasons?: string[] }).reasons;
    return usageError(`cannot use ${spec}: ${reasons?.join('; ') ?? (error as Error).message}`);
  }
});
const precisions = ['f32', 'f16', 'int8'] as const;
const times = kernels.map(() => precisions.map(() => [] as number[]));
for (let round = 0; round < rounds; round++) {
  kernels.forEach((kernel, b) => {
    precisions.forEach((precision, p) => {
      const t0 = performance.now();
      if (precision === 'f32') kernel.topK({ slab, dim, segments, query, k, outIdx, outScores });
      else {
        kernel.topKCompact({
          precision,
          rows: precision === 'f16' ? halves : codes,
          scales: precision === 'int8' ? scales : undefined,
          dim,
          segments,
          query,
          k,
          outIdx,
          outScores,
        });
      }
      times[b]![p]!.push(performance.now() - t0);
    });
  });
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1] as number;
const isas = [...new Set(kernels.map((k) => k.info.isa))].join(', ');
console.log(
  `${rows.toLocaleString('en')} × ${dim} rows, ${rounds} interleaved rounds, ISA ${isas}; p50 ms (ratio to the first build)`,
);
console.log(`| build | ${precisions.join(' | ')} |`);
console.log(`|---|${precisions.map(() => '---:').join('|')}|`);
positionals.forEach((name, b) => {
  const cells = precisions.map((_, p) => {
    const t = median(times[b]![p]!);
    const base = median(times[0]![p]!);
    return `${t.toFixed(2)} (${(t / base).toFixed(2)}×)`;
  });
  console.log(`| ${name} (${kernels[b]!.info.isa}) | ${cells.join(' | ')} |`);
});

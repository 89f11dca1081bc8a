// How much of ringmem's batch-1 embedding latency is onnxruntime-node's own call cost: times a bare
// InferenceSession.run on the built-in model (12 token ids, one intra-op thread, as ringmem runs
// it) against ringmem's full embed() of a short text, p50 over 3,000 calls each.
//
//   npx tsx tools/ort-floor.ts
import * as ort from 'onnxruntime-node';
import { createOnnxEmbedder } from '../src/embed/index.js';
import { resolveModel } from '../src/models/resolve.js';

const model = resolveModel({});
const session = await ort.InferenceSession.create(
  `${model.dir}/${model.manifest.files.model.path}`,
  {
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  },
);
const ids = new BigInt64Array([
  2n,
  100n,
  200n,
  300n,
  400n,
  500n,
  600n,
  700n,
  800n,
  900n,
  1000n,
  3n,
]);
const mask = new BigInt64Array(ids.length).fill(1n);
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bare: number[] = [];
for (let i = 0; i < 3000; i++) {
  const t = performance.now();
  await session.run({
    input_ids: new ort.Tensor('int64', ids, [1, ids.length]),
    attention_mask: new ort.Tensor('int64', mask, [1, ids.length]),
  });
  bare.push((performance.now() - t) * 1000);
}
const embedder = createOnnxEmbedder({
  modelDir: model.dir,
  manifest: model.manifest,
  cacheSize: 0,
  intraOpThreads: 1,
});
await embedder.ready;
const full: number[] = [];
for (let i = 0; i < 3000; i++) {
  const t = performance.now();
  await embedder.embed([`the build ${i} failed on the staging server`], 'passage');
  full.push((performance.now() - t) * 1000);
}
await embedder.close();
console.log(
  `${model.manifest.id}: onnxruntime-node session.run p50 ${p50(bare).toFixed(1)} µs; ringmem embed() p50 ${p50(full).toFixed(1)} µs`,
);

// How much of ringmem's batch-1 embedding latency is onnxruntime-node's own call cost, on the
// built-in model (12 token ids, one intra-op thread, as ringmem runs it). Four timings, p50 over
// 3,000 calls each, interleaved so load on the shared box hits them alike:
//   - onnxruntime-node's public InferenceSession.run (it defers to setImmediate, then runs)
//   - the same model through onnxruntime-node's binding, called directly (ringmem's default path)
//   - ringmem's whole embed() of a short text, on each of those two paths
//
//   npx tsx tools/ort-floor.ts
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { createOnnxEmbedder } from '../src/embed/index.js';
import { createRunner } from '../src/embed/ort-runner.js';
import { resolveModel } from '../src/models/resolve.js';

const model = resolveModel({});
const file = `${model.dir}/${model.manifest.files.model.path}`;
const options: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
};
const viaApi = await createRunner(file, options, 'public');
const direct = await createRunner(file, options, 'binding');
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
const feeds = () => ({
  input_ids: new ort.Tensor('int64', ids, [1, ids.length]),
  attention_mask: new ort.Tensor('int64', mask, [1, ids.length]),
});
const embedders = (['binding', 'public'] as const).map((runnerPath) =>
  createOnnxEmbedder({
    modelDir: model.dir,
    manifest: model.manifest,
    cacheSize: 0,
    intraOpThreads: 1,
    runnerPath,
  }),
);
await Promise.all(embedders.map((e) => e.ready));

const times: number[][] = [[], [], [], []];
const time = async (slot: number, f: () => unknown) => {
  const t = performance.now();
  await f();
  times[slot]!.push((performance.now() - t) * 1000);
};
for (let i = 0; i < 3000; i++) {
  const text = `the build ${i} failed on the staging server`;
  await time(0, () => viaApi.run(feeds(), 'sentence_embedding'));
  await time(1, () => direct.run(feeds(), 'sentence_embedding'));
  await time(2, () => embedders[0]!.embed([text], 'passage'));
  await time(3, () => embedders[1]!.embed([text], 'passage'));
}
await Promise.all(embedders.map((e) => e.close()));
await viaApi.release();
await direct.release();
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const [api, bind, embedDirect, embedApi] = times.map((t) => p50(t).toFixed(1));
console.log(
  `${model.manifest.id} on ${os.cpus()[0]?.model.trim()}, load ${os.loadavg()[0]!.toFixed(2)}:\n` +
    `  onnxruntime-node public session.run p50 ${api} µs; binding run called directly p50 ${bind} µs\n` +
    `  ringmem embed() p50 ${embedDirect} µs (direct binding, the default); ${embedApi} µs (public API)`,
);

// Quick speed check of the shipped built-in model through onnxruntime-node (not the embedder;
// `npm run bench:embed` is the end-to-end figure once the embedder lands).
// Usage (repository root): node tools/train-builtin/bench.mjs [models/builtin]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';

const dir = process.argv[2] ?? 'models/builtin';
const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const tokenizer = new Tokenizer(
  JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')),
  {},
);
const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), {
  intraOpNumThreads: 1,
});

function tensors(texts) {
  const enc = texts.map((t) => tokenizer.encode(t).ids.slice(0, manifest.maxTokens));
  const seq = Math.max(...enc.map((e) => e.length));
  const ids = new BigInt64Array(texts.length * seq);
  const mask = new BigInt64Array(texts.length * seq);
  for (const [r, row] of enc.entries()) {
    for (const [c, id] of row.entries()) {
      ids[r * seq + c] = BigInt(id);
      mask[r * seq + c] = 1n;
    }
  }
  return {
    input_ids: new ort.Tensor('int64', ids, [texts.length, seq]),
    attention_mask: new ort.Tensor('int64', mask, [texts.length, seq]),
  };
}

const percentile = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];
const short = 'The disk on node 7 is almost full.';
const feeds = tensors([short]);
for (let i = 0; i < 500; i++) await session.run(feeds);
const runUs = [];
for (let i = 0; i < 5000; i++) {
  const t0 = process.hrtime.bigint();
  await session.run(feeds);
  runUs.push(Number(process.hrtime.bigint() - t0) / 1000);
}
const e2eUs = [];
for (let i = 0; i < 2000; i++) {
  const t0 = process.hrtime.bigint();
  await session.run(tensors([short]));
  e2eUs.push(Number(process.hrtime.bigint() - t0) / 1000);
}
const corpus = [];
for (let i = 0; i < 256; i++)
  corpus.push(
    `log line ${i}: request ${i * 7} from host ${i % 13} took ${i % 97} ms and returned status ${200 + (i % 5)}`,
  );
const batchFeeds = tensors(corpus);
for (let i = 0; i < 5; i++) await session.run(batchFeeds);
const rounds = 40;
const r0 = process.hrtime.bigint();
for (let i = 0; i < rounds; i++) await session.run(batchFeeds);
const runSecs = Number(process.hrtime.bigint() - r0) / 1e9;
const t0 = process.hrtime.bigint();
for (let i = 0; i < rounds; i++) await session.run(tensors(corpus));
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`short text "${short}" (${feeds.input_ids.dims[1]} tokens), intraOpNumThreads=1`);
console.log(
  `session.run batch 1: p50 ${percentile(runUs, 0.5).toFixed(1)} us, p99 ${percentile(runUs, 0.99).toFixed(1)} us`,
);
console.log(`tokenize + run batch 1: p50 ${percentile(e2eUs, 0.5).toFixed(1)} us`);
console.log(
  `session.run batch 256 (~25-token log lines, pre-tokenised): ${Math.round((rounds * 256) / runSecs)} texts/s`,
);
console.log(
  `tokenize (@huggingface/tokenizers) + run batch 256: ${Math.round((rounds * 256) / secs)} texts/s`,
);

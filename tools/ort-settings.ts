// Does any onnxruntime session setting make a transformer's batch-1 run faster? Times one
// ~12-token sequence through the same model file under several session settings, interleaved call
// by call (p50 and p10 of 400 calls each after 30 warm-up calls), through ringmem's own runner.
// Why it exists: at batch 1 ringmem and transformers.js call the same runtime on the same graph,
// so only a setting could separate them; this shows how much one can.
//
//   npx tsx tools/ort-settings.ts [model.onnx] [tokens]
//   (default: the shape-faithful MiniLM that `npm run bench:embed` generates)
import { existsSync } from 'node:fs';
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { createRunner } from '../src/embed/ort-runner.js';

const file = process.argv[2] ?? 'test/.generated/minilm-shape/onnx/model.onnx';
const seq = Number(process.argv[3] ?? 12);
if (!existsSync(file)) {
  console.error(`ort-settings: ${file} not found: run \`npm run bench:embed\` once to generate it`);
  process.exit(2);
}
const base = { graphOptimizationLevel: 'all', executionMode: 'sequential' } as const;
const settings: Array<[string, ort.InferenceSession.SessionOptions]> = [
  ["optimisation all, default threads (ringmem's, and onnxruntime's default)", base],
  ['optimisation all, 1 intra-op thread', { ...base, intraOpNumThreads: 1 }],
  ['optimisation basic, default threads', { ...base, graphOptimizationLevel: 'basic' }],
  [
    'optimisation all, no thread spinning',
    // onnxruntime-node passes `extra` through as session config entries.
    {
      ...base,
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    } as ort.InferenceSession.SessionOptions,
  ],
];
const runners = await Promise.all(settings.map(([, o]) => createRunner(file, o, 'binding')));
const output = runners[0]!.outputNames.includes('last_hidden_state')
  ? 'last_hidden_state'
  : runners[0]!.outputNames[0]!;
const ids = new BigInt64Array(seq).map((_, i) => BigInt(1000 + i));
const mask = new BigInt64Array(seq).fill(1n);
const types = new BigInt64Array(seq);
const feeds = (inputs: readonly string[]) => {
  const all: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, [1, seq]),
    attention_mask: new ort.Tensor('int64', mask, [1, seq]),
    token_type_ids: new ort.Tensor('int64', types, [1, seq]),
  };
  return Object.fromEntries(inputs.map((n) => [n, all[n]!]));
};
for (let i = 0; i < 30; i++) {
  for (const r of runners) await r.run(feeds(r.inputNames), output);
}
const times: number[][] = settings.map(() => []);
for (let i = 0; i < 400; i++) {
  for (let c = 0; c < runners.length; c++) {
    const start = performance.now();
    await runners[c]!.run(feeds(runners[c]!.inputNames), output);
    times[c]!.push(performance.now() - start);
  }
}
console.log(`${file}, ${seq} tokens, batch 1, load ${os.loadavg()[0]!.toFixed(2)}:`);
for (let c = 0; c < runners.length; c++) {
  const x = times[c]!.sort((a, b) => a - b);
  console.log(
    `  ${settings[c]![0].padEnd(62)} p50 ${x[200]!.toFixed(2)} ms  p10 ${x[40]!.toFixed(2)} ms`,
  );
}
await Promise.all(runners.map((r) => r.release()));

/**
 * `npm run gen:test-model -- [outDir] [--small-vocab] [--no-int8] [--seed N] [--max-tokens N]`
 *
 * Writes the shape-faithful all-MiniLM-L6-v2 stand-in (random weights) used by the embedder tests
 * and `npm run bench:embed`. Default output: test/.generated/minilm-shape/ (git-ignored).
 */
import { parseArgs } from 'node:util';
import { generateTestModel } from './onnx/test-model.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'small-vocab': { type: 'boolean', default: false },
    'no-int8': { type: 'boolean', default: false },
    seed: { type: 'string' },
    'max-tokens': { type: 'string' },
  },
});

const outDir = positionals[0] ?? 'test/.generated/minilm-shape';
const started = performance.now();
const info = generateTestModel({
  outDir,
  ...(values['small-vocab'] ? { tokenizerDir: null } : {}),
  int8: !values['no-int8'],
  ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
  ...(values['max-tokens'] !== undefined ? { maxTokens: Number(values['max-tokens']) } : {}),
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `wrote ${info.files.length} files to ${info.outDir} in ${seconds} s (tokenizer: ${info.tokenizer})`,
);
for (const f of info.files) console.log(`  ${f}`);

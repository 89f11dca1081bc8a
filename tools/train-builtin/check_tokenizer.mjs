// Proves that wordpiece.py (used for training and tuning) and @huggingface/tokenizers (used at run
// time) give the same ids. Reads JSON lines {"text", "ids"} written by the Python side on stdin;
// prints the number of texts compared and every mismatch; exits 1 on any mismatch.
// Usage: node check_tokenizer.mjs TOKENIZER_JSON < pairs.jsonl   (run from the repository root)
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Tokenizer } from '@huggingface/tokenizers';

const tokenizer = new Tokenizer(JSON.parse(readFileSync(process.argv[2], 'utf8')), {});
let compared = 0;
let mismatches = 0;
for await (const line of createInterface({ input: process.stdin })) {
  if (!line) continue;
  const { text, ids } = JSON.parse(line);
  const got = tokenizer.encode(text).ids;
  compared += 1;
  if (got.length !== ids.length || got.some((id, i) => id !== ids[i])) {
    mismatches += 1;
    if (mismatches <= 10) {
      console.log(JSON.stringify({ text, python: ids, node: got }));
    }
  }
}
console.log(`${compared} texts compared, ${mismatches} mismatches`);
process.exit(mismatches === 0 && compared > 0 ? 0 : 1);

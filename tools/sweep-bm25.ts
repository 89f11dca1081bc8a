/**
 * The BM25 constants of the lexical index, swept in lexical mode on retrieval sets (no model is
 * loaded: the lexical side never reads the vectors):
 *
 *   npx tsx tools/sweep-bm25.ts <BEIR folder | LoCoMo .json> [...more]
 *
 * Prints one line per (set, k1, b) with the set's metrics (see tools/eval-retrieval-lib.ts).
 */
import { evaluateBm25, loadTask } from './eval-retrieval-lib.js';

const paths = process.argv.slice(2);
if (paths.length === 0) {
  process.stderr.write('usage: npx tsx tools/sweep-bm25.ts <BEIR folder | LoCoMo .json> [...]\n');
  process.exit(2);
}
for (const path of paths) {
  const task = loadTask(path);
  for (const k1 of [0.6, 0.9, 1.2, 1.5, 2.0]) {
    for (const b of [0.3, 0.5, 0.75, 0.9]) {
      const m = evaluateBm25(task, { k1, b });
      const text = Object.entries(m)
        .map(([key, v]) => `${key} ${v.toFixed(3)}`)
        .join(', ');
      process.stdout.write(`${task.name} k1 ${k1} b ${b}: ${text}\n`);
    }
  }
}

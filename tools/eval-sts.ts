/**
 * STS evaluation of a model through ringmem's own embedder (src/embed: the tokenisation,
 * truncation, pooling and normalisation the server uses), cosine of the two sentence vectors
 * against the gold score, Spearman and Pearson.
 *
 *   npm run eval:sts -- <sts.csv> [--model-dir models/builtin] [--batch 64]
 *
 * The STS file is tab-separated without quoting (the STS-B files hold unbalanced `"`): column 5
 * is the gold score (0–5), columns 6 and 7 the two sentences.
 */
import { readFileSync } from 'node:fs';
import { createOnnxEmbedder } from '../src/embed/index.js';
import { resolveModel } from '../src/models/resolve.js';

interface StsPair {
  gold: number;
  a: string;
  b: string;
}

interface Args {
  stsPath: string;
  modelDir: string;
  batch: number;
}

const USAGE = 'usage: npm run eval:sts -- <sts.csv> [--model-dir DIR] [--batch N]';

function parseArgs(argv: string[]): Args {
  let stsPath: string | undefined;
  let modelDir = 'models/builtin';
  let batch = 64;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--model-dir') {
      modelDir = argv[++i] ?? '';
    } else if (arg === '--batch') {
      batch = Number(argv[++i]);
    } else if (arg.startsWith('--')) {
      throw new Error(`unknown option ${arg}; ${USAGE}`);
    } else {
      stsPath = arg;
    }
  }
  if (!stsPath) throw new Error(`missing the STS file; ${USAGE}`);
  if (!modelDir) throw new Error(`--model-dir needs a directory; ${USAGE}`);
  if (!Number.isInteger(batch) || batch < 1 || batch > 4096) {
    throw new Error(`--batch must be an integer from 1 to 4096; ${USAGE}`);
  }
  return { stsPath, modelDir, batch };
}

function readSts(text: string): StsPair[] {
  const pairs: StsPair[] = [];
  for (const line of text.split('\n')) {
    const cols = line.replace(/\r$/, '').split('\t');
    if (cols.length < 7) continue;
    const gold = Number(cols[4]);
    if (!Number.isFinite(gold)) continue;
    pairs.push({ gold, a: cols[5]!, b: cols[6]! });
  }
  return pairs;
}

/** Ranks with ties sharing their average rank (as scipy's spearmanr does). */
function ranks(values: Float64Array): Float64Array {
  const order = Array.from(values.keys()).sort((i, j) => values[i]! - values[j]!);
  const out = new Float64Array(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    const avg = (start + end - 1) / 2 + 1;
    for (let k = start; k < end; k++) out[order[k]!] = avg;
    start = end;
  }
  return out;
}

function pearson(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

function spearman(x: Float64Array, y: Float64Array): number {
  return pearson(ranks(x), ranks(y));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const pairs = readSts(readFileSync(args.stsPath, 'utf8'));
  if (pairs.length === 0) {
    throw new Error(
      `${args.stsPath} holds no STS pairs; expected tab-separated lines with the gold score in column 5 and the sentences in columns 6 and 7`,
    );
  }
  // The embedder ringmem serves with: same tokenisation, truncation, pooling and normalisation.
  const model = resolveModel({ path: args.modelDir });
  const embedder = createOnnxEmbedder({
    modelDir: model.dir,
    manifest: model.manifest,
    cacheSize: 0,
  });
  const unique = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const index = new Map(unique.map((t, i) => [t, i]));
  const dim = embedder.dim;
  const emb = new Float32Array(unique.length * dim);
  for (let start = 0; start < unique.length; start += args.batch) {
    emb.set(await embedder.embed(unique.slice(start, start + args.batch), 'passage'), start * dim);
  }
  await embedder.close();
  const cos = new Float64Array(pairs.length);
  const gold = new Float64Array(pairs.length);
  pairs.forEach((p, k) => {
    const a = index.get(p.a)! * dim;
    const b = index.get(p.b)! * dim;
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += emb[a + d]! * emb[b + d]!;
    // Rows are unit length, so the dot product is the cosine.
    cos[k] = dot;
    gold[k] = p.gold;
  });
  console.log(
    JSON.stringify({
      model: model.manifest.id,
      file: args.stsPath,
      pairs: pairs.length,
      spearman: Number(spearman(cos, gold).toFixed(4)),
      pearson: Number(pearson(cos, gold).toFixed(4)),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});

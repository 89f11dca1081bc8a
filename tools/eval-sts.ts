/**
 * STS evaluation of a shipped model, end to end in Node: tokenizer.json through
 * @huggingface/tokenizers, model.onnx through onnxruntime-node, cosine of the two sentence
 * vectors against the gold score, Spearman and Pearson.
 *
 *   npm run eval:sts -- <sts.csv> [--model-dir models/builtin] [--batch 64]
 *
 * The STS file is tab-separated without quoting (the STS-B files hold unbalanced `"`): column 5
 * is the gold score (0–5), columns 6 and 7 the two sentences.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';

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

interface BuiltinManifest {
  id: string;
  dim: number;
  maxTokens: number;
  files: { model: { path: string }; tokenizer: { path: string } };
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

/**
 * Local, self-contained embedding helper: tokenise, truncate to maxTokens keeping [SEP], pad with
 * id 0, run the session. It exists only so this tool does not wait for the shared embedder;
 * switch to `src/embed/` (Embedder.embed) once that lands so the evaluation measures exactly the
 * code path ringmem serves.
 */
async function embedAll(
  session: ort.InferenceSession,
  tokenizer: Tokenizer,
  texts: string[],
  manifest: BuiltinManifest,
  batch: number,
): Promise<Float32Array> {
  const dim = manifest.dim;
  const out = new Float32Array(texts.length * dim);
  for (let start = 0; start < texts.length; start += batch) {
    const chunk = texts.slice(start, start + batch);
    const encoded: number[][] = chunk.map((t) => {
      const ids = tokenizer.encode(t).ids;
      if (ids.length <= manifest.maxTokens) return ids;
      // Keep the final [SEP] the model saw in training when cutting the text.
      return [...ids.slice(0, manifest.maxTokens - 1), ids[ids.length - 1]!];
    });
    const seq = Math.max(...encoded.map((ids) => ids.length));
    const ids = new BigInt64Array(chunk.length * seq);
    const mask = new BigInt64Array(chunk.length * seq);
    encoded.forEach((row, r) => {
      row.forEach((id, c) => {
        ids[r * seq + c] = BigInt(id);
        mask[r * seq + c] = 1n;
      });
    });
    const result = await session.run({
      input_ids: new ort.Tensor('int64', ids, [chunk.length, seq]),
      attention_mask: new ort.Tensor('int64', mask, [chunk.length, seq]),
    });
    const emb = result.sentence_embedding;
    if (!emb || emb.dims[1] !== dim) {
      throw new Error(
        `model output sentence_embedding has dims ${emb?.dims}; expected [n, ${dim}]`,
      );
    }
    out.set(emb.data as Float32Array, start * dim);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const pairs = readSts(readFileSync(args.stsPath, 'utf8'));
  if (pairs.length === 0) {
    throw new Error(
      `${args.stsPath} holds no STS pairs; expected tab-separated lines with the gold score in column 5 and the sentences in columns 6 and 7`,
    );
  }
  const manifest = JSON.parse(
    readFileSync(path.join(args.modelDir, 'manifest.json'), 'utf8'),
  ) as BuiltinManifest;
  const tokenizer = new Tokenizer(
    JSON.parse(readFileSync(path.join(args.modelDir, manifest.files.tokenizer.path), 'utf8')),
    {},
  );
  const session = await ort.InferenceSession.create(
    path.join(args.modelDir, manifest.files.model.path),
  );

  const unique = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const index = new Map(unique.map((t, i) => [t, i]));
  const emb = await embedAll(session, tokenizer, unique, manifest, args.batch);
  const dim = manifest.dim;
  const cos = new Float64Array(pairs.length);
  const gold = new Float64Array(pairs.length);
  pairs.forEach((p, k) => {
    const a = index.get(p.a)! * dim;
    const b = index.get(p.b)! * dim;
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let d = 0; d < dim; d++) {
      dot += emb[a + d]! * emb[b + d]!;
      na += emb[a + d]! * emb[a + d]!;
      nb += emb[b + d]! * emb[b + d]!;
    }
    cos[k] = dot / Math.max(Math.sqrt(na * nb), 1e-12);
    gold[k] = p.gold;
  });
  console.log(
    JSON.stringify({
      model: manifest.id,
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

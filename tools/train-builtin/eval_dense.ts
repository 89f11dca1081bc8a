/**
 * Dense-only retrieval figures of a model through ringmem's own embedder (src/embed: the
 * tokenisation, truncation, pooling and normalisation the server uses): the check that the
 * numbers eval_retrieval.py computes in numpy while training hold for the shipped files.
 *
 *   npx tsx tools/train-builtin/eval_dense.ts <data-dir> [--model-dir models/builtin]
 *
 * <data-dir> is ../shared/data (or any folder with the same layout): each task runs when its
 * files are there, exactly as its SOURCE.md says:
 * - scifact_train/: index `title + ". " + text` of every abstract, one query per claim, cosine
 *   ranking, nDCG@10 over the binary judgements (claims without judgements are skipped);
 * - locomo_dev/locomo_dev.json: every turn as "<speaker>: <text>", one index per conversation,
 *   questions of categories 1–4 with evidence, a hit when an evidence turn is in the top 5 (hit@5;
 *   hit@10 is printed too).
 * Rows are unit length, so a dot product is the cosine, as ringmem's recall ranks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOnnxEmbedder, type OnnxEmbedder } from '../../src/embed/index.js';
import { resolveModel } from '../../src/models/resolve.js';

const USAGE = 'usage: npx tsx tools/train-builtin/eval_dense.ts <data-dir> [--model-dir DIR]';
const BATCH = 64;

async function embedAll(
  embedder: OnnxEmbedder,
  texts: string[],
  role: 'query' | 'passage',
): Promise<Float32Array> {
  const out = new Float32Array(texts.length * embedder.dim);
  for (let start = 0; start < texts.length; start += BATCH) {
    out.set(await embedder.embed(texts.slice(start, start + BATCH), role), start * embedder.dim);
  }
  return out;
}

/** Indices of the k rows of `docs` with the highest dot product with row `q` of `queries`. */
function topK(queries: Float32Array, q: number, docs: Float32Array, dim: number, k: number) {
  const n = docs.length / dim;
  const scores = new Float64Array(n);
  for (let d = 0; d < n; d++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += queries[q * dim + j]! * docs[d * dim + j]!;
    scores[d] = s;
  }
  return Array.from(scores.keys())
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, k);
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

async function scifact(embedder: OnnxEmbedder, dir: string) {
  const corpus = readJsonl<{ _id: string; title: string; text: string }>(join(dir, 'corpus.jsonl'));
  const queries = readJsonl<{ _id: string; text: string }>(join(dir, 'queries.jsonl'));
  const qrels = new Map<string, Set<string>>();
  for (const line of readFileSync(join(dir, 'qrels', 'train.tsv'), 'utf8')
    .split('\n')
    .slice(1)) {
    const [qid, did, score] = line.split('\t');
    if (!qid || !did || Number(score) <= 0) continue;
    if (!qrels.has(qid)) qrels.set(qid, new Set());
    qrels.get(qid)!.add(did);
  }
  const judged = queries.filter((q) => qrels.has(q._id));
  const docs = await embedAll(
    embedder,
    corpus.map((d) => `${d.title}. ${d.text}`),
    'passage',
  );
  const qv = await embedAll(
    embedder,
    judged.map((q) => q.text),
    'query',
  );
  let ndcg = 0;
  let recall = 0;
  judged.forEach((q, i) => {
    const rel = qrels.get(q._id)!;
    const top = topK(qv, i, docs, embedder.dim, 10);
    let dcg = 0;
    let found = 0;
    top.forEach((d, r) => {
      if (rel.has(corpus[d]!._id)) {
        dcg += 1 / Math.log2(r + 2);
        found++;
      }
    });
    let ideal = 0;
    for (let r = 0; r < Math.min(rel.size, 10); r++) ideal += 1 / Math.log2(r + 2);
    ndcg += dcg / ideal;
    recall += found / rel.size;
  });
  return {
    task: 'scifact_train',
    queries: judged.length,
    docs: corpus.length,
    ndcg10: Number((ndcg / judged.length).toFixed(4)),
    recall10: Number((recall / judged.length).toFixed(4)),
  };
}

interface LocomoTurn {
  speaker: string;
  dia_id: string;
  text: string;
}
interface LocomoConv {
  conversation: Record<string, unknown>;
  qa: Array<{ question: string; evidence?: string[]; category: number }>;
}

async function locomo(embedder: OnnxEmbedder, path: string) {
  const convs = JSON.parse(readFileSync(path, 'utf8')) as LocomoConv[];
  let n = 0;
  let hit5 = 0;
  let hit10 = 0;
  for (const conv of convs) {
    const turns: LocomoTurn[] = [];
    for (const [key, value] of Object.entries(conv.conversation)) {
      if (/^session_\d+$/.test(key) && Array.isArray(value)) turns.push(...(value as LocomoTurn[]));
    }
    const docs = await embedAll(
      embedder,
      turns.map((t) => `${t.speaker}: ${t.text}`),
      'passage',
    );
    const items = conv.qa.filter(
      (q) => q.category >= 1 && q.category <= 4 && (q.evidence?.length ?? 0) > 0,
    );
    const qv = await embedAll(
      embedder,
      items.map((q) => q.question),
      'query',
    );
    items.forEach((q, i) => {
      const evidence = new Set(q.evidence!.flatMap((e) => e.split(/[;\s]+/).filter(Boolean)));
      const top = topK(qv, i, docs, embedder.dim, 10).map((d) => turns[d]!.dia_id);
      n++;
      if (top.slice(0, 5).some((id) => evidence.has(id))) hit5++;
      if (top.some((id) => evidence.has(id))) hit10++;
    });
  }
  return {
    task: 'locomo_dev',
    questions: n,
    hit5: Number((hit5 / n).toFixed(4)),
    hit10: Number((hit10 / n).toFixed(4)),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let dataDir: string | undefined;
  let modelDir = 'models/builtin';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model-dir') modelDir = argv[++i] ?? '';
    else if (argv[i]!.startsWith('--')) throw new Error(`unknown option ${argv[i]}; ${USAGE}`);
    else dataDir = argv[i];
  }
  if (!dataDir || !modelDir) throw new Error(USAGE);
  const model = resolveModel({ path: modelDir });
  const embedder = createOnnxEmbedder({
    modelDir: model.dir,
    manifest: model.manifest,
    cacheSize: 0,
  });
  const results: object[] = [];
  const sf = join(dataDir, 'scifact_train');
  if (existsSync(join(sf, 'corpus.jsonl'))) results.push(await scifact(embedder, sf));
  const lc = join(dataDir, 'locomo_dev', 'locomo_dev.json');
  if (existsSync(lc)) results.push(await locomo(embedder, lc));
  await embedder.close();
  if (results.length === 0) throw new Error(`no scifact_train/ or locomo_dev/ under ${dataDir}`);
  for (const r of results) console.log(JSON.stringify({ model: model.manifest.id, ...r }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});

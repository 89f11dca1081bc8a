/**
 * Retrieval evaluation through the same `Memory` API the MCP tools use: load a BEIR-layout folder
 * (corpus.jsonl, queries.jsonl, qrels/*.tsv) or a LoCoMo-layout JSON file, remember the texts,
 * recall every question in each mode, score the rankings. `tools/eval-retrieval.ts` is the
 * command line; the test suite runs these functions on a slice.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryEngine } from '../src/engine/engine.js';
import type { FusionConfig, RecallMode } from '../src/engine/fusion.js';
import type { Bm25Params } from '../src/engine/lexical-index.js';
import { JsKernel } from '../src/kernel/index.js';
import type { Memory } from '../src/memory.js';

/** One retrieval task: texts to remember in namespaces, questions with their relevant texts. */
export interface RetrievalTask {
  kind: 'beir' | 'locomo';
  name: string;
  /** Per namespace, the texts in the order they are remembered, with the task's own ids. */
  namespaces: { name: string; docs: { id: string; text: string }[] }[];
  questions: { namespace: string; text: string; relevant: Set<string> }[];
}

function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A BEIR folder: every qrels file's judgements with a score > 0 count as relevant. */
export function loadBeir(dir: string, limit?: { queries?: number; docs?: number }): RetrievalTask {
  const corpus = readJsonl(join(dir, 'corpus.jsonl'));
  const queries = readJsonl(join(dir, 'queries.jsonl'));
  const qrelsDir = join(dir, 'qrels');
  const relevant = new Map<string, Set<string>>();
  for (const file of readdirSync(qrelsDir).filter((f) => f.endsWith('.tsv'))) {
    const lines = readFileSync(join(qrelsDir, file), 'utf8').split('\n');
    for (const line of lines.slice(1)) {
      const [qid, did, score] = line.trim().split('\t');
      if (!qid || !did || !(Number(score) > 0)) continue;
      const set = relevant.get(qid) ?? new Set<string>();
      set.add(did);
      relevant.set(qid, set);
    }
  }
  const docs = corpus.map((d) => {
    const title = String(d.title ?? '').trim();
    const text = String(d.text ?? '');
    return { id: String(d._id), text: title ? `${title}. ${text}` : text };
  });
  let questions = queries
    .filter((q) => relevant.has(String(q._id)))
    .map((q) => ({
      namespace: 'corpus',
      text: String(q.text),
      relevant: relevant.get(String(q._id)) as Set<string>,
    }));
  if (limit?.queries !== undefined) questions = questions.slice(0, limit.queries);
  let kept = docs;
  if (limit?.docs !== undefined) {
    // A slice: the documents the kept questions need, plus the first `docs` others.
    const needed = new Set(questions.flatMap((q) => [...q.relevant]));
    kept = docs.filter((d, i) => i < (limit.docs as number) || needed.has(d.id));
  }
  const name = dir.replace(/\/+$/, '').split('/').pop() ?? 'beir';
  return { kind: 'beir', name, namespaces: [{ name: 'corpus', docs: kept }], questions };
}

interface LocomoTurn {
  speaker: string;
  dia_id: string;
  text: string;
}

/**
 * A LoCoMo file: one namespace per conversation holding every turn as "<speaker>: <text>"; the
 * questions of categories 1–4 with evidence (category 5 is adversarial: no answer exists).
 */
export function loadLocomo(
  path: string,
  limit?: { conversations?: number; queries?: number },
): RetrievalTask {
  const data = JSON.parse(readFileSync(path, 'utf8')) as {
    sample_id?: string;
    conversation: Record<string, unknown>;
    qa: { question: string; evidence?: string[]; category: number }[];
  }[];
  const convs = limit?.conversations === undefined ? data : data.slice(0, limit.conversations);
  const namespaces: RetrievalTask['namespaces'] = [];
  const questions: RetrievalTask['questions'] = [];
  convs.forEach((conv, c) => {
    const ns = `conv-${(conv.sample_id ?? String(c)).replace(/[^A-Za-z0-9._:-]/g, '_')}`;
    const sessions = Object.keys(conv.conversation)
      .map((key) => /^session_(\d+)$/.exec(key))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const docs: { id: string; text: string }[] = [];
    for (const s of sessions) {
      for (const turn of conv.conversation[`session_${s}`] as LocomoTurn[]) {
        docs.push({ id: turn.dia_id, text: `${turn.speaker}: ${turn.text}` });
      }
    }
    namespaces.push({ name: ns, docs });
    for (const qa of conv.qa) {
      if (qa.category === 5 || !qa.evidence || qa.evidence.length === 0) continue;
      const evidence = qa.evidence.flatMap((e) => e.split(/[;\s]+/)).filter((e) => e !== '');
      if (evidence.length === 0) continue;
      questions.push({ namespace: ns, text: qa.question, relevant: new Set(evidence) });
    }
  });
  const name =
    path
      .replace(/\/+$/, '')
      .split('/')
      .pop()
      ?.replace(/\.json$/, '') ?? 'locomo';
  const kept = limit?.queries === undefined ? questions : questions.slice(0, limit.queries);
  return { kind: 'locomo', name, namespaces, questions: kept };
}

/** A BEIR folder, a LoCoMo JSON file, or a folder holding exactly one LoCoMo JSON file. */
export function loadTask(
  path: string,
  limit?: { queries?: number; conversations?: number; docs?: number },
): RetrievalTask {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'corpus.jsonl'))) return loadBeir(path, limit);
    const jsons = readdirSync(path).filter((f) => f.endsWith('.json'));
    if (jsons.length === 1) return loadLocomo(join(path, jsons[0] as string), limit);
    throw new Error(
      `${path} is neither a BEIR folder (corpus.jsonl, queries.jsonl, qrels/*.tsv) nor a folder with one LoCoMo .json file`,
    );
  }
  return loadLocomo(path, limit);
}

/** Per namespace, engine id → the task's document id. */
export type IdMap = Map<string, Map<number, string>>;

/** Remembers every text (no anomaly scoring: it is not what is measured). */
export async function rememberTask(memory: Memory, task: RetrievalTask): Promise<IdMap> {
  const ids: IdMap = new Map();
  for (const ns of task.namespaces) {
    const map = new Map<number, string>();
    for (let i = 0; i < ns.docs.length; i += 256) {
      const part = ns.docs.slice(i, i + 256);
      const res = await memory.remember(
        part.map((d) => d.text),
        { namespace: ns.name, score: false },
      );
      res.ids.forEach((id, j) => {
        map.set(id, (part[j] as { id: string }).id);
      });
    }
    ids.set(ns.name, map);
  }
  return ids;
}

export interface ModeScores {
  mode: RecallMode;
  /** BEIR: ndcg@10 and recall@10; LoCoMo: hit@5 and hit@10. */
  metrics: Record<string, number>;
  /** Per question ms (recall through Memory, embedding included). */
  p50Ms: number;
}

function ndcgAt10(ranked: string[], relevant: Set<string>): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(10, ranked.length); i++) {
    if (relevant.has(ranked[i] as string)) dcg += 1 / Math.log2(i + 2);
  }
  let ideal = 0;
  for (let i = 0; i < Math.min(10, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return ideal > 0 ? dcg / ideal : 0;
}

/** Runs every question in one mode and scores the rankings. */
export async function evaluateMode(
  memory: Memory,
  task: RetrievalTask,
  ids: IdMap,
  mode: RecallMode,
  fusion?: Partial<FusionConfig>,
): Promise<ModeScores> {
  const sums: Record<string, number> = {};
  const add = (key: string, v: number) => {
    sums[key] = (sums[key] ?? 0) + v;
  };
  const times: number[] = [];
  for (const q of task.questions) {
    const t0 = performance.now();
    const res = await memory.recall(q.text, { namespace: q.namespace, k: 10, mode, fusion });
    times.push(performance.now() - t0);
    const map = ids.get(q.namespace) as Map<number, string>;
    scoreRanking(
      task.kind,
      res.hits.map((h) => map.get(h.id) as string),
      q.relevant,
      add,
    );
  }
  const metrics: Record<string, number> = {};
  for (const [key, v] of Object.entries(sums)) metrics[key] = v / task.questions.length;
  times.sort((a, b) => a - b);
  return { mode, metrics, p50Ms: times[Math.floor(times.length / 2)] ?? 0 };
}

function scoreRanking(
  kind: RetrievalTask['kind'],
  ranked: string[],
  relevant: Set<string>,
  add: (key: string, v: number) => void,
): void {
  if (kind === 'beir') {
    add('ndcg@10', ndcgAt10(ranked, relevant));
    add('recall@10', ranked.filter((d) => relevant.has(d)).length / relevant.size);
  } else {
    add('hit@5', ranked.slice(0, 5).some((d) => relevant.has(d)) ? 1 : 0);
    add('hit@10', ranked.some((d) => relevant.has(d)) ? 1 : 0);
  }
}

/**
 * Lexical mode alone under other BM25 constants, on an engine of its own (one-dimensional
 * placeholder vectors: the lexical side never reads them), for the parameter sweep.
 */
export function evaluateBm25(task: RetrievalTask, bm25: Bm25Params): Record<string, number> {
  const capacity = Math.max(...task.namespaces.map((ns) => ns.docs.length));
  const engine = new MemoryEngine({ dim: 1, capacity, kernel: new JsKernel(), bm25 });
  const ids = new Map<string, Map<number, string>>();
  for (const ns of task.namespaces) {
    const res = engine.insert(
      ns.name,
      new Float32Array(ns.docs.length).fill(1),
      ns.docs.map((d) => ({ text: d.text })),
    );
    ids.set(ns.name, new Map(res.ids.map((id, i) => [id, (ns.docs[i] as { id: string }).id])));
  }
  const sums: Record<string, number> = {};
  const add = (key: string, v: number) => {
    sums[key] = (sums[key] ?? 0) + v;
  };
  for (const q of task.questions) {
    const res = engine.search(q.namespace, undefined, { k: 10, mode: 'lexical', text: q.text });
    const map = ids.get(q.namespace) as Map<number, string>;
    scoreRanking(
      task.kind,
      res.hits.map((h) => map.get(h.id) as string),
      q.relevant,
      add,
    );
  }
  const metrics: Record<string, number> = {};
  for (const [key, v] of Object.entries(sums)) metrics[key] = v / task.questions.length;
  return metrics;
}

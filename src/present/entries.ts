import type { Hit, MemoryEntry } from '../engine/index.js';
import { round, seconds } from './numbers.js';

type Flat = Record<string, string | number | boolean | null>;

/** One stored entry as every front end shows it (recall hits, the recent resource, LangChain). */
export function entryFields(e: MemoryEntry) {
  return {
    id: e.id,
    text: e.text ?? null,
    timestamp: new Date(e.timestamp).toISOString(),
    age_seconds: seconds(e.ageMs) as number,
    tags: [...e.tags],
    metadata: (e.metadata as Flat | undefined) ?? null,
  };
}

/** One recall hit: the entry and its scores (the ranking one, and each side's where computed). */
export function hitFields(h: Hit) {
  return {
    ...entryFields(h),
    score: round(h.score) as number,
    semantic_score: h.semanticScore === null ? null : (round(h.semanticScore) as number),
    lexical_score: h.lexicalScore === null ? null : (round(h.lexicalScore) as number),
  };
}

export type HitFields = ReturnType<typeof hitFields>;

import type { Precision } from '../kernel/compact.js';
import type { AnomalyReport } from './anomaly.js';
import type { MetadataFilter } from './entry-filter.js';
import type { FusionConfig, RecallMode } from './fusion.js';

/**
 * The engine's public data types: what goes in (entries, options) and what comes out (entries,
 * hits, results, statistics, stored slots). Apart from the engine class so that the rooms below
 * it (namespace, search planning) can name them without importing the engine.
 */

export interface EntryInput {
  text?: string;
  tags?: readonly string[];
  metadata?: Readonly<Record<string, unknown>>;
}

export interface MemoryEntry {
  id: number;
  namespace: string;
  text: string | undefined;
  tags: readonly string[];
  metadata: Readonly<Record<string, unknown>> | undefined;
  /** Milliseconds since the epoch (engine clock). */
  timestamp: number;
  ageMs: number;
}

export interface Hit extends MemoryEntry {
  /** The ranking score of the mode: cosine (semantic), fused (hybrid), BM25 share (lexical). */
  score: number;
  /** Cosine similarity to the query; null when the mode did not compute it (lexical). */
  semanticScore: number | null;
  /** BM25 score; null when the entry holds no query term or the mode did not compute it. */
  lexicalScore: number | null;
}

export interface InsertOptions {
  /** Score each vector against the window before it joins (one scan each). Default false. */
  score?: boolean;
}

export interface InsertResult {
  namespace: string;
  ids: number[];
  /** Live entries overwritten because the ring was full. */
  evicted: number;
  /** Live entries that expired when this call looked at the clock. */
  expired: number;
  /** One report per vector when `score` was asked for. */
  anomalies: AnomalyReport[] | undefined;
  windowSize: number;
}

export interface TagFilter {
  /** Entry has at least one of these. */
  any?: readonly string[];
  /** Entry has all of these. */
  all?: readonly string[];
}

export interface SearchOptions {
  k: number;
  /** Only entries with time ≥ since (ms since the epoch). */
  since?: number;
  /** Only entries with time ≤ until. */
  until?: number;
  /** Only entries younger than this many ms (same as since = now − withinMs). */
  withinMs?: number;
  tags?: TagFilter;
  /** Only entries whose metadata has each of these keys with exactly this value. */
  metadata?: MetadataFilter;
  minScore?: number;
  /**
   * How to rank: "semantic" (cosine of the vectors), "lexical" (BM25 over `text`) or "hybrid"
   * (both, fused). Default: "hybrid" when `text` is given, else "semantic".
   */
  mode?: RecallMode;
  /** The query's text, for the lexical side (required by the lexical and hybrid modes). */
  text?: string;
  /** Advanced: override the fusion rule, weight or candidate pool of hybrid recall. */
  fusion?: Partial<FusionConfig>;
}

export interface SearchResult {
  namespace: string;
  hits: Hit[];
  /** Live entries the scan looked at after time and tag filters. */
  searched: number;
  windowSize: number;
}

export interface ForgetOlderThanOptions {
  /** Forget entries older than this many ms. */
  ageMs?: number;
  /** Forget entries with time < before (ms since the epoch). */
  before?: number;
  /** One namespace; all when omitted. */
  namespace?: string;
}

export interface ForgetResult {
  forgotten: number;
  remaining: number;
}

export interface NamespaceStats {
  namespace: string;
  count: number;
  capacity: number;
  ttlMs: number | null;
  bytes: number;
  oldestAgeMs: number | null;
  newestAgeMs: number | null;
  tombstones: number;
  counters: NamespaceCounters;
  /** How the namespace stores its vectors (fixed at creation; see vector-rows.ts). */
  precision: Precision;
  /** Bytes a slot costs (its vector at `precision` and the slot arrays) plus the mean payload. */
  bytesPerRecord: number;
}

export interface NamespaceOptions {
  capacity?: number;
  ttlMs?: number;
  /** Vector precision of a namespace being created (default: the engine's for this name). */
  precision?: Precision;
}

/** One ring slot as a storage back end sees it: a live entry, or a tombstone holding its slot. */
export interface StoredSlot {
  id: number;
  /** Milliseconds since the epoch (engine clock). */
  time: number;
  /** Centroid similarity the entry had on arrival (NaN when the window was empty). */
  arrival: number;
  dead: boolean;
  text: string | undefined;
  tags: readonly string[] | undefined;
  metadata: Readonly<Record<string, unknown>> | undefined;
  /** The stored unit row; undefined for a tombstone. */
  row: Float32Array | undefined;
}

/** What a storage back end reports (memory_stats, doctor, daemon status). */
export interface StorageStatus {
  kind: string;
  /** on: writing; off: failed, serving from RAM only (see error); refused: never opened (see error). */
  state: 'on' | 'off' | 'refused';
  error: string | null;
  [detail: string]: unknown;
}

export interface NamespaceCounters {
  inserted: number;
  /** Live entries overwritten because the ring was full. */
  evicted: number;
  /** Live entries dropped because they outlived the TTL. */
  expired: number;
  /** Live entries cut by forgetOlderThan. */
  forgotten: number;
  /** Entries deleted by id. */
  deleted: number;
}

/** The inspector's timeline of a namespace (MemoryEngine.arrivals), oldest first. */
export interface ArrivalTimeline {
  ids: number[];
  times: number[];
  /** Centroid similarity of each entry on arrival; null when the window was empty then. */
  similarity: (number | null)[];
  /** The window's current baseline of arrival similarities. */
  baseline: { mean: number | null; std: number | null; count: number };
}

import type { RecallMode } from './engine/fusion.js';
import type {
  AnomalyReport,
  DriftReport,
  EntryInput,
  ForgetResult,
  InsertResult,
  LoopReport,
  MemoryEntry,
  SearchOptions,
  SearchResult,
} from './engine/index.js';

/** The types of Memory's operations (memory.ts), apart so the class reads as its operations. */

export interface RememberOptions {
  namespace: string;
  tags?: readonly string[];
  metadata?: Readonly<Record<string, unknown>>;
  /**
   * What to embed instead of each text (the text itself is stored). `ringmem watch` masks the
   * variable parts of log lines this way so lines of one template embed alike.
   */
  embedAs?: (text: string) => string;
  /** Tags and metadata per text, where texts differ (overrides `tags` / `metadata` for that text). */
  entries?: readonly Omit<EntryInput, 'text'>[];
  /** Score each text against the window before it joins (default true). */
  score?: boolean;
  signal?: AbortSignal;
  /** Called after each embedded chunk: (texts embedded so far, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface RememberResult extends InsertResult {
  /** True where a text was cut to the model's max tokens before embedding. */
  truncated: boolean[];
}

export interface RecallOptions extends Omit<SearchOptions, 'text'> {
  namespace: string;
  signal?: AbortSignal;
  /**
   * "hybrid" (default): meaning and words fused; "semantic": meaning only (cosine of the
   * vectors); "lexical": words only (BM25, no embedding at all).
   */
  mode?: RecallMode;
}

export interface RecallResult extends SearchResult {
  tookMs: number;
  queryTruncated: boolean;
}

export interface AnomalyResult extends AnomalyReport {
  namespace: string;
  nearestEntry: MemoryEntry | undefined;
  rememberedId: number | undefined;
  truncated: boolean;
}

export interface ForgetOlderThanOptions {
  /** Forget entries older than this many ms… */
  ageMs?: number;
  /** …or stored before this time (ms since the epoch): exactly one of the two. */
  before?: number;
  /** One namespace; all when omitted. */
  namespace?: string;
}

export interface ForgetOlderThanResult extends ForgetResult {
  /** The cut-off time the call applied (ms since the epoch): `before`, or now − `ageMs`. */
  cutoff: number;
}

/** A namespace's window at a glance; a namespace not created yet shows the defaults it would get. */
export interface WindowSummary {
  count: number;
  capacity: number;
  /** Null when entries never expire. */
  ttlMs: number | null;
  oldestAgeMs: number | null;
}

/** Topic drift and loops of a namespace; undefined where the namespace does not exist. */
export interface NamespaceHealth {
  drift: DriftReport | undefined;
  loops: LoopReport | undefined;
}

/** The newest entries' arrival story, oldest first (the inspector's timeline). */
export interface Timeline {
  ids: number[];
  times: number[];
  /** Centroid similarity on arrival; null when the window was empty then. */
  similarity: (number | null)[];
  /** How far below the window's current baseline each arrival was, in (floored) σ. */
  zScore: (number | null)[];
  /** The score of the entries that raised an alarm on arrival, null for the rest. */
  alarmScore: (number | null)[];
  baseline: { mean: number | null; std: number | null; count: number };
}

/** Where a fleet node's memory is shared (src/fleet); undefined for a memory of its own. */
export interface FleetStatus {
  redis: string;
  prefix: string;
  /** Namespaces the fleet holds streams for. */
  namespaces: number;
  catchingUp: boolean;
  /** When Redis became unreachable (ms since the epoch), or null while connected. */
  staleSince: number | null;
}

/** Whether the embedding model has loaded (it loads in the background; see runtime.ts). */
export type ModelStatus = { status: 'loading' | 'ready' | 'failed'; error: string | null };

export interface ModelInfo {
  id: string;
  dim: number;
  maxTokens: number;
}

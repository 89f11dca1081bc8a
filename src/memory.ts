import type { Embedder, EmbedKind } from './embed/types.js';
import type { RecallMode } from './engine/fusion.js';
import type {
  AnomalyReport,
  EntryInput,
  ForgetResult,
  InsertResult,
  MemoryEngine,
  MemoryEntry,
  NamespaceStats,
  Rerank,
  SearchOptions,
  SearchResult,
} from './engine/index.js';
import { RingmemError } from './errors.js';

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
  /** 1 where a text was cut to the model's max tokens before embedding. */
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

/** Texts embedded per chunk of a large remember: the unit of progress and cancellation. */
const CHUNK = 32;

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new RingmemError('INVALID_ARGUMENT', 'the request was cancelled; nothing was stored');
  }
}

/**
 * Text-level memory: an embedder in front of the engine. Every front end (MCP tools, the CLI,
 * the LangChain retriever) goes through this class, so the rules live in one place.
 */
export class Memory {
  constructor(
    readonly engine: MemoryEngine,
    readonly embedder: Embedder,
  ) {
    if (embedder.dim !== engine.dim) {
      throw new RingmemError(
        'DIMENSION_MISMATCH',
        `the embedder makes ${embedder.dim}-dimensional vectors but the engine holds ${engine.dim}`,
      );
    }
  }

  private async embedChunked(
    texts: readonly string[],
    kind: EmbedKind,
    signal: AbortSignal | undefined,
    onProgress: ((done: number, total: number) => void) | undefined,
  ): Promise<{ vectors: Float32Array; truncated: boolean[] }> {
    const dim = this.engine.dim;
    const vectors = new Float32Array(texts.length * dim);
    const truncated: boolean[] = [];
    for (let start = 0; start < texts.length; start += CHUNK) {
      checkAbort(signal);
      const part = texts.slice(start, start + CHUNK);
      const res = await this.embedder.embedWithInfo(part, kind);
      vectors.set(res.vectors, start * dim);
      for (let i = 0; i < part.length; i++) truncated.push(res.truncated[i] === 1);
      onProgress?.(Math.min(start + CHUNK, texts.length), texts.length);
    }
    return { vectors, truncated };
  }

  /**
   * Embeds and stores texts. Embedding happens first and the insert is one atomic engine call, so
   * a cancelled or failed request stores nothing.
   */
  async remember(texts: readonly string[], options: RememberOptions): Promise<RememberResult> {
    const { vectors, truncated } = await this.embedChunked(
      options.embedAs ? texts.map(options.embedAs) : texts,
      'passage',
      options.signal,
      options.onProgress,
    );
    checkAbort(options.signal);
    const entries = texts.map((text, i) => ({
      text,
      tags: options.entries?.[i]?.tags ?? options.tags,
      metadata: options.entries?.[i]?.metadata ?? options.metadata,
    }));
    const result = await this.engine.insertAsync(options.namespace, vectors, entries, {
      score: options.score ?? true,
    });
    return { ...result, truncated };
  }

  async recall(query: string, options: RecallOptions): Promise<RecallResult> {
    const started = performance.now();
    const mode = options.mode ?? 'hybrid';
    const search = { ...options, mode, text: query };
    if (mode === 'lexical') {
      // Words only: nothing to embed, and nothing is ever truncated.
      checkAbort(options.signal);
      const found = this.engine.search(options.namespace, undefined, search);
      return { ...found, tookMs: performance.now() - started, queryTruncated: false };
    }
    const res = await this.embedder.embedWithInfo([query], 'query');
    checkAbort(options.signal);
    const found = await this.engine.searchAsync(options.namespace, res.vectors, search);
    return {
      ...found,
      tookMs: performance.now() - started,
      queryTruncated: res.truncated[0] === 1,
    };
  }

  /** Stores vectors the caller made (normalised on the way in; nothing is embedded or scored). */
  rememberVectors(
    vectors: ArrayLike<number>,
    entries: readonly EntryInput[],
    options: { namespace: string },
  ): InsertResult {
    return this.engine.insert(options.namespace, vectors, entries);
  }

  /**
   * Search by a text (embedded as a query) or by a vector, optionally re-ranked in the engine
   * (MMR for diversity, time weighting for recency).
   */
  async search(
    query: string | ArrayLike<number>,
    options: RecallOptions & { rerank?: Rerank },
  ): Promise<SearchResult> {
    const vector =
      typeof query === 'string'
        ? (await this.embedder.embedWithInfo([query], 'query')).vectors
        : query;
    checkAbort(options.signal);
    const { rerank } = options;
    return rerank
      ? this.engine.searchReranked(options.namespace, vector, { ...options, rerank })
      : this.engine.searchAsync(options.namespace, vector, options);
  }

  /** Forgets every entry of a namespace the filters match; returns their ids. */
  forgetMatching(namespace: string, filter: Omit<SearchOptions, 'k' | 'minScore'>): number[] {
    return this.engine.forgetMatching(namespace, filter);
  }

  /** Scores a text against a namespace's window; optionally remembers it afterwards. */
  async anomaly(
    text: string,
    options: {
      namespace: string;
      remember?: boolean;
      tags?: readonly string[];
      metadata?: Readonly<Record<string, unknown>>;
    },
  ): Promise<AnomalyResult> {
    // Stored texts are passages; compare like with like.
    const res = await this.embedder.embedWithInfo([text], 'passage');
    let report: AnomalyReport;
    let rememberedId: number | undefined;
    if (options.remember) {
      const inserted = this.engine.insert(
        options.namespace,
        res.vectors,
        [{ text, tags: options.tags, metadata: options.metadata }],
        { score: true },
      );
      report = inserted.anomalies![0]!;
      rememberedId = inserted.ids[0];
    } else {
      report = this.engine.anomaly(options.namespace, res.vectors);
    }
    const nearestEntry = report.nearest
      ? this.engine.get(options.namespace, report.nearest.id)
      : undefined;
    return {
      ...report,
      namespace: options.namespace,
      nearestEntry,
      rememberedId,
      truncated: res.truncated[0] === 1,
    };
  }

  forgetOlderThan(options: { ageMs?: number; before?: number; namespace?: string }): ForgetResult {
    return this.engine.forgetOlderThan(options);
  }

  forget(ids: readonly number[], namespace?: string): { forgotten: number[]; notFound: number[] } {
    return this.engine.forget(ids, namespace);
  }

  /**
   * `forget` for callers that can wait: the same result here, and the path a back end that must
   * hear back from elsewhere before it answers (fleet mode, src/fleet) overrides.
   */
  async forgetAsync(
    ids: readonly number[],
    namespace?: string,
  ): Promise<{ forgotten: number[]; notFound: number[] }> {
    return this.forget(ids, namespace);
  }

  /** `forgetOlderThan` for callers that can wait (see forgetAsync). */
  async forgetOlderThanAsync(options: {
    ageMs?: number;
    before?: number;
    namespace?: string;
  }): Promise<ForgetResult> {
    return this.forgetOlderThan(options);
  }

  stats(namespace?: string): NamespaceStats[] {
    return this.engine.stats(namespace);
  }

  recent(namespace: string, limit: number): MemoryEntry[] {
    return this.engine.recent(namespace, limit);
  }

  /** Arrival times and centroid similarities of the newest entries (the inspector's timeline). */
  arrivals(namespace: string, limit: number): ReturnType<MemoryEngine['arrivals']> {
    return this.engine.arrivals(namespace, limit);
  }

  async close(): Promise<void> {
    await this.embedder.close();
  }
}

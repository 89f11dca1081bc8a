// Longer than most files on purpose: Memory is the one gate, so every operation a front end may
// ask for is a method here (most a line or two over the engine); its types are in memory-types.ts.
import type { Embedder, EmbedKind } from './embed/types.js';
import { centroidZScore } from './engine/anomaly-rule.js';
import type {
  AnomalyConfig,
  AnomalyEvent,
  AnomalyListener,
  AnomalyReport,
  EntryInput,
  ForgetResult,
  InsertResult,
  MemoryEngine,
  MemoryEntry,
  NamespaceOptions,
  NamespaceStats,
  Rerank,
  SearchOptions,
  SearchResult,
  TagFilter,
} from './engine/index.js';
import { assertDurationMs, assertTime } from './engine/validate.js';
import { RingmemError } from './errors.js';
import type {
  AnomalyResult,
  FleetStatus,
  ForgetOlderThanOptions,
  ForgetOlderThanResult,
  ModelInfo,
  NamespaceHealth,
  RecallOptions,
  RecallResult,
  RememberOptions,
  RememberResult,
  Timeline,
  WindowSummary,
} from './memory-types.js';

export type * from './memory-types.js';

/**
 * The tag filter of a front end's "tags" and "any"/"all" mode: none without tags, else
 * entries with at least one of them (`any`, the default) or all of them.
 */
export function tagFilter(
  tags: readonly string[] | undefined,
  mode: 'any' | 'all' | undefined,
): TagFilter | undefined {
  if (!tags || tags.length === 0) return undefined;
  return mode === 'all' ? { all: tags } : { any: tags };
}

/** Texts embedded per chunk of a large remember: the unit of progress and cancellation. */
const CHUNK = 32;

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new RingmemError('INVALID_ARGUMENT', 'the request was cancelled; nothing was stored');
  }
}

/**
 * Text-level memory: an embedder in front of the engine, and the one gate every front end (MCP
 * tools and resources, the CLI, the daemon, the LangChain adapters, library users) goes through:
 * the engine and the embedder are its own, so the rules live in one place. A back end that must
 * write elsewhere first (fleet mode, src/fleet) subclasses it and replaces the write paths only
 * (`write`, `cutBefore`, `forgetAsync`).
 */
export class Memory {
  constructor(
    protected readonly engine: MemoryEngine,
    protected readonly embedder: Embedder,
  ) {
    if (embedder.dim !== engine.dim) {
      throw new RingmemError(
        'DIMENSION_MISMATCH',
        `the embedder makes ${embedder.dim}-dimensional vectors but the engine holds ${engine.dim}`,
      );
    }
  }

  /** Resolves once the model is loaded; rejects with the load error (what is missing, how to fix it). */
  get ready(): Promise<void> {
    return this.embedder.ready;
  }

  /**
   * Starts loading the model now if the embedder defers it (servers answer the MCP handshake
   * first); a no-op otherwise. A failure surfaces through `ready` and on the next embed call.
   */
  loadModel(): void {
    void this.embedder.load?.();
  }

  get model(): ModelInfo {
    return {
      id: this.embedder.modelId,
      dim: this.embedder.dim,
      maxTokens: this.embedder.maxTokens,
    };
  }

  /** Vector dimension (the model's). */
  get dim(): number {
    return this.engine.dim;
  }

  /** Embeds texts with the memory's own model (unit rows, n × dim), storing nothing. */
  embed(texts: readonly string[], kind: EmbedKind): Promise<Float32Array> {
    return this.embedder.embed(texts, kind);
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
   * Stores embedded rows (scored against the window first when `score`): the one write path of
   * `remember` and `anomaly(…, { remember: true })`. One atomic engine call, so a failure stores
   * nothing. Fleet mode replaces it with an append to the fleet's stream.
   */
  protected write(
    namespace: string,
    vectors: Float32Array,
    entries: readonly EntryInput[],
    score: boolean,
  ): Promise<InsertResult> {
    return this.engine.insertAsync(namespace, vectors, entries, { score });
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
    const result = await this.write(options.namespace, vectors, entries, options.score ?? true);
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

  /** One live entry by id, or undefined (never stored, forgotten, expired or evicted). */
  get(namespace: string, id: number): MemoryEntry | undefined {
    return this.engine.get(namespace, id);
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
      const inserted = await this.write(
        options.namespace,
        res.vectors,
        [{ text, tags: options.tags, metadata: options.metadata }],
        true,
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

  /** The cut-off time of a forget-older-than request: `before`, or now − `ageMs`. */
  protected cutoffOf(options: ForgetOlderThanOptions): number {
    if ((options.ageMs === undefined) === (options.before === undefined)) {
      throw new RingmemError(
        'INVALID_ARGUMENT',
        'give exactly one of ageMs (a duration in ms) or before (a time in ms since the epoch)',
      );
    }
    if (options.ageMs !== undefined) {
      assertDurationMs(options.ageMs, 'ageMs');
      return this.engine.now() - options.ageMs;
    }
    assertTime(options.before, 'before');
    return options.before;
  }

  forgetOlderThan(options: ForgetOlderThanOptions): ForgetOlderThanResult {
    const cutoff = this.cutoffOf(options);
    return {
      ...this.engine.forgetOlderThan({ before: cutoff, namespace: options.namespace }),
      cutoff,
    };
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

  /**
   * Forgets the given ids, all or nothing: when any of them is not a live entry (in `namespace`,
   * or anywhere), nothing is deleted and the error names them. Repeated ids count once.
   */
  async forgetExactly(ids: readonly number[], namespace?: string): Promise<number[]> {
    const unique = [...new Set(ids)];
    const missing = this.engine.missing(unique, namespace);
    if (missing.length > 0) {
      throw new RingmemError(
        'INVALID_ARGUMENT',
        `no live memory with id ${missing.join(', ')}${namespace ? ` in "${namespace}"` : ''} (never stored, already forgotten, expired or evicted); nothing was deleted. Use ids returned by remember or recall.`,
      );
    }
    return (await this.forgetAsync(unique, namespace)).forgotten;
  }

  /**
   * Cuts entries stored before `before` (one namespace, or all): the write path of
   * `forgetOlderThanAsync`, which fleet mode replaces with a cut of the fleet's streams.
   */
  protected async cutBefore(before: number, namespace: string | undefined): Promise<ForgetResult> {
    return this.engine.forgetOlderThan({ before, namespace });
  }

  /** `forgetOlderThan` for callers that can wait (see forgetAsync). */
  async forgetOlderThanAsync(options: ForgetOlderThanOptions): Promise<ForgetOlderThanResult> {
    const cutoff = this.cutoffOf(options);
    return { ...(await this.cutBefore(cutoff, options.namespace)), cutoff };
  }

  /**
   * Creates a namespace (or changes its TTL) ahead of the first write, so a bad name or a full
   * server is reported before any work is done. Capacity is fixed at creation.
   */
  configureNamespace(namespace: string, options: NamespaceOptions = {}): void {
    this.engine.configureNamespace(namespace, options);
  }

  namespaces(): string[] {
    return this.engine.namespaces();
  }

  stats(namespace?: string): NamespaceStats[] {
    return this.engine.stats(namespace);
  }

  /** Count, capacity, TTL and oldest age of a namespace (the defaults when it does not exist yet). */
  window(namespace: string): WindowSummary {
    const s = this.engine.stats(namespace)[0];
    if (s) {
      return { count: s.count, capacity: s.capacity, ttlMs: s.ttlMs, oldestAgeMs: s.oldestAgeMs };
    }
    const { capacity, ttlMs } = this.engine.defaults;
    return {
      count: 0,
      capacity,
      ttlMs: Number.isFinite(ttlMs) ? ttlMs : null,
      oldestAgeMs: null,
    };
  }

  /** Topic drift of the newest entries from the rest, and loops (recent near-duplicates). */
  health(namespace: string): NamespaceHealth {
    return { drift: this.engine.drift(namespace), loops: this.engine.loops(namespace) };
  }

  /** Bytes held by every namespace together. */
  totalBytes(): number {
    return this.engine.totalBytes();
  }

  /** Durable memory's state (src/persist), or undefined for RAM only. */
  storageStatus(): ReturnType<MemoryEngine['storageStatus']> {
    return this.engine.storageStatus();
  }

  /** The fleet this memory is shared with (src/fleet), or undefined. */
  fleet(): FleetStatus | undefined {
    return undefined;
  }

  recent(namespace: string, limit: number): MemoryEntry[] {
    return this.engine.recent(namespace, limit);
  }

  /** Arrival times and centroid similarities of the newest entries (the inspector's timeline). */
  arrivals(namespace: string, limit: number): ReturnType<MemoryEngine['arrivals']> {
    return this.engine.arrivals(namespace, limit);
  }

  /**
   * The arrivals of the newest `limit` entries with each one's z-score against the window's
   * current baseline (the drift view) and the alarms raised on arrival — the anomaly rule's own
   * verdict (engine/anomaly-scorer.ts), not a threshold on z.
   */
  timeline(namespace: string, limit: number): Timeline {
    const a = this.engine.arrivals(namespace, limit);
    const alarms = new Map(
      this.engine.latestAnomalies(namespace, limit).map((e) => [e.id, e.report.score] as const),
    );
    const { mean, std } = a.baseline;
    return {
      ...a,
      zScore: a.similarity.map((sim) =>
        sim === null || mean === null
          ? null
          : centroidZScore(mean, sim, std ?? 0, this.engine.anomalyConfig),
      ),
      alarmScore: a.ids.map((id) => alarms.get(id) ?? null),
    };
  }

  /** The latest alarms of a namespace whose entries are still live, newest first. */
  latestAnomalies(namespace: string, limit: number): AnomalyEvent[] {
    return this.engine.latestAnomalies(namespace, limit);
  }

  /** Calls `listener` for every new alarm in any namespace; returns the unsubscribe function. */
  onAnomaly(listener: AnomalyListener): () => void {
    return this.engine.anomalyFeed.subscribe(listener);
  }

  /** The anomaly rule's settings (read-only). */
  get anomalyConfig(): Readonly<AnomalyConfig> {
    return this.engine.anomalyConfig;
  }

  /**
   * Arrivals a namespace needs before its verdicts count: a window of `minWindow` entries, then
   * at least 1/α scored arrivals to calibrate against.
   */
  anomalyWarmUp(): number {
    const { minWindow, alpha } = this.engine.anomalyConfig;
    return minWindow + Math.max(minWindow, Math.ceil(1 / alpha));
  }

  async close(): Promise<void> {
    await this.embedder.close();
  }
}

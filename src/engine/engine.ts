import { RingmemError } from '../errors.js';
import { MAX_TOP_K, type ScanKernel } from '../kernel/types.js';
import { type AnomalyConfig, type AnomalyReport, DEFAULT_ANOMALY_CONFIG } from './anomaly.js';
import type { AnomalyEvent, AnomalyFeed } from './anomaly-feed.js';
import { AnomalyScorer, type ScoredItem } from './anomaly-scorer.js';
import { AnomalyState } from './anomaly-state.js';
import {
  type BatchNeighbourRequest,
  type BatchNeighbours,
  batchNeighbours,
  batchNeighboursAsync,
} from './batch-neighbours.js';
import { type Clock, MonotonicClock, systemClock } from './clock.js';
import type { DriftOptions, DriftReport } from './drift.js';
import { type MetadataFilter, withMetadataFilter } from './entry-filter.js';
import type { FusionConfig, RecallMode } from './fusion.js';
import { rankTextModes, semanticPoolSize } from './hybrid-search.js';
import { type AnalyzedText, analyzeText, type Bm25Params, DEFAULT_BM25 } from './lexical-index.js';
import { DEFAULT_LOOP_ENTRIES, detectLoops, type LoopReport } from './loops.js';
import { Namespace } from './namespace.js';
import { type Rerank, selectMmr, selectTimeWeighted } from './rerank.js';
import { Ring } from './ring.js';
import type {
  EntryInput,
  ForgetOlderThanOptions,
  ForgetResult,
  Hit,
  InsertOptions,
  InsertResult,
  MemoryEntry,
  NamespaceCounters,
  NamespaceOptions,
  NamespaceStats,
  SearchOptions,
  SearchResult,
  StorageStatus,
  StoredSlot,
  TagFilter,
} from './types.js';
import {
  assertDurationMs,
  assertK,
  assertNamespace,
  assertPositiveInt,
  assertTime,
  assertTtlMs,
  carefulRowScale,
  normalizeRowsInto,
} from './validate.js';

// The public types live in types.ts; importing them from here keeps working.
export type {
  EntryInput,
  ForgetOlderThanOptions,
  ForgetResult,
  Hit,
  InsertOptions,
  InsertResult,
  MemoryEntry,
  NamespaceCounters,
  NamespaceOptions,
  NamespaceStats,
  SearchOptions,
  SearchResult,
  StorageStatus,
  StoredSlot,
  TagFilter,
} from './types.js';

export interface EngineConfig {
  /** Vector dimension (the embedder's). */
  dim: number;
  /** Default ring capacity of a namespace created on first write. */
  capacity?: number;
  /** Default max age in ms of a namespace created on first write (Infinity = no TTL). */
  ttlMs?: number;
  maxNamespaces?: number;
  /** Cap on the bytes all namespaces may hold (slabs, parallel arrays and payload estimates). */
  maxBytes?: number;
  clock?: Clock;
  kernel: ScanKernel;
  anomaly?: Partial<AnomalyConfig>;
  /** Exact centroid re-sum after this many updates per namespace (drift guard). */
  resumEvery?: number;
  /** BM25 constants of the lexical index (default k1 1.2, b 0.5; see lexical-index.ts). */
  bm25?: Partial<Bm25Params>;
}

export const ENGINE_DEFAULTS = {
  capacity: 10_000,
  ttlMs: Number.POSITIVE_INFINITY,
  maxNamespaces: 1_000,
  maxBytes: 2 * 1024 ** 3,
  resumEvery: 1 << 20,
  maxCapacity: 10_000_000,
} as const;

export interface ScanPlan {
  ns: Namespace;
  /** Logical ring positions [from, to) of the time window (segments are their slot ranges). */
  from: number;
  to: number;
  segments: Uint32Array;
  mask: Uint8Array | undefined;
  searched: number;
  version: number;
}

const EMPTY_SEGMENTS = new Uint32Array(0);
/** Most candidates a time-weighted search scores (the kernel's largest k). */
const MAX_CANDIDATES = MAX_TOP_K;

/** A scored batch's neighbours found ahead of the insert, and the state they were found in. */
interface ScannedBatch {
  ns: Namespace;
  version: number;
  firstId: number;
  units: Float32Array;
  found: BatchNeighbours;
}

/**
 * The memory engine: namespaces of time-ordered rings of unit vectors, with search, forgetting,
 * anomaly scoring and statistics. It owns state and time; it never sees text embeddings being
 * made (the caller brings vectors) and never computes a dot product over the window itself (the
 * scan kernel does).
 */
export class MemoryEngine {
  readonly dim: number;
  readonly defaults: { capacity: number; ttlMs: number };
  readonly maxNamespaces: number;
  readonly maxBytes: number;
  readonly anomalyConfig: AnomalyConfig;
  readonly kernel: ScanKernel;
  private readonly clock: MonotonicClock;
  private readonly resumEvery: number;
  private readonly bm25: Bm25Params;
  private readonly spaces = new Map<string, Namespace>();
  private nextId = 1;
  private zeroRow: Float32Array | undefined;
  /** Tombstones restoreSlot placed per namespace (finishRestore tells them from real deletes). */
  private readonly restoredDead = new Map<Namespace, number>();
  private readonly scorer: AnomalyScorer;

  constructor(config: EngineConfig) {
    assertPositiveInt(config.dim, 'dim', 65_536);
    this.dim = config.dim;
    const capacity = config.capacity ?? ENGINE_DEFAULTS.capacity;
    assertPositiveInt(capacity, 'capacity', ENGINE_DEFAULTS.maxCapacity);
    const ttlMs = config.ttlMs ?? ENGINE_DEFAULTS.ttlMs;
    assertTtlMs(ttlMs);
    this.defaults = { capacity, ttlMs };
    this.maxNamespaces = config.maxNamespaces ?? ENGINE_DEFAULTS.maxNamespaces;
    assertPositiveInt(this.maxNamespaces, 'maxNamespaces', 1_000_000);
    this.maxBytes = config.maxBytes ?? ENGINE_DEFAULTS.maxBytes;
    if (!(this.maxBytes > 0)) {
      throw new RingmemError('INVALID_ARGUMENT', `maxBytes must be > 0, got ${this.maxBytes}`);
    }
    this.clock = new MonotonicClock(config.clock ?? systemClock);
    this.kernel = config.kernel;
    this.anomalyConfig = { ...DEFAULT_ANOMALY_CONFIG, ...config.anomaly };
    this.scorer = new AnomalyScorer(this.anomalyConfig);
    this.resumEvery = config.resumEvery ?? ENGINE_DEFAULTS.resumEvery;
    this.bm25 = { ...DEFAULT_BM25, ...config.bm25 };
    if (!(this.bm25.k1 >= 0 && this.bm25.b >= 0 && this.bm25.b <= 1)) {
      throw new RingmemError(
        'INVALID_ARGUMENT',
        `bm25 needs k1 ≥ 0 and b from 0 to 1, got k1 ${this.bm25.k1}, b ${this.bm25.b}`,
      );
    }
  }

  /** The engine's current time (clamped monotonic). */
  now(): number {
    return this.clock.now();
  }

  namespaces(): string[] {
    return [...this.spaces.keys()];
  }

  /** Creates a namespace with its own capacity and TTL, or changes the TTL of an existing one. */
  configureNamespace(name: string, options: NamespaceOptions): void {
    assertNamespace(name);
    const existing = this.spaces.get(name);
    if (options.ttlMs !== undefined) assertTtlMs(options.ttlMs);
    if (existing) {
      if (options.capacity !== undefined && options.capacity !== existing.ring.capacity) {
        throw new RingmemError(
          'INVALID_ARGUMENT',
          `namespace "${name}" already exists with capacity ${existing.ring.capacity}; capacity is fixed at creation`,
        );
      }
      if (options.ttlMs !== undefined) existing.ttlMs = options.ttlMs;
      return;
    }
    this.create(
      name,
      options.capacity ?? this.defaults.capacity,
      options.ttlMs ?? this.defaults.ttlMs,
    );
  }

  private create(name: string, capacity: number, ttlMs: number): Namespace {
    assertPositiveInt(capacity, 'capacity', ENGINE_DEFAULTS.maxCapacity);
    if (this.spaces.size >= this.maxNamespaces) {
      throw new RingmemError(
        'NAMESPACE_LIMIT',
        `cannot create namespace "${name}": the server holds its maximum of ${this.maxNamespaces} namespaces; reuse one, forget one, or raise the namespace limit`,
      );
    }
    const ns = new Namespace(name, this.dim, capacity, ttlMs, this.kernel.ingestRow, this.bm25);
    ns.anomalyState = new AnomalyState(this.anomalyConfig, this.dim);
    if (this.totalBytes() + ns.bytes > this.maxBytes) {
      throw this.memoryLimitError(name, ns.bytes);
    }
    this.spaces.set(name, ns);
    return ns;
  }

  private memoryLimitError(name: string, needed: number): RingmemError {
    const mb = (b: number) => `${(b / 1024 ** 2).toFixed(1)} MB`;
    return new RingmemError(
      'MEMORY_LIMIT',
      `namespace "${name}" needs ${mb(needed)} more but the engine holds ${mb(this.totalBytes())} of its ${mb(this.maxBytes)} memory cap: forget old entries (forget_older_than), use fewer namespaces or a smaller capacity, or raise the memory cap`,
    );
  }

  totalBytes(): number {
    let bytes = 0;
    for (const ns of this.spaces.values()) bytes += ns.bytes;
    return bytes;
  }

  /**
   * Stores `vectors` (rows of `dim` values; validated, then normalised on the way in) with their
   * payloads. All rows are validated before anything changes: a bad row rejects the whole call.
   */
  insert(
    namespace: string,
    vectors: ArrayLike<number>,
    entries?: readonly EntryInput[],
    options: InsertOptions = {},
  ): InsertResult {
    const result = this.insertWith(namespace, vectors, entries, options, undefined);
    this.inserted(result);
    return result;
  }

  /**
   * Called once after every insert that stored its rows, by `insert` and `insertAsync` alike: a
   * storage back end (src/persist) observes inserts here, whichever path made them.
   */
  protected inserted(_result: InsertResult): void {}

  /**
   * `insert`, with a scored batch's scan against the window run off the main thread (one pool
   * thread per core for large windows). The insert itself stays one synchronous step: if the
   * namespace changed while the scan ran (rows may have been read torn), the scan is redone
   * synchronously on the new state, so the result is always exactly `insert`'s, made at the
   * moment the promise settles (after any writes made while it was pending).
   */
  async insertAsync(
    namespace: string,
    vectors: ArrayLike<number>,
    entries?: readonly EntryInput[],
    options: InsertOptions = {},
  ): Promise<InsertResult> {
    assertNamespace(namespace);
    const ns = this.spaces.get(namespace);
    if (!options.score || !ns) {
      // Always stored when the promise settles (after writes made meanwhile), as on the scan path.
      await Promise.resolve();
      return this.insert(namespace, vectors, entries, options);
    }
    const units = unitRows(
      vectors,
      rowScales(vectors, this.dim, this.kernel.rowSumSquares),
      this.dim,
    );
    ns.expire(this.clock.now());
    const plan = { ns, version: ns.ring.version, firstId: this.nextId, units };
    const found = await batchNeighboursAsync(this.neighbourRequest(ns, units, true));
    const result = this.insertWith(namespace, vectors, entries, options, { ...plan, found });
    this.inserted(result);
    return result;
  }

  private insertWith(
    namespace: string,
    vectors: ArrayLike<number>,
    entries: readonly EntryInput[] | undefined,
    options: InsertOptions,
    scanned: ScannedBatch | undefined,
  ): InsertResult {
    assertNamespace(namespace);
    const dim = this.dim;
    const scales = rowScales(vectors, dim, this.kernel.rowSumSquares);
    const n = scales.length;
    if (entries !== undefined && entries.length !== n) {
      throw new RingmemError(
        'INVALID_ARGUMENT',
        `got ${n} vectors but ${entries.length} entries: give one entry per vector`,
      );
    }
    const extras = new Uint32Array(n);
    // Texts are analysed for the lexical index up front, so their index cost counts in the cap.
    const docs: AnalyzedText[] | undefined = entries?.map((e) => analyzeText(e.text));
    for (let i = 0; i < n; i++) {
      extras[i] = entries ? payloadBytes(entries[i] as EntryInput) + docs![i]!.bytes : 0;
    }

    const now = this.clock.now();
    let ns = this.spaces.get(namespace);
    const expired = ns ? ns.expire(now) : 0;
    if (!ns) ns = this.create(namespace, this.defaults.capacity, this.defaults.ttlMs);
    this.assertRoomFor(ns, n, extras);

    const ids: number[] = new Array(n);
    const anomalies: AnomalyReport[] | undefined = options.score ? [] : undefined;
    let evicted = 0;
    const ingestRows = this.kernel.ingestRows;
    if (!anomalies && ingestRows && vectors instanceof Float32Array && n <= ns.ring.capacity) {
      // Unscored raw inserts: one native call does the vector work of the whole batch.
      const firstId = this.nextId;
      this.nextId += n;
      evicted = ns.appendBatch(ingestRows, vectors, scales, firstId, now, entries, extras, docs);
      for (let r = 0; r < n; r++) ids[r] = firstId + r;
      ns.resumIfDue(this.resumEvery);
      ns.anomalyState?.drift.afterInsert(ns, n, now);
      return { namespace, ids, evicted, expired, anomalies, windowSize: ns.liveCount };
    }
    // Scored: every row's neighbours in the window as it will be when the row arrives, for the
    // whole batch in one pass, before anything changes (see batch-neighbours.ts).
    // A scan done ahead (insertAsync) counts only if nothing it read has changed since.
    const fresh =
      scanned !== undefined &&
      scanned.ns === ns &&
      scanned.version === ns.ring.version &&
      scanned.firstId === this.nextId;
    const units = anomalies ? (fresh ? scanned.units : unitRows(vectors, scales, dim)) : undefined;
    const neighbours = units
      ? fresh
        ? scanned.found
        : this.neighbours(ns, units, true)
      : undefined;
    for (let r = 0; r < n; r++) {
      const offset = r * dim;
      const scale = scales[r] as number;
      let scored: ScoredItem | undefined;
      const unit = units?.subarray(offset, offset + dim);
      if (anomalies) {
        // Scored against the window as it is just before this row joins: after the eviction its
        // arrival causes, so evict first (unfused) and score.
        if (ns.evictIfFull()) evicted++;
        scored = this.scorer.score(ns, unit!, now, true, neighbours, r);
        anomalies.push(scored.report);
      }
      const id = this.nextId++;
      const replaced = ns.append(
        vectors,
        offset,
        scale,
        id,
        now,
        entries?.[r],
        extras[r] as number,
        docs?.[r],
      );
      if (replaced) evicted++;
      ids[r] = id;
      if (scored) this.scorer.commit(ns, id, unit!, scored, now, entries?.[r]?.text);
    }
    ns.resumIfDue(this.resumEvery);
    ns.anomalyState?.drift.afterInsert(ns, n, now);
    return { namespace, ids, evicted, expired, anomalies, windowSize: ns.liveCount };
  }

  private assertRoomFor(ns: Namespace, n: number, extras: Uint32Array): void {
    const ring = ns.ring;
    const growth = Ring.bytesForRows(ring.rowsAfterReserve(ring.size + n) - ring.rows, ring.dim);
    let added = 0;
    for (let i = 0; i < extras.length; i++) added += extras[i] as number;
    const evictions = Math.max(0, ring.size + n - ring.capacity);
    const freed = ns.oldestPayloadBytes(evictions);
    const needed = growth + added - freed;
    if (needed > 0 && this.totalBytes() + needed > this.maxBytes) {
      throw this.memoryLimitError(ns.name, needed);
    }
  }

  /** Anomaly report of a vector against a namespace's current window (nothing is stored). */
  anomaly(namespace: string, vector: ArrayLike<number>): AnomalyReport {
    assertNamespace(namespace);
    const q = this.normalizeQuery(vector);
    // Every call reads the clock, even for a namespace that does not exist yet: the monotonic
    // clamp must see every moment the caller has observed (test/engine-model.test.ts).
    const now = this.clock.now();
    const ns = this.spaces.get(namespace);
    if (!ns) return this.scorer.score(undefined, q, now, false).report;
    ns.expire(now);
    return this.scorer.score(ns, q, now, false, this.neighbours(ns, q, false), 0).report;
  }

  /**
   * Neighbours of new rows in a namespace's window, as many as the anomaly rule reads: one path
   * for a probe, one row or a batch (batch-neighbours.ts).
   */
  private neighbours(ns: Namespace, units: Float32Array, joins: boolean): BatchNeighbours {
    return batchNeighbours(this.neighbourRequest(ns, units, joins));
  }

  private neighbourRequest(
    ns: Namespace,
    units: Float32Array,
    joins: boolean,
  ): BatchNeighbourRequest {
    return {
      kernel: this.kernel,
      ring: ns.ring,
      // A copy for a scan that may run while tombstones change (insertAsync re-checks anyway).
      skipMask: ns.deadCount > 0 ? ns.ring.dead.slice() : undefined,
      units,
      firstId: this.nextId,
      k: this.anomalyConfig.k,
      joins,
    };
  }

  /** Topic drift of a namespace's recent entries from the rest of its window (drift.ts). */
  drift(namespace: string, options: DriftOptions = {}): DriftReport | undefined {
    const ns = this.live(namespace);
    if (!ns) return undefined;
    if (options.entries !== undefined)
      assertPositiveInt(options.entries, 'entries', ENGINE_DEFAULTS.maxCapacity);
    if (options.withinMs !== undefined) assertDurationMs(options.withinMs, 'withinMs');
    return ns.anomalyState?.drift.report(ns, options, this.clock.now());
  }

  /** Near-duplicate repetition among a namespace's newest entries (loops.ts). */
  loops(namespace: string, entries = DEFAULT_LOOP_ENTRIES): LoopReport | undefined {
    const ns = this.live(namespace);
    if (!ns) return undefined;
    assertPositiveInt(entries, 'entries', 10_000);
    return detectLoops(ns, entries, this.anomalyConfig.denseThreshold);
  }

  private live(namespace: string): Namespace | undefined {
    assertNamespace(namespace);
    const now = this.clock.now();
    const ns = this.spaces.get(namespace);
    ns?.expire(now);
    return ns;
  }

  /** The latest alarms of a namespace whose entries are still live, newest first. */
  latestAnomalies(namespace: string, limit: number): AnomalyEvent[] {
    const ns = this.live(namespace);
    if (!ns) return [];
    return this.scorer.feed.latest(namespace, limit, (id) => ns.liveSlot(id) >= 0);
  }

  /** Alarms as they are raised (subscribe), and the latest ones per namespace. */
  get anomalyFeed(): AnomalyFeed {
    return this.scorer.feed;
  }

  private normalizeQuery(vector: ArrayLike<number>): Float32Array {
    if (vector.length !== this.dim) {
      throw new RingmemError(
        'DIMENSION_MISMATCH',
        `query has ${vector.length} values but the engine's dimension is ${this.dim}`,
      );
    }
    const q = new Float32Array(this.dim);
    normalizeRowsInto(vector, this.dim, q);
    return q;
  }

  /**
   * Top-k over one namespace, filtered by time and tags before ranking: semantic (the vector
   * scan), lexical (BM25 over `options.text`) or hybrid (both, fused; see fusion.ts). `query` may
   * be omitted in lexical mode.
   */
  search(
    namespace: string,
    query: ArrayLike<number> | undefined,
    options: SearchOptions,
  ): SearchResult {
    const { q, k, plan } = this.prepareSearch(namespace, query, options);
    if (!plan) return { namespace, hits: [], searched: 0, windowSize: 0 };
    const mode = searchMode(options);
    if (mode !== 'semantic') {
      const pool = semanticPoolSize(mode, k, options.fusion);
      const idx = new Int32Array(pool);
      const scores = new Float32Array(pool);
      const found =
        pool === 0
          ? 0
          : this.kernel.topK(
              plan.ns.ring.slab,
              this.dim,
              plan.segments,
              q!,
              pool,
              idx,
              scores,
              plan.mask,
            );
      return this.collectRanked(plan, rankTextModes(plan, q, mode, k, options, idx, scores, found));
    }
    const outIdx = new Int32Array(k);
    const outScores = new Float32Array(k);
    const found = this.kernel.topK(
      plan.ns.ring.slab,
      this.dim,
      plan.segments,
      q!,
      k,
      outIdx,
      outScores,
      plan.mask,
    );
    return this.collect(plan, outIdx, outScores, found, options.minScore);
  }

  /**
   * Like `search`, but a large scan runs off the main thread. If the namespace changed while the
   * scan ran (rows may have been read torn), the search is redone synchronously on the new state.
   */
  async searchAsync(
    namespace: string,
    query: ArrayLike<number> | undefined,
    options: SearchOptions,
  ): Promise<SearchResult> {
    const { q, k, plan } = this.prepareSearch(namespace, query, options);
    if (!plan) return { namespace, hits: [], searched: 0, windowSize: 0 };
    const mode = searchMode(options);
    // Lexical mode scans no vectors: nothing to take off the main thread.
    if (mode === 'lexical') return this.search(namespace, q, options);
    const n = mode === 'hybrid' ? semanticPoolSize(mode, k, options.fusion) : k;
    // The plan's scratch mask would be reused by the next query while this one is in flight.
    const mask = plan.mask === plan.ns.ring.filterMask ? plan.mask.slice() : plan.mask;
    const outIdx = new Int32Array(n);
    const outScores = new Float32Array(n);
    const ring = plan.ns.ring;
    const found = await this.kernel.topKAsync(
      ring.slab,
      this.dim,
      plan.segments,
      q!,
      n,
      outIdx,
      outScores,
      mask,
    );
    if (ring.version !== plan.version || this.spaces.get(namespace) !== plan.ns) {
      return this.search(namespace, q, options);
    }
    if (mode === 'hybrid') {
      // The plan's mask is the scratch one again (or the tombstones) for the lexical side.
      const sync = mask === plan.mask ? plan : { ...plan, mask };
      return this.collectRanked(
        sync,
        rankTextModes(sync, q, mode, k, options, outIdx, outScores, found),
      );
    }
    return this.collect(plan, outIdx, outScores, found, options.minScore);
  }

  private prepareSearch(
    namespace: string,
    query: ArrayLike<number> | undefined,
    options: SearchOptions,
  ): { q: Float32Array | undefined; k: number; plan: ScanPlan | undefined } {
    assertNamespace(namespace);
    assertK(options.k);
    const mode = searchMode(options);
    if (mode !== 'semantic' && (typeof options.text !== 'string' || options.text.length === 0)) {
      throw new RingmemError(
        'INVALID_ARGUMENT',
        `${mode} recall needs the query text (options.text); give it, or use mode "semantic"`,
      );
    }
    if (query === undefined && mode !== 'lexical') {
      throw new RingmemError(
        'INVALID_ARGUMENT',
        `${mode} recall needs a query vector; only mode "lexical" works from text alone`,
      );
    }
    const q = query === undefined ? undefined : this.normalizeQuery(query);
    if (options.minScore !== undefined && !Number.isFinite(options.minScore)) {
      throw new RingmemError(
        'INVALID_ARGUMENT',
        `minScore must be a finite number, got ${options.minScore}`,
      );
    }
    const now = this.clock.now();
    const ns = this.spaces.get(namespace);
    if (!ns) return { q, k: options.k, plan: undefined };
    ns.expire(now);
    let since = Number.NEGATIVE_INFINITY;
    let until = Number.POSITIVE_INFINITY;
    if (options.since !== undefined) {
      assertTime(options.since, 'since');
      since = options.since;
    }
    if (options.withinMs !== undefined) {
      assertDurationMs(options.withinMs, 'withinMs');
      since = Math.max(since, now - options.withinMs);
    }
    if (options.until !== undefined) {
      assertTime(options.until, 'until');
      until = options.until;
    }
    const ring = ns.ring;
    const from = ring.lowerBoundTime(since);
    const to = ring.upperBoundTime(until);
    const segments = new Uint32Array(4);
    const nseg = ring.segments(from, to, segments);
    const segs = nseg === 0 ? EMPTY_SEGMENTS : segments.subarray(0, nseg * 2);
    const tagFilter = withMetadataFilter(compileTagFilter(options.tags), options.metadata);
    let mask: Uint8Array | undefined;
    let searched = 0;
    if (tagFilter) {
      mask = ring.filterMask;
      forEachSlot(segs, (slot) => {
        const keep = ring.dead[slot] === 0 && tagFilter(ring.tags[slot], ring.metadata[slot]);
        mask![slot] = keep ? 0 : 1;
        if (keep) searched++;
      });
    } else {
      const rows = segmentRows(segs);
      if (ns.deadCount > 0) {
        mask = ring.dead;
        let dead = 0;
        forEachSlot(segs, (slot) => {
          dead += ring.dead[slot] as number;
        });
        searched = rows - dead;
      } else {
        searched = rows;
      }
    }
    return {
      q,
      k: options.k,
      plan: { ns, from, to, segments: segs, mask, searched, version: ring.version },
    };
  }

  /**
   * Search, then re-rank the relevance-ordered candidates where the rows are (rerank.ts): MMR
   * over `fetchK` candidates, or time weighting over every candidate the filters leave (up to the
   * kernel's largest k). Hits carry their relevance score (MMR) or the blended score (time);
   * the order is the re-ranked one.
   */
  searchReranked(
    namespace: string,
    query: ArrayLike<number>,
    options: SearchOptions & { rerank: Rerank },
  ): SearchResult {
    const { rerank } = options;
    if (rerank.kind === 'mmr') {
      assertK(rerank.fetchK);
      if (!(rerank.lambda >= 0 && rerank.lambda <= 1)) {
        throw new RingmemError(
          'INVALID_ARGUMENT',
          `lambda must be from 0 to 1, got ${rerank.lambda}`,
        );
      }
    } else if (!(rerank.decayRate >= 0 && rerank.decayRate <= 1)) {
      throw new RingmemError(
        'INVALID_ARGUMENT',
        `decayRate must be from 0 to 1, got ${rerank.decayRate}`,
      );
    }
    // Re-ranking works on vectors: the plan is a semantic one whatever mode the options name.
    const { q, k, plan } = this.prepareSearch(namespace, query, { ...options, mode: 'semantic' });
    if (!plan || !q) return { namespace, hits: [], searched: 0, windowSize: 0 };
    const fetch = Math.max(
      k,
      rerank.kind === 'mmr' ? rerank.fetchK : Math.min(plan.searched, MAX_CANDIDATES),
    );
    const idx = new Int32Array(fetch);
    const rel = new Float32Array(fetch);
    const ring = plan.ns.ring;
    const found = this.kernel.topK(
      ring.slab,
      this.dim,
      plan.segments,
      q,
      fetch,
      idx,
      rel,
      plan.mask,
    );
    const pos = new Int32Array(k);
    const combined = rerank.kind === 'time' ? new Float64Array(k) : undefined;
    let n: number;
    if (rerank.kind === 'mmr') {
      n = selectMmr(ring.slab, this.dim, idx, rel, found, k, rerank.lambda, pos);
    } else {
      n = selectTimeWeighted(
        ring.times,
        idx,
        rel,
        found,
        k,
        this.clock.now(),
        rerank.decayRate,
        pos,
        combined as Float64Array,
      );
    }
    const outIdx = new Int32Array(n);
    const outScores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      outIdx[i] = idx[pos[i] as number] as number;
      outScores[i] = combined ? (combined[i] as number) : (rel[pos[i] as number] as number);
    }
    // The re-ranked order is not sorted by score, so minScore filters instead of cutting.
    const result = this.collect(plan, outIdx, outScores, n, undefined);
    if (options.minScore !== undefined) {
      const min = options.minScore;
      result.hits = result.hits.filter((h) => h.score >= min);
    }
    return result;
  }

  private collect(
    plan: ScanPlan,
    outIdx: Int32Array,
    outScores: Float32Array,
    found: number,
    minScore: number | undefined,
  ): SearchResult {
    const now = this.clock.now();
    const hits: Hit[] = [];
    for (let i = 0; i < found; i++) {
      const score = outScores[i] as number;
      if (minScore !== undefined && score < minScore) break;
      const slot = outIdx[i] as number;
      hits.push({
        ...this.entryAt(plan.ns, slot, now),
        score,
        semanticScore: score,
        lexicalScore: null,
      });
    }
    return {
      namespace: plan.ns.name,
      hits,
      searched: plan.searched,
      windowSize: plan.ns.liveCount,
    };
  }

  /** Hits of a lexical or hybrid ranking (already ordered, cut to k and to min_score). */
  private collectRanked(
    plan: ScanPlan,
    ranked: { slot: number; score: number; semantic: number | null; lexical: number | null }[],
  ): SearchResult {
    const now = this.clock.now();
    return {
      namespace: plan.ns.name,
      hits: ranked.map((r) => ({
        ...this.entryAt(plan.ns, r.slot, now),
        score: r.score,
        semanticScore: r.semantic,
        lexicalScore: r.lexical,
      })),
      searched: plan.searched,
      windowSize: plan.ns.liveCount,
    };
  }

  private entryAt(ns: Namespace, slot: number, now: number): MemoryEntry {
    const ring = ns.ring;
    const timestamp = ring.times[slot] as number;
    return {
      id: ring.ids[slot] as number,
      namespace: ns.name,
      text: ring.texts[slot],
      tags: ring.tags[slot] ?? [],
      metadata: ring.metadata[slot],
      timestamp,
      ageMs: now - timestamp,
    };
  }

  /** A live entry by id, or undefined. */
  get(namespace: string, id: number): MemoryEntry | undefined {
    assertNamespace(namespace);
    const now = this.clock.now();
    const ns = this.spaces.get(namespace);
    if (!ns) return undefined;
    ns.expire(now);
    const slot = ns.liveSlot(id);
    if (slot < 0) return undefined;
    return this.entryAt(ns, slot, now);
  }

  /** The newest live entries of a namespace, newest first. */
  recent(namespace: string, limit: number): MemoryEntry[] {
    assertNamespace(namespace);
    assertPositiveInt(limit, 'limit', 100_000);
    const now = this.clock.now();
    const ns = this.spaces.get(namespace);
    if (!ns) return [];
    ns.expire(now);
    const out: MemoryEntry[] = [];
    const ring = ns.ring;
    for (let p = ring.size - 1; p >= 0 && out.length < limit; p--) {
      const slot = ring.slotAt(p);
      if (ring.dead[slot] === 0) out.push(this.entryAt(ns, slot, now));
    }
    return out;
  }

  /**
   * The newest live entries' ids, times and arrival centroid similarities (null when the window
   * was empty then), oldest first, with the window's current baseline: the inspector's timeline.
   */
  arrivals(
    namespace: string,
    limit: number,
  ): {
    ids: number[];
    times: number[];
    similarity: (number | null)[];
    baseline: { mean: number | null; std: number | null; count: number };
  } {
    assertNamespace(namespace);
    assertPositiveInt(limit, 'limit', 100_000);
    const now = this.clock.now();
    const ns = this.spaces.get(namespace);
    const out = { ids: [] as number[], times: [] as number[], similarity: [] as (number | null)[] };
    if (!ns) return { ...out, baseline: { mean: null, std: null, count: 0 } };
    ns.expire(now);
    const ring = ns.ring;
    for (let p = ring.size - 1; p >= 0 && out.ids.length < limit; p--) {
      const slot = ring.slotAt(p);
      if (ring.dead[slot] !== 0) continue;
      const sim = ring.arrival[slot] as number;
      out.ids.push(ring.ids[slot] as number);
      out.times.push(ring.times[slot] as number);
      out.similarity.push(Number.isFinite(sim) ? sim : null);
    }
    out.ids.reverse();
    out.times.reverse();
    out.similarity.reverse();
    const c = ns.centroid;
    const finite = (x: number) => (Number.isFinite(x) ? x : null);
    return {
      ...out,
      baseline: { mean: finite(c.baselineMean), std: finite(c.baselineStd), count: c.arrivalCount },
    };
  }

  /** Cuts entries older than an age or an absolute time, in one namespace or all. O(removed). */
  forgetOlderThan(options: ForgetOlderThanOptions): ForgetResult {
    const hasAge = options.ageMs !== undefined;
    const hasBefore = options.before !== undefined;
    if (hasAge === hasBefore) {
      throw new RingmemError(
        'INVALID_ARGUMENT',
        'give exactly one of ageMs (a duration in ms) or before (a time in ms since the epoch)',
      );
    }
    const now = this.clock.now();
    let cutoff: number;
    if (hasAge) {
      assertDurationMs(options.ageMs, 'ageMs');
      cutoff = now - (options.ageMs as number);
    } else {
      assertTime(options.before, 'before');
      cutoff = options.before as number;
    }
    const targets = this.targets(options.namespace);
    let forgotten = 0;
    let remaining = 0;
    for (const ns of targets) {
      ns.expire(now);
      forgotten += ns.cutBefore(cutoff);
      remaining += ns.liveCount;
    }
    return { forgotten, remaining };
  }

  /** Deletes entries by id (tombstones). Returns which ids were forgotten and which were not found. */
  forget(ids: readonly number[], namespace?: string): { forgotten: number[]; notFound: number[] } {
    const targets = this.targets(namespace);
    const now = this.clock.now();
    for (const ns of targets) ns.expire(now);
    const forgotten: number[] = [];
    const notFound: number[] = [];
    for (const id of ids) {
      if (!Number.isSafeInteger(id) || id < 1) {
        throw new RingmemError(
          'INVALID_ARGUMENT',
          `invalid id ${String(id)}: ids are positive integers`,
        );
      }
      let done = false;
      for (const ns of targets) {
        if (ns.tombstone(id)) {
          done = true;
          break;
        }
      }
      (done ? forgotten : notFound).push(id);
    }
    return { forgotten, notFound };
  }

  /**
   * Deletes every live entry of a namespace that the search filters match (time window, tags,
   * metadata) and returns their ids. It plans the scan as a search does, so "matches" means the
   * same thing in both.
   */
  forgetMatching(namespace: string, filter: Omit<SearchOptions, 'k' | 'minScore'>): number[] {
    const probe = new Float32Array(this.dim);
    probe[0] = 1;
    const { plan } = this.prepareSearch(namespace, probe, { ...filter, k: 1 });
    if (!plan) return [];
    const ring = plan.ns.ring;
    const mask = plan.mask;
    const ids: number[] = [];
    forEachSlot(plan.segments, (slot) => {
      if (ring.dead[slot] === 0 && (mask === undefined || mask[slot] === 0)) {
        ids.push(ring.ids[slot] as number);
      }
    });
    return this.forget(ids, namespace).forgotten;
  }

  /** The ids among `ids` that are not live entries (in `namespace`, or in any namespace). */
  missing(ids: readonly number[], namespace?: string): number[] {
    const targets = this.targets(namespace);
    const now = this.clock.now();
    for (const ns of targets) ns.expire(now);
    return ids.filter((id) => !targets.some((ns) => ns.liveSlot(id) >= 0));
  }

  private targets(namespace: string | undefined): Namespace[] {
    if (namespace === undefined) return [...this.spaces.values()];
    assertNamespace(namespace);
    const ns = this.spaces.get(namespace);
    return ns ? [ns] : [];
  }

  /** Per-namespace statistics (all namespaces, or one). */
  stats(namespace?: string): NamespaceStats[] {
    const now = this.clock.now();
    return this.targets(namespace).map((ns) => {
      ns.expire(now);
      const ring = ns.ring;
      const oldest = oldestLiveTime(ns);
      const newest = newestLiveTime(ns);
      return {
        namespace: ns.name,
        count: ns.liveCount,
        capacity: ring.capacity,
        ttlMs: Number.isFinite(ns.ttlMs) ? ns.ttlMs : null,
        bytes: ns.bytes,
        oldestAgeMs: oldest === undefined ? null : now - oldest,
        newestAgeMs: newest === undefined ? null : now - newest,
        tombstones: ns.deadCount,
        counters: { ...ns.counters },
      };
    });
  }

  /** Removes a namespace and everything in it. */
  dropNamespace(namespace: string): boolean {
    assertNamespace(namespace);
    this.scorer.feed.drop(namespace);
    return this.spaces.delete(namespace);
  }

  /** The running centroid (mean of live vectors) of a namespace, for tests and diagnostics. */
  centroidOf(namespace: string): Float64Array | undefined {
    const now = this.clock.now();
    const ns = this.spaces.get(namespace);
    if (!ns) return undefined;
    ns.expire(now);
    const out = new Float64Array(this.dim);
    ns.centroid.meanInto(out);
    return out;
  }

  // Storage back ends (src/persist) export slots and restore them exactly through these methods,
  // so a restore goes through the same append path as an insert (and every index kept beside
  // the ring stays in step) without reaching into the ring from outside the engine.

  /** Where the engine keeps its state besides RAM; undefined for a RAM-only engine. */
  storageStatus(): StorageStatus | undefined {
    return undefined;
  }

  /**
   * The id of a namespace's oldest ring slot, tombstones included (what a back end may trim its
   * log up to without losing a slot any node still holds); undefined when the ring is empty.
   */
  oldestSlotId(namespace: string): number | undefined {
    const ring = this.spaces.get(namespace)?.ring;
    return ring && ring.size > 0 ? (ring.ids[ring.slotAt(0)] as number) : undefined;
  }

  /** The id the next insert gets (a store records it so that ids are never reused). */
  get nextEntryId(): number {
    return this.nextId;
  }

  /**
   * Visits a namespace's slots oldest first, from the first id ≥ `fromId`, tombstones included
   * (they hold ring slots, and later evictions depend on them). `row` is a view into the slab,
   * valid during the call only.
   */
  exportSlots(namespace: string, fromId: number, visit: (slot: StoredSlot) => void): void {
    const now = this.clock.now();
    const ns = this.spaces.get(namespace);
    if (!ns) return;
    ns.expire(now);
    const ring = ns.ring;
    let lo = 0;
    let hi = ring.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ring.ids[ring.slotAt(mid)] as number) < fromId) lo = mid + 1;
      else hi = mid;
    }
    for (let p = lo; p < ring.size; p++) {
      const slot = ring.slotAt(p);
      const dead = ring.dead[slot] !== 0;
      visit({
        id: ring.ids[slot] as number,
        time: ring.times[slot] as number,
        arrival: ring.arrival[slot] as number,
        dead,
        text: ring.texts[slot],
        tags: ring.tags[slot],
        metadata: ring.metadata[slot],
        row: dead ? undefined : ring.slab.subarray(slot * ring.dim, (slot + 1) * ring.dim),
      });
    }
  }

  /**
   * Appends one stored slot exactly as it was — id, time, the unit row bit for bit, its arrival
   * similarity — or a tombstone holding a slot. Slots come oldest first per namespace; a full
   * ring evicts as an insert would. Call `finishRestore` when done.
   */
  restoreSlot(namespace: string, stored: StoredSlot): void {
    assertNamespace(namespace);
    let ns = this.spaces.get(namespace);
    if (!ns) ns = this.create(namespace, this.defaults.capacity, this.defaults.ttlMs);
    const ring = ns.ring;
    if (ring.size > 0) {
      const newest = ring.slotAt(ring.size - 1);
      if (
        !(stored.id > (ring.ids[newest] as number) && stored.time >= (ring.times[newest] as number))
      ) {
        throw new RingmemError(
          'INVALID_ARGUMENT',
          `restored entry ${stored.id} is not newer than entry ${ring.ids[newest]} of namespace "${namespace}"`,
        );
      }
    }
    if (stored.dead && !this.zeroRow) this.zeroRow = new Float32Array(this.dim);
    const row = stored.dead ? this.zeroRow : stored.row;
    if (!row || row.length !== this.dim) {
      throw new RingmemError(
        'DIMENSION_MISMATCH',
        `restored entry ${stored.id} has no ${this.dim}-value row`,
      );
    }
    // A live entry is analysed again for the lexical index (the index is derived state, not
    // stored), and its index cost counts in the cap exactly as at insert.
    const doc = stored.dead ? undefined : analyzeText(stored.text);
    const extra = stored.dead ? 0 : payloadBytes(stored) + doc!.bytes;
    this.assertRoomFor(ns, 1, Uint32Array.of(extra));
    this.clock.advanceTo(stored.time);
    if (stored.id >= this.nextId) this.nextId = stored.id + 1;
    ns.append(row, 0, 1, stored.id, stored.time, stored.dead ? undefined : stored, extra, doc);
    const slot = ring.slotAt(ring.size - 1);
    ns.centroid.removeArrival(ring.arrival[slot] as number);
    ring.arrival[slot] = stored.arrival;
    ns.centroid.addArrival(ring.arrival[slot] as number);
    if (stored.dead) {
      ns.tombstone(stored.id);
      this.restoredDead.set(ns, (this.restoredDead.get(ns) ?? 0) + 1);
    }
  }

  /** Before restoring `count` more slots into a namespace: allocate the ring once, not by doubling. */
  reserveForRestore(namespace: string, count: number): void {
    assertNamespace(namespace);
    let ns = this.spaces.get(namespace);
    if (!ns) ns = this.create(namespace, this.defaults.capacity, this.defaults.ttlMs);
    const ring = ns.ring;
    const growth = Ring.bytesForRows(
      ring.rowsAfterReserve(ring.size + count) - ring.rows,
      ring.dim,
    );
    if (this.totalBytes() + growth <= this.maxBytes) ring.reserve(ring.size + count);
  }

  /**
   * Ends a restore: ids continue from `nextId`, entries past the TTL go, centroids and baselines
   * are re-summed exactly from the restored rows, and counters start from zero.
   */
  finishRestore(nextId: number): void {
    if (nextId > this.nextId) this.nextId = nextId;
    const now = this.clock.now();
    for (const ns of this.spaces.values()) {
      ns.expire(now);
      const k = ns.counters;
      // Appends from an empty sum add the rows in slot order, exactly as a re-sum does (tombstone
      // placeholders add and take away zeros); only a live row taken out during the restore
      // leaves rounding behind, and then the O(n·dim) re-sum runs. The baseline is re-summed
      // always (O(n)): the arrivals were swapped in after each append.
      if (k.evicted + k.expired + k.forgotten + k.deleted > (this.restoredDead.get(ns) ?? 0)) {
        ns.resum();
      } else {
        const c = ns.centroid;
        const ring = ns.ring;
        c.arrivalSum = 0;
        c.arrivalSumSq = 0;
        c.arrivalCount = 0;
        for (let p = 0; p < ring.size; p++) {
          const slot = ring.slotAt(p);
          if (ring.dead[slot] === 0) c.addArrival(ring.arrival[slot] as number);
        }
      }
      for (const key of Object.keys(k) as (keyof NamespaceCounters)[]) k[key] = 0;
    }
    this.restoredDead.clear();
  }
}

/** Each row times its scale, rounded to float32: the rows exactly as the ring will store them. */
function unitRows(vectors: ArrayLike<number>, scales: Float64Array, dim: number): Float32Array {
  const out = new Float32Array(scales.length * dim);
  for (let r = 0; r < scales.length; r++) {
    const scale = scales[r] as number;
    const base = r * dim;
    for (let i = 0; i < dim; i++) out[base + i] = (vectors[base + i] as number) * scale;
  }
  return out;
}

function searchMode(options: SearchOptions): RecallMode {
  const mode = options.mode ?? (options.text !== undefined ? 'hybrid' : 'semantic');
  if (mode !== 'hybrid' && mode !== 'semantic' && mode !== 'lexical') {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      `mode must be "hybrid", "semantic" or "lexical", got ${JSON.stringify(mode)}`,
    );
  }
  return mode;
}

function oldestLiveTime(ns: Namespace): number | undefined {
  const ring = ns.ring;
  for (let p = 0; p < ring.size; p++) {
    const slot = ring.slotAt(p);
    if (ring.dead[slot] === 0) return ring.times[slot];
  }
  return undefined;
}

function newestLiveTime(ns: Namespace): number | undefined {
  const ring = ns.ring;
  for (let p = ring.size - 1; p >= 0; p--) {
    const slot = ring.slotAt(p);
    if (ring.dead[slot] === 0) return ring.times[slot];
  }
  return undefined;
}

function segmentRows(segs: Uint32Array): number {
  let rows = 0;
  for (let i = 0; i + 1 < segs.length; i += 2)
    rows += (segs[i + 1] as number) - (segs[i] as number);
  return rows;
}

function forEachSlot(segs: Uint32Array, fn: (slot: number) => void): void {
  for (let i = 0; i + 1 < segs.length; i += 2) {
    const end = segs[i + 1] as number;
    for (let s = segs[i] as number; s < end; s++) fn(s);
  }
}

/**
 * Validates rows and returns the factor that makes each unit length. Norms are float64; rows whose
 * squared norm overflows or underflows take the careful path in `normalizeRowsInto`.
 */
function rowScales(
  vectors: ArrayLike<number>,
  dim: number,
  nativeSumSquares?: (src: Float32Array, dim: number, out: Float64Array) => void,
): Float64Array {
  if (
    vectors === null ||
    typeof vectors !== 'object' ||
    typeof (vectors as { length?: unknown }).length !== 'number'
  ) {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      'vectors must be an array or typed array of numbers',
    );
  }
  const len = vectors.length;
  if (len === 0 || len % dim !== 0) {
    throw new RingmemError(
      'DIMENSION_MISMATCH',
      `got ${len} values, which is not a positive multiple of the dimension ${dim}: give ${dim} values per vector`,
    );
  }
  if (!ArrayBuffer.isView(vectors)) {
    // Plain arrays come from JSON and may hold anything; typed arrays can only hold numbers.
    for (let i = 0; i < len; i++) {
      if (typeof vectors[i] !== 'number') {
        throw new RingmemError(
          'NON_FINITE_VECTOR',
          `value ${i} is ${typeof vectors[i]}, not a number: vectors hold finite numbers only`,
        );
      }
    }
  }
  const rows = len / dim;
  const scales = new Float64Array(rows);
  // Squared norms of every row in one native call when available; the loop below then only
  // turns them into scales (and sends odd rows down the careful path).
  const native = nativeSumSquares && vectors instanceof Float32Array;
  if (native) nativeSumSquares(vectors, dim, scales);
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let sumSq = 0;
    if (native) sumSq = scales[r] as number;
    else {
      for (let i = 0; i < dim; i++) {
        const v = vectors[base + i] as number;
        sumSq += v * v;
      }
    }
    if (sumSq > 1e-280 && sumSq < 1e280) {
      scales[r] = 1 / Math.sqrt(sumSq);
      continue;
    }
    // NaN, Infinity, zero or extreme magnitudes: the careful path throws the precise error, or
    // computes the scale without overflow.
    const scale = carefulRowScale(vectors, base, dim, r);
    if (!Number.isFinite(scale) || scale === 0) {
      throw new RingmemError(
        'ZERO_VECTOR',
        `vector ${r} is too small or too large to normalise in float32: scale it to a norm near 1`,
      );
    }
    scales[r] = scale;
  }
  return scales;
}

function payloadBytes(entry: EntryInput): number {
  // A heap estimate, not an exact count: JS strings cost about 2 bytes per UTF-16 unit at worst.
  let bytes = 0;
  if (entry.text !== undefined) bytes += 2 * entry.text.length + 16;
  if (entry.tags) for (const t of entry.tags) bytes += 2 * t.length + 24;
  if (entry.metadata) {
    for (const [key, value] of Object.entries(entry.metadata)) {
      bytes += 2 * key.length + 24 + (typeof value === 'string' ? 2 * value.length : 8);
    }
  }
  return bytes;
}

type TagPredicate = (
  tags: readonly string[] | undefined,
  metadata?: Readonly<Record<string, unknown>>,
) => boolean;

function compileTagFilter(filter: TagFilter | undefined): TagPredicate | undefined {
  if (!filter) return undefined;
  const any = filter.any && filter.any.length > 0 ? new Set(filter.any) : undefined;
  const all = filter.all && filter.all.length > 0 ? [...new Set(filter.all)] : undefined;
  if (!any && !all) return undefined;
  return (tags) => {
    if (!tags) return false;
    if (any && !tags.some((t) => any.has(t))) return false;
    if (all && !all.every((t) => tags.includes(t))) return false;
    return true;
  };
}

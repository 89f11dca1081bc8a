// Over 400 lines on purpose: MemoryEngine is the engine's whole public API (about thirty methods,
// each documented where its callers read it) and every method is a few lines that validate, find
// the namespace, read the clock and hand over to a room — registry.ts, insert.ts, search.ts,
// slot-restore.ts, namespace.ts. Splitting the class itself would only scatter that surface.
import { ENGINE_DEFAULTS } from '../defaults.js';
import { RingmemError } from '../errors.js';
import type { Precision } from '../kernel/compact.js';
import type { ScanKernel } from '../kernel/types.js';
import { type AnomalyConfig, type AnomalyReport, DEFAULT_ANOMALY_CONFIG } from './anomaly.js';
import type { AnomalyEvent, AnomalyFeed } from './anomaly-feed.js';
import { AnomalyScorer } from './anomaly-scorer.js';
import { batchNeighbours, neighbourRequest } from './batch-neighbours.js';
import { type Clock, MonotonicClock, systemClock } from './clock.js';
import type { DriftOptions, DriftReport } from './drift.js';
import { Inserter } from './insert.js';
import { type Bm25Params, DEFAULT_BM25 } from './lexical-index.js';
import { DEFAULT_LOOP_ENTRIES, detectLoops, type LoopReport } from './loops.js';
import type { Namespace } from './namespace.js';
import { assertPrecision, NamespaceRegistry } from './registry.js';
import type { Rerank } from './rerank.js';
import { Searcher } from './search.js';
import { matchedIds } from './search-plan.js';
import { SlotRestorer } from './slot-restore.js';
import type {
  ArrivalTimeline,
  EntryInput,
  ForgetOlderThanOptions,
  ForgetResult,
  InsertOptions,
  InsertResult,
  MemoryEntry,
  NamespaceOptions,
  NamespaceStats,
  SearchOptions,
  SearchResult,
  StorageStatus,
  StoredSlot,
} from './types.js';
import {
  assertDurationMs,
  assertNamespace,
  assertPositiveInt,
  assertTtlMs,
  forgetCutoff,
  normalizeQuery,
} from './validate.js';

export type { ScanPlan } from './search-plan.js';
// The public types live in types.ts; importing them from here keeps working.
export type * from './types.js';

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
  /** Exact centroid re-sum (recomputation) after this many updates per namespace (drift guard). */
  resumEvery?: number;
  /** BM25 constants of the lexical index (default k1 1.2, b 0.5; see lexical-index.ts). */
  bm25?: Partial<Bm25Params>;
  /** How namespaces store their vectors (default f32; see vector-rows.ts). */
  precision?: Precision;
  /** Per-namespace precision, for namespaces created by name without an explicit one. */
  namespacePrecision?: Readonly<Record<string, Precision>>;
}

// The one source of defaults, shared with the server's settings (src/defaults.ts).
export { ENGINE_DEFAULTS };

/**
 * The memory engine: namespaces of time-ordered rings of unit vectors, with search, forgetting,
 * anomaly scoring and statistics. It owns state and time; it never sees text embeddings being
 * made (the caller brings vectors) and never computes a dot product over the window itself (the
 * scan kernel does, through the ring). Each namespace keeps its own invariants (namespace.ts);
 * the engine validates calls, finds namespaces, reads the clock, hands out ids and keeps the
 * byte cap. Search runs in search-plan.ts and search.ts, anomaly scoring in anomaly-scorer.ts.
 */
export class MemoryEngine {
  readonly dim: number;
  readonly defaults: { capacity: number; ttlMs: number };
  readonly maxNamespaces: number;
  readonly maxBytes: number;
  readonly anomalyConfig: AnomalyConfig;
  readonly kernel: ScanKernel;
  private readonly clock: MonotonicClock;
  private readonly bm25: Bm25Params;
  private readonly registry: NamespaceRegistry;
  private readonly inserter: Inserter;
  private readonly searcher: Searcher;
  private readonly restorer: SlotRestorer;
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
    const exactSumEvery = config.resumEvery ?? ENGINE_DEFAULTS.resumEvery;
    this.bm25 = { ...DEFAULT_BM25, ...config.bm25 };
    if (!(this.bm25.k1 >= 0 && this.bm25.b >= 0 && this.bm25.b <= 1)) {
      throw new RingmemError(
        'INVALID_ARGUMENT',
        `bm25 needs k1 ≥ 0 and b from 0 to 1, got k1 ${this.bm25.k1}, b ${this.bm25.b}`,
      );
    }
    if (config.precision !== undefined) assertPrecision(config.precision);
    for (const [name, precision] of Object.entries(config.namespacePrecision ?? {})) {
      assertNamespace(name);
      assertPrecision(precision);
    }
    this.registry = new NamespaceRegistry({
      dim: this.dim,
      kernel: this.kernel,
      bm25: this.bm25,
      anomaly: this.anomalyConfig,
      defaults: this.defaults,
      precision: config.precision ?? 'f32',
      namespacePrecision: config.namespacePrecision ?? {},
      maxCapacity: ENGINE_DEFAULTS.maxCapacity,
      maxNamespaces: this.maxNamespaces,
      maxBytes: this.maxBytes,
    });
    const store = {
      dim: this.dim,
      kernel: this.kernel,
      scorer: this.scorer,
      k: this.anomalyConfig.k,
    };
    this.inserter = new Inserter(this.registry, this.clock, store, exactSumEvery);
    this.searcher = new Searcher(this.registry, this.clock, this.dim);
    this.restorer = new SlotRestorer(this.registry, this.clock, this.dim);
  }

  /** The engine's current time (clamped monotonic). */
  now(): number {
    return this.clock.now();
  }

  namespaces(): string[] {
    return this.registry.names();
  }

  /** Creates a namespace with its own capacity and TTL, or changes the TTL of an existing one. */
  configureNamespace(name: string, options: NamespaceOptions): void {
    this.registry.configure(name, options);
  }

  /** The namespace (or undefined), its expired entries dropped first. */
  private live(namespace: string): Namespace | undefined {
    assertNamespace(namespace);
    const now = this.clock.now();
    const ns = this.registry.get(namespace);
    ns?.expire(now);
    return ns;
  }

  totalBytes(): number {
    return this.registry.totalBytes();
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
    const result = this.inserter.insert(
      namespace,
      vectors,
      entries,
      options.score === true,
      undefined,
    );
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
    const ns = this.registry.get(namespace);
    // Always stored when the promise settles (after writes made meanwhile), as on the scan path.
    const scanned = options.score && ns ? await this.inserter.scanAhead(ns, vectors) : undefined;
    if (scanned === undefined) await Promise.resolve();
    const result = this.inserter.insert(
      namespace,
      vectors,
      entries,
      options.score === true,
      scanned,
    );
    this.inserted(result);
    return result;
  }

  /** Anomaly report of a vector against a namespace's current window (nothing is stored). */
  anomaly(namespace: string, vector: ArrayLike<number>): AnomalyReport {
    assertNamespace(namespace);
    const q = normalizeQuery(vector, this.dim);
    // Every call reads the clock, even for a namespace that does not exist yet: the monotonic
    // clamp must see every moment the caller has observed (test/engine-model.test.ts).
    const now = this.clock.now();
    const ns = this.registry.get(namespace);
    if (!ns) return this.scorer.score(undefined, q, now, false).report;
    ns.expire(now);
    const neighbours = batchNeighbours(this.neighbourRequest(ns, q, false, this.registry.nextId));
    return this.scorer.score(ns, q, now, false, neighbours, 0).report;
  }

  /**
   * Neighbours of new rows (ids from `firstId` on) in a namespace's window, as many as the anomaly
   * rule reads: one path for a probe, one row or a batch (batch-neighbours.ts).
   */
  private neighbourRequest(ns: Namespace, units: Float32Array, joins: boolean, firstId: number) {
    return neighbourRequest(this.kernel, ns, units, firstId, this.anomalyConfig.k, joins);
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
    return this.searcher.search(namespace, query, options);
  }

  /**
   * Like `search`, but a large scan runs off the main thread. If the namespace changed while the
   * scan ran (rows may have been read torn), the search is redone synchronously on the new state.
   */
  searchAsync(
    namespace: string,
    query: ArrayLike<number> | undefined,
    options: SearchOptions,
  ): Promise<SearchResult> {
    return this.searcher.searchAsync(namespace, query, options);
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
    return this.searcher.searchReranked(namespace, query, options);
  }

  /** A live entry by id, or undefined. */
  get(namespace: string, id: number): MemoryEntry | undefined {
    const ns = this.live(namespace);
    const slot = ns ? ns.liveSlot(id) : -1;
    return slot < 0 ? undefined : ns!.entryAt(slot, this.clock.now());
  }

  /** The newest live entries of a namespace, newest first. */
  recent(namespace: string, limit: number): MemoryEntry[] {
    assertNamespace(namespace);
    assertPositiveInt(limit, 'limit', 100_000);
    const ns = this.live(namespace);
    return ns ? ns.recent(limit, this.clock.now()) : [];
  }

  /**
   * The newest live entries' ids, times and arrival centroid similarities (null when the window
   * was empty then), oldest first, with the window's current baseline: the inspector's timeline.
   */
  arrivals(namespace: string, limit: number): ArrivalTimeline {
    assertNamespace(namespace);
    assertPositiveInt(limit, 'limit', 100_000);
    const ns = this.live(namespace);
    if (ns) return ns.arrivals(limit);
    const none = { mean: null, std: null, count: 0 };
    return { ids: [], times: [], similarity: [], baseline: none };
  }

  /** Cuts entries older than an age or an absolute time, in one namespace or all. O(removed). */
  forgetOlderThan(options: ForgetOlderThanOptions): ForgetResult {
    const now = this.clock.now();
    const cutoff = forgetCutoff(options, now);
    let forgotten = 0;
    let remaining = 0;
    for (const ns of this.registry.targets(options.namespace)) {
      ns.expire(now);
      forgotten += ns.cutBefore(cutoff);
      remaining += ns.liveCount;
    }
    return { forgotten, remaining };
  }

  /** Deletes entries by id (tombstones). Returns which ids were forgotten and which were not found. */
  forget(ids: readonly number[], namespace?: string): { forgotten: number[]; notFound: number[] } {
    const targets = this.registry.targets(namespace);
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
      (targets.some((ns) => ns.tombstone(id)) ? forgotten : notFound).push(id);
    }
    return { forgotten, notFound };
  }

  /**
   * Deletes every live entry of a namespace that the search filters match (time window, tags,
   * metadata) and returns their ids. It plans the scan as a search does, so "matches" means the
   * same thing in both.
   */
  forgetMatching(namespace: string, filter: Omit<SearchOptions, 'k' | 'minScore'>): number[] {
    const plan = this.searcher.planFilter(namespace, filter);
    if (!plan) return [];
    return this.forget(matchedIds(plan), namespace).forgotten;
  }

  /** The ids among `ids` that are not live entries (in `namespace`, or in any namespace). */
  missing(ids: readonly number[], namespace?: string): number[] {
    const targets = this.registry.targets(namespace);
    const now = this.clock.now();
    for (const ns of targets) ns.expire(now);
    return ids.filter((id) => !targets.some((ns) => ns.liveSlot(id) >= 0));
  }

  /** Per-namespace statistics (all namespaces, or one). */
  stats(namespace?: string): NamespaceStats[] {
    const now = this.clock.now();
    return this.registry.targets(namespace).map((ns) => {
      ns.expire(now);
      return ns.stats(now);
    });
  }

  /** Removes a namespace and everything in it. */
  dropNamespace(namespace: string): boolean {
    assertNamespace(namespace);
    this.scorer.feed.drop(namespace);
    return this.registry.delete(namespace);
  }

  /** The running centroid (mean of live vectors) of a namespace, for tests and diagnostics. */
  centroidOf(namespace: string): Float64Array | undefined {
    const now = this.clock.now();
    const ns = this.registry.get(namespace);
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
    const ring = this.registry.get(namespace)?.ring;
    return ring && ring.size > 0 ? (ring.ids[ring.slotAt(0)] as number) : undefined;
  }

  /** The id the next insert gets (a store records it so that ids are never reused). */
  get nextEntryId(): number {
    return this.registry.nextId;
  }

  /**
   * Visits a namespace's slots oldest first, from the first id ≥ `fromId`, tombstones included
   * (they hold ring slots, and later evictions depend on them). `row` is a view into the ring,
   * valid during the call only.
   */
  exportSlots(namespace: string, fromId: number, visit: (slot: StoredSlot) => void): void {
    const now = this.clock.now();
    const ns = this.registry.get(namespace);
    if (!ns) return;
    ns.expire(now);
    ns.exportSlots(fromId, visit);
  }

  /**
   * Appends one stored slot exactly as it was — id, time, the unit row bit for bit, its arrival
   * similarity — or a tombstone holding a slot. Slots come oldest first per namespace; a full
   * ring evicts as an insert would. Call `finishRestore` when done.
   */
  restoreSlot(namespace: string, stored: StoredSlot): void {
    this.restorer.restore(namespace, stored);
  }

  /** Before restoring `count` more slots into a namespace: allocate the ring once, not by doubling. */
  reserveForRestore(namespace: string, count: number): void {
    this.restorer.reserve(namespace, count);
  }

  /**
   * Ends a restore: ids continue from `nextId`, entries past the TTL go, centroids and baselines
   * are recomputed exactly from the restored rows, and counters start from zero.
   */
  finishRestore(nextId: number): void {
    this.restorer.finish(nextId);
  }
}

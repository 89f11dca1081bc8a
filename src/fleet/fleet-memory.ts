import type { Embedder } from '../embed/types.js';
import type { AnomalyReport } from '../engine/anomaly.js';
import type { EntryInput, ForgetResult, InsertResult, MemoryEngine } from '../engine/engine.js';
import { normalizeRowsInto } from '../engine/validate.js';
import { RingmemError } from '../errors.js';
import { type FleetStatus, Memory, type RecallOptions, type RecallResult } from '../memory.js';
import type { FleetEvent } from './codec.js';
import type { FleetLink, FleetState } from './link.js';
import { entryIdOf } from './stream-ids.js';

/**
 * Memory for a fleet node: the same gate as Memory, with every change going through the fleet's
 * Redis streams instead of straight into the engine. The engine is only ever changed by the
 * link's applier, in stream order, so all nodes hold the same window; reads scan the local ring.
 */
export class FleetMemory extends Memory {
  constructor(
    engine: MemoryEngine,
    embedder: Embedder,
    readonly link: FleetLink,
  ) {
    super(engine, embedder);
  }

  fleetState(): FleetState {
    return this.link.state();
  }

  override fleet(): FleetStatus {
    const state = this.link.state();
    return {
      ...this.link.describe(),
      namespaces: this.link.namespaces().length,
      catchingUp: state.catchingUp,
      staleSince: state.staleSince,
    };
  }

  override async recall(
    query: string,
    options: RecallOptions,
  ): Promise<RecallResult & { fleet: FleetState }> {
    const res = await super.recall(query, options);
    return { ...res, fleet: this.link.state() };
  }

  override async forgetAsync(
    ids: readonly number[],
    namespace?: string,
  ): Promise<{ forgotten: number[]; notFound: number[] }> {
    // Ids are unique within a namespace (stream-ids.ts): find each id's namespace, and refuse an
    // id that two namespaces hold rather than guess.
    const byNamespace = new Map<string, number[]>();
    const notFound: number[] = [];
    const spaces = namespace !== undefined ? [namespace] : this.engine.namespaces();
    for (const id of ids) {
      const holders = spaces.filter((ns) => this.engine.get(ns, id) !== undefined);
      if (holders.length > 1) {
        throw new RingmemError(
          'INVALID_ARGUMENT',
          `id ${id} is in namespaces ${holders.map((h) => `"${h}"`).join(', ')}: in fleet mode ids are unique per namespace, so give the namespace; nothing was deleted`,
        );
      }
      if (holders.length === 0) notFound.push(id);
      else byNamespace.set(holders[0]!, [...(byNamespace.get(holders[0]!) ?? []), id]);
    }
    const forgotten: number[] = [];
    for (const [ns, list] of byNamespace) {
      await this.link.append(ns, [{ kind: 'forget', ids: list }]);
      forgotten.push(...list);
    }
    return { forgotten, notFound };
  }

  /** Cuts every stream of the fleet (one namespace's, or all) and answers once applied here. */
  protected override async cutBefore(
    before: number,
    namespace: string | undefined,
  ): Promise<ForgetResult> {
    const spaces =
      namespace !== undefined
        ? [namespace]
        : [...new Set([...this.engine.namespaces(), ...this.link.namespaces()])];
    const count = () => this.engine.stats(namespace).reduce((n, s) => n + s.count, 0);
    const had = count();
    for (const ns of spaces) await this.link.cut(ns, before);
    const remaining = count();
    return { forgotten: Math.max(0, had - remaining), remaining };
  }

  // The synchronous writes of Memory cannot wait for Redis: in fleet mode they refuse clearly.
  override forget(): never {
    throw fleetOnlyAsync('forget', 'forgetAsync');
  }
  override forgetOlderThan(): never {
    throw fleetOnlyAsync('forgetOlderThan', 'forgetOlderThanAsync');
  }
  override forgetMatching(): never {
    throw fleetOnlyAsync('forgetMatching', 'forgetAsync with the ids recall returned');
  }
  override rememberVectors(): never {
    throw fleetOnlyAsync('rememberVectors', 'remember');
  }

  override async close(): Promise<void> {
    await this.link.close();
    await super.close();
  }

  /**
   * Unit rows and their arrival scores to the stream; the result as an insert would give it, once
   * this node applied them. Each text is scored against the window applied so far (a batch is
   * scored against the window before it).
   */
  protected override async write(
    namespace: string,
    vectors: Float32Array,
    entries: readonly EntryInput[],
    score: boolean,
  ): Promise<InsertResult> {
    const dim = this.engine.dim;
    const n = entries.length;
    const units = new Float32Array(vectors.length);
    normalizeRowsInto(vectors, dim, units);
    const anomalies: AnomalyReport[] = [];
    const events: FleetEvent[] = [];
    for (let r = 0; r < n; r++) {
      const row = units.subarray(r * dim, (r + 1) * dim);
      // Computed once, here, against the window this node applied so far; carried in the entry.
      const report = this.engine.anomaly(namespace, row);
      anomalies.push(report);
      const e = entries[r]!;
      events.push({
        kind: 'entry',
        row,
        dim,
        model: this.embedder.modelId,
        text: e.text,
        tags: e.tags ? [...e.tags] : undefined,
        metadata: e.metadata ? { ...e.metadata } : undefined,
        arrival: report.centroidSimilarity ?? Number.NaN,
        score: report.score,
      });
    }
    const before = this.engine.stats(namespace)[0]?.counters;
    const streamIds = await this.link.append(namespace, events);
    const after = this.engine.stats(namespace)[0];
    const ids = streamIds.map((s) => entryIdOf(s));
    if (ids.some((id) => id === undefined)) {
      throw new RingmemError(
        'STORE_UNAVAILABLE',
        `Redis gave stream ids ${streamIds.join(', ')}, which cannot be packed into entry ids (more than 4096 entries in one millisecond, or a Redis clock before 2025); every node refuses them, so they are not in memory`,
      );
    }
    return {
      namespace,
      ids: ids as number[],
      evicted: (after?.counters.evicted ?? 0) - (before?.evicted ?? 0),
      expired: (after?.counters.expired ?? 0) - (before?.expired ?? 0),
      anomalies: score ? anomalies : undefined,
      windowSize: after?.count ?? 0,
    };
  }
}

function fleetOnlyAsync(method: string, instead: string): RingmemError {
  return new RingmemError(
    'INVALID_ARGUMENT',
    `Memory.${method} cannot wait for the fleet's Redis; in fleet mode use ${instead}`,
  );
}

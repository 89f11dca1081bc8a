import {
  type EngineConfig,
  type ForgetOlderThanOptions,
  type ForgetResult,
  type InsertResult,
  MemoryEngine,
  type NamespaceOptions,
  type StorageStatus,
} from '../engine/engine.js';
import type { LogFn } from '../log.js';
import { DurableStore, type FsyncPolicy } from './store.js';

export interface PersistSettings {
  dir: string;
  fsync: FsyncPolicy;
  compactIntervalMs: number;
  /** Model id recorded in the files (a directory from another model is refused). */
  model: string;
  log: LogFn;
  syncIntervalMs?: number;
}

/**
 * The memory engine with a disk behind it: every change goes through the engine as usual, and
 * is then appended to the store's log before the call returns. Restoring happens once, at
 * construction, through the engine's own restore methods. Nothing else differs: the engine's
 * semantics are not forked here, only observed.
 */
export class DurableMemoryEngine extends MemoryEngine {
  readonly store: DurableStore;
  private attached = false;

  constructor(config: EngineConfig, persist: PersistSettings) {
    super(config);
    this.store = DurableStore.open(this, { ...persist, dim: this.dim });
    this.attached = true;
  }

  /** Every insert, synchronous or async (`Memory.remember` uses `insertAsync`), is logged here. */
  protected override inserted(result: InsertResult): void {
    if (this.attached) this.store.logInsert(result.namespace, result.ids[0] as number);
  }

  override forget(
    ids: readonly number[],
    namespace?: string,
  ): { forgotten: number[]; notFound: number[] } {
    const result = super.forget(ids, namespace);
    if (this.attached && result.forgotten.length > 0) {
      this.store.logForget(result.forgotten, namespace);
    }
    return result;
  }

  override forgetOlderThan(options: ForgetOlderThanOptions): ForgetResult {
    // An age becomes an absolute cutoff here, so the log replays exactly the cut that happened.
    const { ageMs, before } = options;
    const absolute =
      ageMs !== undefined && before === undefined && Number.isFinite(ageMs) && ageMs >= 0
        ? { before: this.now() - ageMs, namespace: options.namespace }
        : options;
    const result = super.forgetOlderThan(absolute);
    if (this.attached && absolute.before !== undefined) {
      this.store.logCut(absolute.before, options.namespace);
    }
    return result;
  }

  override dropNamespace(namespace: string): boolean {
    const dropped = super.dropNamespace(namespace);
    if (this.attached && dropped) this.store.logDrop(namespace);
    return dropped;
  }

  override configureNamespace(name: string, options: NamespaceOptions): void {
    super.configureNamespace(name, options);
    if (this.attached && (options.capacity !== undefined || options.ttlMs !== undefined)) {
      this.store.logNamespace(name, { capacity: options.capacity, ttlMs: options.ttlMs });
    }
  }

  override storageStatus(): StorageStatus {
    return this.store.status();
  }

  /** Final snapshot (when anything changed) and the directory released. */
  closeStore(): void {
    this.store.close();
  }
}

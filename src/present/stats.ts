import type { KernelInfo } from '../kernel/types.js';
import type { Memory, ModelStatus } from '../memory.js';
import { healthFields } from './anomaly.js';
import { seconds } from './numbers.js';

/** What a statistics snapshot reads besides the memory: the kernel, the limits, the model's state. */
export interface StatsSources {
  memory: Memory;
  kernel: KernelInfo;
  config: { maxBytes: number; maxNamespaces: number };
  modelStatus(): ModelStatus;
}

/** memory_stats and the ringmem://stats resource: namespaces, sizes, health, model and kernel. */
export function statsSnapshot(src: StatsSources, namespace?: string) {
  const { memory } = src;
  const model = src.modelStatus();
  const info = memory.model;
  const storage = memory.storageStatus();
  const fleet = memory.fleet();
  return {
    ...(storage ? { persistence: persistenceFields(storage) } : {}),
    ...(fleet
      ? {
          fleet: {
            redis: fleet.redis,
            prefix: fleet.prefix,
            namespaces: fleet.namespaces,
            catching_up: fleet.catchingUp,
            stale_since:
              fleet.staleSince === null ? null : new Date(fleet.staleSince).toISOString(),
          },
        }
      : {}),
    namespaces: memory.stats(namespace).map((s) => ({
      namespace: s.namespace,
      count: s.count,
      capacity: s.capacity,
      ttl_seconds: seconds(s.ttlMs),
      bytes: s.bytes,
      precision: s.precision,
      bytes_per_record: s.bytesPerRecord,
      oldest_age_seconds: seconds(s.oldestAgeMs),
      newest_age_seconds: seconds(s.newestAgeMs),
      inserted: s.counters.inserted,
      evicted: s.counters.evicted,
      expired: s.counters.expired,
      forgotten: s.counters.forgotten,
      deleted: s.counters.deleted,
      ...healthFields(memory.health(s.namespace)),
    })),
    total_bytes: memory.totalBytes(),
    max_bytes: src.config.maxBytes,
    max_namespaces: src.config.maxNamespaces,
    model: {
      id: info.id,
      dim: info.dim,
      max_tokens: info.maxTokens,
      status: model.status,
      error: model.error,
    },
    kernel: {
      backend: src.kernel.backend,
      isa: src.kernel.isa,
      available_isas: [...src.kernel.availableIsas],
    },
  };
}

/** The storage status without its back end's kind: memory_stats' `persistence` field. */
function persistenceFields(status: NonNullable<ReturnType<Memory['storageStatus']>>) {
  const { kind: _kind, ...rest } = status;
  return rest;
}

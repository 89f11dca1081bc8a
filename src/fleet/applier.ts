import type { MemoryEngine } from '../engine/engine.js';
import type { LogFn } from '../log.js';
import type { FleetEvent } from './codec.js';
import { entryIdOf, parseStreamId } from './stream-ids.js';

/**
 * Applies stream entries to the local engine, in stream order. Every node runs the same entries
 * through the same engine calls — restoreSlot for an entry (its id and time come from the stream
 * id, its unit row and arrival score from the writer), forget for tombstones, forgetOlderThan for
 * cuts — so every node's ring holds the same slots in the same order, and capacity evicts alike.
 * Nothing here talks to Redis: the property test drives it with an in-memory stream.
 */
export class FleetApplier {
  private readonly warned = new Set<string>();

  constructor(
    readonly engine: MemoryEngine,
    readonly model: string,
    private readonly log: LogFn,
  ) {}

  /** Applies one entry; false (and one logged line per reason) when it is refused. */
  apply(namespace: string, streamId: string, event: FleetEvent): boolean {
    const engine = this.engine;
    switch (event.kind) {
      case 'entry': {
        if (event.model !== this.model || event.dim !== engine.dim) {
          return this.refuse(
            `model:${namespace}:${event.model}:${event.dim}`,
            `fleet: refused entries of namespace "${namespace}" written with model ${event.model} (${event.dim} dimensions); this node embeds with ${this.model} (${engine.dim}): start every node with the same --model`,
          );
        }
        const id = entryIdOf(streamId);
        if (id === undefined) {
          return this.refuse(
            `id:${streamId}`,
            `fleet: refused stream entry ${streamId} of namespace "${namespace}": its id cannot be packed into an entry id (more than 4096 entries in one millisecond, or a Redis clock before 2025)`,
          );
        }
        try {
          engine.restoreSlot(namespace, {
            id,
            time: parseStreamId(streamId)!.ms,
            arrival: event.arrival,
            dead: false,
            text: event.text,
            tags: event.tags,
            metadata: event.metadata,
            row: event.row,
          });
        } catch (error) {
          return this.refuse(
            `apply:${namespace}:${(error as Error).message.slice(0, 40)}`,
            `fleet: could not apply entry ${streamId} of namespace "${namespace}": ${(error as Error).message}`,
          );
        }
        return true;
      }
      case 'forget':
        engine.forget(event.ids, namespace);
        return true;
      case 'cut':
        engine.forgetOlderThan({ before: event.before, namespace });
        return true;
    }
  }

  private refuse(key: string, line: string): false {
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.log('warning', line);
    }
    return false;
  }
}

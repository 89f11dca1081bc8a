import { RingmemError } from '../errors.js';
import type { EntryInput } from './types.js';

/**
 * What entries cost in memory, for the engine's byte cap: a heap estimate of an entry's payload
 * (text, tags, metadata; the ring's slots and vectors are counted by Ring.bytesForRows), and the
 * error a write over the cap gets.
 */

/** Estimated heap bytes of an entry's payload: JS strings cost about 2 bytes per UTF-16 unit. */
export function payloadBytes(entry: EntryInput): number {
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

export function memoryLimitError(
  namespace: string,
  needed: number,
  held: number,
  cap: number,
): RingmemError {
  const mb = (b: number) => `${(b / 1024 ** 2).toFixed(1)} MB`;
  return new RingmemError(
    'MEMORY_LIMIT',
    `namespace "${namespace}" needs ${mb(needed)} more but the engine holds ${mb(held)} of its ${mb(cap)} memory cap: forget old entries (forget_older_than), use fewer namespaces or a smaller capacity, or raise the memory cap`,
  );
}

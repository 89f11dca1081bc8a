/**
 * Entry ids in fleet mode come from Redis stream ids, so an id means the same entry on every node.
 *
 * A stream id is `ms-seq` (Redis clock in ms, then a counter within that ms). The public API's ids
 * are positive safe integers, so the pair is packed as
 *
 *     id = (ms − 2025-01-01T00:00:00Z) · 4096 + seq + 1
 *
 * which is order-preserving (stream order = id order), collision-free within a stream while a
 * stream takes fewer than 4096 entries in one millisecond, and stays below 2^53 until 2094. A
 * stream id outside that range (seq ≥ 4096, or a Redis clock before 2025) cannot be packed and the
 * entry is refused with a logged reason rather than given an id that could collide. Streams are
 * per namespace, so two namespaces can hold the same id: ids are unique within a namespace.
 */
export const ID_EPOCH_MS = Date.UTC(2025, 0, 1);
export const SEQ_SPAN = 4096;

export interface StreamIdParts {
  ms: number;
  seq: number;
}

export function parseStreamId(streamId: string): StreamIdParts | undefined {
  const dash = streamId.indexOf('-');
  if (dash <= 0) return undefined;
  const ms = Number(streamId.slice(0, dash));
  const seq = Number(streamId.slice(dash + 1));
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq) || ms < 0 || seq < 0) {
    return undefined;
  }
  return { ms, seq };
}

/** The entry id of a stream id, or undefined when it cannot be packed (see above). */
export function entryIdOf(streamId: string): number | undefined {
  const p = parseStreamId(streamId);
  if (!p || p.ms < ID_EPOCH_MS || p.seq >= SEQ_SPAN) return undefined;
  const id = (p.ms - ID_EPOCH_MS) * SEQ_SPAN + p.seq + 1;
  return Number.isSafeInteger(id) ? id : undefined;
}

/** The stream id an entry id was packed from. */
export function streamIdOf(entryId: number): string {
  const v = entryId - 1;
  return `${Math.floor(v / SEQ_SPAN) + ID_EPOCH_MS}-${v % SEQ_SPAN}`;
}

/** −1, 0 or 1 as stream id a sorts before, with or after b. */
export function compareStreamIds(a: string, b: string): number {
  const pa = parseStreamId(a);
  const pb = parseStreamId(b);
  if (!pa || !pb) throw new Error(`not stream ids: ${a}, ${b}`);
  if (pa.ms !== pb.ms) return pa.ms < pb.ms ? -1 : 1;
  return pa.seq === pb.seq ? 0 : pa.seq < pb.seq ? -1 : 1;
}

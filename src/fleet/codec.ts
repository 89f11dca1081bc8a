/**
 * The fields of one stream entry. Vectors travel as little-endian float32 (the unit row the ring
 * holds, bit for bit); text as UTF-8; tags and metadata as JSON. Every field name is one or two
 * letters: the stream holds a window's worth of entries and Redis stores names per entry.
 *
 *   k  kind: e (entry), f (forget ids), c (cut: forget everything older than `b`)
 *   e: v row (f32 bytes), d dim, mo model id, x text (absent: no text), g tags JSON, m metadata
 *      JSON, a arrival centroid similarity ("nan" with an empty window), s the writer's anomaly score
 *   f: i ids JSON array
 *   c: b cutoff, ms since the epoch (entries with time < b go)
 */
export type FleetEvent =
  | {
      kind: 'entry';
      row: Float32Array;
      dim: number;
      model: string;
      text: string | undefined;
      tags: string[] | undefined;
      metadata: Record<string, unknown> | undefined;
      arrival: number;
      score: number | null;
    }
  | { kind: 'forget'; ids: number[] }
  | { kind: 'cut'; before: number };

export function encodeEvent(event: FleetEvent): Record<string, string | Buffer> {
  switch (event.kind) {
    case 'entry': {
      const out: Record<string, string | Buffer> = {
        k: 'e',
        v: Buffer.from(event.row.buffer, event.row.byteOffset, event.row.byteLength),
        d: String(event.dim),
        mo: event.model,
        a: Number.isNaN(event.arrival) ? 'nan' : String(event.arrival),
      };
      if (event.text !== undefined) out.x = event.text;
      if (event.tags && event.tags.length > 0) out.g = JSON.stringify(event.tags);
      if (event.metadata !== undefined) out.m = JSON.stringify(event.metadata);
      if (event.score !== null) out.s = String(event.score);
      return out;
    }
    case 'forget':
      return { k: 'f', i: JSON.stringify(event.ids) };
    case 'cut':
      return { k: 'c', b: String(event.before) };
  }
}

/** Decodes a flat [name, value, …] field list; throws with the reason on a malformed entry. */
export function decodeEvent(flat: readonly Buffer[]): FleetEvent {
  const f = new Map<string, Buffer>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i]!.toString('utf8'), flat[i + 1]!);
  const str = (name: string) => f.get(name)?.toString('utf8');
  const kind = str('k');
  if (kind === 'e') {
    const bytes = f.get('v');
    const dim = Number(str('d'));
    if (!bytes || !Number.isInteger(dim) || bytes.length !== dim * 4) {
      throw new Error(`entry vector is ${bytes?.length ?? 0} bytes for dimension ${str('d')}`);
    }
    // Copied into an aligned buffer of its own (a Buffer may sit at any offset of a shared pool).
    const row = new Float32Array(new Uint8Array(bytes).buffer);
    const a = str('a');
    const s = str('s');
    return {
      kind: 'entry',
      row,
      dim,
      model: str('mo') ?? '',
      text: str('x'),
      tags: f.has('g') ? (JSON.parse(str('g')!) as string[]) : undefined,
      metadata: f.has('m') ? (JSON.parse(str('m')!) as Record<string, unknown>) : undefined,
      arrival: a === undefined || a === 'nan' ? Number.NaN : Number(a),
      score: s === undefined ? null : Number(s),
    };
  }
  if (kind === 'f') {
    const ids = JSON.parse(str('i') ?? '[]') as unknown;
    if (!Array.isArray(ids) || !ids.every((x) => Number.isSafeInteger(x) && x > 0)) {
      throw new Error('forget event without a list of positive integer ids');
    }
    return { kind: 'forget', ids: ids as number[] };
  }
  if (kind === 'c') {
    const before = Number(str('b'));
    if (!Number.isFinite(before)) throw new Error(`cut event with cutoff ${str('b')}`);
    return { kind: 'cut', before };
  }
  throw new Error(`unknown event kind ${JSON.stringify(kind)}`);
}

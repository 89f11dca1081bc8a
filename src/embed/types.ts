/**
 * The embedder contract the engine and front ends code against: text in, unit vectors out.
 * `embed/` never sees the ring; callers never see tokens or tensors.
 */

/** Queries and stored passages may be embedded differently (e.g. bge's retrieval instruction). */
export type EmbedKind = 'query' | 'passage';

export interface EmbedResult {
  /** n × dim float32 values, row i is the unit vector of texts[i]. */
  vectors: Float32Array;
  /** One byte per text: 1 when the text was cut to fit `maxTokens` (or the character cap). */
  truncated: Uint8Array;
  /** Tokens the model saw for each text, special tokens ([CLS], [SEP]) included. */
  tokenCounts: Uint32Array;
}

export interface Embedder {
  readonly modelId: string;
  readonly dim: number;
  readonly maxTokens: number;
  /** Resolves when the model is loaded; rejects with the typed load error. */
  readonly ready: Promise<void>;
  /**
   * Starts loading the model now if its loading was deferred (a server defers it until the MCP
   * handshake is answered); resolves like `ready`. Embed calls start it as well.
   */
  load?(): Promise<void>;
  embed(texts: readonly string[], kind: EmbedKind): Promise<Float32Array>;
  embedWithInfo(texts: readonly string[], kind: EmbedKind): Promise<EmbedResult>;
  close(): Promise<void>;
}

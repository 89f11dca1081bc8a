import type { Embedder, EmbedKind, EmbedResult } from '../../src/embed/types.js';

/**
 * A deterministic stand-in for a real model, for tests where the embedding itself does not
 * matter: lower-cased word tokens hashed into signed buckets, then L2-normalised. Texts sharing
 * words get similar vectors, which is all the front-end tests need. Counts its calls.
 */
export class HashEmbedder implements Embedder {
  readonly modelId = 'test-hash';
  readonly maxTokens = 64;
  readonly ready: Promise<void>;
  calls = 0;
  private failWith: Error | undefined;

  constructor(
    readonly dim = 64,
    options: { loadError?: Error; loadDelayMs?: number } = {},
  ) {
    this.failWith = options.loadError;
    this.ready = new Promise((resolve, reject) => {
      setTimeout(
        () => (options.loadError ? reject(options.loadError) : resolve()),
        options.loadDelayMs ?? 0,
      );
    });
    this.ready.catch(() => {});
  }

  async embed(texts: readonly string[], kind: EmbedKind): Promise<Float32Array> {
    return (await this.embedWithInfo(texts, kind)).vectors;
  }

  async embedWithInfo(texts: readonly string[], _kind: EmbedKind): Promise<EmbedResult> {
    await this.ready;
    if (this.failWith) throw this.failWith;
    this.calls++;
    const vectors = new Float32Array(texts.length * this.dim);
    const truncated = new Uint8Array(texts.length);
    const tokenCounts = new Uint32Array(texts.length);
    texts.forEach((text, row) => {
      const words = text.toLowerCase().match(/[a-z0-9]+/g) ?? ['∅'];
      if (words.length > this.maxTokens) truncated[row] = 1;
      tokenCounts[row] = Math.min(words.length, this.maxTokens) + 2;
      for (const w of words.slice(0, this.maxTokens)) {
        let h = 2166136261;
        for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
        const bucket = (h >>> 0) % this.dim;
        vectors[row * this.dim + bucket]! += (h & 0x100) === 0 ? 1 : -1;
      }
      let ss = 0;
      for (let i = 0; i < this.dim; i++) ss += vectors[row * this.dim + i]! ** 2;
      const scale = ss > 0 ? 1 / Math.sqrt(ss) : 0;
      if (scale === 0) vectors[row * this.dim] = 1;
      else for (let i = 0; i < this.dim; i++) vectors[row * this.dim + i]! *= scale;
    });
    return { vectors, truncated, tokenCounts };
  }

  async close(): Promise<void> {}
}

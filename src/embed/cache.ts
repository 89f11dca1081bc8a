/**
 * A bounded LRU map from (kind, text) to a finished embedding. A Map keeps insertion order, so
 * re-inserting on every hit makes its first key the least recently used.
 */

export interface CachedEmbedding {
  /** The unit vector (a private copy: callers get copies of it, never the stored array). */
  vector: Float32Array;
  truncated: boolean;
  tokenCount: number;
}

export class EmbeddingCache {
  readonly capacity: number;
  private readonly map = new Map<string, CachedEmbedding>();
  hits = 0;
  misses = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new TypeError(`Expected \`cacheSize\` to be an integer from 0 and up, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  get size(): number {
    return this.map.size;
  }

  /** The key for a text; `null` when the text is too long to be worth keeping as a key. */
  static key(kind: string, text: string, maxKeyChars: number): string | null {
    return text.length > maxKeyChars ? null : `${kind}\u0000${text}`;
  }

  get(key: string): CachedEmbedding | undefined {
    const hit = this.map.get(key);
    if (hit === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit;
  }

  set(key: string, value: CachedEmbedding): void {
    if (this.capacity === 0) return;
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  clear(): void {
    this.map.clear();
  }
}

/**
 * The lexical index's storage: per term, a queue of postings in entry order (seq = time order);
 * per entry, its (term id, count) pairs sorted by id. See lexical-index.ts for how they are used.
 */

/** FIFO of (seq, tf) in seq order, in a power-of-two circular buffer. */
export class PostingQueue {
  seqs: Float64Array;
  tfs: Uint32Array;
  head = 0;
  size = 0;
  private mask: number;

  constructor() {
    this.seqs = new Float64Array(2);
    this.tfs = new Uint32Array(2);
    this.mask = 1;
  }

  push(seq: number, tf: number): void {
    if (this.size === this.seqs.length) this.grow();
    const at = (this.head + this.size) & this.mask;
    this.seqs[at] = seq;
    this.tfs[at] = tf;
    this.size++;
  }

  shift(): void {
    this.head = (this.head + 1) & this.mask;
    this.size--;
  }

  seqAt(i: number): number {
    return this.seqs[(this.head + i) & this.mask] as number;
  }

  tfAt(i: number): number {
    return this.tfs[(this.head + i) & this.mask] as number;
  }

  /** First queue index whose seq is ≥ seq. */
  lowerBound(seq: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqAt(mid) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private grow(): void {
    const cap = this.seqs.length * 2;
    const seqs = new Float64Array(cap);
    const tfs = new Uint32Array(cap);
    for (let i = 0; i < this.size; i++) {
      seqs[i] = this.seqAt(i);
      tfs[i] = this.tfAt(i);
    }
    this.seqs = seqs;
    this.tfs = tfs;
    this.head = 0;
    this.mask = cap - 1;
  }
}

/** Sorts [id, tf] pairs by id in place (insertion sort: entries have few distinct terms). */
export function sortPairsById(pairs: Uint32Array): void {
  for (let i = 2; i < pairs.length; i += 2) {
    const id = pairs[i] as number;
    const tf = pairs[i + 1] as number;
    let j = i - 2;
    while (j >= 0 && (pairs[j] as number) > id) {
      pairs[j + 2] = pairs[j] as number;
      pairs[j + 3] = pairs[j + 1] as number;
      j -= 2;
    }
    pairs[j + 2] = id;
    pairs[j + 3] = tf;
  }
}

/** The count of term `id` in an entry's pairs sorted by id (0 when absent). */
export function findTf(pairs: Uint32Array, id: number): number {
  let lo = 0;
  let hi = pairs.length >>> 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const got = pairs[2 * mid] as number;
    if (got < id) lo = mid + 1;
    else if (got > id) hi = mid;
    else return pairs[2 * mid + 1] as number;
  }
  return 0;
}

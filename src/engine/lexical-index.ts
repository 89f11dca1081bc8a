import { findTf, PostingQueue, sortPairsById } from './lexical-postings.js';
import { selectTop } from './lexical-select.js';
import { forEachTerm } from './text-tokens.js';

/**
 * The lexical side of a namespace: an inverted index over the same entries as the ring, ranked
 * by BM25 with window-local statistics.
 *
 * Entries join at the new end and leave at the old end exactly as the ring's slots do, so the
 * index numbers them with a sequence number (`seq`) that grows by one per appended slot; logical
 * ring position p is seq `firstSeq + p`. Each term keeps its postings as a FIFO queue in seq
 * order (= time order): an entry leaving at the old end is the head of every one of its terms'
 * queues, so eviction, expiry and forget_older_than cost O(the entry's distinct terms); a time
 * window is a binary search per queue. A delete by id (`discard`) takes the entry out of the
 * statistics at once and leaves its postings in place, skipped by every query (the ring's
 * tombstone says so), until the entry reaches the old end like every other.
 *
 * Statistics — live entry count, total length (so the average), and per term the number of live
 * entries holding it — change by O(distinct terms) on every append, removal and discard; nothing
 * is recomputed per query.
 */

export interface Bm25Params {
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalisation (0 = none, 1 = full). */
  b: number;
}

export const DEFAULT_BM25: Readonly<Bm25Params> = { k1: 1.2, b: 0.5 };

/** A text as the index stores it: distinct terms, their counts, its length in terms. */
export interface AnalyzedText {
  terms: string[];
  counts: number[];
  length: number;
  /** Estimated heap bytes the index holds for this entry (counted against the memory cap). */
  bytes: number;
}

/**
 * Bytes per distinct term of an entry: its (term id, count) pair in the entry, its posting (seq
 * and count, in a queue that may be up to twice its size) and a share of the term dictionary.
 */
const BYTES_PER_TERM = 8 + 2 * 12 + 16;
const BYTES_PER_ENTRY = 48;

/** Analyses a text for the index (undefined text → an entry with no terms). */
export function analyzeText(text: string | undefined): AnalyzedText {
  const index = new Map<string, number>();
  const terms: string[] = [];
  const counts: number[] = [];
  let length = 0;
  if (text !== undefined) {
    forEachTerm(text, (term) => {
      length++;
      const at = index.get(term);
      if (at === undefined) {
        index.set(term, terms.length);
        terms.push(term);
        counts.push(1);
      } else {
        counts[at] = (counts[at] as number) + 1;
      }
    });
  }
  return { terms, counts, length, bytes: BYTES_PER_ENTRY + BYTES_PER_TERM * terms.length };
}

/** A query resolved against the index: the terms it holds, each with its query count. */
export interface LexicalQuery {
  termIds: Int32Array;
  /** idf × query count per term, under the index's statistics at resolution time. */
  weights: Float64Array;
  /** Terms the analyser found in the query text (0 = nothing searchable: all stop words). */
  analyzedTerms: number;
  /** The BM25 score of an average-length entry holding each query term once: Σ weights. */
  reference: number;
}

/**
 * Where a query may look: logical positions [from, to) of the ring, and which slots to skip.
 * Discarded entries must be skipped through `skip` (the ring's tombstones): their postings stay.
 */
export interface LexicalWindow {
  from: number;
  to: number;
  /** The ring's head slot and row count, to turn a position into a slot. */
  head: number;
  rows: number;
  /** Per slot, non-zero = skip (tombstones, or entries a tag filter rejects). */
  skip: Uint8Array | undefined;
}

export class LexicalIndex {
  readonly params: Bm25Params;
  /** Seq of the oldest entry held (ring position 0) and of the next entry to join. */
  firstSeq = 0;
  nextSeq = 0;
  /** Live entries (held and not discarded) and their total length in terms. */
  liveDocs = 0;
  totalLength = 0;

  private readonly termIds = new Map<string, number>();
  private termNames: string[] = [];
  private postings: (PostingQueue | undefined)[] = [];
  /** Live entries holding each term. */
  private df: number[] = [];
  private freeIds: number[] = [];

  /**
   * Per entry, by seq in a power-of-two circular buffer: [termId, tf] pairs by term id, and the
   * length. Allocated when the first entry with terms arrives: a namespace of raw vectors without
   * text pays nothing here.
   */
  private docTerms: (Uint32Array | undefined)[] = [];
  private docLength = new Uint32Array(0);
  private docMask = -1;

  /** Query scratch: accumulated score per entry (by seq & mask) and the entries touched. */
  private acc = new Float64Array(0);
  private touched = new Int32Array(0);

  constructor(params: Bm25Params = DEFAULT_BM25) {
    this.params = params;
  }

  get heldDocs(): number {
    return this.nextSeq - this.firstSeq;
  }

  /** Number of distinct terms with postings (diagnostics and tests). */
  get termCount(): number {
    return this.termIds.size;
  }

  /** Live entries holding `term` (0 when unknown). */
  docFrequency(term: string): number {
    const id = this.termIds.get(term);
    return id === undefined ? 0 : (this.df[id] as number);
  }

  /** Adds an entry at the new end (the ring just appended a slot). */
  append(doc: AnalyzedText | undefined): void {
    const hasTerms = doc !== undefined && doc.terms.length > 0;
    if (this.docMask < 0 && !hasTerms) {
      // No entry has had terms yet: every held entry is empty, nothing to store.
      this.nextSeq++;
      this.liveDocs++;
      return;
    }
    if (this.docMask < 0 || this.heldDocs === this.docLength.length) this.growDocs();
    const seq = this.nextSeq++;
    const at = seq & this.docMask;
    this.liveDocs++;
    if (!hasTerms) {
      this.docTerms[at] = undefined;
      this.docLength[at] = 0;
      return;
    }
    const n = doc.terms.length;
    const pairs = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const id = this.internTerm(doc.terms[i] as string);
      const tf = doc.counts[i] as number;
      pairs[2 * i] = id;
      pairs[2 * i + 1] = tf;
      (this.postings[id] as PostingQueue).push(seq, tf);
      this.df[id] = (this.df[id] as number) + 1;
    }
    sortPairsById(pairs);
    this.docTerms[at] = pairs;
    this.docLength[at] = doc.length;
    this.totalLength += doc.length;
  }

  /**
   * Removes the oldest entry (the ring is dropping its oldest slot); `wasLive` false when it was
   * discarded earlier (its statistics are already gone).
   */
  removeOldest(wasLive: boolean): void {
    if (this.heldDocs === 0) return;
    const seq = this.firstSeq++;
    if (this.docMask < 0) {
      if (wasLive) this.liveDocs--;
      return;
    }
    const at = seq & this.docMask;
    if (wasLive) this.takeOutOfStats(at);
    const pairs = this.docTerms[at];
    if (pairs) {
      for (let i = 0; i < pairs.length; i += 2) {
        const id = pairs[i] as number;
        const queue = this.postings[id] as PostingQueue;
        queue.shift();
        if (queue.size === 0) this.releaseTerm(id);
      }
    }
    this.docTerms[at] = undefined;
    this.docLength[at] = 0;
  }

  /**
   * Takes the live entry at ring position `position` out of the statistics (a delete by id). Its
   * postings stay; queries skip it because the ring's tombstone is in their skip mask.
   */
  discard(position: number): void {
    if (this.docMask < 0) {
      this.liveDocs--;
      return;
    }
    this.takeOutOfStats((this.firstSeq + position) & this.docMask);
  }

  /** Bytes the index still holds for the entry at `position` (its postings stay until it leaves). */
  heldBytes(position: number): number {
    if (this.docMask < 0) return 0;
    const pairs = this.docTerms[(this.firstSeq + position) & this.docMask];
    return pairs ? BYTES_PER_ENTRY + BYTES_PER_TERM * (pairs.length >>> 1) : 0;
  }

  private takeOutOfStats(at: number): void {
    this.liveDocs--;
    this.totalLength -= this.docLength[at] as number;
    const pairs = this.docTerms[at];
    if (!pairs) return;
    for (let i = 0; i < pairs.length; i += 2) {
      const id = pairs[i] as number;
      this.df[id] = (this.df[id] as number) - 1;
    }
  }

  private internTerm(term: string): number {
    let id = this.termIds.get(term);
    if (id !== undefined) return id;
    id = this.freeIds.pop() ?? this.termNames.length;
    this.termIds.set(term, id);
    this.termNames[id] = term;
    this.postings[id] = new PostingQueue();
    this.df[id] = 0;
    return id;
  }

  private releaseTerm(id: number): void {
    this.termIds.delete(this.termNames[id] as string);
    this.termNames[id] = '';
    this.postings[id] = undefined;
    this.freeIds.push(id);
  }

  private growDocs(): void {
    let cap = Math.max(16, this.docLength.length * 2);
    while (cap <= this.heldDocs) cap *= 2;
    const terms: (Uint32Array | undefined)[] = new Array(cap).fill(undefined);
    const length = new Uint32Array(cap);
    const mask = cap - 1;
    if (this.docMask >= 0) {
      for (let seq = this.firstSeq; seq < this.nextSeq; seq++) {
        const from = seq & this.docMask;
        const to = seq & mask;
        terms[to] = this.docTerms[from];
        length[to] = this.docLength[from] as number;
      }
    }
    this.docTerms = terms;
    this.docLength = length;
    this.docMask = mask;
    this.acc = new Float64Array(cap);
    this.touched = new Int32Array(cap);
  }

  /** Inverse document frequency under the current statistics (Lucene's, never negative). */
  private idf(df: number): number {
    return Math.log(1 + (this.liveDocs - df + 0.5) / (df + 0.5));
  }

  /** Resolves a query text against the current statistics. */
  prepareQuery(text: string): LexicalQuery {
    const doc = analyzeText(text);
    const ids: number[] = [];
    const weights: number[] = [];
    let reference = 0;
    for (let i = 0; i < doc.terms.length; i++) {
      const id = this.termIds.get(doc.terms[i] as string);
      if (id === undefined) continue;
      const df = this.df[id] as number;
      if (df === 0) continue;
      const w = this.idf(df) * (doc.counts[i] as number);
      ids.push(id);
      weights.push(w);
      reference += w;
    }
    return {
      termIds: Int32Array.from(ids),
      weights: Float64Array.from(weights),
      analyzedTerms: doc.terms.length,
      reference,
    };
  }

  /** BM25 term weight of a count `tf` in an entry of `length` terms. */
  private tfWeight(tf: number, length: number, avgLength: number): number {
    const { k1, b } = this.params;
    return (tf * (k1 + 1)) / (tf + k1 * (1 - b + (b / avgLength) * length));
  }

  /**
   * The BM25 top-n of the window: writes slots and scores (best first; ties: newer first) into
   * the caller's arrays and returns how many were found. Only entries holding at least one query
   * term are ranked.
   */
  search(
    query: LexicalQuery,
    window: LexicalWindow,
    n: number,
    outSlots: Int32Array,
    outScores: Float64Array,
  ): number {
    if (query.termIds.length === 0 || this.liveDocs === 0 || window.to <= window.from) return 0;
    const avgLength = this.totalLength / this.liveDocs;
    const fromSeq = this.firstSeq + window.from;
    const toSeq = this.firstSeq + window.to;
    const { head, rows, skip } = window;
    const mask = this.docMask;
    const acc = this.acc;
    const touched = this.touched;
    let nTouched = 0;
    const { k1, b } = this.params;
    const firstSeq = this.firstSeq;
    const docLength = this.docLength;
    // Per posting: w · tf · (k1 + 1) / (tf + k1 · (1 − b + b · len / avg)), with the constant
    // parts hoisted; the arithmetic is the same expression as tfWeight, in the same order.
    const lenScale = b / avgLength;
    for (let q = 0; q < query.termIds.length; q++) {
      const queue = this.postings[query.termIds[q] as number];
      if (!queue) continue;
      const w = query.weights[q] as number;
      const seqs = queue.seqs;
      const tfs = queue.tfs;
      const qmask = seqs.length - 1;
      const qhead = queue.head;
      const size = queue.size;
      for (let i = queue.lowerBound(fromSeq); i < size; i++) {
        const p = (qhead + i) & qmask;
        const seq = seqs[p] as number;
        if (seq >= toSeq) break;
        const pos = seq - firstSeq;
        if (skip) {
          let slot = head + pos;
          if (slot >= rows) slot -= rows;
          if (skip[slot] !== 0) continue;
        }
        const at = seq & mask;
        const tf = tfs[p] as number;
        const add =
          w * ((tf * (k1 + 1)) / (tf + k1 * (1 - b + lenScale * (docLength[at] as number))));
        const prev = acc[at] as number;
        if (prev === 0) touched[nTouched++] = pos;
        acc[at] = prev + add;
      }
    }
    const found = selectTop(acc, touched, nTouched, this.firstSeq, mask, n, outSlots, outScores);
    for (let i = 0; i < nTouched; i++) acc[(this.firstSeq + (touched[i] as number)) & mask] = 0;
    for (let i = 0; i < found; i++) {
      let slot = head + (outSlots[i] as number);
      if (slot >= rows) slot -= rows;
      outSlots[i] = slot;
    }
    return found;
  }

  /** The BM25 score of the entry at ring position `position` for `query` (0 when it holds none). */
  scoreAt(query: LexicalQuery, position: number): number {
    if (this.liveDocs === 0) return 0;
    const at = (this.firstSeq + position) & this.docMask;
    const pairs = this.docTerms[at];
    if (!pairs) return 0;
    const avgLength = this.totalLength / this.liveDocs;
    const length = this.docLength[at] as number;
    let score = 0;
    for (let q = 0; q < query.termIds.length; q++) {
      const tf = findTf(pairs, query.termIds[q] as number);
      if (tf > 0) score += (query.weights[q] as number) * this.tfWeight(tf, length, avgLength);
    }
    return score;
  }
}

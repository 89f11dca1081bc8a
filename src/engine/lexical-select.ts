/**
 * The lexical index's top-n: the best n of a query's touched positions by score, newer first on
 * ties, with a bounded min-heap.
 */

/** Orders (score desc, then newer first). */
function better(scoreA: number, posA: number, scoreB: number, posB: number): boolean {
  return scoreA > scoreB || (scoreA === scoreB && posA > posB);
}

/**
 * The best n of the touched positions into out (positions, scores), best first, with a bounded
 * min-heap: O(touched × log n).
 */
export function selectTop(
  acc: Float64Array,
  touched: Int32Array,
  nTouched: number,
  firstSeq: number,
  mask: number,
  n: number,
  outPos: Int32Array,
  outScores: Float64Array,
): number {
  let size = 0;
  // outPos/outScores hold a min-heap (worst at 0) while selecting. Newest first: postings are in
  // time order, so touched positions mostly ascend, and a tie (common words score alike) then
  // never displaces the heap's worst — oldest first made every tie sift (2.7× slower on 10k ties).
  // The order is total (score, then position), so the result is the same either way.
  for (let t = nTouched - 1; t >= 0; t--) {
    const pos = touched[t] as number;
    const score = acc[(firstSeq + pos) & mask] as number;
    if (size < n) {
      let i = size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!better(outScores[parent] as number, outPos[parent] as number, score, pos)) break;
        outPos[i] = outPos[parent] as number;
        outScores[i] = outScores[parent] as number;
        i = parent;
      }
      outPos[i] = pos;
      outScores[i] = score;
    } else if (better(score, pos, outScores[0] as number, outPos[0] as number)) {
      siftDown(outPos, outScores, size, pos, score);
    }
  }
  // Heap sort: repeatedly move the worst to the end.
  for (let end = size - 1; end > 0; end--) {
    const pos = outPos[end] as number;
    const score = outScores[end] as number;
    outPos[end] = outPos[0] as number;
    outScores[end] = outScores[0] as number;
    siftDown(outPos, outScores, end, pos, score);
  }
  return size;
}

function siftDown(pos: Int32Array, scores: Float64Array, size: number, p: number, s: number): void {
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= size) break;
    let c = l;
    const r = l + 1;
    if (
      r < size &&
      better(scores[l] as number, pos[l] as number, scores[r] as number, pos[r] as number)
    )
      c = r;
    if (!better(s, p, scores[c] as number, pos[c] as number)) break;
    pos[i] = pos[c] as number;
    scores[i] = scores[c] as number;
    i = c;
  }
  pos[i] = p;
  scores[i] = s;
}

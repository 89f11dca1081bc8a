/**
 * ROC AUC as the Mann–Whitney statistic: the probability that a random positive scores above a
 * random negative, ties counting one half. O((p + n) log(p + n)) by ranking. NaN when either
 * side is empty.
 */
export function auroc(positives: readonly number[], negatives: readonly number[]): number {
  const p = positives.length;
  const n = negatives.length;
  if (p === 0 || n === 0) return Number.NaN;
  const all = [
    ...positives.map((s) => ({ s, pos: true })),
    ...negatives.map((s) => ({ s, pos: false })),
  ].sort((a, b) => a.s - b.s);
  let rankSumPos = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.s === all[i]!.s) j++;
    // Tied block i..j-1 shares the mean rank (1-based).
    const meanRank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) if (all[t]!.pos) rankSumPos += meanRank;
    i = j;
  }
  return (rankSumPos - (p * (p + 1)) / 2) / (p * n);
}

export function mean(xs: readonly number[]): number {
  const finite = xs.filter((x) => Number.isFinite(x));
  return finite.length === 0 ? Number.NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}

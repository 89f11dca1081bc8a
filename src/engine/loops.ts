import type { Namespace } from './namespace.js';

/**
 * Loop detection: among the newest M live entries, which ones are near-duplicates (cosine ≥ a
 * threshold) of other recent entries — an agent repeating itself, a retry storm. Entries are
 * grouped greedily in arrival order against each group's first vector: O(M · groups · dim).
 */

export interface LoopGroup {
  /** The newest member's text (what is being repeated). */
  text: string | undefined;
  count: number;
  firstId: number;
  lastId: number;
}

export interface LoopReport {
  /** Live entries looked at (≤ M). */
  recent: number;
  /** Of those, entries with at least one near-duplicate among them. */
  repeated: number;
  /** repeated / recent (0 for an empty window). */
  share: number;
  /** Groups of two or more, largest first. */
  groups: LoopGroup[];
}

export const DEFAULT_LOOP_ENTRIES = 50;

export function detectLoops(
  ns: Namespace,
  entries: number,
  threshold: number,
  maxGroups = 5,
): LoopReport {
  const ring = ns.ring;
  const slots = ring.newestLiveSlots(entries).reverse();
  const groups: { head: number; members: number[] }[] = [];
  for (const slot of slots) {
    // Joins the first group whose first vector it is near (in arrival order).
    const group = groups.find((g) => ring.dotRows(slot, g.head) >= threshold);
    if (group) group.members.push(slot);
    else groups.push({ head: slot, members: [slot] });
  }
  const loops = groups
    .filter((g) => g.members.length >= 2)
    .sort((a, b) => b.members.length - a.members.length);
  const repeated = loops.reduce((n, g) => n + g.members.length, 0);
  return {
    recent: slots.length,
    repeated,
    share: slots.length > 0 ? repeated / slots.length : 0,
    groups: loops.slice(0, maxGroups).map((g) => {
      const last = g.members[g.members.length - 1] as number;
      return {
        text: ring.texts[last],
        count: g.members.length,
        firstId: ring.ids[g.head] as number,
        lastId: ring.ids[last] as number,
      };
    }),
  };
}

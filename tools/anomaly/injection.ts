// The foreign-line injection benchmark's streams: one system's log in file order with lines of
// other systems slipped in at known, seeded positions. Two kinds of foreign lines:
// - single: one line of another system, seen once;
// - recurring: one template of another system that appears 2–5 times (its lines, parameters and
//   all), the later occurrences within `recurSpan` lines of the first — rare but no longer new.
// Host lines are the negatives; every foreign line is a positive.
import { seededRandom } from '../../src/seeded-rows.js';
import type { LogSystem } from './loghub.js';

export type LineKind = 'host' | 'single' | 'recur-first' | 'recur-later';

export interface InjectedStream {
  host: string;
  lines: string[];
  kinds: LineKind[];
  /** For foreign lines: "<system>/<EventId>"; for host lines: the host's EventId. */
  templates: string[];
}

export interface InjectionOptions {
  seed: number;
  /** Single foreign lines (default 20). */
  singles?: number;
  /** Occurrence counts of the recurring foreign templates (default 2, 3, 4, 5, 2, 3, 4, 5). */
  recurCounts?: readonly number[];
  /** No injection before this stream position: the window is still warming up (default 100). */
  warm?: number;
  /** Later occurrences of a recurring template fall within this many lines of the first (default 300). */
  recurSpan?: number;
  /** Use only the first `hostLines` lines of the host (default all). */
  hostLines?: number;
}

export const DEFAULT_RECUR_COUNTS = [2, 3, 4, 5, 2, 3, 4, 5] as const;

interface Placed {
  key: number;
  line: string;
  kind: LineKind;
  template: string;
}

export function buildInjectedStream(
  host: LogSystem,
  others: readonly LogSystem[],
  options: InjectionOptions,
): InjectedStream {
  const rand = seededRandom(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const foreign = others.filter((s) => s.name !== host.name);
  if (foreign.length === 0) throw new Error('injection needs at least one other system');
  const n = Math.min(options.hostLines ?? host.lines.length, host.lines.length);
  const warm = Math.min(options.warm ?? 100, Math.max(0, n - 1));
  const span = options.recurSpan ?? 300;
  const placed: Placed[] = [];
  for (let i = 0; i < n; i++) {
    placed.push({ key: i, line: host.lines[i]!, kind: 'host', template: host.templates[i]! });
  }
  // A fractional key slots a foreign line between two host lines.
  const at = (lo: number, hi: number) => lo + rand() * Math.max(1, hi - lo) + 0.5;
  for (let s = 0; s < (options.singles ?? 20); s++) {
    const sys = pick(foreign);
    const i = Math.floor(rand() * sys.lines.length);
    placed.push({
      key: at(warm, n),
      line: sys.lines[i]!,
      kind: 'single',
      template: `${sys.name}/${sys.templates[i]}`,
    });
  }
  for (const count of options.recurCounts ?? DEFAULT_RECUR_COUNTS) {
    const sys = pick(foreign);
    const template = sys.templates[Math.floor(rand() * sys.lines.length)]!;
    const members = sys.lines.filter((_, i) => sys.templates[i] === template);
    const first = at(warm, Math.max(warm + 1, n - span));
    const keys = [first];
    for (let r = 1; r < count; r++) keys.push(first + 1e-3 + rand() * span);
    keys.sort((a, b) => a - b);
    keys.forEach((key, r) => {
      placed.push({
        key,
        // Its own lines in turn (different parameters), repeating only when it has too few.
        line: members[r % members.length]!,
        kind: r === 0 ? 'recur-first' : 'recur-later',
        template: `${sys.name}/${template}`,
      });
    });
  }
  placed.sort((a, b) => a.key - b.key);
  return {
    host: host.name,
    lines: placed.map((p) => p.line),
    kinds: placed.map((p) => p.kind),
    templates: placed.map((p) => p.template),
  };
}

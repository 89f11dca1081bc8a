import { formatDuration } from '../../time.js';
import type { ToolContext } from '../context.js';
import { seconds } from '../tool-result.js';

/** The compact window summary several tools return. */
export function windowOf(ctx: ToolContext, namespace: string) {
  const s = ctx.memory.stats(namespace)[0];
  return {
    count: s?.count ?? 0,
    capacity: s?.capacity ?? ctx.memory.engine.defaults.capacity,
    ttl_seconds: seconds(s ? s.ttlMs : nullIfInfinite(ctx.memory.engine.defaults.ttlMs)),
    oldest_age_seconds: seconds(s?.oldestAgeMs ?? null),
  };
}

function nullIfInfinite(ms: number): number | null {
  return Number.isFinite(ms) ? ms : null;
}

/** The window summary as text: "window 12/10000 entries, ttl 1d, oldest 5m ago". */
export function renderWindow(w: ReturnType<typeof windowOf>): string {
  const ttl = w.ttl_seconds === null ? 'no ttl' : `ttl ${formatDuration(w.ttl_seconds * 1000)}`;
  const oldest =
    w.oldest_age_seconds === null
      ? 'empty'
      : `oldest ${formatDuration(w.oldest_age_seconds * 1000)} ago`;
  return `window ${w.count}/${w.capacity} entries, ${ttl}, ${oldest}`;
}

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

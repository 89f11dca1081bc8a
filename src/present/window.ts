import type { WindowSummary } from '../memory.js';
import { formatDuration } from '../time.js';
import { seconds } from './numbers.js';

/** The compact window summary several tools return. */
export function windowFields(w: WindowSummary) {
  return {
    count: w.count,
    capacity: w.capacity,
    ttl_seconds: seconds(w.ttlMs),
    oldest_age_seconds: seconds(w.oldestAgeMs),
  };
}

/** The window summary as text: "window 12/10000 entries, ttl 1d, oldest 5m ago". */
export function renderWindow(w: ReturnType<typeof windowFields>): string {
  const ttl = w.ttl_seconds === null ? 'no ttl' : `ttl ${formatDuration(w.ttl_seconds * 1000)}`;
  const oldest =
    w.oldest_age_seconds === null
      ? 'empty'
      : `oldest ${formatDuration(w.oldest_age_seconds * 1000)} ago`;
  return `window ${w.count}/${w.capacity} entries, ${ttl}, ${oldest}`;
}

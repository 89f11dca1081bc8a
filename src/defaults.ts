/**
 * The one source of the defaults and bounds of what a memory holds. config.ts shows and parses
 * them as the server's settings (so `--help`, the README table, `createMemory` and the server
 * agree), and the engine falls back to them for options it is not given.
 */
export const DEFAULTS = {
  /** Entries per namespace. */
  capacity: 10_000,
  /** Max age of an entry (ms). */
  ttlMs: 24 * 3_600_000,
  /** Namespaces the whole memory may hold. */
  maxNamespaces: 100,
  /** Bytes all namespaces may hold together. */
  maxBytes: 1024 ** 3,
  /** Exact centroid re-sum after this many updates per namespace (drift guard). */
  resumEvery: 1 << 20,
  /** Largest capacity a namespace may have. */
  maxCapacity: 10_000_000,
} as const;

/**
 * A bare `MemoryEngine` (a building block: tests, replays, callers with their own clock) has no
 * time policy of its own — entries stay until evicted or forgotten — so its one difference from
 * DEFAULTS is the TTL. Every front end passes the configured TTL explicitly.
 */
export const ENGINE_DEFAULTS = { ...DEFAULTS, ttlMs: Number.POSITIVE_INFINITY } as const;

import type { ServerConfig } from '../config.js';

/**
 * The daemon socket's first exchange. A connecting process sends one `hello` line naming its
 * role; the daemon answers one `welcome` line. After that an `mcp` connection carries MCP
 * JSON-RPC lines both ways (exactly what stdio carries), and a `control` connection carries
 * one request line and one reply line (`ringmem daemon status|stop`).
 */
export interface Hello {
  ringmem: 'hello';
  role: 'mcp' | 'control';
  version: string;
}

export interface Welcome {
  ringmem: 'welcome';
  pid: number;
  version: string;
  startedAt: string;
  /** The daemon's settings (no secrets), for fronts to compare with their own. */
  settings: Record<string, unknown>;
}

export type ControlRequest = { op: 'status' } | { op: 'stop' };

export interface DaemonStatus {
  pid: number;
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  clients: number;
  socket: string;
  model: { id: string; status: string };
  namespaces: { namespace: string; count: number; bytes: number }[];
  totalBytes: number;
  persistence: Record<string, unknown> | null;
  settings: Record<string, unknown>;
}

/** Settings a front may disagree with: everything that shapes the daemon's memory. */
const SHARED_KEYS = [
  'capacity',
  'ttlMs',
  'maxNamespaces',
  'maxBytes',
  'maxTextBytes',
  'model',
  'kernel',
  'precision',
  'persistDir',
  'fsync',
  'compactIntervalMs',
] as const satisfies readonly (keyof ServerConfig)[];

/** The comparable settings of a configuration, JSON-safe (Infinity becomes "none"). */
export function sharedSettings(config: ServerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of SHARED_KEYS) {
    const v = config[key];
    out[key] = typeof v === 'number' && !Number.isFinite(v) ? 'none' : (v ?? null);
  }
  return out;
}

/** Lines describing where `mine` (only the keys the front set explicitly) differs from the daemon's. */
export function settingDifferences(
  mine: Record<string, unknown>,
  explicit: ReadonlySet<string>,
  daemon: Record<string, unknown>,
): string[] {
  const out: string[] = [];
  for (const key of Object.keys(mine)) {
    if (!explicit.has(key)) continue;
    if (JSON.stringify(mine[key]) !== JSON.stringify(daemon[key])) {
      out.push(
        `${key}: this front asked for ${JSON.stringify(mine[key])}, the daemon uses ${JSON.stringify(daemon[key])}`,
      );
    }
  }
  return out;
}

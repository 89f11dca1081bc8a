import { resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { DURATION_HELP, parseDuration } from './mcp/time.js';

/**
 * Server configuration from command-line flags and environment variables. Every setting is
 * declared once here (flag, variable, default, what it accepts) so that parsing, `--help` and
 * the README's configuration table cannot drift apart.
 */

const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const sizeUnits: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * (sizeUnits[(m[2] ?? 'b').toLowerCase()] as number));
}

const intIn = (min: number, max: number) =>
  z.coerce
    .number({ error: `expected an integer from ${min} to ${max}` })
    .int(`expected an integer from ${min} to ${max}`)
    .min(min, `expected an integer from ${min} to ${max}`)
    .max(max, `expected an integer from ${min} to ${max}`);

const bytesIn = (min: number, max: number, help: string) =>
  z.string().transform((text, ctx) => {
    const n = parseBytes(text);
    if (n === undefined || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: help });
      return z.NEVER;
    }
    return n;
  });

const ttl = z.string().transform((text, ctx) => {
  const t = text.trim().toLowerCase();
  if (t === 'none' || t === 'off' || t === '0' || t === 'infinity') return Number.POSITIVE_INFINITY;
  const ms = parseDuration(t);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `expected ${DURATION_HELP}, or "none"` });
    return z.NEVER;
  }
  return ms;
});

export interface SettingSpec {
  key: keyof ServerConfig;
  flag: string;
  env: string;
  default: string;
  accepts: string;
  description: string;
  schema: z.ZodType;
}

export const SETTINGS: SettingSpec[] = [
  {
    key: 'capacity',
    flag: '--capacity',
    env: 'RINGMEM_CAPACITY',
    default: '10000',
    accepts: 'integer 1–10000000',
    description: 'Entries per namespace; when full, the oldest is overwritten.',
    schema: intIn(1, 10_000_000),
  },
  {
    key: 'ttlMs',
    flag: '--ttl',
    env: 'RINGMEM_TTL',
    default: '24h',
    accepts: 'duration (90s, 10m, 2h, 1d) or "none"',
    description: 'Entries older than this are invisible and dropped.',
    schema: ttl,
  },
  {
    key: 'maxNamespaces',
    flag: '--max-namespaces',
    env: 'RINGMEM_MAX_NAMESPACES',
    default: '100',
    accepts: 'integer 1–100000',
    description: 'Server-wide cap on namespaces.',
    schema: intIn(1, 100_000),
  },
  {
    key: 'maxBytes',
    flag: '--max-bytes',
    env: 'RINGMEM_MAX_BYTES',
    default: '1GB',
    accepts: 'size 1MB–64GB (b, kb, mb, gb)',
    description: 'Server-wide cap on memory held by all namespaces.',
    schema: bytesIn(1024 ** 2, 64 * 1024 ** 3, 'expected a size from 1MB to 64GB such as "512MB"'),
  },
  {
    key: 'maxTextBytes',
    flag: '--max-text-bytes',
    env: 'RINGMEM_MAX_TEXT_BYTES',
    default: '32kb',
    accepts: 'size 1kb–1mb',
    description: 'Largest text (UTF-8) accepted by remember / recall / anomaly_score.',
    schema: bytesIn(1024, 1024 ** 2, 'expected a size from 1kb to 1mb such as "32kb"'),
  },
  {
    key: 'model',
    flag: '--model',
    env: 'RINGMEM_MODEL',
    default: 'auto',
    accepts: 'auto, a model id (ringmem models list) or a model directory',
    description:
      'Embedding model; auto = RINGMEM_MODEL_DIR if set, else the built-in model, else a downloaded one.',
    schema: z.string().min(1, 'expected a model id or a directory'),
  },
  {
    key: 'kernel',
    flag: '--kernel',
    env: 'RINGMEM_KERNEL',
    default: 'auto',
    accepts: 'auto | native | js',
    description: 'Scan kernel: native SIMD addon, or the JS fallback.',
    schema: z.enum(['auto', 'native', 'js'], { error: 'expected one of auto, native, js' }),
  },
  {
    key: 'logLevel',
    flag: '--log-level',
    env: 'RINGMEM_LOG_LEVEL',
    default: 'info',
    accepts: LOG_LEVELS.join(' | '),
    description: 'Least severe log level written to stderr.',
    schema: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }),
  },
  {
    key: 'host',
    flag: '--host',
    env: 'RINGMEM_HOST',
    default: '127.0.0.1',
    accepts: 'an interface address',
    description: 'HTTP mode: address to listen on (loopback by default).',
    schema: z.string().min(1, 'expected an address such as 127.0.0.1'),
  },
  {
    key: 'port',
    flag: '--port',
    env: 'RINGMEM_PORT',
    default: '8787',
    accepts: 'integer 0–65535 (0 = any free port)',
    description: 'HTTP mode: port.',
    schema: intIn(0, 65_535),
  },
  {
    key: 'allowedOrigins',
    flag: '--allowed-origins',
    env: 'RINGMEM_ALLOWED_ORIGINS',
    default: '',
    accepts: 'comma-separated origins, e.g. https://app.example',
    description: 'HTTP mode: browser origins allowed besides loopback ones.',
    schema: z.string().transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  },
  {
    key: 'maxBodyBytes',
    flag: '--max-body-bytes',
    env: 'RINGMEM_MAX_BODY_BYTES',
    default: '4mb',
    accepts: 'size 1kb–64mb',
    description: 'HTTP mode: largest request body.',
    schema: bytesIn(1024, 64 * 1024 ** 2, 'expected a size from 1kb to 64mb such as "4mb"'),
  },
  // Durable memory (src/persist): off unless a directory is given.
  {
    key: 'persistDir',
    flag: '--persist',
    env: 'RINGMEM_PERSIST_DIR',
    default: '',
    accepts: 'directory (created 0700), or empty for RAM only',
    description:
      'Keep memory on disk here so it survives restarts (README, "Sharing and durability").',
    schema: z.string().transform((s) => (s.trim() === '' ? undefined : resolvePath(s.trim()))),
  },
  {
    key: 'fsync',
    flag: '--fsync',
    env: 'RINGMEM_FSYNC',
    default: 'interval',
    accepts: 'always | interval | never',
    description:
      'With --persist: flush the log to disk on every write, once a second, or when the OS decides.',
    schema: z.enum(['always', 'interval', 'never'], {
      error: 'expected one of always, interval, never',
    }),
  },
  {
    key: 'compactIntervalMs',
    flag: '--compact-interval',
    env: 'RINGMEM_COMPACT_INTERVAL',
    default: '5m',
    accepts: 'duration 1s–1d',
    description:
      'With --persist: how soon forgotten and expired entries leave the files (snapshot rewrite).',
    schema: z.string().transform((text, ctx) => {
      const ms = parseDuration(text.trim().toLowerCase());
      if (ms === undefined || ms < 1000 || ms > 86_400_000) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration from 1s to 1d such as "5m"' });
        return z.NEVER;
      }
      return ms;
    }),
  },
];

export interface ServerConfig {
  capacity: number;
  ttlMs: number;
  maxNamespaces: number;
  maxBytes: number;
  maxTextBytes: number;
  model: string;
  kernel: 'auto' | 'native' | 'js';
  logLevel: LogLevel;
  host: string;
  port: number;
  allowedOrigins: string[];
  maxBodyBytes: number;
  /** Durable memory directory (absolute), or undefined for RAM only. */
  persistDir: string | undefined;
  fsync: 'always' | 'interval' | 'never';
  compactIntervalMs: number;
  /** HTTP mode: bearer token clients must send; from RINGMEM_TOKEN only (never a flag: argv is visible to other users). */
  token: string | undefined;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Resolves every setting: flag, else environment variable, else default. `flags` maps flag names
 * (with dashes) to their string values. Throws a ConfigError naming the setting, the value and
 * what is accepted.
 */
export function loadConfig(
  flags: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv,
): ServerConfig {
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const fromFlag = flags[spec.flag];
    const fromEnv = env[spec.env];
    const raw = fromFlag ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : spec.default);
    const source =
      fromFlag !== undefined
        ? spec.flag
        : fromEnv !== undefined && fromEnv !== ''
          ? spec.env
          : 'default';
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      const why = parsed.error.issues[0]?.message ?? 'invalid value';
      throw new ConfigError(
        `${source === 'default' ? spec.flag : source}=${JSON.stringify(raw)} is invalid: ${why} (${spec.description})`,
      );
    }
    out[spec.key] = parsed.data;
  }
  const token = env.RINGMEM_TOKEN;
  out.token = token !== undefined && token !== '' ? token : undefined;
  return out as unknown as ServerConfig;
}

import { resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { DEFAULTS } from './defaults.js';
import {
  bytesIn,
  commaList,
  durationIn,
  intIn,
  isOrigin,
  type PrecisionSetting,
  precisionList,
  ttl,
} from './setting-values.js';

export type { PrecisionSetting };

/**
 * Server configuration from command-line flags and environment variables. Every setting is
 * declared once here (flag, variable, default, what it accepts) so that parsing, `--help` and
 * the README's configuration table cannot drift apart.
 */

const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
    default: String(DEFAULTS.capacity),
    accepts: `integer 1–${DEFAULTS.maxCapacity}`,
    description: 'Entries per namespace; when full, the oldest is overwritten.',
    schema: intIn(1, DEFAULTS.maxCapacity),
  },
  {
    key: 'ttlMs',
    flag: '--ttl',
    env: 'RINGMEM_TTL',
    default: `${DEFAULTS.ttlMs / 3_600_000}h`,
    accepts: 'duration (90s, 10m, 2h, 1d) or "none"',
    description: 'Entries older than this are invisible and dropped.',
    schema: ttl,
  },
  {
    key: 'maxNamespaces',
    flag: '--max-namespaces',
    env: 'RINGMEM_MAX_NAMESPACES',
    default: String(DEFAULTS.maxNamespaces),
    accepts: 'integer 1–100000',
    description: 'Server-wide cap on namespaces.',
    schema: intIn(1, 100_000),
  },
  {
    key: 'maxBytes',
    flag: '--max-bytes',
    env: 'RINGMEM_MAX_BYTES',
    default: `${DEFAULTS.maxBytes / 1024 ** 3}GB`,
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
    key: 'precision',
    flag: '--precision',
    env: 'RINGMEM_PRECISION',
    default: 'f32',
    accepts: 'f32|f16|int8, optionally followed by name=precision items: f16,logs=int8',
    description:
      'How vectors are stored: f32 exact; f16 half the bytes; int8 scans a quarter of the bytes and rescores from an f16 copy (README, "Vector precision").',
    schema: precisionList,
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
    schema: commaList(
      (o) => o,
      isOrigin,
      (bad) =>
        `${JSON.stringify(bad)} is not an origin: expected scheme://host[:port] such as https://app.example`,
    ).transform((origins) => origins.map((o) => new URL(o).origin)),
  },
  {
    key: 'maxBodyBytes',
    flag: '--max-body-bytes',
    env: 'RINGMEM_MAX_BODY_BYTES',
    default: '64mb',
    accepts: 'size 1kb–256mb',
    description:
      'Largest request: one HTTP body or one stdio line. The default fits the largest remember the tool limits allow, every character escaped.',
    schema: bytesIn(1024, 256 * 1024 ** 2, 'expected a size from 1kb to 256mb such as "64mb"'),
  },
  {
    key: 'maxReplyBytes',
    flag: '--max-reply-bytes',
    env: 'RINGMEM_MAX_REPLY_BYTES',
    default: '4mb',
    accepts: 'size 64kb–64mb',
    description:
      'Largest tool reply; longer texts are cut in the text rendering, then the lowest hits dropped, and the reply says so.',
    schema: bytesIn(64 * 1024, 64 * 1024 ** 2, 'expected a size from 64kb to 64mb such as "4mb"'),
  },
  {
    key: 'maxSessions',
    flag: '--max-sessions',
    env: 'RINGMEM_MAX_SESSIONS',
    default: '256',
    accepts: 'integer 1–100000',
    description:
      'HTTP mode: open sessions; at the cap the least recently used idle one is closed for a new one.',
    schema: intIn(1, 100_000),
  },
  {
    key: 'sessionIdleMs',
    flag: '--session-idle',
    env: 'RINGMEM_SESSION_IDLE',
    default: '30m',
    accepts: 'duration 10s–7d',
    description: 'HTTP mode: a session unused this long is closed.',
    schema: durationIn(10_000, 7 * 86_400_000, 'expected a duration from 10s to 7d such as "30m"'),
  },
  {
    key: 'allowedHosts',
    flag: '--allowed-hosts',
    env: 'RINGMEM_ALLOWED_HOSTS',
    default: '',
    accepts: 'comma-separated host names, e.g. memory.lan',
    description:
      "HTTP mode: Host header names allowed besides loopback, the bound address and (bound to 0.0.0.0 / ::) this machine's own names and addresses.",
    schema: commaList(
      (h) => h.toLowerCase(),
      (h) => /^(?:[a-z0-9_.-]+|\[[0-9a-f:.]+\])$/.test(h),
      (bad) =>
        `${JSON.stringify(bad)} is not a host name: expected names such as memory.lan or 10.0.0.5, without scheme or port`,
    ),
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
    schema: durationIn(1000, 86_400_000, 'expected a duration from 1s to 1d such as "5m"'),
  },
  // Fleet mode (src/fleet): off unless a Redis URL is given.
  {
    key: 'redisUrl',
    flag: '--redis',
    env: 'RINGMEM_REDIS_URL',
    default: '',
    accepts: 'redis://[user[:password]@]host[:port][/db] or rediss://…, or empty for no fleet',
    description:
      'Share one memory with every node on this Redis (README, "Fleet"); the password is better given in RINGMEM_REDIS_PASSWORD.',
    schema: z.string().transform((s, ctx) => {
      const url = s.trim();
      if (url === '') return undefined;
      let protocol = '';
      try {
        protocol = new URL(url).protocol;
      } catch {}
      if (protocol !== 'redis:' && protocol !== 'rediss:') {
        ctx.addIssue({
          code: 'custom',
          message: 'expected a redis:// or rediss:// URL such as redis://10.0.0.5:6379',
        });
        return z.NEVER;
      }
      return url;
    }),
  },
  {
    key: 'redisPrefix',
    flag: '--redis-prefix',
    env: 'RINGMEM_REDIS_PREFIX',
    default: 'ringmem:',
    accepts: 'key prefix, 1–100 characters without spaces',
    description: 'With --redis: prefix of every key ringmem uses (one fleet per prefix).',
    schema: z.string().regex(/^\S{1,100}$/, 'expected 1–100 characters without spaces'),
  },
];

export interface ServerConfig {
  capacity: number;
  ttlMs: number;
  maxNamespaces: number;
  maxBytes: number;
  maxTextBytes: number;
  precision: PrecisionSetting;
  model: string;
  kernel: 'auto' | 'native' | 'js';
  logLevel: LogLevel;
  host: string;
  port: number;
  allowedOrigins: string[];
  maxBodyBytes: number;
  maxReplyBytes: number;
  maxSessions: number;
  sessionIdleMs: number;
  allowedHosts: string[];
  /** Durable memory directory (absolute), or undefined for RAM only. */
  persistDir: string | undefined;
  fsync: 'always' | 'interval' | 'never';
  compactIntervalMs: number;
  /** Fleet mode: the Redis URL, or undefined. */
  redisUrl: string | undefined;
  redisPrefix: string;
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

/** A setting given by a caller: its value and where it came from (a flag, an option name). */
export interface GivenSetting {
  value: string | number;
  source: string;
}

/**
 * Resolves every setting: the given value, else the environment variable, else the default.
 * Throws a ConfigError naming the setting, the value and what is accepted.
 */
export function resolveConfig(
  given: Partial<Record<keyof ServerConfig, GivenSetting>>,
  env: NodeJS.ProcessEnv,
): ServerConfig {
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const fromCaller = given[spec.key];
    const fromEnv = env[spec.env];
    const hasEnv = fromEnv !== undefined && fromEnv !== '';
    const raw = fromCaller?.value ?? (hasEnv ? fromEnv : spec.default);
    const source = fromCaller?.source ?? (hasEnv ? spec.env : 'default');
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      const why = parsed.error.issues[0]?.message ?? 'invalid value';
      throw new ConfigError(
        `${source === 'default' ? spec.flag : source}=${typeof raw === 'string' ? JSON.stringify(raw) : String(raw)} is invalid: ${why} (${spec.description})`,
      );
    }
    out[spec.key] = parsed.data;
  }
  const token = env.RINGMEM_TOKEN;
  out.token = token !== undefined && token !== '' ? token : undefined;
  return out as unknown as ServerConfig;
}

/**
 * Resolves every setting from command-line flags: `flags` maps flag names (with dashes) to their
 * string values; the rest come from the environment, then the defaults (see resolveConfig).
 */
export function loadConfig(
  flags: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv,
): ServerConfig {
  const given: Partial<Record<keyof ServerConfig, GivenSetting>> = {};
  for (const spec of SETTINGS) {
    const value = flags[spec.flag];
    if (value !== undefined) given[spec.key] = { value, source: spec.flag };
  }
  return resolveConfig(given, env);
}

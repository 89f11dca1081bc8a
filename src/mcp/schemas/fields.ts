import { z } from 'zod';
import { NAMESPACE_PATTERN } from '../../engine/index.js';
import {
  DURATION_HELP,
  DURATION_RANGE_HELP,
  INSTANT_HELP,
  INSTANT_RANGE_HELP,
  MAX_DURATION_MS,
  MAX_INSTANT_MS,
  MIN_INSTANT_MS,
  parseDuration,
  parseInstant,
} from '../../time.js';

/**
 * The vocabulary the tool schemas share: the server's limits, and the schemas of texts, namespaces,
 * tags, metadata, durations and instants, each with the error that says what is accepted.
 */

export interface ToolLimits {
  maxTextBytes: number;
  maxBatch: number;
  maxTags: number;
  maxTagLength: number;
  maxMetadataBytes: number;
  maxK: number;
  maxIds: number;
  /** All texts of one remember together (UTF-8): keeps the largest request within --max-body-bytes. */
  maxBatchBytes: number;
  /** One tool reply (text rendering and structured content) as JSON: see src/mcp/reply-fit.ts. */
  maxReplyBytes: number;
}

export const DEFAULT_LIMITS: ToolLimits = {
  maxTextBytes: 32 * 1024,
  maxBatch: 256,
  maxTags: 16,
  maxTagLength: 64,
  maxMetadataBytes: 4096,
  maxK: 100,
  maxIds: 1000,
  maxBatchBytes: 8 * 1024 ** 2,
  maxReplyBytes: 4 * 1024 ** 2,
};

/** Keys that would set or shadow an object's prototype machinery instead of being plain data. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const RESERVED_KEY_MESSAGE =
  'metadata keys __proto__, constructor and prototype are reserved: rename the key';

/**
 * The reserved key a raw (JSON-parsed) metadata object holds, if any. zod's record silently drops
 * `__proto__` before any check sees it, so the MCP layer asks this of the raw arguments.
 */
export function reservedMetadataKey(metadata: unknown): string | undefined {
  if (metadata === null || typeof metadata !== 'object') return undefined;
  return Object.keys(metadata).find((k) => RESERVED_KEYS.has(k));
}

export const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * Input schemas depend only on the limits, and buildServer runs once per HTTP session (per request
 * when stateless): build each schema once per distinct limits instead. zod schemas are immutable.
 */
export function perLimits<T>(build: (limits: ToolLimits) => T): (limits: ToolLimits) => T {
  const built = new Map<string, T>();
  return (limits) => {
    const key = JSON.stringify(limits);
    let schema = built.get(key);
    if (schema === undefined) {
      schema = build(limits);
      built.set(key, schema);
    }
    return schema;
  };
}

export function textSchema(limits: ToolLimits, what = 'text') {
  return z
    .string({ error: `${what} must be a string` })
    .refine((s) => s.trim().length > 0, {
      message: `${what} is empty: give at least one non-whitespace character`,
    })
    .refine((s) => utf8Bytes(s) <= limits.maxTextBytes, {
      message: `${what} is longer than ${limits.maxTextBytes} bytes (UTF-8): split it or raise --max-text-bytes`,
    });
}

export const namespaceName = z
  .string({ error: 'namespace must be a string' })
  .regex(NAMESPACE_PATTERN, 'namespace must be 1–64 characters from A–Z, a–z, 0–9 and . _ : -');

export const namespaceSchema = namespaceName
  .default('default')
  .describe('Memory namespace (an independent window). Default "default".');

export function tagsSchema(limits: ToolLimits) {
  return z
    .array(
      z
        .string({ error: 'each tag must be a string' })
        .min(1, 'tags must not be empty strings')
        .max(limits.maxTagLength, `a tag has at most ${limits.maxTagLength} characters`),
      { error: 'tags must be an array of strings' },
    )
    .max(limits.maxTags, `at most ${limits.maxTags} tags`);
}

export function metadataSchema(limits: ToolLimits) {
  return z
    .record(
      z.string().refine((k) => !RESERVED_KEYS.has(k), { message: RESERVED_KEY_MESSAGE }),
      z.union([z.string(), z.number(), z.boolean(), z.null()], {
        error: 'metadata values must be strings, numbers, booleans or null (flat, no nesting)',
      }),
      { error: 'metadata must be an object of flat key/value pairs' },
    )
    .refine((m) => utf8Bytes(JSON.stringify(m)) <= limits.maxMetadataBytes, {
      message: `metadata is larger than ${limits.maxMetadataBytes} bytes as JSON`,
    })
    .refine((m) => Object.values(m).every((v) => typeof v !== 'number' || Number.isFinite(v)), {
      message: 'metadata numbers must be finite',
    });
}

const metadataValue = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: 'metadata values must be strings, numbers, booleans or null (flat, no nesting)',
});

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Metadata as tools take it: a list of `{ key, value }` pairs. An open-ended object cannot be
 * expressed in OpenAI's strict tool schemas (every object there lists its properties), so agents
 * in strict mode could not send metadata at all; a list of closed pairs converts everywhere.
 * A plain object is still accepted for clients written against the earlier form (the JSON Schema
 * shows the pairs only). Both forms end in the same record and the same record rules.
 */
export function metadataInputSchema(limits: ToolLimits) {
  const pairs = z
    .array(
      z.strictObject(
        {
          key: z.string({ error: 'each metadata key must be a string' }).describe('Metadata key.'),
          value: metadataValue.describe('A string, number, boolean or null.'),
        },
        { error: 'metadata must be a list of {"key", "value"} pairs' },
      ),
      {
        error:
          'metadata must be a list of {"key": string, "value": string|number|boolean|null} pairs',
      },
    )
    .refine((list) => new Set(list.map((p) => p.key)).size === list.length, {
      message: 'a metadata key appears twice: give each key once',
    })
    .transform((list) => Object.fromEntries(list.map((p) => [p.key, p.value])))
    .pipe(metadataSchema(limits));
  return z.preprocess(
    (v) => (isPlainObject(v) ? Object.entries(v).map(([key, value]) => ({ key, value })) : v),
    pairs,
  );
}

export const durationSchema = z
  .string({ error: `expected ${DURATION_HELP}` })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not ${DURATION_HELP}` });
      return z.NEVER;
    }
    if (ms > MAX_DURATION_MS) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is ${DURATION_RANGE_HELP}` });
      return z.NEVER;
    }
    return ms;
  });

export const instantSchema = z
  .string({ error: `expected ${INSTANT_HELP}` })
  .transform((text, ctx) => {
    const ms = parseInstant(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not ${INSTANT_HELP}` });
      return z.NEVER;
    }
    if (ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is ${INSTANT_RANGE_HELP}` });
      return z.NEVER;
    }
    return ms;
  });

import { z } from 'zod';
import { NAMESPACE_PATTERN } from '../engine/index.js';
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
} from './time.js';

/**
 * Input and output schemas of every MCP tool. They are built from the server's limits (text size
 * is configurable) and are the single source for validation, the JSON Schema clients see, and
 * the README's tool reference.
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

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * Input schemas depend only on the limits, and buildServer runs once per HTTP session (per request
 * when stateless): build each schema once per distinct limits instead. zod schemas are immutable.
 */
function perLimits<T>(build: (limits: ToolLimits) => T): (limits: ToolLimits) => T {
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

const namespaceName = z
  .string({ error: 'namespace must be a string' })
  .regex(NAMESPACE_PATTERN, 'namespace must be 1–64 characters from A–Z, a–z, 0–9 and . _ : -');

export const namespaceSchema = namespaceName
  .default('default')
  .describe('Memory namespace (an independent window). Default "default".');

function tagsSchema(limits: ToolLimits) {
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

function metadataSchema(limits: ToolLimits) {
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
function metadataInputSchema(limits: ToolLimits) {
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

export const rememberInput = perLimits(function rememberInput(limits: ToolLimits) {
  return z
    .strictObject({
      text: textSchema(limits).optional().describe('One text to remember.'),
      texts: z
        .array(textSchema(limits, 'each text'), { error: 'texts must be an array of strings' })
        .min(1, 'texts must hold at least one text')
        .max(limits.maxBatch, `at most ${limits.maxBatch} texts per call`)
        .refine((texts) => texts.reduce((n, t) => n + utf8Bytes(t), 0) <= limits.maxBatchBytes, {
          message: `texts together are longer than ${limits.maxBatchBytes} bytes (UTF-8): split the batch into several calls`,
        })
        .optional()
        .describe(`Several texts at once (at most ${limits.maxBatch}).`),
      namespace: namespaceSchema,
      tags: tagsSchema(limits).optional().describe(`Up to ${limits.maxTags} tags for filtering.`),
      metadata: metadataInputSchema(limits)
        .optional()
        .describe(
          `Flat metadata as key/value pairs, e.g. [{"key": "source", "value": "ci"}]; a plain object {"source": "ci"} is accepted too (≤ ${limits.maxMetadataBytes} bytes as JSON).`,
        ),
    })
    .refine((v) => (v.text === undefined) !== (v.texts === undefined), {
      message: 'give exactly one of "text" (a string) or "texts" (an array of strings)',
    });
});

/** The fields of `anomalyFields` (src/anomaly-fields.ts): one shape wherever a score is shown. */
export const anomalyOut = z.object({
  score: z
    .number()
    .describe('Calibrated 0…1: 0.5 = rarer than all but 2% of what this window saw arrive'),
  verdict: z.enum(['anomaly', 'repeat', 'normal', 'warming_up']),
  is_anomaly: z.boolean().describe('score ≥ 0.5 once the window is warm'),
  alarm: z.boolean().describe('An anomaly that is not a repeat of a recent one'),
  warming_up: z.boolean(),
  repeat_of: z
    .object({ id: z.number().int(), count: z.number().int() })
    .nullable()
    .describe('The recent anomaly this repeats, and the burst length so far'),
  raw: z.number().describe('Uncalibrated rarity'),
  percentile: z.number().nullable().describe("Share of the window's arrival scores below this one"),
  centroid_similarity: z.number().nullable(),
  z_score: z.number().nullable(),
  nearest_similarity: z.number().nullable(),
  nearest_id: z.number().int().nullable(),
  kth_similarity: z.number().nullable().describe('Similarity of the k-th nearest memory'),
  k: z.number().int(),
  dense_count: z.number().int().describe('Near-duplicates among the k nearest'),
  calibration_count: z.number().int(),
  window_size: z.number().int(),
});

const windowOut = z.object({
  count: z.number().int(),
  capacity: z.number().int(),
  ttl_seconds: z.number().nullable(),
  oldest_age_seconds: z.number().nullable(),
});

export const rememberOutput = z.object({
  namespace: z.string(),
  ids: z.array(z.number().int()),
  stored: z.number().int(),
  evicted: z.number().int(),
  expired: z.number().int(),
  items: z.array(z.object({ id: z.number().int(), truncated: z.boolean(), anomaly: anomalyOut })),
  window: windowOut,
});

export const recallInput = perLimits(function recallInput(limits: ToolLimits) {
  return z
    .strictObject({
      query: textSchema(limits, 'query').describe('What to look for, in natural language.'),
      k: z
        .number({ error: `k must be an integer from 1 to ${limits.maxK}` })
        .int(`k must be an integer from 1 to ${limits.maxK}`)
        .min(1, `k must be an integer from 1 to ${limits.maxK}`)
        .max(limits.maxK, `k must be an integer from 1 to ${limits.maxK}`)
        .default(5)
        .describe(`How many memories to return (1–${limits.maxK}, default 5).`),
      namespace: namespaceSchema,
      tags: tagsSchema(limits).optional().describe('Only memories with these tags.'),
      tag_mode: z
        .enum(['any', 'all'], { error: 'tag_mode must be "any" or "all"' })
        .default('any')
        .describe('"any": at least one of the tags (default); "all": every tag.'),
      within: durationSchema
        .optional()
        .describe('Only memories younger than this, e.g. "10m", "2h", "1d".'),
      since: instantSchema.optional().describe('Only memories at or after this ISO 8601 time.'),
      until: instantSchema.optional().describe('Only memories at or before this ISO 8601 time.'),
      mode: z
        .enum(['hybrid', 'semantic', 'lexical'], {
          error: 'mode must be "hybrid", "semantic" or "lexical"',
        })
        .default('hybrid')
        .describe(
          '"hybrid" (default): meaning and exact words fused; "semantic": meaning only; "lexical": words only (BM25: names, ids, error codes).',
        ),
      min_score: z
        .number({ error: 'min_score must be a number from -1 to 1' })
        .min(-1, 'min_score must be a number from -1 to 1')
        .max(1, 'min_score must be a number from -1 to 1')
        .optional()
        .describe(
          'Drop hits whose score is below this. semantic: cosine (-1…1); lexical: BM25 as a share of a full match (1 ≈ every query word once); hybrid: the fused score (0…1).',
        ),
    })
    .refine((v) => v.since === undefined || v.until === undefined || v.since <= v.until, {
      message: '"since" is after "until": the window would be empty',
    });
});

export const hitOut = z.object({
  id: z.number().int(),
  text: z.string().nullable(),
  score: z.number().describe("The ranking score of the recall's mode"),
  semantic_score: z
    .number()
    .nullable()
    .describe('Cosine similarity to the query; null in lexical mode'),
  lexical_score: z
    .number()
    .nullable()
    .describe('BM25 score; null when no query word matched or in semantic mode'),
  timestamp: z.string().describe('ISO 8601'),
  age_seconds: z.number(),
  tags: z.array(z.string()),
  metadata: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .nullable(),
});

export const recallOutput = z.object({
  namespace: z.string(),
  hits: z.array(hitOut),
  searched: z.number().int().describe('Entries compared after time and tag filters'),
  window_size: z.number().int(),
  took_ms: z.number(),
  query_truncated: z.boolean(),
  omitted_hits: z
    .number()
    .int()
    .optional()
    .describe('Lowest-ranked hits left out to keep the reply under --max-reply-bytes'),
  fleet: z
    .object({
      catching_up: z
        .boolean()
        .describe('This node has not yet read the shared streams to their end: hits may lag'),
      stale_since: z
        .string()
        .nullable()
        .describe('When Redis became unreachable: hits are from the local window as of then'),
    })
    .optional()
    .describe('Fleet mode (--redis) only'),
});

export const forgetOlderThanInput = z
  .strictObject({
    age: durationSchema.optional().describe('Forget memories older than this, e.g. "1h", "7d".'),
    before: instantSchema.optional().describe('Forget memories from before this ISO 8601 time.'),
    namespace: namespaceName.optional().describe('One namespace; every namespace when omitted.'),
  })
  .refine((v) => (v.age === undefined) !== (v.before === undefined), {
    message: 'give exactly one of "age" (a duration such as "1h") or "before" (an ISO 8601 time)',
  });

export const forgetOlderThanOutput = z.object({
  forgotten: z.number().int(),
  remaining: z.number().int(),
  namespace: z.string().nullable(),
  cutoff: z.string().describe('ISO 8601: memories before this were forgotten'),
});

export const anomalyInput = perLimits(function anomalyInput(limits: ToolLimits) {
  return z.strictObject({
    text: textSchema(limits).describe('The text to score against the window.'),
    namespace: namespaceSchema,
    remember: z
      .boolean({ error: 'remember must be true or false' })
      .default(false)
      .describe('Also store the text after scoring it.'),
    tags: tagsSchema(limits).optional().describe('Tags, when remember is true.'),
  });
});

export const anomalyOutput = anomalyOut.extend({
  namespace: z.string(),
  nearest: z
    .object({
      id: z.number().int(),
      text: z.string().nullable(),
      similarity: z.number(),
      age_seconds: z.number(),
    })
    .nullable(),
  baseline: z.object({
    mean: z.number().nullable(),
    std: z.number().nullable(),
    count: z.number().int(),
  }),
  remembered_id: z.number().int().nullable(),
});

export const forgetInput = perLimits(function forgetInput(limits: ToolLimits) {
  return z.strictObject({
    ids: z
      .array(
        z
          .number({ error: 'ids must be integers' })
          .int('ids must be integers')
          .positive('ids are positive'),
        {
          error: 'ids must be an array of integers',
        },
      )
      .min(1, 'give at least one id')
      .max(limits.maxIds, `at most ${limits.maxIds} ids per call`)
      .describe('Ids returned by remember or recall.'),
    namespace: namespaceName
      .optional()
      .describe('Restrict to one namespace; every namespace when omitted.'),
  });
});

export const forgetOutput = z.object({ forgotten: z.array(z.number().int()) });

export const statsInput = z.strictObject({
  namespace: namespaceName.optional().describe('One namespace; all when omitted.'),
});

export const driftOut = z
  .object({
    recent: z.number().int().describe('Entries in the recent part (the newest 100)'),
    rest: z.number().int(),
    similarity: z
      .number()
      .nullable()
      .describe('cos(centroid of the recent part, centroid of the rest)'),
    z_score: z
      .number()
      .nullable()
      .describe("How unusually low that similarity is against the window's own history"),
    samples: z.number().int(),
  })
  .nullable();

export const loopsOut = z.object({
  recent: z.number().int().describe('Newest entries examined'),
  repeated: z.number().int().describe('Of those, near-duplicates of another recent entry'),
  share: z.number(),
  groups: z.array(
    z.object({
      text: z.string().nullable(),
      count: z.number().int(),
      first_id: z.number().int(),
      last_id: z.number().int(),
    }),
  ),
});

export const namespaceStatsOut = z.object({
  namespace: z.string(),
  count: z.number().int(),
  capacity: z.number().int(),
  ttl_seconds: z.number().nullable(),
  bytes: z.number().int(),
  /** How the namespace stores vectors (--precision) and what one record costs at it. */
  precision: z.enum(['f32', 'f16', 'int8']),
  bytes_per_record: z.number().int(),
  oldest_age_seconds: z.number().nullable(),
  newest_age_seconds: z.number().nullable(),
  inserted: z.number().int(),
  evicted: z.number().int(),
  expired: z.number().int(),
  forgotten: z.number().int(),
  deleted: z.number().int(),
  drift: driftOut,
  loops: loopsOut.nullable(),
});

/** Durable memory (--persist) as memory_stats reports it; see src/persist/store.ts. */
export const persistenceOut = z
  .object({
    state: z.enum(['on', 'off', 'refused']),
    error: z.string().nullable(),
    dir: z.string(),
    fsync: z.enum(['always', 'interval', 'never']),
    compact_interval_seconds: z.number(),
    log_bytes: z.number().int(),
    snapshot_bytes: z.number().int(),
    last_compaction: z.string().nullable(),
    restored_entries: z.number().int(),
    restore_ms: z.number(),
    warnings: z.array(z.string()),
  })
  .describe(
    'Durable memory (--persist): on; off after a write failed (serving from RAM, retrying; see error); refused when the directory cannot be used (see error). Absent without --persist.',
  );

export const statsOutput = z.object({
  persistence: persistenceOut.optional(),
  fleet: z
    .object({
      redis: z.string().describe('The Redis URL, password hidden'),
      prefix: z.string(),
      namespaces: z.number().int().describe('Streams this node applies'),
      catching_up: z.boolean(),
      stale_since: z.string().nullable(),
    })
    .optional()
    .describe('Fleet mode (--redis) only'),
  namespaces: z.array(namespaceStatsOut),
  total_bytes: z.number().int(),
  max_bytes: z.number().int(),
  max_namespaces: z.number().int(),
  model: z.object({
    id: z.string(),
    dim: z.number().int(),
    max_tokens: z.number().int(),
    status: z.enum(['loading', 'ready', 'failed']),
    error: z.string().nullable(),
  }),
  kernel: z.object({
    backend: z.string(),
    isa: z.string(),
    available_isas: z.array(z.string()),
  }),
});

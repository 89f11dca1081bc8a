import { z } from 'zod';

/** What each tool answers: the shapes of its structuredContent, checked by the SDK against outputSchema. */

/** The fields of `anomalyFields` (src/present/anomaly.ts): one shape wherever a score is shown. */
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

export const windowOut = z.object({
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

export const forgetOlderThanOutput = z.object({
  forgotten: z.number().int(),
  remaining: z.number().int(),
  namespace: z.string().nullable(),
  cutoff: z.string().describe('ISO 8601: memories before this were forgotten'),
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

export const forgetOutput = z.object({ forgotten: z.array(z.number().int()) });

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

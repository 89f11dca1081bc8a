import { z } from 'zod';
import {
  durationSchema,
  instantSchema,
  metadataInputSchema,
  namespaceName,
  namespaceSchema,
  perLimits,
  type ToolLimits,
  tagsSchema,
  textSchema,
  utf8Bytes,
} from './fields.js';

/** What each tool accepts: the zod schemas that validate its arguments and describe them to clients. */

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

export const forgetOlderThanInput = z
  .strictObject({
    age: durationSchema.optional().describe('Forget memories older than this, e.g. "1h", "7d".'),
    before: instantSchema.optional().describe('Forget memories from before this ISO 8601 time.'),
    namespace: namespaceName.optional().describe('One namespace; every namespace when omitted.'),
  })
  .refine((v) => (v.age === undefined) !== (v.before === undefined), {
    message: 'give exactly one of "age" (a duration such as "1h") or "before" (an ISO 8601 time)',
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

export const statsInput = z.strictObject({
  namespace: namespaceName.optional().describe('One namespace; all when omitted.'),
});

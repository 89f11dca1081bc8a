import { z } from 'zod';

/**
 * A model manifest: everything ringmem needs to find, verify and run one embedding model.
 *
 * The same shape describes the built-in model (files inside the package) and the downloadable
 * ones (files fetched from a Hugging Face repo into the per-user cache). On disk a model is a
 * directory holding `files.*.path` relative to it.
 */

const sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters (a sha256 digest)');

export const modelFileSchema = z.object({
  /** Path of the file inside the model directory. */
  path: z.string().min(1),
  /** Exact size in bytes; a file of any other size is truncated or corrupt. */
  bytes: z.number().int().positive(),
  sha256: sha256Hex,
  /** Path inside the remote repository, when the file is downloadable (e.g. `onnx/model_quantized.onnx`). */
  remote: z.string().min(1).optional(),
});

export const poolingSchema = z.enum(['cls', 'mean', 'none']);

export const modelManifestSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
  name: z.string().min(1),
  version: z.string().optional(),
  dim: z.number().int().positive().max(8192),
  maxTokens: z.number().int().min(3).max(8192),
  /** `cls`: first token; `mean`: mean over the attention mask; `none`: the model outputs a sentence vector. */
  pooling: poolingSchema,
  /** Whether ringmem L2-normalises the pooled vector (it always does; `false` only documents a model that already did). */
  normalize: z.boolean().default(true),
  prefixes: z
    .object({ query: z.string(), passage: z.string() })
    .default({ query: '', passage: '' }),
  /** Informational: the embedder reads real input/output names from the ONNX session. */
  inputs: z.array(z.string()).optional(),
  output: z.string().optional(),
  quantization: z.enum(['fp32', 'fp16', 'int8']).optional(),
  files: z.object({ model: modelFileSchema, tokenizer: modelFileSchema }).catchall(modelFileSchema),
  licence: z.string().min(1),
  /** Where downloadable files come from. */
  source: z
    .object({ repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/), revision: z.string().default('main') })
    .optional(),
  sources: z.array(z.object({ package: z.string(), licence: z.string() })).optional(),
  /** Free text for `ringmem models list`: size/quality trade-off. */
  notes: z.string().optional(),
});

export type ModelFile = z.infer<typeof modelFileSchema>;
export type Pooling = z.infer<typeof poolingSchema>;
export type ModelManifest = z.infer<typeof modelManifestSchema>;

/** Parses an unknown value as a manifest, throwing an error that lists every problem. */
export function parseManifest(value: unknown, where: string): ModelManifest {
  const result = modelManifestSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new TypeError(`invalid model manifest at ${where}: ${problems}`);
  }
  return result.data;
}

/**
 * Text → unit vectors on this machine (`createOnnxEmbedder`), behind the `Embedder` contract.
 *
 * Defined behaviour for awkward input (INPUT_INVALID errors name the text's index and say what is
 * accepted; nothing crashes, hangs or returns NaN):
 * - not an array, or an element that is not a string → INPUT_INVALID;
 * - '' or whitespace only → INPUT_INVALID ("must contain at least one non-whitespace character");
 * - text that normalises to no tokens (only zero-width/control/combining characters) → INPUT_INVALID;
 * - lone surrogates → U+FFFD (which the BERT normaliser then drops) and embedded;
 * - NUL and other control characters → dropped by the tokenizer's normaliser, text embedded;
 * - longer than maxTokens → cut keeping [CLS] first and [SEP] last, `truncated[i] = 1`;
 * - longer than maxTokens × 32 characters (e.g. 1 MB) → cut before tokenising, also flagged.
 * Load failures reject `ready` and every call with MODEL_MISSING / MODEL_TRUNCATED /
 * MODEL_CORRUPT / MODEL_INCOMPATIBLE / TOKENIZER_INVALID naming the file and the fixing command.
 */
export { EmbeddingCache } from './cache.js';
export { EmbedError, type EmbedErrorCode } from './errors.js';
export {
  CHARS_PER_TOKEN_CAP,
  createOnnxEmbedder,
  type EmbedderStats,
  OnnxEmbedder,
  type OnnxEmbedderOptions,
} from './onnx-embedder.js';
export type { Embedder, EmbedKind, EmbedResult } from './types.js';

export { EmbeddingCache } from './cache.js';
export { EmbedError, type EmbedErrorCode, isEmbedError } from './errors.js';
export {
  CHARS_PER_TOKEN_CAP,
  createOnnxEmbedder,
  type EmbedderStats,
  OnnxEmbedder,
  type OnnxEmbedderOptions,
} from './onnx-embedder.js';
export type { Embedder, EmbedKind, EmbedResult } from './types.js';

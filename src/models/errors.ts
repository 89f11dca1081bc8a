/**
 * One error type for every local model failure (missing, unknown, corrupt, download failed).
 * The `code` lets the CLI, the embedder and tests tell problems apart without parsing text; the
 * message names what was wrong, where ringmem looked, and the command that fixes it.
 */
export type ModelErrorCode =
  | 'MODEL_UNKNOWN'
  | 'MODEL_NOT_INSTALLED'
  | 'MODEL_INCOMPLETE'
  | 'MODEL_MANIFEST_MISSING'
  | 'MODEL_MANIFEST_INVALID'
  | 'MODEL_NOT_DOWNLOADABLE'
  | 'MODEL_LOCKED'
  | 'FETCH_HTTP_STATUS'
  | 'FETCH_TIMEOUT'
  | 'FETCH_NETWORK'
  | 'FETCH_TOO_MANY_REDIRECTS'
  | 'FETCH_SOURCE_MISSING'
  | 'FETCH_ABORTED'
  | 'FILE_SIZE_MISMATCH'
  | 'FILE_HASH_MISMATCH';

export class ModelError extends Error {
  readonly code: ModelErrorCode;

  constructor(code: ModelErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelError';
    this.code = code;
  }
}

export function isModelError(value: unknown): value is ModelError {
  return value instanceof ModelError;
}

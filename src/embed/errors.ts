/**
 * One error class for everything the embedder can refuse or fail at. `code` is stable for
 * programs; `message` says what was wrong and what fixes it, for people.
 */
export type EmbedErrorCode =
  /** A model or tokenizer file is absent. */
  | 'MODEL_MISSING'
  /** A model file is shorter than its manifest says (an interrupted download). */
  | 'MODEL_TRUNCATED'
  /** A model file has the wrong size or onnxruntime cannot parse it. */
  | 'MODEL_CORRUPT'
  /** The model loads but does not fit the manifest (output shape, dimension). */
  | 'MODEL_INCOMPATIBLE'
  /** tokenizer.json / tokenizer_config.json cannot be read or understood. */
  | 'TOKENIZER_INVALID'
  /** The caller passed something that is not embeddable text. */
  | 'INPUT_INVALID'
  /** The embedder was closed before or while the call ran. */
  | 'EMBEDDER_CLOSED'
  /** onnxruntime failed while running a batch. */
  | 'RUNTIME_FAILED';

export class EmbedError extends Error {
  override readonly name = 'EmbedError';
  readonly code: EmbedErrorCode;
  /** The file the error is about, when there is one. */
  readonly file: string | undefined;

  constructor(
    code: EmbedErrorCode,
    message: string,
    options: { file?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = options.file;
  }
}

/** The message of any thrown value, for wrapping errors we did not create. */
export { describeError } from '../errors.js';

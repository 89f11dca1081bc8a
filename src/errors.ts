/**
 * One error type for problems a caller can fix. Front ends turn it into a tool result with
 * `isError: true`; the `code` lets them (and tests) tell problems apart without parsing text.
 * Messages say what was wrong and what is accepted.
 */
export type RingmemErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_NAMESPACE'
  | 'DIMENSION_MISMATCH'
  | 'NON_FINITE_VECTOR'
  | 'ZERO_VECTOR'
  | 'INVALID_K'
  | 'NAMESPACE_LIMIT'
  | 'MEMORY_LIMIT'
  | 'UNKNOWN_NAMESPACE'
  | 'STORE_UNAVAILABLE';

export class RingmemError extends Error {
  readonly code: RingmemErrorCode;

  constructor(code: RingmemErrorCode, message: string) {
    super(message);
    this.name = 'RingmemError';
    this.code = code;
  }
}

export function isRingmemError(value: unknown): value is RingmemError {
  return value instanceof RingmemError;
}

/** The message of anything thrown: an Error's message, or the value as a string. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

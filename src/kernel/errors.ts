/**
 * The one error type the kernel layer throws. `code` lets callers branch without parsing
 * messages; the message says what was wrong and what is accepted (or which command fixes it).
 */
export type KernelErrorCode =
  /** A topK argument is wrong: the caller can fix it. */
  | 'ERR_KERNEL_ARGUMENT'
  /** RINGMEM_KERNEL or a load option has a value we do not understand. */
  | 'ERR_KERNEL_CONFIG'
  /** The native kernel was required but could not be loaded; `reasons` says why. */
  | 'ERR_KERNEL_UNAVAILABLE'
  /** A specific ISA was forced but this CPU (or build) cannot run it. */
  | 'ERR_KERNEL_ISA_UNAVAILABLE';

export class KernelError extends Error {
  override readonly name = 'KernelError';
  readonly code: KernelErrorCode;
  /** Every reason a load attempt failed, in the order they happened (load errors only). */
  readonly reasons: readonly string[];

  constructor(code: KernelErrorCode, message: string, reasons: readonly string[] = []) {
    super(message);
    this.code = code;
    this.reasons = reasons;
  }
}

export function argumentError(message: string): KernelError {
  return new KernelError('ERR_KERNEL_ARGUMENT', message);
}

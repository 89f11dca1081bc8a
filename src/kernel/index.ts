/** The scan kernel: contract, backends and the loader that picks one. */
export { alignedFloat32Array, SLAB_ALIGNMENT } from './aligned.js';
export {
  type CompactRequest,
  encodeF16,
  encodeInt8,
  halfToFloat,
  PRECISIONS,
  type Precision,
  vectorBytes,
} from './compact.js';
export { KernelError, type KernelErrorCode } from './errors.js';
export { INGEST_ADD, INGEST_REPLACE, INGEST_RESET, type IngestFlag } from './ingest.js';
export { JsKernel } from './js-kernel.js';
export {
  type KernelPreference,
  kernelInfo,
  type LoadKernelOptions,
  loadKernel,
} from './loader.js';
export { ASYNC_MIN_VALUES, type NativeIsa, NativeKernel } from './native-kernel.js';
export {
  type IngestRequest,
  type KernelBackend,
  type KernelInfo,
  type KernelIsa,
  MAX_TOP_K,
  type ManyRequest,
  type ScanKernel,
  type ScanRequest,
  type ScanRows,
} from './types.js';

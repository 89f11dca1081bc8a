/**
 * ringmem as a library. Importing this module has no side effects: nothing loads, listens or
 * reads the environment until you call a function.
 */

export type { ServerConfig } from './config.js';
export { loadConfig, SETTINGS } from './config.js';
export { type CreateMemoryOptions, createMemory } from './create-memory.js';
export { createOnnxEmbedder, EmbedError } from './embed/index.js';
export type { Embedder, EmbedKind, EmbedResult } from './embed/types.js';
export type {
  AnomalyConfig,
  AnomalyEvent,
  AnomalyListener,
  AnomalyReport,
  Clock,
  DriftOptions,
  DriftReport,
  EngineConfig,
  EntryInput,
  ForgetResult,
  FusionConfig,
  Hit,
  LoopReport,
  MemoryEntry,
  NamespaceStats,
  RecallMode,
  SearchOptions,
  SearchResult,
  TagFilter,
} from './engine/index.js';
export { DEFAULT_ANOMALY_CONFIG, MemoryEngine } from './engine/index.js';
export { isRingmemError, RingmemError, type RingmemErrorCode } from './errors.js';
export { JsKernel, kernelInfo, loadKernel } from './kernel/index.js';
export type { KernelInfo, ScanKernel } from './kernel/types.js';
export { buildServer, type ServerDeps } from './mcp/server.js';
export {
  type AnomalyResult,
  Memory,
  type RecallOptions,
  type RecallResult,
  type RememberOptions,
  type RememberResult,
} from './memory.js';
export { ModelError } from './models/errors.js';
export { resolveModel } from './models/resolve.js';
export {
  type AnomalyFields,
  type AnomalyVerdict,
  anomalyFields,
  anomalyVerdict,
  driftFields,
  loopFields,
} from './present/anomaly.js';

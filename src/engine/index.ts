export type { AnomalyConfig, AnomalyReport, NearestEntry } from './anomaly.js';
export { DEFAULT_ANOMALY_CONFIG } from './anomaly.js';
export type { AnomalyEvent, AnomalyFeed, AnomalyListener } from './anomaly-feed.js';
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export type { DriftOptions, DriftReport } from './drift.js';
export { ENGINE_DEFAULTS, type EngineConfig, MemoryEngine } from './engine.js';
export type { MetadataFilter, MetadataScalar } from './entry-filter.js';
export type { FusionConfig, FusionRule, RecallMode } from './fusion.js';
export { DEFAULT_FUSION, RECALL_MODES } from './fusion.js';
export type { LoopGroup, LoopReport } from './loops.js';
export type { Rerank } from './rerank.js';
export type {
  EntryInput,
  ForgetOlderThanOptions,
  ForgetResult,
  Hit,
  InsertOptions,
  InsertResult,
  MemoryEntry,
  NamespaceOptions,
  NamespaceStats,
  SearchOptions,
  SearchResult,
  TagFilter,
} from './types.js';
export { NAMESPACE_PATTERN } from './validate.js';

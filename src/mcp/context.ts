import type { ServerConfig } from '../config.js';
import type { KernelInfo } from '../kernel/types.js';
import type { Memory, ModelStatus } from '../memory.js';
import type { ToolLimits } from './schemas.js';
import type { Logger } from './tool-result.js';

/** What every tool needs: the memory, the limits, a logger, and the model's loading state. */
export interface ToolContext {
  memory: Memory;
  limits: ToolLimits;
  config: Pick<ServerConfig, 'maxBytes' | 'maxNamespaces'>;
  log: Logger;
  kernel: KernelInfo;
  modelStatus(): ModelStatus;
}

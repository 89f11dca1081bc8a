import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { KernelInfo } from '../kernel/types.js';
import type { Memory } from '../memory.js';
import type { ModelStatus } from '../runtime.js';
import { SERVER_NAME, SERVER_VERSION } from '../version.js';
import { registerAnomalyResource } from './anomaly-resource.js';
import { clientLogging } from './client-logging.js';
import type { ToolContext } from './context.js';
import { guardMessages } from './message-guards.js';
import { registerResources } from './resources.js';
import { DEFAULT_LIMITS, type ToolLimits } from './schemas.js';
import { registerTimelineResource } from './timeline-resource.js';
import type { Logger } from './tool-result.js';
import { registerAnomalyScoreTool } from './tools/anomaly-score.js';
import { registerForgetTool } from './tools/forget.js';
import { registerForgetOlderThanTool } from './tools/forget-older-than.js';
import { registerMemoryStatsTool } from './tools/memory-stats.js';
import { registerRecallTool } from './tools/recall.js';
import { registerRememberTool } from './tools/remember.js';

export { SERVER_NAME, SERVER_VERSION } from '../version.js';

export const SERVER_INSTRUCTIONS = `ringmem is short-term semantic memory: recent texts kept in RAM for a limited time (a ring per namespace; the oldest entries are overwritten when it is full, and entries expire after the TTL). Nothing leaves this machine.
- remember: store observations, tool results, decisions or log lines you may need again in this session. Put unrelated streams in separate namespaces.
- recall: before answering from memory, search by meaning and exact words (names, ids, error codes match as written); narrow with within ("10m", "2h"), since/until, or tags.
- anomaly_score: ask how unusual a text is compared with the recent window (e.g. a log line, a tool result); remember=true also stores it.
- forget_older_than / forget: drop stale or wrong memories.
- memory_stats: sizes, ages, topic drift and loops (you repeating yourself), model and kernel.
- Resource ringmem://namespaces/{name}/anomalies lists the latest anomalies; subscribe to it to be told of new ones.
Not for long-term knowledge: anything older than the window is gone.`;

export interface ServerDeps {
  memory: Memory;
  kernel: KernelInfo;
  limits?: Partial<ToolLimits>;
  config: { maxBytes: number; maxNamespaces: number };
  /** Where tool failures and internal errors are reported (stderr in the CLI). */
  log?: Logger;
  modelStatus: () => ModelStatus;
}

/**
 * Builds the MCP server: six tools and three resources (one subscribable) over one Memory. Nothing is connected or
 * started here; entry files pick a transport. Many servers (one per HTTP session) may share a
 * Memory.
 */
export function buildServer(deps: ServerDeps): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION, title: 'ringmem short-term memory' },
    {
      capabilities: { logging: {}, tools: {}, resources: { subscribe: true } },
      instructions: SERVER_INSTRUCTIONS,
    },
  );
  // A server's runtime defers loading the model so that `initialize` is answered without waiting
  // for it; loading starts once the client confirms the handshake (embed calls start it too).
  server.server.oninitialized = () => {
    deps.memory.loadModel();
  };
  const baseLog: Logger = deps.log ?? (() => {});
  const clientLog = clientLogging(server);
  const connect = server.connect.bind(server);
  // Every transport this server serves gets read-your-writes ordering and readable param errors.
  server.connect = async (transport) => {
    await connect(transport);
    guardMessages(transport);
  };
  const ctx: ToolContext = {
    memory: deps.memory,
    limits: { ...DEFAULT_LIMITS, ...deps.limits },
    config: deps.config,
    kernel: deps.kernel,
    modelStatus: deps.modelStatus,
    log: (level, message) => {
      baseLog(level, message);
      clientLog(level, message);
    },
  };
  registerRememberTool(server, ctx);
  registerRecallTool(server, ctx);
  registerForgetOlderThanTool(server, ctx);
  registerAnomalyScoreTool(server, ctx);
  registerForgetTool(server, ctx);
  registerMemoryStatsTool(server, ctx);
  registerResources(server, ctx);
  registerAnomalyResource(server, ctx);
  registerTimelineResource(server, ctx);
  return server;
}

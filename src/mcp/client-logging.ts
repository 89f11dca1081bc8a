import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type LoggingLevel, SetLevelRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from './tool-result.js';

const SEVERITY: Record<LoggingLevel, number> = {
  debug: 0,
  info: 1,
  notice: 2,
  warning: 3,
  error: 4,
  critical: 5,
  alert: 6,
  emergency: 7,
};

/**
 * MCP logging for one server: messages reach the client only after it asked for them with
 * `logging/setLevel` (the SDK alone would send every message to a client that never did), only
 * at or above the level it chose, and only their first line — stacks and details stay in the
 * server's own log (stderr).
 */
export function clientLogging(server: McpServer): Logger {
  let level: LoggingLevel | undefined;
  server.server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    level = request.params.level;
    return {};
  });
  return (messageLevel, message) => {
    if (level === undefined || SEVERITY[messageLevel] < SEVERITY[level]) return;
    if (!server.isConnected()) return;
    const firstLine = message.split('\n', 1)[0] as string;
    void server
      .sendLoggingMessage({ level: messageLevel, logger: 'ringmem', data: firstLine })
      .catch(() => {});
  };
}

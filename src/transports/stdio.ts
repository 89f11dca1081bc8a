import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { LogFn } from '../log.js';
import { LineTransport } from './line-transport.js';

export interface StdioOptions {
  /** Longest message (one line) accepted; the same limit as an HTTP request body. */
  maxMessageBytes: number;
  /** How that limit is set, for the error a longer line gets. */
  limitSetting?: string;
}

/**
 * Serves one MCP session over stdin/stdout. A line that is not JSON gets a JSON-RPC parse error
 * (-32700), one that is JSON but not a JSON-RPC message an invalid-request error (-32600), one
 * longer than the message limit an error naming the limit; either way the server keeps serving.
 * Resolves when stdin closes; closing the server is the caller's.
 */
export async function serveStdio(
  server: McpServer,
  log: LogFn,
  options: StdioOptions = { maxMessageBytes: 64 * 1024 ** 2 },
): Promise<void> {
  const transport = new LineTransport(process.stdin, process.stdout, {
    maxMessageBytes: options.maxMessageBytes,
    limitSetting: options.limitSetting ?? '--max-body-bytes / RINGMEM_MAX_BODY_BYTES',
    log,
  });
  server.server.onerror = (error: Error) => {
    log('error', `MCP protocol error: ${error.message}`);
  };
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  await closed;
  // The caller closes the server (it also has to on a signal), so it is closed once either way.
}

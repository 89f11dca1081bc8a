import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { LogFn } from '../log.js';

/**
 * Serves one MCP session over stdin/stdout. A line that is not JSON gets a JSON-RPC parse error
 * (-32700) and one that is JSON but not a JSON-RPC message an invalid-request error (-32600);
 * either way the server keeps serving. Resolves when stdin closes; closing the server is the
 * caller's.
 */
export async function serveStdio(server: McpServer, log: LogFn): Promise<void> {
  const stdin = process.stdin;
  const transport = new StdioServerTransport(stdin, process.stdout);
  server.server.onerror = (error: Error) => {
    const isParse = error instanceof SyntaxError;
    const isShape =
      !isParse &&
      (error.name === 'ZodError' || Array.isArray((error as { issues?: unknown }).issues));
    if (isParse || isShape) {
      const code = isParse ? -32700 : -32600;
      const what = isParse
        ? 'Parse error: the line is not valid JSON'
        : 'Invalid Request: not a JSON-RPC 2.0 message';
      log('warning', `${what} (${error.message.split('\n')[0]})`);
      void transport
        .send({ jsonrpc: '2.0', id: null, error: { code, message: what } } as unknown as Parameters<
          typeof transport.send
        >[0])
        .catch(() => {});
      return;
    }
    log('error', `MCP protocol error: ${error.message}`);
  };
  const closed = new Promise<void>((resolve) => {
    stdin.once('end', () => resolve());
    stdin.once('close', () => resolve());
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  await closed;
  // The caller closes the server (it also has to on a signal), so it is closed once either way.
}

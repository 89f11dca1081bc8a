import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { LogFn } from '../log.js';

/**
 * Serves one MCP session over stdin/stdout. A line that is not JSON gets a JSON-RPC parse error
 * (-32700) and one that is JSON but not a JSON-RPC message an invalid-request error (-32600);
 * either way the server keeps serving. Resolves when stdin closes.
 */
export async function serveStdio(
  server: McpServer,
  log: LogFn,
  io: {
    stdin?: NodeJS.ReadableStream & { on: NodeJS.ReadableStream['on'] };
    stdout?: NodeJS.WritableStream;
  } = {},
): Promise<void> {
  const stdin = (io.stdin ?? process.stdin) as typeof process.stdin;
  const stdout = (io.stdout ?? process.stdout) as typeof process.stdout;
  const transport = new StdioServerTransport(stdin, stdout);
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
  await server.close().catch(() => {});
}

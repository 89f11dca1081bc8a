import type { Socket } from 'node:net';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';

/**
 * An MCP server transport over one accepted Unix-socket connection, framed like stdio (one
 * JSON-RPC message per line). Lines come in through `receive` (the daemon reads the socket,
 * because the connection's first line is its hello, not MCP). A line that is not JSON gets a
 * parse error (-32700) and one that is not JSON-RPC an invalid-request error (-32600), as on stdio.
 */
export class SocketServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private closed = false;

  constructor(private readonly socket: Socket) {
    socket.on('close', () => this.finish());
  }

  async start(): Promise<void> {}

  receive(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.reject(-32700, 'Parse error: the line is not valid JSON');
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      this.reject(-32600, 'Invalid Request: not a JSON-RPC 2.0 message');
      return;
    }
    this.onmessage?.(parsed.data);
  }

  private reject(code: number, message: string): void {
    if (!this.closed) {
      this.socket.write(
        `${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } })}\n`,
      );
    }
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return;
    this.socket.write(`${JSON.stringify(message)}\n`);
  }

  async close(): Promise<void> {
    this.socket.end();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
}

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Memory } from '../memory.js';

/** Where a LangChain adapter reads and writes: an in-process Memory, a connected MCP client, or a server URL. */
export type RingmemSource =
  | { memory: Memory }
  | { client: Client }
  | { url: string; token?: string };

/**
 * The MCP side of a source: connects lazily on first use (a URL) or uses the client it was given,
 * and calls tools, turning an `isError` result into a thrown Error with the server's message.
 */
export class McpSource {
  private connection: Promise<Client> | undefined;
  private transport: StreamableHTTPClientTransport | undefined;

  constructor(
    private readonly source: { client: Client } | { url: string; token?: string },
    private readonly clientName: string,
  ) {}

  client(): Promise<Client> {
    if ('client' in this.source) return Promise.resolve(this.source.client);
    const { url, token } = this.source;
    this.connection ??= (async () => {
      const client = new Client({ name: this.clientName, version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(url), {
        requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : undefined,
      });
      this.transport = transport;
      await client.connect(transport);
      return client;
    })();
    return this.connection;
  }

  async call<T>(tool: string, args: Record<string, unknown>): Promise<T> {
    const client = await this.client();
    const res = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
    if (res.isError) {
      const text = res.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ');
      throw new Error(`ringmem ${tool} failed: ${text}`);
    }
    return res.structuredContent as T;
  }

  /**
   * Closes the connection this object opened itself (never a client it was given), ending its
   * session on the server so that it does not hold a slot until it idles out.
   */
  async close(): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    this.connection = undefined;
    const client = await connection;
    await this.transport?.terminateSession().catch(() => {});
    this.transport = undefined;
    await client.close();
  }
}

/** The error for what only an in-process source can do (vectors, ids of your own, filters by metadata). */
export function inProcessOnly(what: string): Error {
  return new Error(
    `RingmemVectorStore: ${what} needs an in-process memory (source: { memory }); over MCP the store can add documents, search by text with tag and time filters, and delete by the ids the server returned`,
  );
}

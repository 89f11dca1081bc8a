import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { MemoryEngine } from '../../src/engine/index.js';
import { JsKernel } from '../../src/kernel/index.js';
import type { ToolLimits } from '../../src/mcp/schemas.js';
import { buildServer } from '../../src/mcp/server.js';
import type { Logger } from '../../src/mcp/tool-result.js';
import { Memory } from '../../src/memory.js';
import { HashEmbedder } from './hash-embedder.js';

export interface Harness {
  client: Client;
  memory: Memory;
  /** The engine behind \`memory\`, for tests that break it on purpose. */
  engine: MemoryEngine;
  clock: { t: number };
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** The real server and the SDK's own Client, linked in memory; a hash embedder stands in for the model. */
export async function startHarness(
  options: {
    embedder?: HashEmbedder;
    capacity?: number;
    maxBytes?: number;
    maxNamespaces?: number;
    limits?: Partial<ToolLimits>;
    log?: Logger;
  } = {},
): Promise<Harness> {
  const clock = { t: Date.UTC(2026, 10, 21, 12, 0, 0) };
  const embedder = options.embedder ?? new HashEmbedder();
  const kernel = new JsKernel();
  const engine = new MemoryEngine({
    dim: embedder.dim,
    capacity: options.capacity ?? 100,
    maxBytes: options.maxBytes ?? 64 * 1024 ** 2,
    maxNamespaces: options.maxNamespaces ?? 10,
    kernel,
    clock: () => clock.t,
  });
  const memory = new Memory(engine, embedder);
  let status: { status: 'loading' | 'ready' | 'failed'; error: string | null } = {
    status: 'loading',
    error: null,
  };
  embedder.ready.then(
    () => {
      status = { status: 'ready', error: null };
    },
    (e: Error) => {
      status = { status: 'failed', error: e.message };
    },
  );
  const server = buildServer({
    memory,
    kernel: kernel.info,
    config: { maxBytes: engine.maxBytes, maxNamespaces: engine.maxNamespaces },
    modelStatus: () => status,
    limits: options.limits,
    log: options.log,
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'ringmem-test', version: '1.0.0' });
  await client.connect(clientTransport);
  return {
    client,
    memory,
    engine,
    clock,
    call: async (name, args) =>
      (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

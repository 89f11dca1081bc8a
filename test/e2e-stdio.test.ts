import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cliEnv } from './helpers/cli.js';

describe('the built CLI over stdio with the SDK client', () => {
  let client: Client;
  let transport: StdioClientTransport;
  let stderr = '';
  const clientErrors: Error[] = [];

  beforeAll(async () => {
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI],
      env: cliEnv(),
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    client = new Client({ name: 'e2e', version: '1.0.0' });
    client.onerror = (e) => clientErrors.push(e);
    await client.connect(transport);
  });

  afterAll(async () => {
    await client.close();
  });

  it('initializes, lists tools with valid JSON Schemas, and calls every tool with schema-valid structured content', async () => {
    expect(client.getServerVersion()?.name).toBe('ringmem');
    const { tools } = await client.listTools();
    const ajv = new Ajv({ strict: false });
    const validate = Object.fromEntries(tools.map((t) => [t.name, ajv.compile(t.outputSchema!)]));
    for (const t of tools) expect(() => ajv.compile(t.inputSchema)).not.toThrow();

    const call = async (name: string, args: Record<string, unknown>) => {
      const res = (await client.callTool({ name, arguments: args })) as CallToolResult;
      expect(res.isError, `${name}: ${JSON.stringify(res.content)}`).toBeFalsy();
      expect(validate[name]!(res.structuredContent), JSON.stringify(validate[name]!.errors)).toBe(
        true,
      );
      return res.structuredContent as Record<string, unknown>;
    };
    const texts = [
      'the payment service returned HTTP 503 for ten minutes',
      'the user asked to rename the project to ringmem',
      'disk usage on the build server reached 91 percent',
    ];
    const stored = await call('remember', { texts, namespace: 'e2e', tags: ['t'] });
    expect(stored.stored).toBe(3);
    const recall = await call('recall', { query: texts[1], namespace: 'e2e', k: 3 });
    const hits = recall.hits as { text: string; score: number }[];
    expect(hits[0]?.text).toBe(texts[1]);
    // Not pinned to 1: the built-in model pivots passages' length (models/builtin/MODEL_CARD.md),
    // so an exact repeat of a short memory scores below 1; it must still score highest.
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect(hits[0]!.score).toBeLessThanOrEqual(1 + 1e-6);
    const anomaly = await call('anomaly_score', { text: texts[2], namespace: 'e2e' });
    expect((anomaly.nearest as { text: string }).text).toBe(texts[2]);
    const stats = await call('memory_stats', {});
    expect((stats.namespaces as { count: number }[])[0]?.count).toBe(3);
    expect((stats.model as { status: string }).status).toBe('ready');
    const ids = stored.ids as number[];
    await call('forget', { ids: [ids[0]] });
    const forgotten = await call('forget_older_than', { age: '0s', namespace: 'e2e' });
    expect(forgotten.forgotten).toBe(2);
  });

  it('keeps stdout for protocol messages only', () => {
    expect(clientErrors).toEqual([]);
  });

  it('returns isError for bad input and keeps serving', async () => {
    const res = (await client.callTool({
      name: 'recall',
      arguments: { query: '', k: 0 },
    })) as CallToolResult;
    expect(res.isError).toBe(true);
    const ok = (await client.callTool({ name: 'memory_stats', arguments: {} })) as CallToolResult;
    expect(ok.isError).toBeFalsy();
    expect(stderr).not.toMatch(/Error:.*at /);
  });
});

describe('the built CLI on stdio with malformed input', () => {
  it('answers a line that is not JSON with a parse error and a non-JSON-RPC object with invalid request, then keeps serving', async () => {
    const child = spawn(process.execPath, [CLI], {
      env: cliEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    const lines = () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { id?: unknown; error?: { code: number }; result?: unknown });
    child.stdin.write('this is not json\n');
    child.stdin.write('{"hello": "world"}\n');
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n`,
    );
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' })}\n`);
    const deadline = Date.now() + 20_000;
    while (lines().filter((l) => l.id === 2).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
    const msgs = lines();
    expect(msgs.map((m) => m.error?.code).filter(Boolean)).toEqual([-32700, -32600]);
    expect(msgs.find((m) => m.id === 1)?.result).toBeDefined();
    expect(msgs.find((m) => m.id === 2)?.result).toEqual({});
    expect(child.exitCode).toBe(0);
  });
});

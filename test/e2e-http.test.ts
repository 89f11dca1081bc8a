import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpChild, startHttpCli } from './helpers/cli.js';

function rawPost(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += String(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
});

async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'e2e-http', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : undefined,
  });
  await client.connect(transport);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const res = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (res.isError) throw new Error(`${name}: ${JSON.stringify(res.content)}`);
  return res.structuredContent as Record<string, unknown>;
}

describe('the built CLI over Streamable HTTP', () => {
  let server: HttpChild;
  beforeAll(async () => {
    server = await startHttpCli();
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
    expect(server.stdout()).toBe('');
  });

  it('serves a session to the SDK client and calls every tool', async () => {
    const client = await connect(server.url);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(6);
    const stored = await call(client, 'remember', {
      texts: ['alpha one', 'beta two'],
      namespace: 'h',
    });
    const hits = (await call(client, 'recall', { query: 'beta two', namespace: 'h' })).hits as {
      text: string;
    }[];
    expect(hits[0]?.text).toBe('beta two');
    await call(client, 'anomaly_score', { text: 'gamma', namespace: 'h' });
    await call(client, 'memory_stats', {});
    await call(client, 'forget', { ids: [(stored.ids as number[])[0]] });
    await call(client, 'forget_older_than', { age: '1d' });
    await client.close();
  });

  it('rejects a foreign Host header with 403 (DNS rebinding protection)', async () => {
    const res = await rawPost(server.url, { host: 'evil.example:80' }, INIT);
    expect(res.status).toBe(403);
    expect(res.body).toMatch(/Host header is not allowed/);
  });

  it('rejects a foreign Origin with 403 and accepts a loopback one', async () => {
    const bad = await rawPost(server.url, { origin: 'https://evil.example' }, INIT);
    expect(bad.status).toBe(403);
    expect(bad.body).toMatch(/--allowed-origins/);
    const good = await rawPost(server.url, { origin: 'http://localhost:3000' }, INIT);
    expect(good.status).toBe(200);
  });

  it('answers a body that is not JSON with a parse error and an oversized body with 413 naming the limit', async () => {
    const res = await rawPost(server.url, {}, '{nope');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe(-32700);
    const small = await startHttpCli(['--max-body-bytes', '1mb']);
    try {
      const big = await rawPost(small.url, {}, JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }));
      expect(big.status).toBe(413);
      expect(JSON.parse(big.body).error.message).toMatch(/1048576 bytes \(--max-body-bytes/);
    } finally {
      await small.stop();
    }
  });

  it('answers 200 concurrent recalls correctly while remembers stream in', async () => {
    const client = await connect(server.url);
    const base = Array.from({ length: 50 }, (_, i) => `incident ${i}: service-${i} latency spike`);
    await call(client, 'remember', { texts: base, namespace: 'conc' });
    const writes = Array.from({ length: 20 }, (_, w) =>
      call(client, 'remember', {
        texts: Array.from({ length: 10 }, (_, i) => `background write ${w}-${i}`),
        namespace: 'conc',
      }),
    );
    const reads = Array.from({ length: 200 }, (_, i) =>
      call(client, 'recall', { query: base[i % 50], namespace: 'conc', k: 1 }).then(
        (r) => (r.hits as { text: string }[])[0]?.text,
      ),
    );
    const [answers] = await Promise.all([Promise.all(reads), Promise.all(writes)]);
    expect(answers).toEqual(Array.from({ length: 200 }, (_, i) => base[i % 50]));
    const stats = await call(client, 'memory_stats', { namespace: 'conc' });
    expect((stats.namespaces as { count: number }[])[0]?.count).toBe(250);
    await client.close();
  });
});

describe('the HTTP server with a bearer token', () => {
  let server: HttpChild;
  beforeAll(async () => {
    server = await startHttpCli([], { RINGMEM_TOKEN: 's3cret-token' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('refuses requests without the token with 401', async () => {
    const res = await rawPost(server.url, {}, INIT);
    expect(res.status).toBe(401);
    const wrong = await rawPost(server.url, { authorization: 'Bearer nope' }, INIT);
    expect(wrong.status).toBe(401);
  });

  it('serves clients that send it', async () => {
    const client = await connect(server.url, 's3cret-token');
    expect((await client.listTools()).tools).toHaveLength(6);
    await client.close();
  });
});

describe('the HTTP server in stateless mode', () => {
  it('answers each POST on its own without a session', async () => {
    const server = await startHttpCli(['--stateless']);
    try {
      const res = await rawPost(server.url, {}, INIT);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).result.serverInfo.name).toBe('ringmem');
      const list = await rawPost(
        server.url,
        { 'mcp-protocol-version': '2025-11-25' },
        JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      );
      expect(JSON.parse(list.body).result.tools).toHaveLength(6);
    } finally {
      await server.stop();
    }
  });
});

import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { hostname } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { RingmemRetriever } from '../src/adapters/langchain.js';
import { CLI, cliEnv, startHttpCli } from './helpers/cli.js';

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: u.port, path: u.pathname, method: 'GET', headers },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += String(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'hygiene', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: cliEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('HTTP sessions', () => {
  it('closes the least recently used idle session at the cap, and says "server busy" when every session is in use', async () => {
    const server = await startHttpCli(['--max-sessions', '3'], { RINGMEM_LOG_LEVEL: 'info' });
    try {
      // Clients that vanish without ending their session (no DELETE), as many clients do.
      for (let i = 0; i < 5; i++) await (await connect(server.url)).close();
      const live = [
        await connect(server.url),
        await connect(server.url),
        await connect(server.url),
      ];
      expect(server.stderr()).toMatch(/least recently used idle session/);
      for (const c of live) expect((await c.listTools()).tools.length).toBe(6);
      // Now all three are in use (each holds its event stream open): a fourth is refused.
      const busy = await runCli(['recall', 'anything', '--url', server.url]);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/^ringmem recall: server busy: 3 sessions at http/);
      expect(busy.stderr).not.toMatch(/cannot reach/);
      for (const c of live) await c.close();
    } finally {
      await server.stop();
    }
  });

  it('never closes a session still in its handshake to make room: the newcomer hears "server busy" instead', async () => {
    const server = await startHttpCli(['--max-sessions', '1'], { RINGMEM_LOG_LEVEL: 'info' });
    const post = (body: unknown, session?: string) =>
      fetch(server.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(session ? { 'mcp-session-id': session } : {}),
        },
        body: JSON.stringify(body),
      });
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'h', version: '1' },
      },
    };
    try {
      // A client whose initialize was answered but whose next message has not arrived yet.
      const first = await post(initialize);
      const session = first.headers.get('mcp-session-id')!;
      await first.text();
      expect(session).toBeTruthy();
      const second = await post(initialize);
      expect(second.status).toBe(503);
      expect(await second.text()).toMatch(/server busy: 1 sessions/);
      // The first client finishes its handshake and is served: its session was kept.
      const done = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session);
      expect(done.status).toBe(202);
      const ping = await post({ jsonrpc: '2.0', id: 2, method: 'ping' }, session);
      expect(ping.status).toBe(200);
      expect(await ping.text()).toMatch(/"id":2/);
    } finally {
      await server.stop();
    }
  });

  it('ends the session it opened when the CLI client and the LangChain retriever are done', async () => {
    const server = await startHttpCli([], { RINGMEM_LOG_LEVEL: 'info' });
    try {
      const ended = () => (server.stderr().match(/session ended by the client/g) ?? []).length;
      const res = await runCli(['remember', 'the cache was flushed', '--url', server.url]);
      expect(res.code, res.stderr).toBe(0);
      await waitFor(() => ended() === 1);
      const retriever = new RingmemRetriever({ source: { url: server.url } });
      const docs = await retriever.invoke('cache flushed');
      expect(docs[0]?.pageContent).toBe('the cache was flushed');
      await retriever.close();
      await waitFor(() => ended() === 2);
    } finally {
      await server.stop();
    }
  });
});

describe('HTTP gates', () => {
  it('puts /health behind the token and shows no session details', async () => {
    const server = await startHttpCli([], { RINGMEM_TOKEN: 'tok-123' });
    try {
      const health = server.url.replace(/\/mcp$/, '/health');
      expect((await get(health)).status).toBe(401);
      const ok = await get(health, { authorization: 'Bearer tok-123' });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toEqual({ status: 'ok' });
    } finally {
      await server.stop();
    }
  });

  it('keeps the Host check when bound to 0.0.0.0: this machine and --allowed-hosts pass, others get 403', async () => {
    const server = await startHttpCli(['--host', '0.0.0.0', '--allowed-hosts', 'memory.lan'], {
      RINGMEM_TOKEN: 'tok-123',
    });
    try {
      const port = new URL(server.url).port;
      const health = `http://127.0.0.1:${port}/health`;
      const auth = { authorization: 'Bearer tok-123' };
      expect((await get(health, { ...auth, host: `evil.example:${port}` })).status).toBe(403);
      expect((await get(health, { ...auth, host: `127.0.0.1:${port}` })).status).toBe(200);
      expect((await get(health, { ...auth, host: `${hostname()}:${port}` })).status).toBe(200);
      expect((await get(health, { ...auth, host: `memory.lan:${port}` })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('stops with one line saying what to do when the port is taken', async () => {
    const first = await startHttpCli();
    try {
      const port = new URL(first.url).port;
      const second = await runCli(['serve', '--http', '--port', port]);
      expect(second.code).toBe(1);
      const lines = second.stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(/already in use.*--port/);
      expect(second.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await first.stop();
    }
  });

  it('refuses --allowed-origins that are not origins and an empty RINGMEM_TOKEN', async () => {
    const origins = await runCli([
      'serve',
      '--http',
      '--port',
      '0',
      '--allowed-origins',
      'notaurl',
    ]);
    expect(origins.code).toBe(2);
    expect(origins.stderr).toMatch(/"notaurl" is not an origin/);
    const token = await runCli(['serve', '--http', '--port', '0'], { RINGMEM_TOKEN: '' });
    expect(token.code).toBe(2);
    expect(token.stderr).toMatch(/RINGMEM_TOKEN is set but empty/);
  });
});

import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  type CallToolResult,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, cliEnv } from './helpers/cli.js';

const run = promisify(execFile);
const runtimeDirs: string[] = [];

function runtimeDir(): string {
  // Short: a Unix socket path must fit in about 100 bytes.
  const d = mkdtempSync(join(tmpdir(), 'rm-'));
  runtimeDirs.push(d);
  return d;
}

async function daemon(
  dir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'daemon', ...args], {
      env: cliEnv({ RINGMEM_RUNTIME_DIR: dir }),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const clients: Client[] = [];

afterAll(async () => {
  // Fronts first: a front left running (a failed test) would start a new daemon after the stop.
  for (const c of clients) await c.close().catch(() => {});
  for (const d of runtimeDirs) {
    await daemon(d, 'stop');
    rmSync(d, { recursive: true, force: true });
  }
});

interface FrontClient {
  client: Client;
  transport: StdioClientTransport;
  logs: string[];
  stderr: () => string;
  call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
}

async function front(
  dir: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<FrontClient> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve', '--shared', ...args],
    env: cliEnv({ RINGMEM_RUNTIME_DIR: dir, ...env }),
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d) => {
    err += String(d);
  });
  const client = new Client({ name: 'e2e-shared', version: '1.0.0' });
  clients.push(client);
  const logs: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push(String(n.params.data));
  });
  await client.connect(transport);
  return {
    client,
    transport,
    logs,
    stderr: () => err,
    async call(name, a) {
      const res = (await client.callTool({ name, arguments: a })) as CallToolResult;
      if (res.isError) throw new Error(`${name}: ${JSON.stringify(res.content)}`);
      return res.structuredContent as Record<string, unknown>;
    },
  };
}

const until = async (cond: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('serve --shared: one daemon for every client', () => {
  it('starts one daemon for two fronts started at once, and both see the same memory', async () => {
    const dir = runtimeDir();
    const info = { RINGMEM_LOG_LEVEL: 'info' };
    const [a, b] = await Promise.all([front(dir, [], info), front(dir, [], info)]);
    const stored = await a.call('remember', {
      texts: ['the deploy key rotates on fridays'],
      namespace: 'team',
    });
    const found = await b.call('recall', {
      query: 'when does the deploy key rotate',
      namespace: 'team',
      k: 1,
    });
    expect((found.hits as { id: number; text: string }[])[0]).toMatchObject({
      id: (stored.ids as number[])[0],
      text: 'the deploy key rotates on fridays',
    });
    const log = readFileSync(join(dir, 'daemon.log'), 'utf8');
    expect(log.match(/listening on/g)).toHaveLength(1);
    expect(log).not.toMatch(/already listens/);
    const status = JSON.parse((await daemon(dir, 'status', '--json')).stdout) as {
      pid: number;
      clients: number;
      uptimeSeconds: number;
      namespaces: { namespace: string; count: number; bytes: number }[];
    };
    expect(status.clients).toBe(2);
    expect(status.namespaces).toEqual([expect.objectContaining({ namespace: 'team', count: 1 })]);
    const human = (await daemon(dir, 'status')).stdout;
    expect(human).toContain(`pid ${status.pid}`);
    expect(human).toMatch(/team: 1 entries/);
    await a.client.close();
    await b.client.close();
    const stop = await daemon(dir, 'stop');
    expect(stop.stdout).toContain(`stopped ringmem daemon pid ${status.pid}`);
    const after = await daemon(dir, 'status');
    expect(after.code).toBe(3);
    expect(after.stdout).toMatch(/no ringmem daemon is running/);
  });

  it('starts before any client with `daemon start`, which a front then joins', async () => {
    const dir = runtimeDir();
    const started = await daemon(dir, 'start', '--capacity', '77');
    expect(started.stdout).toMatch(/started ringmem daemon pid \d+/);
    expect((await daemon(dir, 'start')).stdout).toMatch(/already running: ringmem daemon pid/);
    const a = await front(dir);
    await a.call('remember', { texts: ['joined'], namespace: 'j' });
    const stats = await a.call('memory_stats', {});
    expect((stats.namespaces as { capacity: number }[])[0]?.capacity).toBe(77);
    await a.client.close();
    expect((await daemon(dir, 'stop')).code).toBe(0);
  });

  it('fails an in-flight call with a clear error when the daemon dies, reconnects to a new daemon and says so', async () => {
    const dir = runtimeDir();
    const a = await front(dir);
    await a.call('remember', { texts: ['before the crash'], namespace: 'n' });
    const { pid } = JSON.parse((await daemon(dir, 'status', '--json')).stdout) as { pid: number };
    // Freeze the daemon so the next call is surely in flight, then kill it.
    process.kill(pid, 'SIGSTOP');
    const inflight = a.call('remember', { texts: ['lost in flight'], namespace: 'n' }).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    // Long enough for the front to have relayed the call even on a loaded machine: a call that
    // reached the front only after the daemon died would go to the new daemon and succeed.
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(pid, 'SIGKILL');
    expect(await inflight).toMatch(/daemon went away while handling tools\/call.*retry/);
    // The next call goes to a newly started daemon (the stale socket is replaced).
    const after = await a.call('remember', { texts: ['after the crash'], namespace: 'n' });
    expect((after.ids as number[]).length).toBe(1);
    await until(() => a.logs.some((l) => /reconnected to a newly started daemon/.test(l)));
    expect(a.logs.join('\n')).toMatch(/empty memory/);
    const status = JSON.parse((await daemon(dir, 'status', '--json')).stdout) as { pid: number };
    expect(status.pid).not.toBe(pid);
    await a.client.close();
  });

  it('restores the daemon memory from --persist after the daemon is killed', async () => {
    const dir = runtimeDir();
    const store = join(dir, 'mem');
    const a = await front(dir, ['--persist', store, '--fsync', 'always']);
    const stored = await a.call('remember', { texts: ['survives the daemon'], namespace: 'p' });
    const { pid } = JSON.parse((await daemon(dir, 'status', '--json')).stdout) as { pid: number };
    process.kill(pid, 'SIGKILL');
    await until(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    const found = await a.call('recall', { query: 'survives the daemon', namespace: 'p', k: 1 });
    expect((found.hits as { id: number }[])[0]?.id).toBe((stored.ids as number[])[0]);
    await until(() => a.logs.some((l) => l.includes(`restored memory from ${store}`)));
    await a.client.close();
  });

  it('tells a front whose settings differ from the running daemon', async () => {
    const dir = runtimeDir();
    const a = await front(dir, ['--ttl', '2h']);
    const b = await front(dir, ['--ttl', '1h']);
    await until(() => b.logs.length > 0);
    expect(b.logs[0]).toMatch(/ttlMs: this front asked for 3600000, the daemon uses 7200000/);
    expect(b.stderr()).toMatch(/other settings than this front asked for/);
    expect(a.logs).toEqual([]);
    await a.client.close();
    await b.client.close();
  });

  it('is what `ringmem config <client> --shared` and RINGMEM_SHARED=1 start', async () => {
    const dir = runtimeDir();
    const { stdout } = await run(process.execPath, [CLI, 'config', 'claude-desktop', '--shared'], {
      env: cliEnv(),
    });
    const entry = JSON.parse(stdout).mcpServers.ringmem as { command: string; args: string[] };
    expect(entry.args.slice(-2)).toEqual(['serve', '--shared']);
    const viaConfig = new Client({ name: 'config', version: '1' });
    await viaConfig.connect(
      new StdioClientTransport({
        command: entry.command,
        args: entry.args,
        env: cliEnv({ RINGMEM_RUNTIME_DIR: dir }),
        stderr: 'ignore',
      }),
    );
    const viaEnv = new Client({ name: 'env', version: '1' });
    await viaEnv.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'serve'],
        env: cliEnv({ RINGMEM_RUNTIME_DIR: dir, RINGMEM_SHARED: '1' }),
        stderr: 'ignore',
      }),
    );
    await viaConfig.callTool({
      name: 'remember',
      arguments: { texts: ['written through the config entry'], namespace: 'c' },
    });
    const res = (await viaEnv.callTool({
      name: 'recall',
      arguments: { query: 'written through the config entry', namespace: 'c', k: 1 },
    })) as CallToolResult;
    expect((res.structuredContent as { hits: { text: string }[] }).hits[0]?.text).toBe(
      'written through the config entry',
    );
    const status = JSON.parse((await daemon(dir, 'status', '--json')).stdout) as {
      clients: number;
    };
    expect(status.clients).toBe(2);
    await viaConfig.close();
    await viaEnv.close();
  });

  // Planting a socket owned by someone else takes root (chown).
  it.skipIf(process.getuid?.() !== 0)('refuses a socket owned by another user', async () => {
    const dir = runtimeDir();
    const planted = createServer(() => {});
    await new Promise<void>((r) => planted.listen(join(dir, 'daemon.sock'), r));
    chownSync(join(dir, 'daemon.sock'), 12345, 12345);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'serve', '--shared'],
      env: cliEnv({ RINGMEM_RUNTIME_DIR: dir }),
      stderr: 'ignore',
    });
    const client = new Client({ name: 'refused', version: '1' });
    const attempt = client.connect(transport).then(
      () => 'connected',
      (e: Error) => e.message,
    );
    expect(await attempt).toMatch(/owned by uid 12345, not by you/);
    // The front keeps retrying while its client stays; closing the client ends it.
    await transport.close();
    planted.close();
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKernel } from '../src/kernel/index.js';
import { DurableMemoryEngine } from '../src/persist/durable-engine.js';
import { seededUnitRows } from '../src/seeded-rows.js';
import { CLI, cliEnv } from './helpers/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ringmem-e2e-persist-'));
  dirs.push(d);
  return d;
}

interface Server {
  client: Client;
  transport: StdioClientTransport;
  stderr: () => string;
  call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
}

async function startServer(command: string, args: string[]): Promise<Server> {
  const transport = new StdioClientTransport({
    command,
    args,
    env: cliEnv({ RINGMEM_LOG_LEVEL: 'info' }),
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d) => {
    err += String(d);
  });
  const client = new Client({ name: 'e2e-persist', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    transport,
    stderr: () => err,
    async call(name, args) {
      const res = (await client.callTool({ name, arguments: args })) as CallToolResult;
      if (res.isError) throw new Error(`${name}: ${JSON.stringify(res.content)}`);
      return res.structuredContent as Record<string, unknown>;
    },
  };
}

const serve = (dir: string, ...extra: string[]) =>
  startServer(process.execPath, [CLI, 'serve', '--persist', dir, ...extra]);

describe('durable memory through the built CLI', () => {
  // A process crash loses nothing acknowledged under any mode: the write reached the OS before
  // the answer was sent (fsync only matters for power loss, which a test cannot cause).
  it.each(['always', 'never'])(
    'loses nothing acknowledged under --fsync %s when the server is killed -9 during a write flood',
    async (mode) => {
      const dir = join(tempDir(), 'mem');
      const a = await serve(dir, '--fsync', mode);
      const acked: number[] = [];
      let sent = 0;
      const worker = async (w: number) => {
        for (;;) {
          const texts = [0, 1, 2].map((i) => `worker ${w} batch ${sent} line ${i}: disk io retry`);
          sent++;
          try {
            const res = await a.call('remember', { texts, namespace: 'flood' });
            acked.push(...(res.ids as number[]));
          } catch {
            return; // the connection died under us: not acknowledged
          }
        }
      };
      const workers = [0, 1, 2, 3].map(worker);
      while (acked.length < 300) await new Promise((r) => setTimeout(r, 5));
      process.kill(a.transport.pid!, 'SIGKILL');
      await Promise.all(workers);
      await a.client.close().catch(() => {});

      const b = await serve(dir, '--fsync', mode);
      const stats = await b.call('memory_stats', {});
      const persistence = stats.persistence as { state: string; restored_entries: number };
      expect(persistence.state).toBe('on');
      const count = (stats.namespaces as { count: number }[])[0]!.count;
      // Everything acknowledged came back (and writes that landed without an answer may have too).
      expect(count).toBeGreaterThanOrEqual(acked.length);
      const res = await b.call('forget', { ids: acked, namespace: 'flood' });
      expect((res.forgotten as number[]).length).toBe(acked.length);
      // New ids never reuse old ones.
      const fresh = await b.call('remember', { texts: ['after the crash'], namespace: 'flood' });
      expect((fresh.ids as number[])[0]).toBeGreaterThan(Math.max(...acked));
      await b.client.close();
    },
  );

  it('keeps serving from RAM and says persistence is off when the log cannot grow', async () => {
    const dir = join(tempDir(), 'mem');
    // A 64 KB file-size limit: the log's write fails (EFBIG) as it would on a full disk.
    const s = await startServer('/bin/sh', [
      '-c',
      `ulimit -f 64 && exec "${process.execPath}" "${CLI}" serve --persist "${dir}"`,
    ]);
    let failedAt = -1;
    for (let i = 0; i < 200 && failedAt < 0; i++) {
      const res = await s.call('remember', {
        texts: [`line ${i} ${'x'.repeat(300)}`],
        namespace: 'full',
      });
      expect((res.ids as number[]).length).toBe(1);
      const stats = await s.call('memory_stats', {});
      const p = stats.persistence as { state: string; error: string };
      if (p.state !== 'on') {
        failedAt = i;
        expect(p.state).toBe('off');
        expect(p.error).toContain(join(dir, 'log-'));
        expect(p.error).toMatch(/File too large|EFBIG/);
      }
    }
    expect(failedAt).toBeGreaterThan(0);
    const after = await s.call('remember', { texts: ['still served from RAM'], namespace: 'full' });
    expect((after.ids as number[]).length).toBe(1);
    const recall = await s.call('recall', {
      query: 'still served from RAM',
      namespace: 'full',
      k: 1,
    });
    expect((recall.hits as { text: string }[])[0]!.text).toBe('still served from RAM');
    expect(s.stderr()).toMatch(/durable memory is off/);
    await s.client.close();
  });

  it('doctor --persist inspects a directory without writing to it, and flags another model', async () => {
    const dir = join(tempDir(), 'mem');
    const engine = new DurableMemoryEngine(
      { dim: 384, kernel: loadKernel({ backend: 'js', warn: () => {} }) },
      { dir, fsync: 'always', compactIntervalMs: 60_000, model: 'some-other-model', log: () => {} },
    );
    engine.insert('ns', seededUnitRows(1, 384, 1), [{ text: 'x' }]);
    engine.closeStore();
    const before = readdirSync(dir).sort();
    const doctor = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'doctor', '--persist', dir], { env: cliEnv() });
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
      });
      child.on('exit', (code) => resolve({ code, out }));
    });
    expect(doctor.code).toBe(1);
    expect(doctor.out).toMatch(/✗ persist .*written with model some-other-model \(384 dims\)/);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('refuses a directory another live server writes, naming its pid', async () => {
    const dir = join(tempDir(), 'mem');
    const a = await serve(dir);
    const b = await serve(dir);
    const p = (await b.call('memory_stats', {})).persistence as { state: string; error: string };
    expect(p.state).toBe('refused');
    expect(p.error).toContain(`pid ${a.transport.pid}`);
    expect(p.error).toMatch(/--shared/);
    await b.client.close();
    await a.client.close();
  });
});

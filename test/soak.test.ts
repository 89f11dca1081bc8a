import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { startHttpCli } from './helpers/cli.js';
import { RawStdio } from './helpers/raw-stdio.js';

/**
 * A bounded soak: for SOAK_SECONDS (default 45) an HTTP server and a stdio server take a mixed
 * workload — concurrent HTTP sessions that come and go (some abandoned, never ended), large
 * batches, recalls, anomaly scores and forgets, and a stdio client that reads its replies in
 * fits and starts while it also sends garbage. Budgets are generous (a shared 2-core machine):
 * the test is about never falling over, bounded memory and every request answered, not speed.
 */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 45);

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

function p(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

const WORDS = 'disk cache queue deploy token latency error retry shard index lease build'.split(
  ' ',
);
const sentence = (i: number) =>
  `event ${i}: ${WORDS[i % 12]} ${WORDS[(i * 7) % 12]} ${WORDS[(i * 5) % 12]} on node-${i % 17}`;

describe.skipIf(process.platform !== 'linux')('soak: a mixed workload over HTTP and stdio', () => {
  it(
    `stays up, answers everything and keeps memory bounded for ${SECONDS} s`,
    async () => {
      const http = await startHttpCli(['--capacity', '5000', '--max-sessions', '8']);
      const stdio = new RawStdio(['--capacity', '5000']);
      await stdio.initialize();
      const pids = { http: http.child.pid!, stdio: stdio.child.pid! };
      const rss: { http: number; stdio: number }[] = [];
      const sampler = setInterval(() => {
        rss.push({ http: rssMb(pids.http), stdio: rssMb(pids.stdio) });
      }, 1000);
      const deadline = Date.now() + SECONDS * 1000;
      const latencies: number[] = [];
      const failures: string[] = [];
      let calls = 0;
      let counter = 0;
      let busyRetries = 0;

      async function httpWorker(w: number): Promise<void> {
        while (Date.now() < deadline) {
          // At the session cap with every session in use (or still in its handshake) the server
          // answers "server busy" (503) by design; a client retries, as ringmem's own CLI says to.
          let client: Client;
          let transport: StreamableHTTPClientTransport;
          for (let attempt = 1; ; attempt++) {
            client = new Client({ name: `soak-${w}`, version: '1' });
            transport = new StreamableHTTPClientTransport(new URL(http.url));
            try {
              await client.connect(transport);
              break;
            } catch (error) {
              if (!/server busy/.test(String(error)) || attempt >= 200) throw error;
              busyRetries++;
              await new Promise((r) => setTimeout(r, 25));
            }
          }
          const namespace = `ns${w % 3}`;
          // Each session makes a few dozen calls, then ends (odd workers abandon it instead).
          for (let j = 0; j < 30 && Date.now() < deadline; j++) {
            const op = (w + j) % 6;
            const n = op === 0 && w === 0 ? 256 : 1 + ((j * 13) % 32);
            const args: [string, Record<string, unknown>] =
              op <= 1
                ? [
                    'remember',
                    {
                      texts: Array.from({ length: n }, () =>
                        sentence(counter++).repeat(op === 0 && w === 0 ? 40 : 1),
                      ),
                      namespace,
                    },
                  ]
                : op <= 3
                  ? ['recall', { query: sentence(j), namespace, k: 10 }]
                  : op === 4
                    ? ['anomaly_score', { text: sentence(j * 3), namespace, remember: j % 2 === 0 }]
                    : ['forget_older_than', { age: '5s', namespace }];
            const began = performance.now();
            try {
              const res = (await client.callTool({ name: args[0], arguments: args[1] }, undefined, {
                timeout: 60_000,
              })) as CallToolResult;
              if (res.isError) failures.push(`${args[0]}: ${JSON.stringify(res.content)}`);
            } catch (error) {
              failures.push(`${args[0]}: ${(error as Error).message}`);
            }
            latencies.push(performance.now() - began);
            calls++;
          }
          if (w % 2 === 0) await transport.terminateSession().catch(() => {});
          await client.close();
        }
      }

      async function stdioWorker(): Promise<{ pings: number }> {
        let pings = 0;
        let reading = true;
        while (Date.now() < deadline) {
          // Read in fits and starts: stop reading stdout for a while, then catch up.
          if (reading) stdio.child.stdout.pause();
          else stdio.child.stdout.resume();
          reading = !reading;
          const batch: string[] = [];
          for (let i = 0; i < 200; i++) {
            batch.push(
              i % 4 === 0
                ? `garbage line ${i} {`
                : JSON.stringify({ jsonrpc: '2.0', id: `s${pings++}`, method: 'ping' }),
            );
          }
          batch.push(
            JSON.stringify({
              jsonrpc: '2.0',
              id: `r${pings}`,
              method: 'tools/call',
              params: {
                name: 'remember',
                arguments: { texts: Array.from({ length: 64 }, (_, i) => sentence(i + pings)) },
              },
            }),
          );
          // Do not wait for the pipe while stdout is paused: the server pushes back by not reading.
          void stdio.write(`${batch.join('\n')}\n`);
          await new Promise((r) => setTimeout(r, 700));
        }
        stdio.child.stdout.resume();
        return { pings };
      }

      const [stdioResult] = await Promise.all([
        stdioWorker(),
        ...Array.from({ length: 6 }, (_, w) => httpWorker(w)),
      ]);
      const last = `s${stdioResult.pings - 1}`;
      await stdio.reply(last, 120_000);
      clearInterval(sampler);

      const pingIds = stdio.lines
        .filter((l): l is { id: string } => typeof l === 'object' && typeof l.id === 'string')
        .map((l) => l.id)
        .filter((id) => id.startsWith('s'));
      const rememberErrors = stdio.lines.filter(
        (l) =>
          typeof l === 'object' &&
          typeof l.id === 'string' &&
          l.id.startsWith('r') &&
          (l.error || l.result?.isError),
      );
      const peak = {
        http: Math.max(...rss.map((r) => r.http)),
        stdio: Math.max(...rss.map((r) => r.stdio)),
      };
      const quarter = Math.max(1, Math.floor(rss.length / 4));
      const early = rss.slice(quarter, 2 * quarter);
      const late = rss.slice(-quarter);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      console.log(
        `soak ${SECONDS} s: ${calls} HTTP calls, ${busyRetries} "server busy" connect retries (p50 ${p(latencies, 0.5).toFixed(0)} ms, p99 ${p(latencies, 0.99).toFixed(0)} ms), ${stdioResult.pings} stdio pings; peak RSS http ${peak.http.toFixed(0)} MB, stdio ${peak.stdio.toFixed(0)} MB; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
      );

      expect(failures).toEqual([]);
      expect(rememberErrors).toEqual([]);
      expect(pingIds).toEqual(Array.from({ length: stdioResult.pings }, (_, i) => `s${i}`));
      expect(stdio.strayLines()).toEqual([]);
      // Latency budget: generous, for a shared 2-core box (a stall or a quadratic drain breaks it).
      expect(p(latencies, 0.99)).toBeLessThan(15_000);
      // Memory budget: bounded rings (3 namespaces × 5000 entries) and no growth once they are full.
      expect(peak.http).toBeLessThan(1024);
      expect(peak.stdio).toBeLessThan(1024);
      expect(mean(late.map((r) => r.http))).toBeLessThan(
        mean(early.map((r) => r.http)) * 1.5 + 128,
      );
      expect(mean(late.map((r) => r.stdio))).toBeLessThan(
        mean(early.map((r) => r.stdio)) * 1.5 + 128,
      );

      expect(await stdio.end()).toBe(0);
      expect(await http.stop()).toBe(0);
      expect(http.stdout()).toBe('');
    },
    (SECONDS + 150) * 1000,
  );
});

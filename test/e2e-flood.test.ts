import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { CLI, cliEnv } from './helpers/cli.js';
import { getTestModel } from './helpers/test-model.js';

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

// Unique, unlike texts: the test is about bounded memory and exact bookkeeping, not semantics.
const WORDS = [
  'amber',
  'basalt',
  'cedar',
  'delta',
  'ember',
  'fjord',
  'garnet',
  'harbor',
  'iris',
  'juniper',
];
function text(i: number): string {
  const w = (n: number) => WORDS[n % 10];
  return `entry ${i} ${w(i)} ${w(Math.floor(i / 10))} ${w(Math.floor(i / 100))} ${w(Math.floor(i / 1000))} ${w(Math.floor(i / 10000))}`;
}

describe.skipIf(process.platform !== 'linux')('a flood of remembers into a full ring', () => {
  it('keeps RSS bounded over 200k remembers into a 10k ring and finds every entry of the window', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, '--capacity', '10000', '--ttl', 'none'],
      // A tiny generated BERT keeps the embedding cost small; onnxruntime and the tokenizer are real.
      env: cliEnv({ RINGMEM_MODEL_DIR: getTestModel({ tiny: true }).dir }),
      stderr: 'ignore',
    });
    const client = new Client({ name: 'flood', version: '1' });
    await client.connect(transport);
    const pid = transport.pid!;
    const call = async (name: string, args: Record<string, unknown>) => {
      const res = (await client.callTool({ name, arguments: args }, undefined, {
        timeout: 120_000,
      })) as CallToolResult;
      if (res.isError) throw new Error(JSON.stringify(res.content));
      return res.structuredContent as Record<string, unknown>;
    };
    const total = 200_000;
    const batch = 256;
    const rss: Record<number, number> = {};
    const ids: number[] = [];
    const began = performance.now();
    for (let start = 0; start < total; start += batch) {
      const texts = Array.from({ length: Math.min(batch, total - start) }, (_, j) =>
        text(start + j),
      );
      const res = await call('remember', { texts, namespace: 'flood' });
      ids.push(...(res.ids as number[]));
      const done = start + texts.length;
      for (const mark of [20_000, 50_000, 100_000, 150_000, 200_000]) {
        if (done >= mark && rss[mark] === undefined) rss[mark] = rssMb(pid);
      }
    }
    const seconds = (performance.now() - began) / 1000;
    console.log(
      `flood: ${total} remembers in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s); RSS (MB) after n: ${JSON.stringify(rss)}`,
    );
    // After the ring filled, further remembers only overwrite: memory must not keep growing.
    expect(rss[200_000]!).toBeLessThan(rss[50_000]! * 1.25 + 32);

    const stats = await call('memory_stats', { namespace: 'flood' });
    expect(stats.namespaces).toMatchObject([
      { count: 10_000, evicted: 190_000, inserted: 200_000 },
    ]);
    // Every entry of the window (the newest 10k) is found as its own best match.
    // Requests are pipelined 100 at a time over the one stdio connection.
    for (let from = total - 10_000; from < total; from += 100) {
      const found = await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          call('recall', { query: text(from + j), namespace: 'flood', k: 1 }).then(
            (res) => (res.hits as { id: number }[])[0]?.id,
          ),
        ),
      );
      expect(found).toEqual(ids.slice(from, from + 100));
    }
    // And an evicted one is gone.
    const gone = await call('recall', { query: text(0), namespace: 'flood', k: 1 });
    expect((gone.hits as { id: number }[])[0]?.id).not.toBe(ids[0]);
    await client.close();
  }, 600_000);
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RawStdio } from './helpers/raw-stdio.js';

function cpuSeconds(pid: number): number {
  // utime + stime, in clock ticks (100 per second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe('stdio: the message limit agrees with the tool limits', () => {
  it('accepts the largest remember the documented limits allow (256 texts of 32 KiB, every character escaped) and the 11.5 MB line of 256 quoted 30 KB texts', async () => {
    const io = new RawStdio(['--capacity', '1000']);
    try {
      await io.initialize();
      // \u0001 takes six bytes in JSON: 256 × 32 KiB of it is the largest line the limits allow.
      const worst = Array.from(
        { length: 256 },
        (_, i) => `t${String(i).padStart(7, '0')}${'\u0001'.repeat(32_768 - 8)}`,
      );
      const line = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'remember', arguments: { texts: worst, namespace: 'big' } },
      });
      expect(line.length).toBeGreaterThan(47.9 * 1024 ** 2);
      await io.write(`${line}\n`);
      const res = await io.reply(1, 120_000);
      expect(res.error).toBeUndefined();
      expect(res.result?.isError, JSON.stringify(res.result?.content)).toBeFalsy();
      expect((res.result?.structuredContent as { stored: number } | undefined)?.stored).toBe(256);

      const quoted = Array.from({ length: 256 }, (_, i) =>
        `${i} ${'"x" '.repeat(7500)}`.slice(0, 30_000),
      );
      const line2 = JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'remember', arguments: { texts: quoted, namespace: 'big' } },
      });
      expect(line2.length).toBeGreaterThan(10 * 1024 ** 2);
      await io.write(`${line2}\n`);
      const res2 = await io.reply(2, 120_000);
      expect((res2.result?.structuredContent as { stored: number } | undefined)?.stored).toBe(256);
      expect((await io.request('ping')).result).toEqual({});
      expect(io.strayLines()).toEqual([]);
    } finally {
      expect(await io.end()).toBe(0);
    }
  }, 240_000);

  it('answers a message longer than the limit with an error that names the limit, and keeps serving', async () => {
    const io = new RawStdio(['--max-body-bytes', '1mb']);
    try {
      await io.initialize();
      const texts = Array.from({ length: 128 }, (_, i) => `text ${i} `.repeat(2000));
      await io.send({
        jsonrpc: '2.0',
        method: 'tools/call',
        params: { name: 'remember', arguments: { texts } },
        id: 7,
      });
      const res = await io.reply(7);
      expect(res.error?.code).toBe(-32600);
      expect(res.error?.message).toMatch(/limit of 1048576 bytes \(1 MiB, --max-body-bytes/);
      expect((await io.request('ping')).result).toEqual({});
      const ok = await io.request('tools/call', {
        name: 'remember',
        arguments: { text: 'still here' },
      });
      expect(ok.result?.isError).toBeFalsy();
      expect(io.strayLines()).toEqual([]);
    } finally {
      expect(await io.end()).toBe(0);
    }
  });
});

describe('stdio: a client that reads slowly', () => {
  it('answers every request in order after a flood of garbage and pings sent while stdout was not read, rate-limiting the garbage replies', async () => {
    const io = new RawStdio();
    try {
      await io.initialize();
      const before = cpuSeconds(io.child.pid!);
      io.child.stdout.pause();
      const garbage = 60_000;
      const pings = 20_000;
      let flood = '';
      for (let i = 0; i < garbage; i++) {
        flood += i % 2 ? `not json ${i}\n` : `{"hello": ${i}}\n`;
        if (i % 3 === 0)
          flood += `${JSON.stringify({ jsonrpc: '2.0', id: `p${i}`, method: 'ping' })}\n`;
      }
      const ids = [...flood.matchAll(/"id":"(p\d+)"/g)].map((m) => m[1]);
      expect(ids.length).toBe(pings);
      const written = io.write(flood);
      await new Promise((r) => setTimeout(r, 3000));
      io.child.stdout.resume();
      await written;
      await io.reply(ids.at(-1), 120_000);
      const cpu = cpuSeconds(io.child.pid!) - before;
      const replies = io.lines.filter(
        (l): l is { id: string } => typeof l === 'object' && typeof l.id === 'string',
      );
      expect(replies.map((r) => r.id)).toEqual(ids);
      const errors = io.lines.filter((l) => typeof l === 'object' && l.id === null);
      console.log(
        `slow reader: ${garbage} garbage lines and ${pings} pings; ${errors.length} error replies; server CPU ${cpu.toFixed(1)} s`,
      );
      // Garbage replies are rate-limited (20 per second after a burst of 20).
      expect(errors.length).toBeLessThan(1000);
      expect((await io.request('ping')).result).toEqual({});
      expect(io.strayLines()).toEqual([]);
    } finally {
      expect(await io.end()).toBe(0);
    }
  }, 180_000);
});

describe('stdio: read-your-writes', () => {
  it('a recall written right behind a remember on the same line burst sees the remembered text', async () => {
    const io = new RawStdio(['--capacity', '5000']);
    try {
      await io.initialize();
      for (let round = 0; round < 3; round++) {
        const needle = `needle ${round}: the staging database moved to eu-west-3`;
        const texts = [
          ...Array.from(
            { length: 255 },
            (_, i) => `filler ${round}-${i} ${'padding words '.repeat(200)}`,
          ),
          needle,
        ];
        const remember = {
          jsonrpc: '2.0',
          id: `w${round}`,
          method: 'tools/call',
          params: { name: 'remember', arguments: { texts } },
        };
        const recall = {
          jsonrpc: '2.0',
          id: `r${round}`,
          method: 'tools/call',
          params: { name: 'recall', arguments: { query: needle, k: 1 } },
        };
        await io.write(`${JSON.stringify(remember)}\n${JSON.stringify(recall)}\n`);
        const r = await io.reply(`r${round}`, 120_000);
        const w = await io.reply(`w${round}`, 120_000);
        expect(w.result?.isError).toBeFalsy();
        const hits = (r.result?.structuredContent as { hits: { text: string }[] } | undefined)
          ?.hits;
        expect(hits?.[0]?.text).toBe(needle);
      }
    } finally {
      expect(await io.end()).toBe(0);
    }
  }, 240_000);
});

describe('stdio: a client that writes everything and closes its end', () => {
  it('still gets an answer to every request before the server exits', async () => {
    const io = new RawStdio();
    const init = {
      jsonrpc: '2.0',
      id: 'i',
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'pipe', version: '1' },
      },
    };
    const calls = [
      init,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      {
        jsonrpc: '2.0',
        id: 'a',
        method: 'tools/call',
        params: { name: 'remember', arguments: { texts: ['one line', 'two lines'] } },
      },
      {
        jsonrpc: '2.0',
        id: 'b',
        method: 'tools/call',
        params: { name: 'recall', arguments: { query: 'two lines', k: 1 } },
      },
      { jsonrpc: '2.0', id: 'c', method: 'ping' },
    ];
    await io.write(calls.map((c) => `${JSON.stringify(c)}\n`).join(''));
    expect(await io.end()).toBe(0);
    const ids = io.lines.map((l) => (typeof l === 'object' ? l.id : l));
    expect(ids).toEqual(expect.arrayContaining(['i', 'a', 'b', 'c']));
    const recall = io.lines.find((l) => typeof l === 'object' && l.id === 'b') as {
      result: { structuredContent: { hits: { text: string }[] } };
    };
    expect(recall.result.structuredContent.hits[0]?.text).toBe('two lines');
  });
});

import {
  CallToolResultSchema,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, textOf } from './helpers/mcp-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function collectLogs(harness: Harness): LoggingMessageNotification['params'][] {
  const seen: LoggingMessageNotification['params'][] = [];
  harness.client.fallbackNotificationHandler = async (n) => {
    if (n.method === 'notifications/message')
      seen.push(n.params as LoggingMessageNotification['params']);
  };
  return seen;
}

describe('read-your-writes within one connection', () => {
  it('a recall sent right after a remember, without waiting for it, sees the remembered text', async () => {
    h = await startHarness({ capacity: 2000 });
    for (let round = 0; round < 5; round++) {
      // A large batch embeds in several chunks, so the recall's one embedding finishes first.
      const filler = Array.from({ length: 200 }, (_, i) => `filler ${round} ${i} about nothing`);
      const needle = `needle ${round}: the deploy key rotates on friday`;
      const write = h.call('remember', { texts: [...filler, needle], namespace: 'ryw' });
      const read = h.call('recall', { query: needle, namespace: 'ryw', k: 1 });
      const after = h.call('memory_stats', { namespace: 'ryw' });
      const [w, r, s] = await Promise.all([write, read, after]);
      expect(w.isError).toBeFalsy();
      const hits = (r.structuredContent as { hits: { text: string }[] }).hits;
      expect(hits[0]?.text).toBe(needle);
      expect(
        (s.structuredContent as { namespaces: { count: number }[] }).namespaces[0]?.count,
      ).toBe(201 * (round + 1));
    }
  });
});

describe('errors that reach the client', () => {
  it('range-checks durations and dates with an error naming the accepted range, and sends no log notification', async () => {
    h = await startHarness();
    const logs = collectLogs(h);
    const age = await h.call('forget_older_than', { age: '99999999999999999999d' });
    expect(age.isError).toBe(true);
    expect(textOf(age)).toMatch(/durations from 0 to 36500d/);
    const within = await h.call('recall', { query: 'x', within: '200000d' });
    expect(textOf(within)).toMatch(/36500d \(100 years\)/);
    const before = await h.call('forget_older_than', { before: '1969-12-31' });
    expect(textOf(before)).toMatch(/from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z/);
    expect((await h.call('memory_stats', {})).isError).toBeFalsy();
    expect(logs).toEqual([]);
  });

  it('reports an internal error as one line with a ref, keeps the stack in the server log, and logs to the client only once it enabled logging', async () => {
    const serverLog: string[] = [];
    h = await startHarness({ log: (_level, message) => serverLog.push(message) });
    const logs = collectLogs(h);
    h.engine.stats = () => {
      throw new Error('boom in /home/someone/ringmem/src/engine/engine.ts');
    };
    const res = await h.call('memory_stats', {});
    expect(res.isError).toBe(true);
    const text = textOf(res);
    const ref = /ref ([0-9a-f]{8})/.exec(text)?.[1];
    expect(ref).toBeDefined();
    expect(text).not.toMatch(/\/home|boom|\n|\bat /);
    expect(serverLog.join('\n')).toContain(`ref ${ref}`);
    expect(serverLog.join('\n')).toMatch(/boom in \/home[\s\S]*at /);
    expect(logs).toEqual([]);

    await h.client.setLoggingLevel('error');
    await h.call('memory_stats', {});
    await new Promise((r) => setTimeout(r, 20));
    expect(logs).toHaveLength(1);
    expect(logs[0]?.data).toMatch(
      /^memory_stats failed with an internal error \(ref [0-9a-f]{8}\)$/,
    );
  });

  it('answers malformed params with -32602 and a readable message, not -32603 with zod JSON', async () => {
    h = await startHarness();
    const error = await h.client
      .request(
        { method: 'tools/call', params: { name: 5, arguments: [] } as never },
        CallToolResultSchema,
      )
      .then(
        () => undefined,
        (e: { code: number; message: string }) => e,
      );
    expect(error?.code).toBe(-32602);
    expect(error?.message).toMatch(
      /Invalid params for tools\/call: params\.name: expected string, received number/,
    );
    expect(error?.message).not.toMatch(/[{}[\]]/);
  });

  it('rejects __proto__, constructor and prototype as metadata keys with a clear error', async () => {
    h = await startHarness();
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const metadata = JSON.parse(`{"${key}": {"nested": {"deep": 1}}, "ok": 1}`);
      const res = await h.call('remember', { text: 'has metadata', metadata });
      expect(res.isError, key).toBe(true);
      expect(textOf(res)).toMatch(
        /metadata keys __proto__, constructor and prototype are reserved/,
      );
    }
    expect(
      (await h.call('remember', { text: 'fine', metadata: { proto: 1 } })).isError,
    ).toBeFalsy();
  });
});

describe('replies that fit', () => {
  it('cuts long texts in the text rendering and leaves out the lowest hits past the reply cap, saying so', async () => {
    const cap = 64 * 1024;
    h = await startHarness({ limits: { maxReplyBytes: cap } });
    const texts = Array.from({ length: 6 }, (_, i) => `topic ${i} word ${'"w" '.repeat(7000)}`);
    expect((await h.call('remember', { texts })).isError).toBeFalsy();
    const res = await h.call('recall', { query: 'topic word', k: 6 });
    expect(res.isError).toBeFalsy();
    const size = Buffer.byteLength(
      JSON.stringify({ content: res.content, structuredContent: res.structuredContent }),
    );
    expect(size).toBeLessThanOrEqual(cap);
    const v = res.structuredContent as { hits: { text: string }[]; omitted_hits?: number };
    expect(v.hits.length).toBeGreaterThan(0);
    expect(v.hits.length + (v.omitted_hits ?? 0)).toBe(6);
    expect(v.omitted_hits).toBeGreaterThan(0);
    for (const hit of v.hits) expect(texts).toContain(hit.text);
    expect(textOf(res)).toMatch(/cut to \d+ of \d+ characters/);
    expect(textOf(res)).toMatch(
      /lower-ranked hits left out to keep the reply under 65536 bytes, --max-reply-bytes/,
    );

    await h.call('remember', { text: 'a short note', namespace: 'small' });
    const small = await h.call('recall', { query: 'short note', namespace: 'small', k: 1 });
    expect(textOf(small)).not.toMatch(/cut to|left out/);
  });

  it('leaves the oldest entries out of the recent-entries resource past the reply cap, saying so', async () => {
    const cap = 64 * 1024;
    h = await startHarness({ limits: { maxReplyBytes: cap } });
    const texts = Array.from({ length: 8 }, (_, i) => `entry ${i} ${'"w" '.repeat(7000)}`);
    expect((await h.call('remember', { texts, namespace: 'res' })).isError).toBeFalsy();
    const read = await h.client.readResource({ uri: 'ringmem://namespaces/res/recent' });
    const text = (read.contents[0] as { text: string }).text;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(cap);
    const v = JSON.parse(text) as { entries: { text: string }[]; omitted_entries: number };
    expect(v.entries.length).toBeGreaterThan(0);
    expect(v.entries.length + v.omitted_entries).toBe(8);
    expect(v.entries[0]?.text).toBe(texts[7]);
  });
});

import { PassThrough, Writable } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { LineTransport } from '../src/transports/line-transport.js';

/** An output stream whose reader takes a chunk only when told to: a client that reads slowly. */
class SlowReader extends Writable {
  readonly received: string[] = [];
  private pending: (() => void)[] = [];
  constructor() {
    super({ highWaterMark: 16 * 1024 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.received.push(chunk.toString('utf8'));
    this.pending.push(done);
  }
  /** Lets the reader take everything queued so far, and keep up from now on. */
  readAll(): void {
    this._write = (chunk: Buffer, _enc, done) => {
      this.received.push(chunk.toString('utf8'));
      done();
    };
    for (const done of this.pending.splice(0)) done();
  }
  lines(): string[] {
    return this.received.join('').split('\n').filter(Boolean);
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('LineTransport', () => {
  it('waits for one drain for the whole queue and stops reading input while the client does not read', async () => {
    const input = new PassThrough();
    const output = new SlowReader();
    const t = new LineTransport(input, output, {
      maxMessageBytes: 1024 ** 2,
      limitSetting: '--max-body-bytes',
      maxQueuedBytes: 64 * 1024,
      log: () => {},
    });
    // Echo server: every request gets a 1 KB reply.
    t.onmessage = (m) => {
      const id = (m as { id: number }).id;
      void t.send({ jsonrpc: '2.0', id, result: { pad: 'x'.repeat(1000) } } as JSONRPCMessage);
    };
    await t.start();
    const total = 20_000;
    let drainListeners = 0;
    let sawPaused = false;
    for (let i = 0; i < total; i++) {
      input.write(`${JSON.stringify({ jsonrpc: '2.0', id: i, method: 'ping' })}\n`);
      if (i % 500 === 0) {
        await tick();
        drainListeners = Math.max(drainListeners, output.listenerCount('drain'));
        sawPaused ||= input.isPaused();
      }
    }
    await tick();
    drainListeners = Math.max(drainListeners, output.listenerCount('drain'));
    sawPaused ||= input.isPaused();
    // The queue is bounded: what is waiting for the client stays near the limit, not 20 MB.
    expect(t.queuedBytes).toBeLessThan(64 * 1024 * 4);
    expect(sawPaused).toBe(true);
    expect(drainListeners).toBeLessThanOrEqual(1);

    // The client stops writing before it reads: every request it sent is still answered.
    let closed = false;
    t.onclose = () => {
      closed = true;
    };
    input.end();
    output.readAll();
    for (let i = 0; i < 400 && (output.lines().length < total || !closed); i++) await tick();
    const ids = output.lines().map((l) => (JSON.parse(l) as { id: number }).id);
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(closed).toBe(true);
  });

  it('rate-limits error replies to lines without an id and still answers requests with one', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const logs: string[] = [];
    const t = new LineTransport(input, output, {
      maxMessageBytes: 1024,
      limitSetting: '--max-body-bytes',
      errorRepliesPerSecond: 10,
      log: (_l, m) => logs.push(m),
    });
    await t.start();
    let text = '';
    output.on('data', (d) => {
      text += String(d);
    });
    for (let i = 0; i < 1000; i++) input.write(`garbage ${i}\n`);
    input.write('{"jsonrpc":"2.0","id":"with-id","method":123}\n');
    input.write(`{"jsonrpc":"2.0","method":"x","params":{"p":"${'y'.repeat(2000)}"},"id":42}\n`);
    await tick();
    const replies = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id: unknown; error: { code: number; message: string } });
    expect(replies.filter((r) => r.id === null).length).toBeLessThanOrEqual(11);
    expect(replies.find((r) => r.id === 'with-id')?.error.code).toBe(-32600);
    const tooLong = replies.find((r) => r.id === 42);
    expect(tooLong?.error.message).toMatch(/limit of 1024 bytes \(1 KiB, --max-body-bytes\)/);
    await t.close();
    expect(logs.join('\n')).toMatch(/more malformed lines were not answered/);
  });

  it('still answers the lines it holds back when the client ends its input before reading', async () => {
    const input = new PassThrough();
    const output = new SlowReader();
    const t = new LineTransport(input, output, {
      maxMessageBytes: 1024 ** 2,
      limitSetting: '--max-body-bytes',
      maxQueuedBytes: 16 * 1024,
      log: () => {},
    });
    t.onmessage = (m) => {
      const id = (m as { id: number }).id;
      void t.send({ jsonrpc: '2.0', id, result: { pad: 'x'.repeat(1000) } } as JSONRPCMessage);
    };
    let closed = false;
    t.onclose = () => {
      closed = true;
    };
    await t.start();
    const total = 2000;
    // One chunk holding every request, then end of input: the reader is still not reading.
    input.end(
      Array.from(
        { length: total },
        (_, i) => `${JSON.stringify({ jsonrpc: '2.0', id: i, method: 'ping' })}\n`,
      ).join(''),
    );
    for (let i = 0; i < 20; i++) await tick();
    output.readAll();
    for (let i = 0; i < 400 && (output.lines().length < total || !closed); i++) await tick();
    expect(output.lines().length).toBe(total);
    expect(closed).toBe(true);
  });
});

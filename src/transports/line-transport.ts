import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import type { LogFn } from '../log.js';

export interface LineTransportOptions {
  /** Longest line (one JSON-RPC message, without its newline) that is read; longer ones get an error. */
  maxMessageBytes: number;
  /** How the message limit is set, named in the error a too-long line gets. */
  limitSetting: string;
  /** Replies waiting in the output before input stops being read (default 4 MiB). */
  maxQueuedBytes?: number;
  /** Error replies to lines without a request id (garbage): burst size and per-second refill (default 20). */
  errorRepliesPerSecond?: number;
  log: LogFn;
}

/** After input ends, how long running requests get to finish before the session closes anyway. */
const END_GRACE_MS = 30_000;

/** Bytes of a too-long line kept to find its request id (`"id":…` sits at the start or the end). */
const KEEP = 512;

/** A top-level request id at the start of a line: `{"jsonrpc":"2.0","id":7,…`. */
const ID_AT_START =
  /^\s*\{\s*(?:"(?:jsonrpc|method)"\s*:\s*"[^"\\]{0,64}"\s*,\s*)*"id"\s*:\s*(-?\d{1,16}|"[^"\\]{0,128}")/;
/** …or at its end, as the SDK's own client writes it: `…,"id":7}`. */
const ID_AT_END = /"id"\s*:\s*(-?\d{1,16}|"[^"\\]{0,128}")\s*\}\s*$/;

function idOf(value: unknown): string | number | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : undefined;
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 2 && n % 1024 ** 2 === 0) return `${n / 1024 ** 2} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/**
 * MCP over a pair of byte streams, one JSON-RPC message per line (the stdio transport).
 *
 * Unlike the SDK's stdio transport it never ends the session on input: a line longer than the
 * message limit is skipped (only a few hundred bytes of it are kept, to find its id) and answered
 * with an error naming the limit; a line that is not JSON or not JSON-RPC gets -32700 / -32600.
 * Replies to lines without an id are rate-limited, so a flood of garbage cannot flood the output.
 *
 * Writing has real backpressure at linear cost: replies go straight into the output stream's own
 * buffer, and when that holds more than `maxQueuedBytes` the transport stops reading input (the
 * client's writes then block) and waits for one 'drain' before it goes on — one listener for the
 * whole queue, never one per message.
 */
export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly maxQueued: number;
  private readonly rate: number;
  private parts: Buffer[] = [];
  private size = 0;
  /** Set while skipping a too-long line: its first and last bytes and its length so far. */
  private skipping: { head: Buffer; tail: Buffer; bytes: number } | undefined;
  /** Input read but not yet split into lines, while the output is backed up. */
  private backlog: Buffer[] = [];
  private blocked = false;
  private inputEnded = false;
  private consuming = false;
  private endTimer: NodeJS.Timeout | undefined;
  /** Ids of requests handed on and not answered yet. */
  private readonly running = new Set<string | number>();
  private waitingForDrain = false;
  private started = false;
  private closed = false;
  private tokens: number;
  private lastRefill = Date.now();
  private suppressed = 0;
  private suppressedReport: NodeJS.Timeout | undefined;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly options: LineTransportOptions,
  ) {
    this.maxQueued = options.maxQueuedBytes ?? 4 * 1024 ** 2;
    this.rate = options.errorRepliesPerSecond ?? 20;
    this.tokens = this.rate;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('LineTransport already started');
    this.started = true;
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('close', this.onEnd);
    this.input.on('error', this.onStreamError);
    this.output.on('error', this.onStreamError);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed || this.output.destroyed || this.output.writableEnded) return;
    this.output.write(`${JSON.stringify(message)}\n`);
    if (this.output.writableLength > this.maxQueued) this.block();
    if (('result' in message || 'error' in message) && this.running.delete(message.id as string)) {
      this.closeIfDone();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('close', this.onEnd);
    this.input.off('error', this.onStreamError);
    this.output.off('drain', this.onDrain);
    if (this.input.listenerCount('data') === 0) this.input.pause();
    if (this.suppressedReport) clearTimeout(this.suppressedReport);
    if (this.endTimer) clearTimeout(this.endTimer);
    this.reportSuppressed();
    this.parts = [];
    this.backlog = [];
    this.skipping = undefined;
    this.onclose?.();
  }

  /** Bytes of replies waiting to be read by the client (for tests and diagnostics). */
  get queuedBytes(): number {
    return this.output.writableLength;
  }

  private readonly onData = (chunk: Buffer | string) => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (this.blocked) this.backlog.push(buf);
    else this.consume(buf);
  };

  private readonly onEnd = () => {
    // Lines already read but held back by a slow client, and requests still running, are
    // answered before the session closes (a client may write everything, then close its end).
    this.inputEnded = true;
    this.endTimer ??= setTimeout(() => void this.close(), END_GRACE_MS);
    this.endTimer.unref?.();
    this.closeIfDone();
  };

  private closeIfDone(): void {
    if (
      this.inputEnded &&
      !this.consuming &&
      !this.blocked &&
      this.backlog.length === 0 &&
      this.running.size === 0
    ) {
      void this.close();
    }
  }

  private readonly onStreamError = (error: Error) => {
    // EPIPE and friends: the client went away. Nothing to answer; the session is over.
    this.onerror?.(error);
    void this.close();
  };

  private readonly onDrain = () => {
    this.waitingForDrain = false;
    this.blocked = false;
    while (!this.blocked && this.backlog.length > 0) this.consume(this.backlog.shift() as Buffer);
    if (this.blocked || this.closed) return;
    if (this.inputEnded) this.closeIfDone();
    else this.input.resume();
  };

  private block(): void {
    this.blocked = true;
    this.input.pause();
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      this.output.once('drain', this.onDrain);
    }
  }

  /** Splits a chunk into lines; stops (keeping the rest) as soon as the output is backed up. */
  private consume(chunk: Buffer): void {
    this.consuming = true;
    try {
      this.consumeLines(chunk);
    } finally {
      this.consuming = false;
    }
  }

  private consumeLines(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length && !this.closed) {
      const nl = chunk.indexOf(10, start);
      this.addPart(chunk.subarray(start, nl === -1 ? chunk.length : nl));
      if (nl === -1) return;
      start = nl + 1;
      this.endLine();
      if (this.blocked) {
        if (start < chunk.length) this.backlog.unshift(chunk.subarray(start));
        return;
      }
    }
  }

  private addPart(part: Buffer): void {
    if (part.length === 0) return;
    if (this.skipping) {
      this.skipping.bytes += part.length;
      this.skipping.tail = Buffer.concat([this.skipping.tail, part.subarray(-KEEP)]).subarray(
        -KEEP,
      );
      return;
    }
    if (this.size + part.length > this.options.maxMessageBytes) {
      const first = this.parts[0] ?? part;
      this.skipping = {
        head: Buffer.from(first.subarray(0, KEEP)),
        tail: Buffer.from(part.subarray(-KEEP)),
        bytes: this.size + part.length,
      };
      this.parts = [];
      this.size = 0;
      return;
    }
    this.parts.push(part);
    this.size += part.length;
  }

  private endLine(): void {
    if (this.skipping) {
      const { head, tail, bytes } = this.skipping;
      this.skipping = undefined;
      this.tooLong(head, tail, bytes);
      return;
    }
    const line = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    const text = line.toString('utf8');
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.garbage(-32700, 'Parse error: the line is not valid JSON', text);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = idOf(value);
      const message =
        'Invalid Request: not a JSON-RPC 2.0 message (an object with "jsonrpc": "2.0" and a "method", or a response with "id")';
      if (id === undefined) this.garbage(-32600, message, text);
      else void this.send({ jsonrpc: '2.0', id, error: { code: -32600, message } });
      return;
    }
    const msg = parsed.data;
    if ('method' in msg && 'id' in msg) this.running.add(msg.id);
    if ('method' in msg && msg.method === 'notifications/cancelled') {
      this.running.delete((msg.params as { requestId?: string }).requestId as string);
    }
    this.onmessage?.(msg);
  }

  private tooLong(head: Buffer, tail: Buffer, bytes: number): void {
    const start = ID_AT_START.exec(head.toString('latin1'));
    const end = start ? null : ID_AT_END.exec(tail.toString('latin1'));
    const raw = (start ?? end)?.[1];
    const id = raw === undefined ? undefined : (JSON.parse(raw) as string | number);
    const limit = this.options.maxMessageBytes;
    const message = `Request too large: the message is ${bytes} bytes, more than the limit of ${limit} bytes (${formatBytes(limit)}, ${this.options.limitSetting}); split it into smaller requests (remember takes a batch of texts) or raise the limit`;
    this.options.log('warning', `skipped a ${bytes}-byte message: longer than ${limit} bytes`);
    if (id === undefined) this.garbage(-32600, message, '');
    else void this.send({ jsonrpc: '2.0', id, error: { code: -32600, message } });
  }

  /** An error reply to a line without an id: sent while the rate allows, counted otherwise. */
  private garbage(code: number, message: string, line: string): void {
    const now = Date.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.lastRefill) / 1000) * this.rate);
    this.lastRefill = now;
    if (this.tokens < 1) {
      this.suppressed++;
      this.suppressedReport ??= setTimeout(() => {
        this.suppressedReport = undefined;
        this.reportSuppressed();
      }, 1000);
      this.suppressedReport.unref?.();
      return;
    }
    this.tokens -= 1;
    if (line)
      this.options.log('warning', `${message.split(':')[0]}: ${JSON.stringify(line.slice(0, 80))}`);
    void this.send({
      jsonrpc: '2.0',
      id: null,
      error: { code, message },
    } as unknown as JSONRPCMessage);
  }

  private reportSuppressed(): void {
    if (this.suppressed === 0) return;
    this.options.log(
      'warning',
      `${this.suppressed} more malformed lines were not answered (error replies are limited to ${this.rate} per second)`,
    );
    this.suppressed = 0;
  }
}

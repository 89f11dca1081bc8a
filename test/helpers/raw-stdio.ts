import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { CLI, cliEnv } from './cli.js';

export interface RpcReply {
  jsonrpc?: unknown;
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
  method?: string;
  params?: unknown;
}

/**
 * The built CLI on stdio, spoken to line by line (no SDK client in between), so tests can send
 * what a real client never would and read stdout at their own pace.
 */
export class RawStdio {
  readonly child: ChildProcessWithoutNullStreams;
  /** Every stdout line, parsed; a line that is not JSON is kept as a string (and fails tests). */
  readonly lines: (RpcReply | string)[] = [];
  stderr = '';
  private partial = '';
  private nextId = 1000;

  constructor(args: string[] = [], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], {
      env: cliEnv(env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.on('data', (d: Buffer) => {
      this.partial += d.toString('utf8');
      let nl = this.partial.indexOf('\n');
      while (nl >= 0) {
        const line = this.partial.slice(0, nl);
        this.partial = this.partial.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as RpcReply);
        } catch {
          this.lines.push(line);
        }
        nl = this.partial.indexOf('\n');
      }
    });
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString('utf8');
    });
    // A server that went away makes a late write fail with EPIPE; the test's expectations report it.
    this.child.stdin.on('error', () => {});
  }

  /** Writes raw text; resolves once the pipe took it (honours backpressure). */
  write(text: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.stdin.write(text) || this.child.exitCode !== null) return resolve();
      const done = () => {
        this.child.stdin.off('drain', done);
        this.child.off('exit', done);
        resolve();
      };
      this.child.stdin.once('drain', done);
      this.child.once('exit', done);
    });
  }

  send(message: Record<string, unknown>): Promise<void> {
    return this.write(`${JSON.stringify(message)}\n`);
  }

  async request(
    method: string,
    params?: Record<string, unknown>,
    timeoutMs = 60_000,
  ): Promise<RpcReply> {
    const id = this.nextId++;
    await this.send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
    return this.reply(id, timeoutMs);
  }

  async reply(id: unknown, timeoutMs = 60_000): Promise<RpcReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((l) => typeof l === 'object' && l.id === id);
      if (found) return found as RpcReply;
      if (this.child.exitCode !== null) {
        throw new Error(
          `server exited (${this.child.exitCode}) before replying to ${id}: ${this.stderr}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`no reply to ${id} in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async initialize(capabilities: Record<string, unknown> = {}): Promise<void> {
    await this.request('initialize', {
      protocolVersion: '2025-11-25',
      capabilities,
      clientInfo: { name: 'raw', version: '1' },
    });
    await this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  /** Lines on stdout that are not JSON-RPC 2.0 messages (must stay empty). */
  strayLines(): unknown[] {
    return this.lines.filter((l) => typeof l !== 'object' || l === null || l.jsonrpc !== '2.0');
  }

  async end(): Promise<number | null> {
    this.child.stdin.end();
    if (this.child.exitCode !== null) return this.child.exitCode;
    return new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }
}

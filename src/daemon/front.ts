import type { Socket } from 'node:net';
import { describeError } from '../errors.js';
import type { LogFn } from '../log.js';
import { SERVER_VERSION } from '../version.js';
import { connectOrStart } from './connect.js';
import { LineSplitter } from './lines.js';
import { type DaemonPaths, UnsafePathError } from './paths.js';
import { type Hello, settingDifferences, type Welcome } from './protocol.js';

export interface FrontOptions {
  paths: DaemonPaths;
  /** How to start the daemon when none runs: `ringmem daemon run` arguments and environment. */
  start: { args: string[]; env: NodeJS.ProcessEnv };
  /** This front's settings and which of them it set explicitly (to report disagreements). */
  settings: Record<string, unknown>;
  explicit: ReadonlySet<string>;
  log: LogFn;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

type Message = {
  id?: string | number | null;
  method?: string;
  params?: unknown;
  [key: string]: unknown;
};

const INTERNAL = 'ringmem-front-';

function parse(line: string): Message | undefined {
  try {
    const v = JSON.parse(line) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Message) : undefined;
  } catch {
    return undefined;
  }
}

const idKey = (id: unknown) => JSON.stringify(id);

/**
 * `ringmem serve --shared`: a thin stdio front. It relays MCP lines between its client (stdin
 * and stdout) and the per-user daemon (a Unix socket), starting the daemon when none runs.
 *
 * When the daemon goes away mid-session the front answers every request the daemon had not
 * answered with an error (never a hang), reconnects — starting a new daemon if needed —, replays
 * the client's initialize handshake and logging level on the new session, and tells the client
 * through MCP logging. Requests that arrive meanwhile wait and are sent after the handshake.
 */
export class Front {
  private socket: Socket | undefined;
  private ready = false;
  private awaitingWelcome = false;
  private welcome: Welcome | undefined;
  private readonly queue: { line: string; msg: Message | undefined }[] = [];
  /** Requests sent to the daemon and not yet answered: id → method. */
  private readonly pending = new Map<string, string>();
  private initRequest: Message | undefined;
  private clientInitialized = false;
  private setLevel: unknown;
  private sessions = 0;
  private reinitId: string | undefined;
  private closed = false;
  private connecting = false;
  /** Notices for the client, sent once its handshake is done. */
  private readonly notices: string[] = [];
  private handshakeDone = false;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(private readonly opts: FrontOptions) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Runs until the client closes stdin. */
  async run(): Promise<void> {
    const splitter = new LineSplitter((line) => this.onClientLine(line));
    const { input } = this.opts;
    input.on('data', (chunk: Buffer) => splitter.push(chunk));
    input.once('end', () => this.close());
    input.once('close', () => this.close());
    // The client went away mid-answer (EPIPE): nothing left to relay to.
    this.opts.output.on('error', () => this.close());
    void this.connect();
    await this.done;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.end();
    this.resolveDone();
  }

  private async connect(): Promise<void> {
    if (this.connecting) return;
    this.connecting = true;
    let delay = 200;
    while (!this.closed) {
      try {
        const { socket, started } = await connectOrStart(this.opts.paths, this.opts.start);
        if (this.closed) {
          socket.destroy();
          break;
        }
        this.attach(socket, started);
        break;
      } catch (error) {
        const why = describeError(error);
        const fatal = error instanceof UnsafePathError;
        this.opts.log('error', `cannot reach the shared ringmem daemon: ${why}`);
        this.failQueued(
          `the shared ringmem daemon is not reachable: ${why}${fatal ? '' : '; retrying'} (see \`ringmem daemon status\`)`,
        );
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
    this.connecting = false;
  }

  private attach(socket: Socket, started: boolean): void {
    this.socket = socket;
    this.sessions++;
    const splitter = new LineSplitter((line) => this.onDaemonLine(line));
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('error', () => {});
    socket.once('close', () => this.onDaemonClosed(socket));
    const hello: Hello = { ringmem: 'hello', role: 'mcp', version: SERVER_VERSION };
    socket.write(`${JSON.stringify(hello)}\n`);
    this.awaitingWelcome = true;
    if (this.sessions > 1 && this.initRequest) {
      // A new daemon session knows nothing of this client: redo its handshake first.
      this.reinitId = `${INTERNAL}reinit-${this.sessions}`;
      socket.write(`${JSON.stringify({ ...this.initRequest, id: this.reinitId })}\n`);
      this.notices.push(
        `the shared ringmem daemon went away; reconnected to ${started ? 'a newly started' : 'the running'} daemon`,
      );
    } else {
      this.ready = true;
      this.flush();
    }
  }

  private flush(): void {
    while (this.ready && this.queue.length > 0) {
      const { line, msg } = this.queue.shift()!;
      this.sendToDaemon(line, msg);
    }
  }

  private sendToDaemon(line: string, msg: Message | undefined): void {
    if (msg?.method !== undefined && msg.id !== undefined && msg.id !== null) {
      this.pending.set(idKey(msg.id), msg.method);
    }
    this.socket!.write(`${line}\n`);
  }

  private onClientLine(line: string): void {
    const msg = parse(line);
    if (msg?.method === 'initialize') this.initRequest = msg;
    else if (msg?.method === 'notifications/initialized') this.clientInitialized = true;
    else if (msg?.method === 'logging/setLevel') this.setLevel = msg.params;
    if (this.ready && this.socket) this.sendToDaemon(line, msg);
    else this.queue.push({ line, msg });
  }

  private onDaemonLine(line: string): void {
    if (this.awaitingWelcome) {
      this.awaitingWelcome = false;
      const welcome = parse(line) as Partial<Welcome> | undefined;
      if (welcome?.ringmem === 'welcome') this.onWelcome(welcome as Welcome);
      return;
    }
    const msg = parse(line);
    if (msg && msg.method === undefined && msg.id !== undefined) {
      if (typeof msg.id === 'string' && msg.id.startsWith(INTERNAL)) {
        if (msg.id === this.reinitId) this.onReinitialized();
        return;
      }
      this.pending.delete(idKey(msg.id));
      this.opts.output.write(`${line}\n`);
      if (!this.handshakeDone && this.initRequest && idKey(msg.id) === idKey(this.initRequest.id)) {
        this.handshakeDone = true;
        // Notifications may follow the initialize result; the client reads them in order.
        this.sendNotices();
      }
      return;
    }
    this.opts.output.write(`${line}\n`);
  }

  private onWelcome(welcome: Welcome): void {
    const previous = this.welcome;
    this.welcome = welcome;
    const diffs = settingDifferences(this.opts.settings, this.opts.explicit, welcome.settings);
    if (welcome.version !== SERVER_VERSION) {
      diffs.push(`version: this front is ringmem ${SERVER_VERSION}, the daemon ${welcome.version}`);
    }
    if (diffs.length > 0 && (!previous || previous.pid !== welcome.pid)) {
      const text = `the shared ringmem daemon (pid ${welcome.pid}) runs with other settings than this front asked for — ${diffs.join('; ')}. Settings come from the daemon's first starter or its config file (${this.opts.paths.config}); to apply yours: ringmem daemon stop, then reconnect`;
      this.opts.log('warning', text);
      this.notices.push(text);
      if (this.handshakeDone) this.sendNotices();
    }
    if (previous && previous.pid !== welcome.pid) {
      const persisted = welcome.settings.persistDir;
      this.notices.push(
        persisted
          ? `the new daemon (pid ${welcome.pid}) restored memory from ${String(persisted)}`
          : `the new daemon (pid ${welcome.pid}) starts with empty memory: what the old one held in RAM is gone (start the daemon with --persist to keep memory across restarts)`,
      );
    }
  }

  private onReinitialized(): void {
    this.reinitId = undefined;
    const socket = this.socket!;
    if (this.clientInitialized) {
      socket.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    }
    if (this.setLevel !== undefined) {
      socket.write(
        `${JSON.stringify({ jsonrpc: '2.0', id: `${INTERNAL}level-${this.sessions}`, method: 'logging/setLevel', params: this.setLevel })}\n`,
      );
    }
    this.ready = true;
    this.flush();
    this.sendNotices();
  }

  private sendNotices(): void {
    if (!this.handshakeDone) return;
    for (const data of this.notices.splice(0)) {
      this.opts.output.write(
        `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'warning', logger: 'ringmem', data } })}\n`,
      );
    }
  }

  private onDaemonClosed(socket: Socket): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.ready = false;
    this.awaitingWelcome = false;
    if (this.closed) return;
    for (const [key, method] of this.pending) {
      this.answerError(
        JSON.parse(key) as string | number,
        `the shared ringmem daemon went away while handling ${method}; it may or may not have been applied. This front is reconnecting: retry the call`,
      );
    }
    this.pending.clear();
    this.opts.log('warning', 'the shared ringmem daemon went away; reconnecting');
    void this.connect();
  }

  /** Answers queued requests with an error (the daemon cannot be reached); notifications wait. */
  private failQueued(message: string): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const { msg } = this.queue[i]!;
      if (msg?.method !== undefined && msg.id !== undefined && msg.id !== null) {
        this.answerError(msg.id, message);
        this.queue.splice(i, 1);
      }
    }
  }

  private answerError(id: string | number, message: string): void {
    this.opts.output.write(
      `${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32603, message } })}\n`,
    );
  }
}

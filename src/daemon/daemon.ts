import { chmodSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { ServerConfig } from '../config.js';
import { describeError } from '../errors.js';
import type { LogFn } from '../log.js';
import { buildServer } from '../mcp/server.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { SERVER_VERSION } from '../version.js';
import { LineSplitter } from './lines.js';
import { checkSocket, type DaemonPaths, ensureRuntimeDir } from './paths.js';
import type { ControlRequest, DaemonStatus, Hello, Welcome } from './protocol.js';
import { sharedSettings } from './protocol.js';
import { SocketServerTransport } from './socket-transport.js';

/**
 * The shared daemon: one engine (and one model, one optional disk store) for every local
 * client. Each front's connection gets its own MCP server over the same Memory, exactly as each
 * HTTP session does; `ringmem daemon status|stop` speak the small control protocol instead.
 */
export class Daemon {
  private readonly started = Date.now();
  private readonly connections = new Set<Socket>();
  private mcpClients = 0;
  private server: Server | undefined;
  private stopping: Promise<void> | undefined;
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;

  constructor(
    private readonly config: ServerConfig,
    private readonly paths: DaemonPaths,
    private readonly runtime: Runtime,
    private readonly log: LogFn,
  ) {
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
  }

  /** Binds the socket (0600 in a 0700 directory). Fails when another daemon answers on it. */
  async listen(): Promise<void> {
    const { socket } = this.paths;
    ensureRuntimeDir(this.paths);
    if (checkSocket(this.paths)) {
      if (await answers(socket)) {
        throw new Error(
          `a ringmem daemon already listens on ${socket} (see \`ringmem daemon status\`)`,
        );
      }
      unlinkSync(socket); // stale: its daemon is gone
    }
    const server = createServer((conn) => this.accept(conn));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(socket, 0o600);
    this.server = server;
    this.log(
      'info',
      `ringmem daemon ${SERVER_VERSION} (pid ${process.pid}) listening on ${socket}`,
    );
  }

  private accept(conn: Socket): void {
    this.connections.add(conn);
    let role: Hello['role'] | undefined;
    let transport: SocketServerTransport | undefined;
    const splitter = new LineSplitter((line) => {
      if (transport) {
        transport.receive(line);
        return;
      }
      if (role === 'control') {
        void this.control(conn, line);
        return;
      }
      let hello: Partial<Hello>;
      try {
        hello = JSON.parse(line) as Partial<Hello>;
      } catch {
        hello = {};
      }
      if (hello.ringmem !== 'hello' || (hello.role !== 'mcp' && hello.role !== 'control')) {
        conn.end(
          `${JSON.stringify({ ringmem: 'error', message: 'expected a hello line first' })}\n`,
        );
        return;
      }
      role = hello.role;
      conn.write(`${JSON.stringify(this.welcome())}\n`);
      if (role === 'mcp') transport = this.serveMcp(conn);
    });
    conn.on('data', (chunk: Buffer) => {
      try {
        splitter.push(chunk);
      } catch (error) {
        this.log('warning', `dropping a connection: ${describeError(error)}`);
        conn.destroy();
      }
    });
    conn.on('error', () => {});
    conn.on('close', () => this.connections.delete(conn));
  }

  private welcome(): Welcome {
    return {
      ringmem: 'welcome',
      pid: process.pid,
      version: SERVER_VERSION,
      startedAt: new Date(this.started).toISOString(),
      settings: sharedSettings(this.config),
    };
  }

  private serveMcp(conn: Socket): SocketServerTransport {
    const transport = new SocketServerTransport(conn);
    const mcp = buildServer({
      memory: this.runtime.memory,
      kernel: this.runtime.kernel.info,
      limits: { maxTextBytes: this.config.maxTextBytes },
      config: { maxBytes: this.config.maxBytes, maxNamespaces: this.config.maxNamespaces },
      log: this.log,
      modelStatus: this.runtime.modelStatus,
    });
    this.mcpClients++;
    conn.once('close', () => {
      this.mcpClients--;
      void mcp.close().catch(() => {});
    });
    void mcp.connect(transport).catch((error) => {
      this.log('warning', `a front's MCP session failed: ${describeError(error)}`);
      conn.destroy();
    });
    return transport;
  }

  private async control(conn: Socket, line: string): Promise<void> {
    let request: Partial<ControlRequest>;
    try {
      request = JSON.parse(line) as Partial<ControlRequest>;
    } catch {
      request = {};
    }
    if (request.op === 'status') {
      conn.end(`${JSON.stringify(this.status())}\n`);
    } else if (request.op === 'stop') {
      conn.end(`${JSON.stringify({ ok: true, pid: process.pid })}\n`);
      void this.stop('stopped by `ringmem daemon stop`');
    } else {
      conn.end(
        `${JSON.stringify({ error: 'unknown control request; expected {"op":"status"|"stop"}' })}\n`,
      );
    }
  }

  status(): DaemonStatus {
    const memory = this.runtime.memory;
    const stats = memory.stats();
    const storage = memory.storageStatus();
    return {
      pid: process.pid,
      version: SERVER_VERSION,
      startedAt: new Date(this.started).toISOString(),
      uptimeSeconds: Math.round((Date.now() - this.started) / 1000),
      clients: this.mcpClients,
      socket: this.paths.socket,
      model: { id: memory.model.id, status: this.runtime.modelStatus().status },
      namespaces: stats.map((s) => ({ namespace: s.namespace, count: s.count, bytes: s.bytes })),
      totalBytes: memory.totalBytes(),
      persistence: storage ? { ...storage } : null,
      settings: sharedSettings(this.config),
    };
  }

  /** Stops accepting, closes every connection, writes the final snapshot, removes the socket. */
  stop(why: string): Promise<void> {
    if (this.stopping) return this.stopping;
    this.log('info', `ringmem daemon stopping: ${why}`);
    this.stopping = (async () => {
      this.server?.close();
      try {
        unlinkSync(this.paths.socket);
      } catch {
        // Already gone.
      }
      for (const conn of this.connections) conn.destroy();
      await this.runtime.close();
      this.resolveStopped();
    })();
    return this.stopping;
  }
}

/** Whether something accepts connections on a Unix socket path. */
export function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = createConnection(socket);
    conn.once('connect', () => {
      conn.destroy();
      resolve(true);
    });
    conn.once('error', () => resolve(false));
  });
}

/** `ringmem daemon run`: the daemon in the foreground until stopped or signalled. */
export async function runDaemonForeground(
  config: ServerConfig,
  paths: DaemonPaths,
  log: LogFn,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  let runtime: Runtime;
  try {
    runtime = createRuntime(config, log, env);
  } catch (error) {
    log('error', describeError(error));
    return 1;
  }
  const daemon = new Daemon(config, paths, runtime, log);
  try {
    await daemon.listen();
  } catch (error) {
    log('error', describeError(error));
    await runtime.close();
    return 1;
  }
  const onSignal = (signal: string) => void daemon.stop(`${signal} received`);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => {}); // a closed terminal must not take the daemon with it
  await daemon.stopped;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return 0;
}

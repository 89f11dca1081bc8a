import type { ServerConfig } from '../config.js';
import { type LogFn, stderrLogger } from '../log.js';
import { buildServer, SERVER_VERSION } from '../mcp/server.js';
import { createRuntime, type Runtime } from '../runtime.js';
import type { HttpHandle } from '../transports/http.js';
import { serveStdio } from '../transports/stdio.js';
import { parseCommandOrExit, settingsHelp } from './flags.js';
import type { CliIo } from './io.js';

export const SERVE_HELP = `ringmem serve — run the MCP server

Usage:
  ringmem [serve] [options]            stdio (what MCP clients spawn)
  ringmem serve --http [options]       Streamable HTTP on 127.0.0.1:8787/mcp
  ringmem serve --shared [options]     stdio front to the per-user daemon (one memory for all clients)

Options (each also read from its environment variable):
${settingsHelp()}
  --http                         Serve Streamable HTTP instead of stdio.
  --stateless                    HTTP: no sessions; every POST stands alone.
  --shared                       Relay to the shared per-user daemon, starting it if needed
                                 (also RINGMEM_SHARED=1; see \`ringmem daemon --help\`).
  -h, --help                     This help.

Security: HTTP binds to loopback by default, checks Host and Origin (403 otherwise), and
requires "Authorization: Bearer <token>" when RINGMEM_TOKEN is set.`;

/**
 * Over stdio the model loads after the MCP handshake is answered (buildServer starts it then), or
 * this long after start-up if no client has finished one, so a load failure is still reported
 * promptly. An HTTP server starts loading it as soon as it listens.
 */
const MODEL_LOAD_DEFER_MS = 1000;

function makeServerFactory(runtime: Runtime, config: ServerConfig, log: LogFn) {
  return () =>
    buildServer({
      memory: runtime.memory,
      kernel: runtime.kernel.info,
      limits: { maxTextBytes: config.maxTextBytes, maxReplyBytes: config.maxReplyBytes },
      config: { maxBytes: config.maxBytes, maxNamespaces: config.maxNamespaces },
      log,
      modelStatus: runtime.modelStatus,
    });
}

export async function runServe(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandOrExit(
    'serve',
    argv,
    io,
    { http: { type: 'boolean' }, stateless: { type: 'boolean' }, shared: { type: 'boolean' } },
    SERVE_HELP,
  );
  if (typeof parsed === 'number') return parsed;
  const http = parsed.values.http === true;
  const stateless = parsed.values.stateless === true;
  const { config } = parsed;
  const log = stderrLogger(config.logLevel, io.stderr);
  if (parsed.values.shared === true || isOn(io.env.RINGMEM_SHARED)) {
    if (http) {
      io.stderr.write(
        'ringmem serve: --shared relays stdio to the shared daemon; an HTTP server is already shared by its clients, so drop one of --http and --shared\n',
      );
      return 2;
    }
    return (await import('../daemon/run-front.js')).runSharedFront(parsed, io, log);
  }
  let runtime: Runtime;
  try {
    runtime = createRuntime(config, log, io.env, undefined, {
      deferModelLoadMs: MODEL_LOAD_DEFER_MS,
    });
  } catch (error) {
    io.stderr.write(`ringmem: ${(error as Error).message}\n`);
    return 1;
  }
  const k = runtime.kernel.info;
  const modelName = runtime.memory.model.id;
  const what = `ringmem ${SERVER_VERSION} — model ${modelName}, kernel ${k.backend}/${k.isa}, capacity ${config.capacity}/namespace`;
  const makeServer = makeServerFactory(runtime, config, log);

  if (http) {
    if (io.env.RINGMEM_TOKEN === '') {
      io.stderr.write(
        'ringmem serve: RINGMEM_TOKEN is set but empty, which would turn authentication off: set a token (e.g. `openssl rand -hex 32`) or unset the variable\n',
      );
      await runtime.close();
      return 2;
    }
    if (!['127.0.0.1', 'localhost', '::1'].includes(config.host) && config.token === undefined) {
      log(
        'warning',
        `listening on ${config.host} without RINGMEM_TOKEN: anyone who can reach this port can read and write memory`,
      );
    }
    let handle: HttpHandle;
    try {
      // Imported here: a stdio server (what clients spawn) does not load the HTTP stack.
      const { startHttp } = await import('../transports/http.js');
      handle = await startHttp(
        makeServer,
        {
          host: config.host,
          port: config.port,
          token: config.token,
          allowedOrigins: config.allowedOrigins,
          allowedHosts: config.allowedHosts,
          maxBodyBytes: config.maxBodyBytes,
          maxSessions: config.maxSessions,
          sessionIdleMs: config.sessionIdleMs,
          stateless: stateless,
        },
        log,
      );
    } catch (error) {
      io.stderr.write(`ringmem serve: ${listenFailure(error, config.host, config.port)}\n`);
      await runtime.close();
      return 1;
    }
    // An HTTP server is started ahead of its clients: load the model now, as soon as it listens.
    runtime.memory.loadModel();
    io.stderr.write(
      `${what}\nlistening on ${handle.url} (Streamable HTTP, ${stateless ? 'stateless' : 'sessions'}${config.token ? ', bearer token required' : ''})\nconnect a client: ringmem config claude-code --http ${handle.url}   ·   stop: Ctrl-C\n`,
    );
    await waitForSignal();
    io.stderr.write('ringmem: shutting down\n');
    await handle.close();
    await runtime.close();
    return 0;
  }

  // stdio: stdout belongs to the protocol; everything human goes to stderr.
  if (process.stdin.isTTY) {
    io.stderr.write(
      `${what}\nserving MCP on stdio: this is meant to be started by an MCP client, not typed at.\nset one up with: ringmem config claude-desktop | claude-code | vscode | cursor   ·   try it: ringmem demo   ·   quit: Ctrl-C\n`,
    );
  } else {
    log('info', `${what}; serving MCP on stdio`);
  }
  const server = makeServer();
  const done = serveStdio(server, log, { maxMessageBytes: config.maxBodyBytes });
  await Promise.race([done, waitForSignal()]);
  await server.close().catch(() => {});
  await runtime.close();
  return 0;
}

/** One line that says why the port could not be opened and what to do. */
function listenFailure(error: unknown, host: string, port: number): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (code === 'EADDRINUSE')
    return `${where} is already in use (another ringmem or another server): stop it, or pick another port with --port (0 = any free port)`;
  if (code === 'EACCES')
    return `no permission to listen on ${where}: ports below 1024 need privileges; use --port 8787 or another port above 1023`;
  if (code === 'EADDRNOTAVAIL')
    return `${host} is not an address of this machine: use --host 127.0.0.1 (loopback), 0.0.0.0 (every interface) or one of its addresses`;
  return `cannot listen on ${where}: ${(error as Error)?.message ?? String(error)}`;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function isOn(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

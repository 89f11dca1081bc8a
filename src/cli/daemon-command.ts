import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { SETTINGS } from '../config.js';
import { connectOrStart, DaemonNotRunningError } from '../daemon/connect.js';
import { runDaemonForeground } from '../daemon/daemon.js';
import { LineSplitter } from '../daemon/lines.js';
import { daemonPaths } from '../daemon/paths.js';
import type { DaemonStatus } from '../daemon/protocol.js';
import { describeError } from '../errors.js';
import { stderrLogger } from '../log.js';
import { SERVER_VERSION } from '../version.js';
import { parseCommandOrExit, settingsHelp } from './flags.js';
import type { CliIo } from './io.js';

export const DAEMON_HELP = `ringmem daemon — the shared per-user daemon behind \`ringmem serve --shared\`

Usage:
  ringmem daemon status [--json]   pid, uptime, clients, namespaces and sizes, persistence
  ringmem daemon stop              stop it (a final snapshot is written with --persist)
  ringmem daemon start [options]   start it now, before any client does
  ringmem daemon run [options]     run it in the foreground (for systemd and the like)

Fronts (\`ringmem serve --shared\`, or RINGMEM_SHARED=1) start the daemon when none runs, with
their own settings. Settings not given on its command line or in RINGMEM_* variables come from
the config file ($XDG_CONFIG_HOME/ringmem/daemon.json, or RINGMEM_DAEMON_CONFIG): a JSON object
of option names without dashes, e.g. {"ttl": "2h", "persist": "/home/me/.local/state/ringmem"}.

The socket lives in $XDG_RUNTIME_DIR/ringmem (else /tmp/ringmem-<uid>; or RINGMEM_RUNTIME_DIR),
a 0700 directory of yours; the socket is 0600. The daemon's log is daemon.log beside it.

Options (start and run):
${settingsHelp()}
  --json                         status: machine-readable.`;

/**
 * Settings from the daemon config file, as flags placed before the command line's (which win);
 * a setting already given through its RINGMEM_* variable is left to the variable.
 */
export function configFileArgs(path: string, env: NodeJS.ProcessEnv): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  let values: Record<string, unknown>;
  try {
    values = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${describeError(error)}`);
  }
  const args: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const spec = SETTINGS.find((s) => s.flag === `--${name}`);
    if (!spec) {
      throw new Error(
        `${path}: unknown setting "${name}"; expected one of ${SETTINGS.map((s) => s.flag.slice(2)).join(', ')}`,
      );
    }
    if (env[spec.env]) continue;
    args.push(spec.flag, String(value));
  }
  return args;
}

/** One control request: hello, the request, the reply. */
async function control(socket: Socket, op: 'status' | 'stop'): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => {
      lines.push(line);
      if (lines.length === 2) {
        resolve(JSON.parse(line));
        socket.end();
      }
    });
    socket.on('data', (c: Buffer) => splitter.push(c));
    socket.once('error', reject);
    socket.once('close', () => {
      if (lines.length < 2) reject(new Error('the daemon closed the connection without an answer'));
    });
    socket.write(
      `${JSON.stringify({ ringmem: 'hello', role: 'control', version: SERVER_VERSION })}\n`,
    );
    socket.write(`${JSON.stringify({ op })}\n`);
  });
}

function formatStatus(s: DaemonStatus): string {
  const lines = [
    `ringmem daemon ${s.version}, pid ${s.pid}, up ${s.uptimeSeconds} s, ${s.clients} client${s.clients === 1 ? '' : 's'} connected`,
    `socket ${s.socket}`,
    `model ${s.model.id} (${s.model.status}), ${(s.totalBytes / 1024 ** 2).toFixed(1)} MB held`,
  ];
  const p = s.persistence as { state: string; dir: string; error: string | null } | null;
  lines.push(
    p
      ? `durable memory ${p.state} in ${p.dir}${p.error ? `: ${p.error}` : ''}`
      : 'memory in RAM only (no --persist)',
  );
  if (s.namespaces.length === 0) lines.push('no namespaces yet');
  for (const n of s.namespaces)
    lines.push(`- ${n.namespace}: ${n.count} entries, ${(n.bytes / 1024).toFixed(0)} KB`);
  return lines.join('\n');
}

export async function runDaemonCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(`${DAEMON_HELP}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (!['status', 'stop', 'start', 'run'].includes(sub)) {
    io.stderr.write(
      `ringmem daemon: unknown subcommand "${sub}"; expected status, stop, start or run\n`,
    );
    return 2;
  }
  const paths = daemonPaths(io.env);
  let fileArgs: string[] = [];
  if (sub === 'start' || sub === 'run') {
    try {
      fileArgs = configFileArgs(paths.config, io.env);
    } catch (error) {
      io.stderr.write(`ringmem daemon: ${describeError(error)}\n`);
      return 2;
    }
  }
  const parsed = parseCommandOrExit(
    'daemon',
    [...fileArgs, ...rest],
    io,
    { json: { type: 'boolean' } },
    DAEMON_HELP,
  );
  if (typeof parsed === 'number') return parsed;
  if (sub === 'run') {
    return runDaemonForeground(
      parsed.config,
      paths,
      stderrLogger(parsed.config.logLevel, io.stderr),
      io.env,
    );
  }
  try {
    if (sub === 'start') {
      const { socket, started } = await connectOrStart(paths, { args: rest, env: io.env });
      const status = (await control(socket, 'status')) as DaemonStatus;
      io.stdout.write(
        `${started ? 'started' : 'already running:'} ringmem daemon pid ${status.pid} on ${status.socket}\n`,
      );
      return 0;
    }
    const { socket } = await connectOrStart(paths, undefined);
    if (sub === 'status') {
      const status = (await control(socket, 'status')) as DaemonStatus;
      io.stdout.write(
        parsed.values.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`,
      );
      return 0;
    }
    const reply = (await control(socket, 'stop')) as { pid: number };
    // Wait until the process is gone, so `stop && start` really restarts.
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(reply.pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    io.stdout.write(`stopped ringmem daemon pid ${reply.pid}\n`);
    return 0;
  } catch (error) {
    if (error instanceof DaemonNotRunningError) {
      io.stdout.write(`${error.message}\n`);
      return sub === 'stop' ? 0 : 3;
    }
    io.stderr.write(`ringmem daemon ${sub}: ${describeError(error)}\n`);
    return 1;
  }
}

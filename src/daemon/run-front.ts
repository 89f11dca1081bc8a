import { resolve } from 'node:path';
import { type parseCommandArgs, parseCommandOrExit } from '../cli/flags.js';
import type { CliIo } from '../cli/io.js';
import { SETTINGS } from '../config.js';
import { type LogFn, stderrLogger } from '../log.js';
import { Front } from './front.js';
import { daemonPaths } from './paths.js';
import { sharedSettings } from './protocol.js';

/**
 * Entry of `ringmem serve --shared`: the settings this front was given explicitly (flags or
 * RINGMEM_* variables) start the daemon when none runs, and are compared with the running
 * daemon's otherwise.
 */
export async function runSharedFront(
  parsed: ReturnType<typeof parseCommandArgs>,
  io: CliIo,
  log: LogFn,
): Promise<number> {
  const explicit = new Set<string>();
  const args: string[] = [];
  for (const s of SETTINGS) {
    const fromFlag = parsed.values[s.flag.slice(2)];
    if (typeof fromFlag === 'string') {
      explicit.add(s.key);
      args.push(s.flag, fromFlag);
    } else if (io.env[s.env]) {
      explicit.add(s.key);
    }
  }
  // A relative --persist or model path means the front's directory, not the daemon's (it runs in /).
  const persistAt = args.indexOf('--persist');
  if (persistAt >= 0 && parsed.config.persistDir) args[persistAt + 1] = parsed.config.persistDir;
  const modelAt = args.indexOf('--model');
  const model = args[modelAt + 1];
  if (modelAt >= 0 && model && model.startsWith('.')) args[modelAt + 1] = resolve(model);
  const env = { ...io.env };
  if (parsed.config.persistDir) env.RINGMEM_PERSIST_DIR = parsed.config.persistDir;
  delete env.RINGMEM_SHARED;
  if (process.stdin.isTTY) {
    io.stderr.write(
      'ringmem serve --shared: relaying MCP on stdio to the shared daemon; this is meant to be started by an MCP client\n',
    );
  }
  const front = new Front({
    paths: daemonPaths(io.env),
    start: { args, env },
    settings: sharedSettings(parsed.config),
    explicit,
    log,
    input: process.stdin,
    output: process.stdout,
  });
  await front.run();
  return 0;
}

/** `ringmem serve --shared` straight from the command line (see cli/serve-command.ts). */
export async function runSharedFrontCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandOrExit(
    'serve',
    argv,
    io,
    { http: { type: 'boolean' }, stateless: { type: 'boolean' }, shared: { type: 'boolean' } },
    'see `ringmem serve --help`',
  );
  if (typeof parsed === 'number') return parsed;
  return runSharedFront(parsed, io, stderrLogger(parsed.config.logLevel, io.stderr));
}

import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify as stringifyToml } from 'smol-toml';
import {
  CLIENTS,
  type ClientSpec,
  clientSpec,
  continueBlock,
  type ServerTarget,
  selfCommand,
} from './client-configs.js';
import { ConfigMergeError, mergeConfig } from './config-merge.js';
import type { CliIo } from './io.js';

export { selfCommand } from './client-configs.js';

export const CONFIG_HELP = `ringmem config — the MCP client configuration for this installation

Usage:
  ringmem config <client> [options]

Clients: ${CLIENTS.map((c) => c.id).join(', ')}

Prints the entry in the client's own file format (absolute paths to this Node and this ringmem)
and, on stderr, the file it belongs in. With --write, merges it into that file: a backup of the
old file is kept beside it, every other key (and, in JSON, every comment) stays, and a file that
does not parse is left untouched.

Options:
  --http <url>       Point the client at a running HTTP server instead of spawning stdio.
  --header K=V       HTTP header for --http (repeatable), e.g. --header "Authorization=Bearer …".
  --name <name>      Server name in the client (default "ringmem").
  --env KEY=VALUE    Environment for the spawned server (repeatable), e.g. --env RINGMEM_TTL=2h.
  --json             claude-code: print .mcp.json instead of the \`claude mcp add\` command.
  --shared           Spawn \`ringmem serve --shared\`: every client shares one per-user daemon.
  --write            Merge the entry into the client's configuration file.
  --file <path>      The file --write edits (default: the client's own, shown on stderr).`;

interface ConfigOptions {
  http: string | undefined;
  headers: Record<string, string>;
  name: string;
  env: Record<string, string>;
  json: boolean;
  /** Spawn `ringmem serve --shared` (one per-user daemon behind every client). */
  shared?: boolean;
}

/**
 * How the client reaches ringmem. Every client's entry is built from this, so a new server flag
 * is one change here.
 */
export function serverTarget(options: ConfigOptions): ServerTarget {
  if (options.http !== undefined)
    return { kind: 'http', url: options.http, headers: options.headers };
  const { command, args } = selfCommand();
  return {
    kind: 'stdio',
    command,
    args: options.shared ? [...args, '--shared'] : args,
    env: options.env,
  };
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The file text holding just this server, in the client's format. */
export function renderFile(spec: ClientSpec, name: string, entry: Record<string, unknown>): string {
  switch (spec.format) {
    case 'json':
      return `${JSON.stringify(nest(spec.container, { [name]: entry }), null, 2)}\n`;
    case 'toml':
      return stringifyToml(nest(spec.container, { [name]: entry }));
    case 'yaml':
      return continueBlock(name, entry);
  }
}

function nest(path: readonly string[], leaf: Record<string, unknown>): Record<string, unknown> {
  return path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), leaf);
}

export function renderConfig(
  clientId: string,
  options: ConfigOptions,
): { stdout: string; where: string } {
  const spec = clientSpec(clientId);
  if (!spec) throw new Error(`unknown client ${clientId}`);
  // A client that only spawns stdio servers gets the stdio entry even when --http is given.
  const target = serverTarget(spec.http ? options : { ...options, http: undefined });
  const entry = spec.entry(target);
  const ignoredHttp =
    !spec.http && options.http
      ? ` (${spec.title} spawns stdio servers; the --http URL is not used here)`
      : '';
  if (spec.id === 'claude-code' && !options.json) {
    const line =
      target.kind === 'http'
        ? [
            'claude mcp add --transport http',
            ...Object.entries(target.headers).map(
              ([k, v]) => `--header ${shellQuote(`${k}: ${v}`)}`,
            ),
            shellQuote(options.name),
            shellQuote(target.url),
          ].join(' ')
        : [
            'claude mcp add',
            ...Object.entries(target.env).map(([k, v]) => `--env ${shellQuote(`${k}=${v}`)}`),
            shellQuote(options.name),
            '--',
            ...[target.command, ...target.args].map(shellQuote),
          ].join(' ');
    return {
      stdout: `${line}\n`,
      where:
        'run this in your shell (add --scope user to use it in every project), or use --json / --write for .mcp.json',
    };
  }
  return {
    stdout: renderFile(spec, options.name, entry),
    where: `${spec.format === 'yaml' ? 'save as' : 'merge into'} ${spec.path()}${spec.note ? ` (${spec.note})` : ''}${ignoredHttp}; --write does it for you`,
  };
}

/** Merges the entry into the file, keeping a backup; returns the backup's path (if any). */
export function writeConfig(
  spec: ClientSpec,
  file: string,
  name: string,
  entry: Record<string, unknown>,
  now = new Date(),
): { backup: string | undefined } {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const merged = mergeConfig(
    spec.format,
    current,
    spec.container,
    name,
    entry,
    spec.format === 'yaml' ? continueBlock(name, entry) : undefined,
  );
  mkdirSync(dirname(file), { recursive: true });
  let backup: string | undefined;
  if (current !== undefined) {
    backup = `${file}.${now.toISOString().replace(/[:.]/g, '-')}.bak`;
    copyFileSync(file, backup);
  }
  // Write beside it and rename: a crash leaves the old file or the new one, never half of one.
  const tmp = `${file}.ringmem-tmp`;
  writeFileSync(tmp, merged, { mode: 0o600 });
  renameSync(tmp, file);
  return { backup };
}

function pairs(
  values: string[] | undefined,
  flag: string,
  sep: string,
): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const pair of values ?? []) {
    const at = pair.indexOf(sep);
    if (at <= 0) return `${flag} takes KEY${sep}VALUE, got ${JSON.stringify(pair)}`;
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

export async function runConfigCommand(argv: string[], io: CliIo): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        http: { type: 'string' },
        header: { type: 'string', multiple: true },
        name: { type: 'string' },
        env: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        shared: { type: 'boolean' },
        write: { type: 'boolean' },
        file: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    io.stderr.write(`ringmem config: ${(error as Error).message}\n\n${CONFIG_HELP}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${CONFIG_HELP}\n`);
    return 0;
  }
  const spec = positionals.length === 1 ? clientSpec(positionals[0] as string) : undefined;
  if (!spec) {
    io.stderr.write(`ringmem config: name one client: ${CLIENTS.map((c) => c.id).join(', ')}\n`);
    return 2;
  }
  const env = pairs(values.env as string[] | undefined, '--env', '=');
  const headers = pairs(values.header as string[] | undefined, '--header', '=');
  for (const problem of [env, headers]) {
    if (typeof problem === 'string') {
      io.stderr.write(`ringmem config: ${problem}\n`);
      return 2;
    }
  }
  if (typeof values.http === 'string') {
    try {
      new URL(values.http);
    } catch {
      io.stderr.write(`ringmem config: --http needs a URL such as http://127.0.0.1:8787/mcp\n`);
      return 2;
    }
  }
  const options: ConfigOptions = {
    http: typeof values.http === 'string' ? values.http : undefined,
    headers: headers as Record<string, string>,
    name: typeof values.name === 'string' ? values.name : 'ringmem',
    env: env as Record<string, string>,
    json: values.json === true,
    shared: values.shared === true,
  };
  if (values.write === true) {
    const file = typeof values.file === 'string' ? values.file : spec.path();
    const target = serverTarget(spec.http ? options : { ...options, http: undefined });
    try {
      const { backup } = writeConfig(spec, file, options.name, spec.entry(target));
      io.stdout.write(`${file}\n`);
      io.stderr.write(
        `ringmem config: wrote "${options.name}" into ${file}${backup ? ` (the old file is kept as ${backup})` : ''}${spec.note ? `; ${spec.note}` : ''}\n`,
      );
      return 0;
    } catch (error) {
      if (error instanceof ConfigMergeError) {
        io.stderr.write(`ringmem config: ${file}: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
  }
  const { stdout, where } = renderConfig(spec.id, options);
  io.stdout.write(stdout);
  io.stderr.write(`ringmem config: ${where}\n`);
  return 0;
}

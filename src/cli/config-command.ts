import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CliIo } from './io.js';

export const CONFIG_HELP = `ringmem config — print the MCP client configuration for this installation

Usage:
  ringmem config claude-desktop | claude-code | vscode | cursor [options]

Prints the exact block to paste (absolute paths to this Node and this ringmem), and on stderr
where it goes.

Options:
  --http <url>       Point the client at a running HTTP server instead of spawning stdio.
  --name <name>      Server name in the client (default "ringmem").
  --env KEY=VALUE    Environment for the spawned server (repeatable), e.g. --env RINGMEM_TTL=2h.
  --json             claude-code: print .mcp.json instead of the \`claude mcp add\` command.
  --shared           Spawn \`ringmem serve --shared\`: every client shares one per-user daemon.`;

const CLIENTS = ['claude-desktop', 'claude-code', 'vscode', 'cursor'] as const;
type ClientName = (typeof CLIENTS)[number];

/** The command that starts this very installation's CLI, with absolute paths. */
export function selfCommand(): { command: string; args: string[] } {
  // From dist/ this is dist/cli/main.js; from the sources (tests under tsx) point at the build.
  const main = fileURLToPath(new URL('./main.js', import.meta.url)).replace(
    join('src', 'cli', 'main.js'),
    join('dist', 'cli', 'main.js'),
  );
  return { command: process.execPath, args: [main, 'serve'] };
}

function claudeDesktopPath(): string {
  if (process.platform === 'darwin') {
    return join(
      homedir(),
      'Library',
      'Application Support',
      'Claude',
      'claude_desktop_config.json',
    );
  }
  if (process.platform === 'win32') {
    return join(
      process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'),
      'Claude',
      'claude_desktop_config.json',
    );
  }
  return join(homedir(), '.config', 'Claude', 'claude_desktop_config.json');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function renderConfig(
  client: ClientName,
  options: {
    http?: string;
    name: string;
    env: Record<string, string>;
    json: boolean;
    shared?: boolean;
  },
): { stdout: string; where: string } {
  const self = selfCommand();
  const command = self.command;
  const args = options.shared ? [...self.args, '--shared'] : self.args;
  const env = Object.keys(options.env).length > 0 ? { env: options.env } : {};
  const stdio = { command, args, ...env };
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  switch (client) {
    case 'claude-desktop':
      return {
        stdout: json({
          mcpServers: {
            // Claude Desktop spawns stdio servers only; --http users bridge with their own proxy.
            [options.name]: stdio,
          },
        }),
        where: `merge into "mcpServers" in ${claudeDesktopPath()}, then restart Claude Desktop${options.http ? ' (Claude Desktop spawns stdio servers; the --http URL is not used here)' : ''}`,
      };
    case 'claude-code': {
      if (options.json) {
        const entry = options.http
          ? { type: 'http', url: options.http }
          : { type: 'stdio', ...stdio };
        return {
          stdout: json({ mcpServers: { [options.name]: entry } }),
          where: 'save as .mcp.json in your project root',
        };
      }
      const envFlags = Object.entries(options.env).map(
        ([k, v]) => `--env ${shellQuote(`${k}=${v}`)}`,
      );
      const line = options.http
        ? `claude mcp add --transport http ${shellQuote(options.name)} ${shellQuote(options.http)}`
        : [
            'claude mcp add',
            ...envFlags,
            shellQuote(options.name),
            '--',
            ...[command, ...args].map(shellQuote),
          ].join(' ');
      return {
        stdout: `${line}\n`,
        where: 'run this in your shell (add --scope user to use it in every project)',
      };
    }
    case 'vscode':
      return {
        stdout: json({
          servers: {
            [options.name]: options.http
              ? { type: 'http', url: options.http }
              : { type: 'stdio', ...stdio },
          },
        }),
        where: 'save as .vscode/mcp.json in your workspace (or run "MCP: Add Server" in VS Code)',
      };
    case 'cursor':
      return {
        stdout: json({
          mcpServers: { [options.name]: options.http ? { url: options.http } : stdio },
        }),
        where: `merge into ${join(homedir(), '.cursor', 'mcp.json')} (all projects) or .cursor/mcp.json (one project)`,
      };
  }
}

export async function runConfigCommand(argv: string[], io: CliIo): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        http: { type: 'string' },
        name: { type: 'string' },
        env: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        shared: { type: 'boolean' },
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
  const client = positionals[0] as ClientName | undefined;
  if (!client || !CLIENTS.includes(client) || positionals.length > 1) {
    io.stderr.write(`ringmem config: name one client: ${CLIENTS.join(', ')}\n`);
    return 2;
  }
  const env: Record<string, string> = {};
  for (const pair of (values.env as string[] | undefined) ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      io.stderr.write(`ringmem config: --env takes KEY=VALUE, got ${JSON.stringify(pair)}\n`);
      return 2;
    }
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (typeof values.http === 'string') {
    try {
      new URL(values.http);
    } catch {
      io.stderr.write(`ringmem config: --http needs a URL such as http://127.0.0.1:8787/mcp\n`);
      return 2;
    }
  }
  const name = typeof values.name === 'string' ? values.name : 'ringmem';
  const { stdout, where } = renderConfig(client, {
    http: typeof values.http === 'string' ? values.http : undefined,
    name,
    env,
    json: values.json === true,
    shared: values.shared === true,
  });
  io.stdout.write(stdout);
  io.stderr.write(`ringmem config: ${where}\n`);
  return 0;
}

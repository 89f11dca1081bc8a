import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { YAML_MARKER } from './config-merge.js';

/**
 * What each MCP client's configuration looks like and where it lives, as each client documents it.
 * One table, so a new client is one entry, and a new server flag (say, `--shared`) changes
 * `ServerTarget` in one place (`serverTarget` in config-command.ts) for every client at once.
 */

/** How the client reaches ringmem: it spawns this command (stdio), or it connects to a URL. */
export type ServerTarget =
  | { kind: 'stdio'; command: string; args: string[]; env: Record<string, string> }
  | { kind: 'http'; url: string; headers: Record<string, string> };

export type ConfigFormat = 'json' | 'toml' | 'yaml';

export interface ClientSpec {
  id: string;
  title: string;
  format: ConfigFormat;
  /** Where `--write` puts the entry: the file the client reads (a user or workspace file). */
  path: () => string;
  /** Keys from the file's root to the object that maps server names to entries. */
  container: readonly string[];
  /** The server's entry in this client's shape. */
  entry: (target: ServerTarget) => Record<string, unknown>;
  /** What to tell the user besides the path (restart, alternatives). */
  note?: string;
  /** Whether the client can reach a URL at all (Claude Desktop only spawns stdio servers). */
  http: boolean;
}

/** The command that starts this very installation's CLI, with absolute paths. */
export function selfCommand(): { command: string; args: string[] } {
  // From dist/ this is dist/cli/main.js; from the sources (tests under tsx) point at the build.
  const main = fileURLToPath(new URL('./main.js', import.meta.url)).replace(
    join('src', 'cli', 'main.js'),
    join('dist', 'cli', 'main.js'),
  );
  return { command: process.execPath, args: [main, 'serve'] };
}

const appData = () => process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming');

/** A per-user application folder: macOS Application Support, Windows %APPDATA%, else ~/.config. */
function userAppDir(...parts: string[]): string {
  if (process.platform === 'darwin') {
    return join(homedir(), 'Library', 'Application Support', ...parts);
  }
  if (process.platform === 'win32') return join(appData(), ...parts);
  return join(homedir(), '.config', ...parts);
}

const withEnv = (env: Record<string, string>) => (Object.keys(env).length > 0 ? { env } : {});
const withHeaders = (headers: Record<string, string>) =>
  Object.keys(headers).length > 0 ? { headers } : {};

function plainStdio(t: Extract<ServerTarget, { kind: 'stdio' }>) {
  return { command: t.command, args: t.args, ...withEnv(t.env) };
}

export const CLIENTS: readonly ClientSpec[] = [
  {
    id: 'claude-desktop',
    title: 'Claude Desktop',
    format: 'json',
    path: () => userAppDir('Claude', 'claude_desktop_config.json'),
    container: ['mcpServers'],
    // Claude Desktop spawns stdio servers from this file; remote servers are added in its UI.
    entry: (t) => (t.kind === 'stdio' ? plainStdio(t) : {}),
    note: 'restart Claude Desktop',
    http: false,
  },
  {
    id: 'claude-code',
    title: 'Claude Code (.mcp.json, project scope)',
    format: 'json',
    path: () => join(process.cwd(), '.mcp.json'),
    container: ['mcpServers'],
    entry: (t) =>
      t.kind === 'stdio'
        ? { type: 'stdio', ...plainStdio(t) }
        : { type: 'http', url: t.url, ...withHeaders(t.headers) },
    http: true,
  },
  {
    id: 'vscode',
    title: 'VS Code (.vscode/mcp.json)',
    format: 'json',
    path: () => join(process.cwd(), '.vscode', 'mcp.json'),
    container: ['servers'],
    entry: (t) =>
      t.kind === 'stdio'
        ? { type: 'stdio', ...plainStdio(t) }
        : { type: 'http', url: t.url, ...withHeaders(t.headers) },
    note: 'or run "MCP: Add Server" in VS Code',
    http: true,
  },
  {
    id: 'cursor',
    title: 'Cursor',
    format: 'json',
    path: () => join(homedir(), '.cursor', 'mcp.json'),
    container: ['mcpServers'],
    entry: (t) => (t.kind === 'stdio' ? plainStdio(t) : { url: t.url, ...withHeaders(t.headers) }),
    note: 'all projects; .cursor/mcp.json in a project for one project',
    http: true,
  },
  {
    id: 'windsurf',
    title: 'Windsurf',
    format: 'json',
    path: () => join(homedir(), '.codeium', 'windsurf', 'mcp_config.json'),
    container: ['mcpServers'],
    // Windsurf names the remote URL serverUrl (a `url` key does not connect there).
    entry: (t) =>
      t.kind === 'stdio' ? plainStdio(t) : { serverUrl: t.url, ...withHeaders(t.headers) },
    note: 'then press Refresh in the MCP panel of Cascade',
    http: true,
  },
  {
    id: 'zed',
    title: 'Zed (settings.json)',
    format: 'json',
    path: () =>
      process.platform === 'win32'
        ? join(appData(), 'Zed', 'settings.json')
        : join(homedir(), '.config', 'zed', 'settings.json'),
    container: ['context_servers'],
    entry: (t) =>
      t.kind === 'stdio'
        ? { command: t.command, args: t.args, env: t.env }
        : { url: t.url, ...withHeaders(t.headers) },
    http: true,
  },
  {
    id: 'cline',
    title: 'Cline (VS Code extension)',
    format: 'json',
    path: () =>
      userAppDir(
        'Code',
        'User',
        'globalStorage',
        'saoudrizwan.claude-dev',
        'settings',
        'cline_mcp_settings.json',
      ),
    container: ['mcpServers'],
    entry: (t) =>
      t.kind === 'stdio'
        ? { ...plainStdio(t), disabled: false, autoApprove: [] }
        : {
            type: 'streamableHttp',
            url: t.url,
            ...withHeaders(t.headers),
            disabled: false,
            autoApprove: [],
          },
    note: 'the Cline CLI reads ~/.cline/data/settings/cline_mcp_settings.json (same format)',
    http: true,
  },
  {
    id: 'continue',
    title: 'Continue (a block in .continue/mcpServers/)',
    format: 'yaml',
    path: () => join(process.cwd(), '.continue', 'mcpServers', 'ringmem.yaml'),
    container: ['mcpServers'],
    entry: (t) =>
      t.kind === 'stdio'
        ? { type: 'stdio', ...plainStdio(t) }
        : {
            type: 'streamable-http',
            url: t.url,
            ...(Object.keys(t.headers).length > 0
              ? { requestOptions: { headers: t.headers } }
              : {}),
          },
    note: 'or add the mcpServers item to ~/.continue/config.yaml',
    http: true,
  },
  {
    id: 'codex',
    title: 'OpenAI Codex CLI (config.toml)',
    format: 'toml',
    path: () => join(process.env.CODEX_HOME ?? join(homedir(), '.codex'), 'config.toml'),
    container: ['mcp_servers'],
    entry: (t) =>
      t.kind === 'stdio'
        ? plainStdio(t)
        : {
            url: t.url,
            ...(Object.keys(t.headers).length > 0 ? { http_headers: t.headers } : {}),
          },
    note: 'or .codex/config.toml in a trusted project',
    http: true,
  },
];

export function clientSpec(id: string): ClientSpec | undefined {
  return CLIENTS.find((c) => c.id === id);
}

/** A YAML scalar as a double-quoted string: JSON strings are valid YAML and need no escaping rules of their own. */
const yamlString = (s: string) => JSON.stringify(s);
/** A key plain where YAML reads it as the same string, quoted otherwise. */
const yamlKey = (k: string) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : yamlString(k));

function yamlValue(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    return value.map((v) => `\n${indent}- ${yamlValue(v, `${indent}  `).trimStart()}`).join('');
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return ' {}';
    return entries
      .map(([k, v]) => `\n${indent}${yamlKey(k)}:${yamlValue(v, `${indent}  `)}`)
      .join('');
  }
  return ` ${typeof value === 'string' ? yamlString(value) : JSON.stringify(value)}`;
}

/** Continue's block file: a named, versioned block holding one mcpServers item. */
export function continueBlock(name: string, entry: Record<string, unknown>): string {
  const item: Record<string, unknown> = { name, ...entry };
  const lines = [
    YAML_MARKER,
    `name: ${yamlString(name)}`,
    'version: 0.0.1',
    'schema: v1',
    'mcpServers:',
  ];
  const body = Object.entries(item)
    .map(([k, v], i) => `${i === 0 ? '  - ' : '    '}${yamlKey(k)}:${yamlValue(v, '      ')}`)
    .join('\n');
  return `${lines.join('\n')}\n${body}\n`;
}

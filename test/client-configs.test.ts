import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Ajv } from 'ajv';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CLIENTS } from '../src/cli/client-configs.js';
import { runCli } from '../src/cli/run.js';
import { cliEnv } from './helpers/cli.js';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => ({
    write: (s: string) => {
      into.push(s);
      return true;
    },
  });
  const code = await runCli(argv, { stdout: sink(out), stderr: sink(err), env: cliEnv() } as never);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const strings = { type: 'array', items: { type: 'string' } };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const stdioEntry = (extra: Record<string, unknown> = {}, required = ['command', 'args']) => ({
  type: 'object',
  required,
  additionalProperties: false,
  properties: { command: { type: 'string' }, args: strings, env: stringMap, ...extra },
});
const typed = (type: string) => ({ type: { const: type } });
/** The HTTP entry of the clients that name the transport: `{ "type": "http", "url", "headers" }`. */
const typedHttpEntry = {
  type: 'object',
  required: ['type', 'url'],
  additionalProperties: false,
  properties: { ...typed('http'), url: { type: 'string' }, headers: stringMap },
};

/**
 * Each client's documented shape, as JSON Schema: the container key at the top and the server
 * entry's fields (stdio, then HTTP). Written from each client's documentation, independently of
 * the code that renders them.
 */
const FORMATS: Record<string, { container: string; stdio: object; http: object | null }> = {
  'claude-desktop': { container: 'mcpServers', stdio: stdioEntry(), http: null },
  'claude-code': {
    container: 'mcpServers',
    stdio: stdioEntry(typed('stdio'), ['type', 'command', 'args']),
    http: typedHttpEntry,
  },
  vscode: {
    container: 'servers',
    stdio: stdioEntry(typed('stdio'), ['type', 'command', 'args']),
    http: typedHttpEntry,
  },
  cursor: {
    container: 'mcpServers',
    stdio: stdioEntry(),
    http: {
      type: 'object',
      required: ['url'],
      additionalProperties: false,
      properties: { url: { type: 'string' }, headers: stringMap },
    },
  },
  windsurf: {
    container: 'mcpServers',
    stdio: stdioEntry(),
    http: {
      type: 'object',
      required: ['serverUrl'],
      additionalProperties: false,
      properties: { serverUrl: { type: 'string' }, headers: stringMap },
    },
  },
  zed: {
    container: 'context_servers',
    stdio: stdioEntry({}, ['command', 'args', 'env']),
    http: {
      type: 'object',
      required: ['url'],
      additionalProperties: false,
      properties: { url: { type: 'string' }, headers: stringMap },
    },
  },
  cline: {
    container: 'mcpServers',
    stdio: stdioEntry({ disabled: { type: 'boolean' }, autoApprove: strings }),
    http: {
      type: 'object',
      required: ['type', 'url'],
      additionalProperties: false,
      properties: {
        ...typed('streamableHttp'),
        url: { type: 'string' },
        headers: stringMap,
        disabled: { type: 'boolean' },
        autoApprove: strings,
      },
    },
  },
  codex: {
    container: 'mcp_servers',
    stdio: stdioEntry(),
    http: {
      type: 'object',
      required: ['url'],
      additionalProperties: false,
      properties: { url: { type: 'string' }, http_headers: stringMap },
    },
  },
};

/** Continue's block file: name, version, schema v1, and a list of named servers. */
const CONTINUE_BLOCK = {
  type: 'object',
  required: ['name', 'version', 'schema', 'mcpServers'],
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    schema: { const: 'v1' },
    mcpServers: {
      type: 'array',
      minItems: 1,
      items: {
        oneOf: [
          stdioEntry({ name: { type: 'string' }, ...typed('stdio') }, ['name', 'command', 'args']),
          {
            type: 'object',
            required: ['name', 'type', 'url'],
            additionalProperties: false,
            properties: {
              name: { type: 'string' },
              ...typed('streamable-http'),
              url: { type: 'string' },
              requestOptions: { type: 'object', properties: { headers: stringMap } },
            },
          },
        ],
      },
    },
  },
};

function parseAs(id: string, text: string): Record<string, unknown> {
  if (id === 'codex') return parseToml(text) as Record<string, unknown>;
  if (id === 'continue') return parseYaml(text) as Record<string, unknown>;
  return JSON.parse(text);
}

/** The server entry in a parsed file, for any client. */
function entryOf(id: string, doc: Record<string, unknown>, name = 'ringmem') {
  if (id === 'continue') {
    return (doc.mcpServers as Record<string, unknown>[]).find((s) => s.name === name)!;
  }
  return (doc[FORMATS[id]!.container] as Record<string, Record<string, unknown>>)[name]!;
}

describe('ringmem config for every client', () => {
  const ajv = new Ajv({ strict: false });
  const URL_ = 'http://127.0.0.1:8787/mcp';

  it('has a documented config format for each of the nine clients it writes', () => {
    expect(CLIENTS.map((c) => c.id).sort()).toEqual([...Object.keys(FORMATS), 'continue'].sort());
  });

  for (const spec of CLIENTS) {
    it(`${spec.id}: prints a file in the documented format, for stdio and --http`, async () => {
      const argv = spec.id === 'claude-code' ? ['--json'] : [];
      const stdio = await run(['config', spec.id, ...argv, '--env', 'RINGMEM_TTL=2h']);
      expect(stdio.code, stdio.stderr).toBe(0);
      expect(stdio.stderr).toContain('--write');
      const doc = parseAs(spec.id, stdio.stdout);
      const http = await run([
        'config',
        spec.id,
        ...argv,
        '--http',
        URL_,
        '--header',
        'Authorization=Bearer abc',
      ]);
      expect(http.code, http.stderr).toBe(0);
      const httpDoc = parseAs(spec.id, http.stdout);
      if (spec.id === 'continue') {
        expect(ajv.validate(CONTINUE_BLOCK, doc), ajv.errorsText()).toBe(true);
        expect(ajv.validate(CONTINUE_BLOCK, httpDoc), ajv.errorsText()).toBe(true);
        expect(entryOf(spec.id, httpDoc)).toMatchObject({ url: URL_, type: 'streamable-http' });
        return;
      }
      const format = FORMATS[spec.id]!;
      expect(Object.keys(doc)).toEqual([format.container]);
      const entry = entryOf(spec.id, doc);
      expect(ajv.validate(format.stdio, entry), `${spec.id}: ${ajv.errorsText()}`).toBe(true);
      expect(entry.env).toEqual({ RINGMEM_TTL: '2h' });
      const httpEntry = entryOf(spec.id, httpDoc);
      if (format.http === null) {
        expect(ajv.validate(format.stdio, httpEntry)).toBe(true);
        expect(http.stderr).toContain('spawns stdio servers');
      } else {
        expect(ajv.validate(format.http, httpEntry), `${spec.id}: ${ajv.errorsText()}`).toBe(true);
        expect(JSON.stringify(httpEntry)).toContain(URL_);
        expect(JSON.stringify(httpEntry)).toContain('Bearer abc');
      }
    });
  }

  it('claude-code prints the `claude mcp add` command by default', async () => {
    const r = await run(['config', 'claude-code', '--http', URL_]);
    expect(r.stdout.trim()).toBe(`claude mcp add --transport http ringmem ${URL_}`);
  });

  it('every stdio entry, read back by its own parser, starts a server that lists the tools', async () => {
    // One spawn per distinct command line: the entries differ in shape, not in what they run.
    const seen = new Set<string>();
    for (const spec of CLIENTS) {
      const argv = spec.id === 'claude-code' ? ['--json'] : [];
      const entry = entryOf(
        spec.id,
        parseAs(spec.id, (await run(['config', spec.id, ...argv])).stdout),
      ) as {
        command: string;
        args: string[];
      };
      const key = JSON.stringify([entry.command, entry.args]);
      if (seen.has(key)) continue;
      seen.add(key);
      const client = new Client({ name: `config-${spec.id}`, version: '1' });
      await client.connect(
        new StdioClientTransport({
          command: entry.command,
          args: entry.args,
          env: cliEnv(),
          stderr: 'ignore',
        }),
      );
      expect((await client.listTools()).tools).toHaveLength(6);
      await client.close();
    }
    expect(seen.size).toBe(1);
  }, 60_000);
});

describe('ringmem config --write', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ringmem-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const backups = (name: string) =>
    readdirSync(dir).filter((f) => f.startsWith(`${name}.`) && f.endsWith('.bak'));

  it('creates the file when it does not exist, with no backup', async () => {
    const file = join(dir, 'sub', 'mcp.json');
    const r = await run(['config', 'cursor', '--write', '--file', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).mcpServers.ringmem.command).toBe(
      process.execPath,
    );
    expect(r.stderr).not.toContain('kept as');
  });

  it('merges into a JSON file with comments and other servers, keeps a backup, and replaces its own entry', async () => {
    const file = join(dir, 'settings.json');
    const original = `{
  // my editor settings
  "theme": "One Dark",
  "context_servers": {
    "other": { "command": "other-server", "args": [], "env": {} },
  },
}
`;
    writeFileSync(file, original);
    const r = await run(['config', 'zed', '--write', '--file', file, '--env', 'RINGMEM_TTL=1h']);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('// my editor settings');
    const doc = parseJsonc(text, [], { allowTrailingComma: true });
    expect(doc.theme).toBe('One Dark');
    expect(doc.context_servers.other).toEqual({ command: 'other-server', args: [], env: {} });
    expect(doc.context_servers.ringmem.env).toEqual({ RINGMEM_TTL: '1h' });
    expect(backups('settings.json').map((b) => readFileSync(join(dir, b), 'utf8'))).toEqual([
      original,
    ]);

    const again = await run([
      'config',
      'zed',
      '--write',
      '--file',
      file,
      '--http',
      'http://127.0.0.1:9/mcp',
    ]);
    expect(again.code, again.stderr).toBe(0);
    const after = parseJsonc(readFileSync(file, 'utf8'), [], { allowTrailingComma: true });
    expect(after.context_servers.ringmem).toEqual({ url: 'http://127.0.0.1:9/mcp' });
    expect(after.context_servers.other).toEqual(doc.context_servers.other);
  });

  it('refuses a file it cannot parse and leaves it untouched', async () => {
    for (const [client, name, broken] of [
      ['claude-desktop', 'claude.json', '{ "mcpServers": { "x": '],
      ['codex', 'config.toml', '[mcp_servers.x\ncommand = 1'],
      ['vscode', 'mcp.json', '[1, 2]'],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, broken);
      const r = await run(['config', client, '--write', '--file', file]);
      expect(r.code, client).toBe(1);
      expect(r.stderr).toMatch(/nothing was written/);
      expect(readFileSync(file, 'utf8')).toBe(broken);
      expect(backups(name)).toEqual([]);
    }
  });

  it('merges into a Codex config.toml: other tables and comments stay, its own table and subtables are replaced', async () => {
    const file = join(dir, 'config.toml');
    const original = `# my codex settings
model = "o4-mini"

[mcp_servers.ringmem]
command = "/old/node"
args = ["/old/main.js", "serve"]

[mcp_servers.ringmem.env]
RINGMEM_TTL = "5m"

[mcp_servers.docs]
url = "http://127.0.0.1:9000/mcp"

[profiles.fast]
model = "gpt-5-mini"
`;
    writeFileSync(file, original);
    const r = await run(['config', 'codex', '--write', '--file', file, '--env', 'RINGMEM_TTL=2h']);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# my codex settings');
    expect(text).not.toContain('/old/node');
    const doc = parseToml(text) as {
      model: string;
      mcp_servers: Record<string, Record<string, unknown>>;
      profiles: unknown;
    };
    expect(doc.model).toBe('o4-mini');
    expect(doc.profiles).toEqual({ fast: { model: 'gpt-5-mini' } });
    expect(doc.mcp_servers.docs).toEqual({ url: 'http://127.0.0.1:9000/mcp' });
    expect(doc.mcp_servers.ringmem).toMatchObject({
      command: process.execPath,
      env: { RINGMEM_TTL: '2h' },
    });
    expect(ajv().validate(FORMATS.codex!.stdio, doc.mcp_servers.ringmem)).toBe(true);
    expect(backups('config.toml')).toHaveLength(1);

    // An entry written inline cannot be replaced as a table: refuse rather than guess.
    writeFileSync(file, 'mcp_servers = { ringmem = { command = "x", args = [] } }\n');
    const inline = await run(['config', 'codex', '--write', '--file', file]);
    expect(inline.code).toBe(1);
    expect(inline.stderr).toMatch(/edit that entry by hand/);
  });

  it('writes Continue block files, replaces its own, and refuses a foreign one', async () => {
    const file = join(dir, 'ringmem.yaml');
    expect((await run(['config', 'continue', '--write', '--file', file])).code).toBe(0);
    const again = await run([
      'config',
      'continue',
      '--write',
      '--file',
      file,
      '--http',
      'http://127.0.0.1:1/mcp',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(parseYaml(readFileSync(file, 'utf8')).mcpServers[0]).toMatchObject({
      name: 'ringmem',
      type: 'streamable-http',
      url: 'http://127.0.0.1:1/mcp',
    });
    const foreign = join(dir, 'other.yaml');
    writeFileSync(foreign, 'name: mine\nmcpServers: []\n');
    const r = await run(['config', 'continue', '--write', '--file', foreign]);
    expect(r.code).toBe(1);
    expect(readFileSync(foreign, 'utf8')).toBe('name: mine\nmcpServers: []\n');
  });
});

function ajv() {
  return new Ajv({ strict: false });
}

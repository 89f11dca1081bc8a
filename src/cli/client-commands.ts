import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CliIo } from './io.js';

const DEFAULT_URL = 'http://127.0.0.1:8787/mcp';

export const REMEMBER_HELP = `ringmem remember — store text in a running ringmem HTTP server

Usage:
  ringmem remember "text" ["more text" ...] [options]
  echo "text" | ringmem remember [options]          (one text per line of stdin)

Options:
  --url <url>          Server (default ${DEFAULT_URL}; RINGMEM_URL)
  --namespace <name>   Namespace (default "default")
  --tag <tag>          A tag (repeatable)
  --json               Print the tool's structured result as JSON
Authentication: RINGMEM_TOKEN is sent as a bearer token when set.`;

export const RECALL_HELP = `ringmem recall — search a running ringmem HTTP server by meaning and words

Usage:
  ringmem recall "query" [options]

Options:
  --url <url>          Server (default ${DEFAULT_URL}; RINGMEM_URL)
  --namespace <name>   Namespace (default "default")
  -k <n>               How many memories (default 5)
  --mode <mode>        hybrid (default: meaning and exact words), semantic or lexical
  --within <duration>  Only memories younger than this, e.g. 10m, 2h
  --tag <tag>          Only memories with this tag (repeatable)
  --json               Print the tool's structured result as JSON
Authentication: RINGMEM_TOKEN is sent as a bearer token when set.`;

async function withClient<T>(
  url: string,
  token: string | undefined,
  fn: (c: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ name: 'ringmem-cli', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : undefined,
  });
  await client.connect(transport);
  try {
    return await fn(client);
  } finally {
    // End the session on the server too: an abandoned one would hold a slot until it idles out.
    await transport.terminateSession().catch(() => {});
    await client.close().catch(() => {});
  }
}

/** What went wrong talking to the server, in one line that says what to do. */
export function connectionProblem(error: unknown, url: string): string {
  const status = (error as { code?: unknown })?.code;
  const message = (error as Error)?.message ?? String(error);
  if (status === 503) {
    const n = /server busy: (\d+) sessions/.exec(message)?.[1];
    return `server busy: ${n ?? 'all'} sessions at ${url} are open and in use; retry later, or raise --max-sessions on the server`;
  }
  if (status === 401)
    return `the server at ${url} wants a token: set RINGMEM_TOKEN to the token it was started with`;
  if (status === 403)
    return `the server at ${url} refused the request (Host or Origin not allowed): ${message}`;
  return `cannot reach a ringmem server at ${url}: ${message}\nstart one with \`ringmem serve --http\`, or pass --url`;
}

function textOf(res: CallToolResult): string {
  return res.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

async function readStdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
}

type Parsed = {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
};

function parse(
  argv: string[],
  extra: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>,
): Parsed {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      namespace: { type: 'string' },
      tag: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...extra,
    },
  }) as Parsed;
}

/** Runs one tool call against the server and renders the result; exit 1 on isError or no connection. */
async function callTool(
  io: CliIo,
  command: string,
  url: string,
  name: string,
  args: Record<string, unknown>,
  json: boolean,
): Promise<number> {
  try {
    const res = (await withClient(url, io.env.RINGMEM_TOKEN || undefined, (c) =>
      c.callTool({ name, arguments: args }),
    )) as CallToolResult;
    if (res.isError) {
      io.stderr.write(`ringmem ${command}: ${textOf(res)}\n`);
      return 1;
    }
    io.stdout.write(
      json ? `${JSON.stringify(res.structuredContent, null, 2)}\n` : `${textOf(res)}\n`,
    );
    return 0;
  } catch (error) {
    io.stderr.write(`ringmem ${command}: ${connectionProblem(error, url)}\n`);
    return 1;
  }
}

export async function runRemember(argv: string[], io: CliIo): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv, {});
  } catch (error) {
    io.stderr.write(`ringmem remember: ${(error as Error).message}\n`);
    return 2;
  }
  if (p.values.help) {
    io.stdout.write(`${REMEMBER_HELP}\n`);
    return 0;
  }
  const texts =
    p.positionals.length > 0 ? p.positionals : process.stdin.isTTY ? [] : await readStdinLines();
  if (texts.length === 0) {
    io.stderr.write('ringmem remember: give the text as arguments or on stdin\n');
    return 2;
  }
  const args: Record<string, unknown> = {
    texts,
    namespace: (p.values.namespace as string) ?? 'default',
  };
  if (p.values.tag) args.tags = p.values.tag;
  const url = (p.values.url as string) ?? io.env.RINGMEM_URL ?? DEFAULT_URL;
  return callTool(io, 'remember', url, 'remember', args, p.values.json === true);
}

export async function runRecall(argv: string[], io: CliIo): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv, {
      k: { type: 'string', short: 'k' },
      within: { type: 'string' },
      mode: { type: 'string' },
    });
  } catch (error) {
    io.stderr.write(`ringmem recall: ${(error as Error).message}\n`);
    return 2;
  }
  if (p.values.help) {
    io.stdout.write(`${RECALL_HELP}\n`);
    return 0;
  }
  if (p.positionals.length !== 1) {
    io.stderr.write('ringmem recall: give exactly one query (quote it)\n');
    return 2;
  }
  const args: Record<string, unknown> = {
    query: p.positionals[0],
    namespace: (p.values.namespace as string) ?? 'default',
  };
  if (p.values.k !== undefined) {
    const k = Number(p.values.k);
    if (!Number.isInteger(k)) {
      io.stderr.write(
        `ringmem recall: -k takes an integer from 1 to 100, got ${JSON.stringify(p.values.k)}\n`,
      );
      return 2;
    }
    args.k = k;
  }
  if (p.values.within) args.within = p.values.within;
  if (p.values.tag) args.tags = p.values.tag;
  if (p.values.mode !== undefined) {
    const mode = p.values.mode as string;
    if (mode !== 'hybrid' && mode !== 'semantic' && mode !== 'lexical') {
      io.stderr.write(
        `ringmem recall: --mode takes hybrid, semantic or lexical, got ${JSON.stringify(mode)}\n`,
      );
      return 2;
    }
    args.mode = mode;
  }
  const url = (p.values.url as string) ?? io.env.RINGMEM_URL ?? DEFAULT_URL;
  return callTool(io, 'recall', url, 'recall', args, p.values.json === true);
}

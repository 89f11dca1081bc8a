import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseCommandOrExit, settingsHelp } from './flags.js';
import type { CliIo } from './io.js';

export const UI_HELP = `ringmem ui — open the memory inspector in a browser

Usage:
  ringmem ui [--url <http://127.0.0.1:8787>] [--no-open] [server options]

Opens /ui of the ringmem HTTP server at --url (default: the --host and --port settings). When no
server answers there, starts one (\`ringmem serve --http\` with the same options) and keeps it
running until Ctrl-C. The page shows namespaces, the newest entries, recall, the arrival timeline
with anomalies, and forgetting. With RINGMEM_TOKEN set, the link carries the token once; the page
trades it for a cookie.

Options:
  --url <url>                    A running server (its base URL or its /mcp URL).
  --no-open                      Print the link instead of opening a browser.
${settingsHelp()}
  -h, --help                     This help.`;

/** The server's base URL ("http://host:port") from a base or /mcp URL. */
export function baseUrlOf(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
}

/** Whether a ringmem server answers `/health`, which needs the token when the server has one. */
async function healthy(base: string, token: string | undefined): Promise<boolean> {
  try {
    const res = await fetch(`${base}/health`, {
      signal: AbortSignal.timeout(1500),
      headers: token ? { authorization: `Bearer ${token}` } : undefined,
    });
    return res.ok;
  } catch {
    return false;
  }
}

function openInBrowser(link: string): boolean {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [link]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', link]]
        : ['xdg-open', [link]];
  try {
    const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

export async function runUi(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandOrExit(
    'ui',
    argv,
    io,
    { url: { type: 'string' }, 'no-open': { type: 'boolean' } },
    UI_HELP,
  );
  if (typeof parsed === 'number') return parsed;
  const { config, values } = parsed;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const shownHost = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
  let base: string;
  try {
    base = baseUrlOf(
      typeof values.url === 'string' ? values.url : `http://${shownHost}:${config.port}`,
    );
  } catch {
    io.stderr.write(`ringmem ui: --url needs a URL such as http://127.0.0.1:8787\n`);
    return 2;
  }
  const link = `${base}/ui${config.token ? `?token=${encodeURIComponent(config.token)}` : ''}`;
  const show = () => {
    const opened = values['no-open'] !== true && openInBrowser(link);
    io.stdout.write(`${link}\n`);
    io.stderr.write(
      opened
        ? `ringmem ui: opened the inspector in your browser\n`
        : 'ringmem ui: open this link in a browser\n',
    );
  };
  if (await healthy(base, config.token)) {
    show();
    return 0;
  }
  if (typeof values.url === 'string') {
    io.stderr.write(
      `ringmem ui: no ringmem server answers at ${base}; start one with \`ringmem serve --http\` or drop --url to let ui start it\n`,
    );
    return 1;
  }
  // No server yet: run one as a child (its own process, like `ringmem serve --http`), then open.
  const serveArgs = argv.filter(
    (a, i) => a !== '--no-open' && !(a === '--url' || argv[i - 1] === '--url'),
  );
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const child = spawn(process.execPath, [main, 'serve', '--http', ...serveArgs], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: io.env,
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  for (let i = 0; i < 300; i++) {
    if (await healthy(base, config.token)) break;
    const done = await Promise.race([
      exited,
      new Promise((r) => setTimeout(() => r(undefined), 100)),
    ]);
    if (typeof done === 'number') {
      io.stderr.write(`ringmem ui: the server exited with code ${done} before it answered\n`);
      return 1;
    }
  }
  show();
  const stop = () => child.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const code = await exited;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  return code;
}

import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The memory inspector's static files under /ui, served by the HTTP front end after its Host and
 * Origin gates. The page is an MCP client of the same server: every piece of memory it shows
 * comes through /mcp. With a token set, the page itself needs it too: as a bearer header, or once
 * as `/ui?token=…`, which sets an HttpOnly, SameSite=Strict cookie scoped to /ui and redirects.
 */

const UI_PATH = '/ui';
const COOKIE = 'ringmem_ui';
const require = createRequire(import.meta.url);
// src/transports and dist/transports both sit two levels below the package root.
const uiFile = (name: string) => fileURLToPath(new URL(`../../ui/${name}`, import.meta.url));

const FILES: Record<string, { path: () => string; type: string }> = {
  '/ui': { path: () => uiFile('index.html'), type: 'text/html; charset=utf-8' },
  '/ui/app.js': { path: () => uiFile('app.js'), type: 'text/javascript; charset=utf-8' },
  '/ui/app.css': { path: () => uiFile('app.css'), type: 'text/css; charset=utf-8' },
  '/ui/uplot.js': {
    path: () => require.resolve('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/ui/uplot.css': {
    path: () => require.resolve('uplot/dist/uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

const cache = new Map<string, Buffer>();
function load(pathname: string): Buffer {
  let body = cache.get(pathname);
  if (!body) {
    body = readFileSync((FILES[pathname] as { path: () => string }).path());
    cache.set(pathname, body);
  }
  return body;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** True when the path belongs to the inspector page. */
export function isUiPath(pathname: string): boolean {
  return pathname === UI_PATH || pathname.startsWith(`${UI_PATH}/`);
}

export function serveUi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  access: { token: string | undefined; bearerOk: boolean },
): void {
  const send = (status: number, type: string, body: string | Buffer, extra = {}) => {
    res.writeHead(status, { 'content-type': type, ...SECURITY_HEADERS, ...extra });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(405, 'text/plain; charset=utf-8', 'Method not allowed: the page is read with GET', {
      allow: 'GET, HEAD',
    });
    return;
  }
  const pathname = url.pathname === `${UI_PATH}/` ? UI_PATH : url.pathname;
  const { token } = access;
  if (token !== undefined) {
    const fromQuery = url.searchParams.get('token');
    if (pathname === UI_PATH && fromQuery !== null && sameSecret(fromQuery, token)) {
      // Trade the token in the address bar for a cookie, so it leaves history and Referer.
      send(303, 'text/plain; charset=utf-8', 'see /ui', {
        location: UI_PATH,
        'set-cookie': `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=${UI_PATH}`,
      });
      return;
    }
    const cookie = cookieToken(req);
    if (!access.bearerOk && !(cookie !== undefined && sameSecret(cookie, token))) {
      send(
        401,
        'text/plain; charset=utf-8',
        'Unauthorized: this server needs its token. Open the link `ringmem ui` prints, or /ui?token=<RINGMEM_TOKEN>.',
        { 'www-authenticate': 'Bearer realm="ringmem"' },
      );
      return;
    }
  }
  if (!FILES[pathname]) {
    send(404, 'text/plain; charset=utf-8', `not found: the inspector is at ${UI_PATH}`);
    return;
  }
  const file = FILES[pathname] as { type: string };
  let body = load(pathname);
  if (pathname === UI_PATH) {
    // The page calls /mcp with the token as a bearer header; it only reaches callers that had it.
    const meta =
      token === undefined ? '' : `<meta name="ringmem-token" content="${escapeHtml(token)}">`;
    body = Buffer.from(body.toString('utf8').replace('<!--ringmem-token-->', meta));
  }
  send(200, file.type, body);
}

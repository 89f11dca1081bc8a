import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { LogFn } from '../log.js';
import { errorRef } from '../mcp/tool-result.js';
import { isUiPath, serveUi } from './ui.js';

export interface HttpOptions {
  host: string;
  port: number;
  /** Bearer token every request must carry; undefined = no authentication (loopback only!). */
  token: string | undefined;
  /** Browser origins allowed besides loopback ones. */
  allowedOrigins: readonly string[];
  /** Host header names allowed besides loopback, the bound address and (on a wildcard bind) this machine's own. */
  allowedHosts?: readonly string[];
  maxBodyBytes: number;
  /**
   * Stateless: every POST is a self-contained exchange with a fresh server (no Mcp-Session-Id,
   * no server-to-client stream). Stateful (default): the initialize request opens a session that
   * later requests name in the Mcp-Session-Id header.
   */
  stateless: boolean;
  /** Sessions unused this long are closed. */
  sessionIdleMs?: number;
  /** Open sessions; at the cap the least recently used idle one makes room for a new one. */
  maxSessions?: number;
}

export interface HttpHandle {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const MCP_PATH = '/mcp';

function hostnameOf(hostHeader: string): string {
  // "[::1]:8787" → "[::1]"; "localhost:8787" → "localhost"
  if (hostHeader.startsWith('['))
    return hostHeader.slice(0, hostHeader.indexOf(']') + 1).toLowerCase();
  const colon = hostHeader.lastIndexOf(':');
  return (colon >= 0 ? hostHeader.slice(0, colon) : hostHeader).toLowerCase();
}

/**
 * Host header names that name this server: loopback, the bound address, names added by the
 * operator and — when bound to every interface — this machine's host name and addresses.
 */
export function hostNamesFor(bound: string, extra: readonly string[]): Set<string> {
  const bracket = (a: string) => (a.includes(':') ? `[${a.toLowerCase()}]` : a.toLowerCase());
  const names = new Set(LOOPBACK_HOSTS);
  for (const h of extra) names.add(bracket(h.replace(/^\[|\]$/g, '')));
  if (bound === '0.0.0.0' || bound === '::') {
    const host = hostname().toLowerCase();
    names.add(host);
    names.add(host.split('.')[0] as string);
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.add(bracket(a.address.split('%')[0] as string));
    }
  } else {
    names.add(bracket(bound));
  }
  return names;
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK_HOSTS.has(u.hostname);
  } catch {
    return false;
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

function rpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
) {
  sendJson(res, status, { jsonrpc: '2.0', id: null, error: { code, message } }, headers);
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  lastSeen: number;
  /** Requests (and open event streams) of this session not yet finished: > 0 = in use. */
  inFlight: number;
  /** When initialize created it. */
  created: number;
  /** False until the client's first message after `initialize` (its handshake is under way). */
  ready: boolean;
}

/**
 * A session still in its handshake (initialize answered, the client's next message not yet
 * arrived) is in use, not idle: closing it to make room would fail a client that was just let in.
 * Past this age a half-open session counts as abandoned and may be closed like any idle one.
 */
const HANDSHAKE_GRACE_MS = 10_000;

/**
 * Streamable HTTP front end. Every request passes three gates before MCP sees it: the Host
 * header must name this server (DNS-rebinding protection), a browser Origin must be loopback or
 * allowed, and the bearer token must match when one is set. Bodies are capped.
 */
export async function startHttp(
  makeServer: () => McpServer,
  options: HttpOptions,
  log: LogFn,
): Promise<HttpHandle> {
  const sessions = new Map<string, Session>();
  const idleMs = options.sessionIdleMs ?? 30 * 60_000;
  const maxSessions = options.maxSessions ?? 256;
  const allowedOrigins = new Set(options.allowedOrigins);
  const tokenBuf = options.token === undefined ? undefined : Buffer.from(options.token);
  const allowedHosts = hostNamesFor(options.host, options.allowedHosts ?? []);

  function hostAllowed(req: IncomingMessage): boolean {
    const host = req.headers.host;
    if (!host) return false;
    // Also on a wildcard bind: DNS rebinding works against any address, so Host must still name
    // this machine (its names and addresses) or a name the operator allowed.
    return allowedHosts.has(hostnameOf(host));
  }

  function authorized(req: IncomingMessage): boolean {
    if (!tokenBuf) return true;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m) return false;
    const given = Buffer.from(m[1] as string);
    return given.length === tokenBuf.length && timingSafeEqual(given, tokenBuf);
  }

  async function closeSession(id: string, why: string): Promise<void> {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    log('info', `session closed: ${why} (${sessions.size} open)`);
    await s.transport.close().catch(() => {});
    await s.server.close().catch(() => {});
  }

  /** Makes room at the cap: closes the idle session unused the longest. False if all are in use. */
  async function closeLeastRecentlyUsedIdle(): Promise<boolean> {
    let oldest: [string, Session] | undefined;
    const now = Date.now();
    for (const entry of sessions) {
      const s = entry[1];
      if (s.inFlight > 0 || (!s.ready && now - s.created < HANDSHAKE_GRACE_MS)) continue;
      if (!oldest || entry[1].lastSeen < oldest[1].lastSeen) oldest = entry;
    }
    if (!oldest) return false;
    log(
      'info',
      `session cap (${maxSessions}) reached: closing the least recently used idle session`,
    );
    await closeSession(oldest[0], `least recently used idle session, at the cap of ${maxSessions}`);
    return true;
  }

  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [id, s] of sessions) {
        if (s.inFlight === 0 && now - s.lastSeen > idleMs) void closeSession(id, 'idle');
      }
    },
    Math.min(idleMs, 60_000),
  );
  sweep.unref();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!hostAllowed(req)) {
      log('warning', `rejected request with Host ${JSON.stringify(req.headers.host)}`);
      return rpcError(
        res,
        403,
        -32000,
        'Forbidden: Host header is not allowed (DNS rebinding protection)',
      );
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !isLoopbackOrigin(origin) && !allowedOrigins.has(origin)) {
      log('warning', `rejected request from Origin ${origin}`);
      return rpcError(
        res,
        403,
        -32000,
        `Forbidden: Origin ${origin} is not allowed; start ringmem with --allowed-origins ${origin} to allow it`,
      );
    }
    const isHealth = url.pathname === '/health' && req.method === 'GET';
    // The page itself checks the token (bearer, or once as ?token= turned into a cookie).
    if (isUiPath(url.pathname)) {
      return serveUi(req, res, url, { token: options.token, bearerOk: authorized(req) });
    }
    if (!isHealth && url.pathname !== MCP_PATH) {
      return sendJson(res, 404, { error: `not found: the MCP endpoint is ${MCP_PATH}` });
    }
    if (!authorized(req)) {
      return rpcError(
        res,
        401,
        -32001,
        'Unauthorized: send "Authorization: Bearer <RINGMEM_TOKEN>"',
        {
          'www-authenticate': 'Bearer realm="ringmem"',
        },
      );
    }
    // Liveness only: nothing about sessions or clients, and behind the token when one is set.
    if (isHealth) return sendJson(res, 200, { status: 'ok' });

    let body: unknown;
    if (req.method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req, options.maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          return rpcError(
            res,
            413,
            -32600,
            `Request too large: the body is more than the limit of ${options.maxBodyBytes} bytes (--max-body-bytes / RINGMEM_MAX_BODY_BYTES); split it into smaller requests or raise the limit`,
          );
        }
        throw error;
      }
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return rpcError(res, 400, -32700, 'Parse error: the request body is not valid JSON');
      }
    }

    if (options.stateless) {
      if (req.method !== 'POST') {
        return rpcError(
          res,
          405,
          -32000,
          'Method not allowed: this server is stateless; use POST',
          { allow: 'POST' },
        );
      }
      const server = makeServer();
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      res.on('close', () => {
        void transport.close().catch(() => {});
        void server.close().catch(() => {});
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
      return;
    }

    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const s = sessions.get(sessionId);
      if (!s)
        return rpcError(
          res,
          404,
          -32001,
          'Session not found: it expired or was closed; initialize again',
        );
      s.lastSeen = Date.now();
      s.ready = true;
      s.inFlight++;
      res.once('close', () => {
        s.inFlight--;
        s.lastSeen = Date.now();
      });
      await s.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method === 'POST' && isInitializeRequest(body)) {
      if (sessions.size >= maxSessions && !(await closeLeastRecentlyUsedIdle())) {
        return rpcError(
          res,
          503,
          -32000,
          `server busy: ${sessions.size} sessions are open and in use (--max-sessions ${maxSessions}); retry later or raise --max-sessions`,
        );
      }
      const server = makeServer();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          const now = Date.now();
          sessions.set(id, {
            transport,
            server,
            lastSeen: now,
            inFlight: 0,
            created: now,
            ready: false,
          });
        },
      });
      transport.onclose = () => {
        const id = transport.sessionId;
        if (id && sessions.delete(id))
          log('info', `session ended by the client (${sessions.size} open)`);
      };
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
      return;
    }
    return rpcError(
      res,
      400,
      -32000,
      'Bad Request: send an initialize request first, then the Mcp-Session-Id header it returns',
    );
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      const ref = errorRef();
      log('error', `HTTP request failed (ref ${ref})\n${error.stack ?? error.message}`);
      if (!res.headersSent) {
        rpcError(res, 500, -32603, `Internal error (ref ${ref}); the server's log has the details`);
      } else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}${MCP_PATH}`,
    port,
    close: async () => {
      clearInterval(sweep);
      await Promise.all([...sessions.keys()].map((id) => closeSession(id, 'server shutting down')));
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}

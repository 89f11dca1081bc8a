import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ModelError } from './errors.js';

/**
 * One HTTP GET with the safety a model download needs and Node's `fetch` does not give directly:
 * a connect timeout (until response headers), an idle timeout (no byte for too long while the body
 * streams), and redirects followed by hand up to a cap, keeping the `Range` header, because
 * Hugging Face answers `resolve/` URLs with a redirect to its CDN.
 */

export interface HttpGetOptions {
  headers?: Record<string, string>;
  /** Milliseconds to wait for response headers (per hop). */
  connectTimeoutMs: number;
  /** Milliseconds without a byte on the socket before the body stream fails. */
  idleTimeoutMs: number;
  maxRedirects: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that finally answered (after redirects). */
  url: string;
  body: IncomingMessage;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function httpGet(url: string, options: HttpGetOptions): Promise<HttpResponse> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(current, options);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined) {
      return { status: res.statusCode ?? 0, headers: res.headers, url: current, body: res };
    }
    res.resume(); // drain the redirect body so the socket closes cleanly
    if (hop >= options.maxRedirects) {
      throw new ModelError(
        'FETCH_TOO_MANY_REDIRECTS',
        `more than ${options.maxRedirects} redirects starting at ${url} (last: ${current} → ${location}); ` +
          'check HF_ENDPOINT / --from, or the mirror configuration',
      );
    }
    current = new URL(location, current).toString();
  }
}

function requestOnce(url: string, options: HttpGetOptions): Promise<IncomingMessage> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(
      new ModelError(
        'FETCH_SOURCE_MISSING',
        `invalid download URL ${url}; expected http:// or https://`,
      ),
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return Promise.reject(
      new ModelError(
        'FETCH_SOURCE_MISSING',
        `unsupported URL scheme in ${url}; expected http:// or https://`,
      ),
    );
  }
  const request = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolvePromise, reject) => {
    // A fresh connection per request (no keep-alive agent): a socket timeout set for one download
    // must not linger on a pooled socket, and a handful of files gains nothing from reuse.
    const req = request(parsed, { method: 'GET', headers: options.headers, agent: false });
    const connectTimer = setTimeout(() => {
      req.destroy(
        new ModelError(
          'FETCH_TIMEOUT',
          `no response from ${parsed.host} within ${options.connectTimeoutMs} ms for ${url}`,
        ),
      );
    }, options.connectTimeoutMs);
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      res.setTimeout(options.idleTimeoutMs, () => {
        res.destroy(
          new ModelError(
            'FETCH_TIMEOUT',
            `download stalled: no data from ${parsed.host} for ${options.idleTimeoutMs} ms (${url}); ` +
              'run the fetch again to resume, or raise --idle-timeout',
          ),
        );
      });
      resolvePromise(res);
    });
    req.on('error', (error) => {
      clearTimeout(connectTimer);
      reject(
        error instanceof ModelError
          ? error
          : new ModelError('FETCH_NETWORK', `cannot reach ${url}: ${error.message}`, {
              cause: error,
            }),
      );
    });
    req.end();
  });
}

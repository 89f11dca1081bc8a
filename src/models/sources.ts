import { createReadStream, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelError } from './errors.js';
import type { HttpGetOptions } from './http-get.js';
import { httpGet } from './http-get.js';

/**
 * Where model bytes come from: the Hugging Face hub (or `HF_ENDPOINT`), a plain base URL, or a
 * mirror directory. Each is a `ByteSource` that opens one remote file at a byte offset, so the
 * resume / verify logic in `download.ts` is written once for all three.
 */

export type FetchFrom =
  | { kind: 'hub'; endpoint: string }
  | { kind: 'url'; base: string }
  | { kind: 'dir'; dir: string };

export const DEFAULT_HUB = 'https://huggingface.co';

export type OpenResult =
  | {
      kind: 'body';
      /** Offset of the first byte of `body` (0 when a server ignored the Range request). */
      start: number;
      /** Full size of the remote file, when the source says so. */
      totalBytes?: number;
      body: AsyncIterable<Buffer>;
      /** Stops the transfer early (drops the connection / closes the file). */
      close(): void;
      where: string;
    }
  /** The source says there is nothing at or after the offset: the partial is complete, or wrong. */
  | { kind: 'range-not-satisfiable'; where: string };

export interface ByteSource {
  open(offset: number): Promise<OpenResult>;
}

/** Turns `--from` (or its absence) into a source kind; a directory must exist. */
export function parseFrom(from: string | undefined, env: NodeJS.ProcessEnv): FetchFrom {
  if (from === undefined || from.trim() === '') {
    const endpoint = env.HF_ENDPOINT?.trim() || DEFAULT_HUB;
    if (!/^https?:\/\//i.test(endpoint)) {
      throw new ModelError(
        'FETCH_SOURCE_MISSING',
        `HF_ENDPOINT=${endpoint} is not an http(s) URL; expected e.g. https://huggingface.co`,
      );
    }
    return { kind: 'hub', endpoint: endpoint.replace(/\/+$/, '') };
  }
  if (/^https?:\/\//i.test(from)) return { kind: 'url', base: from.replace(/\/+$/, '') };
  const dir = from.startsWith('file:') ? fileURLToPath(from) : resolve(from);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) {
    throw new ModelError(
      'FETCH_SOURCE_MISSING',
      `--from ${from}: ${dir} is not a directory; expected a mirror directory or an http(s) URL`,
    );
  }
  return { kind: 'dir', dir };
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export interface SourceFile {
  /** Path inside the remote repository. */
  remote: string;
  /** `owner/name` of the repository. */
  repo: string;
  revision: string;
}

export function openSource(from: FetchFrom, file: SourceFile, http: HttpGetOptions): ByteSource {
  switch (from.kind) {
    case 'hub':
      return httpSource(
        [
          `${from.endpoint}/${file.repo}/resolve/${encodeURIComponent(file.revision)}/${encodePath(file.remote)}`,
        ],
        http,
      );
    case 'url':
      // Accept both a flat mirror and one that keeps the repository name in the path.
      return httpSource(
        [
          `${from.base}/${encodePath(file.remote)}`,
          `${from.base}/${file.repo}/${encodePath(file.remote)}`,
        ],
        http,
      );
    case 'dir':
      return dirSource([join(from.dir, file.remote), join(from.dir, file.repo, file.remote)]);
  }
}

function parseContentRange(
  value: string | undefined,
): { start: number; total?: number } | undefined {
  const m = value === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim());
  if (m === null) return undefined;
  const total = m[3] === '*' ? undefined : Number(m[3]);
  return { start: Number(m[1]), ...(total === undefined ? {} : { total }) };
}

function httpSource(urls: string[], http: HttpGetOptions): ByteSource {
  // Once a candidate URL answered with something other than 404, later opens go straight to it.
  let settled: string | undefined;
  return {
    async open(offset) {
      const tried: string[] = [];
      for (const url of settled === undefined ? urls : [settled]) {
        tried.push(url);
        const headers: Record<string, string> = { 'user-agent': 'ringmem-models' };
        if (offset > 0) headers.range = `bytes=${offset}-`;
        const res = await httpGet(url, { ...http, headers });
        if (res.status === 404 && settled === undefined && tried.length < urls.length) {
          res.body.resume();
          continue;
        }
        settled = url;
        const where = res.url === url ? url : `${url} (redirected to ${res.url})`;
        const close = () => res.body.destroy();
        if (res.status === 200) {
          const length = Number(res.headers['content-length']);
          return {
            kind: 'body',
            start: 0,
            ...(Number.isFinite(length) && res.headers['content-length'] !== undefined
              ? { totalBytes: length }
              : {}),
            body: res.body,
            close,
            where,
          };
        }
        if (res.status === 206) {
          const range = parseContentRange(res.headers['content-range']);
          return {
            kind: 'body',
            start: range?.start ?? offset,
            ...(range?.total === undefined ? {} : { totalBytes: range.total }),
            body: res.body,
            close,
            where,
          };
        }
        res.body.resume();
        if (res.status === 416) return { kind: 'range-not-satisfiable', where };
        const retryable = res.status === 429 || res.status >= 500;
        throw new FetchStatusError(
          res.status,
          `HTTP ${res.status} for ${where}` +
            (tried.length > 1 ? ` (also tried ${tried.slice(0, -1).join(', ')})` : '') +
            (res.status === 404
              ? '; the file is not at that address — check the model id, HF_ENDPOINT or --from'
              : retryable
                ? '; the server had a problem, run the fetch again later'
                : ''),
          retryable,
        );
      }
      // Unreachable: the loop returns or throws on its last candidate.
      throw new ModelError('FETCH_SOURCE_MISSING', `no URL to try for ${urls.join(', ')}`);
    },
  };
}

export class FetchStatusError extends ModelError {
  readonly status: number;
  readonly retryable: boolean;

  constructor(status: number, message: string, retryable: boolean) {
    super('FETCH_HTTP_STATUS', message);
    this.status = status;
    this.retryable = retryable;
  }
}

function dirSource(paths: string[]): ByteSource {
  return {
    async open(offset) {
      for (const path of paths) {
        let size: number;
        try {
          const st = statSync(path);
          if (!st.isFile()) continue;
          size = st.size;
        } catch {
          continue;
        }
        if (offset > 0 && offset >= size) return { kind: 'range-not-satisfiable', where: path };
        const stream = createReadStream(path, { start: offset, highWaterMark: 1 << 20 });
        return {
          kind: 'body',
          start: offset,
          totalBytes: size,
          body: stream as AsyncIterable<Buffer>,
          close: () => stream.destroy(),
          where: path,
        };
      }
      throw new ModelError(
        'FETCH_SOURCE_MISSING',
        `mirror directory has no such file: looked at ${paths.join(' and ')}`,
      );
    },
  };
}

import { isDeepStrictEqual } from 'node:util';
import { applyEdits, modify, type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import type { ConfigFormat } from './client-configs.js';

/**
 * Puts one server entry into a client's configuration text without losing anything else: JSON
 * (with comments, as VS Code and Zed allow) is edited in place so comments and layout stay; TOML
 * gets the server's table replaced or appended as text; the result is parsed again and must equal
 * the old document with exactly that entry set, or nothing is written.
 */

export class ConfigMergeError extends Error {}

/** Marker of a Continue block file this command wrote (and may therefore replace). */
export const YAML_MARKER = '# Written by `ringmem config continue`.';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The document with `entry` set at container/name: what the merged file must parse to. */
function expected(doc: Json, container: readonly string[], name: string, entry: Json): Json {
  const copy = structuredClone(doc);
  let node: Json = copy;
  for (const key of container) {
    if (node[key] === undefined) node[key] = {};
    const next = node[key];
    if (!isObject(next)) {
      throw new ConfigMergeError(
        `"${container.join('.')}" is not an object in this file; fix it or add the entry by hand`,
      );
    }
    node = next;
  }
  node[name] = entry;
  return copy;
}

function mergeJson(text: string, container: readonly string[], name: string, entry: Json): string {
  if (text.trim() === '')
    return `${JSON.stringify(expected({}, container, name, entry), null, 2)}\n`;
  const errors: ParseError[] = [];
  const doc = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const e = errors[0] as ParseError;
    const line = text.slice(0, e.offset).split('\n').length;
    throw new ConfigMergeError(
      `cannot parse it (${printParseErrorCode(e.error)} on line ${line}); nothing was written: fix the file or add the entry by hand`,
    );
  }
  if (!isObject(doc)) {
    throw new ConfigMergeError('its top level is not a JSON object; nothing was written');
  }
  const want = expected(doc, container, name, entry);
  const edits = modify(text, [...container, name], entry, {
    formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' },
  });
  const merged = applyEdits(text, edits);
  verify(parse(merged, [], { allowTrailingComma: true }), want);
  return merged;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function mergeToml(text: string, container: readonly string[], name: string, entry: Json): string {
  let doc: Json;
  try {
    doc = parseToml(text) as Json;
  } catch (error) {
    throw new ConfigMergeError(
      `cannot parse it as TOML (${(error as Error).message.split('\n')[0]}); nothing was written: fix the file or add the entry by hand`,
    );
  }
  const want = expected(doc, container, name, entry);
  // The table as smol-toml writes it, e.g. "[mcp_servers.ringmem]" (+ "[mcp_servers.ringmem.env]").
  const block = stringifyToml(expected({}, container, name, entry)).trim();
  const header = (block.split('\n')[0] as string).slice(1, -1);
  let base = text;
  const existing = (isObject(doc) &&
    container.reduce<unknown>((n, k) => (isObject(n) ? n[k] : undefined), doc)) as unknown;
  if (isObject(existing) && existing[name] !== undefined) {
    // Replace the server's own table and its subtables, and nothing else.
    const lines = text.split('\n');
    const own = new RegExp(`^\\s*\\[\\s*${escapeRegExp(header)}(\\s*\\]|\\.)`);
    const anyHeader = /^\s*\[/;
    const kept: string[] = [];
    let inside = false;
    let found = false;
    for (const line of lines) {
      if (anyHeader.test(line)) {
        inside = own.test(line);
        found ||= inside;
      }
      if (!inside) kept.push(line);
    }
    if (!found) {
      throw new ConfigMergeError(
        `it defines "${header}" in a form other than a [${header}] table; nothing was written: edit that entry by hand`,
      );
    }
    base = kept.join('\n');
  }
  const merged = `${base.replace(/\s*$/, '')}${base.trim() ? '\n\n' : ''}${block}\n`;
  let reparsed: unknown;
  try {
    reparsed = parseToml(merged);
  } catch (error) {
    throw new ConfigMergeError(
      `the merged file would not parse (${(error as Error).message}); nothing was written`,
    );
  }
  verify(reparsed, want);
  return merged;
}

function verify(got: unknown, want: Json): void {
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(got)), JSON.parse(JSON.stringify(want)))) {
    throw new ConfigMergeError(
      'merging would change more than the ringmem entry; nothing was written: add the entry by hand',
    );
  }
}

/**
 * The new file text with the entry set. `current` is the file's text, or undefined when it does
 * not exist. YAML (Continue) files are ringmem's own block files: replaced only when ringmem
 * wrote them (`yamlText` is the new block).
 */
export function mergeConfig(
  format: ConfigFormat,
  current: string | undefined,
  container: readonly string[],
  name: string,
  entry: Json,
  yamlText?: string,
): string {
  switch (format) {
    case 'json':
      return mergeJson(current ?? '', container, name, entry);
    case 'toml':
      return mergeToml(current ?? '', container, name, entry);
    case 'yaml':
      if (current !== undefined && current.trim() !== '' && !current.startsWith(YAML_MARKER)) {
        throw new ConfigMergeError(
          'it exists and was not written by ringmem; nothing was written: choose another --file or edit it by hand',
        );
      }
      return yamlText as string;
  }
}

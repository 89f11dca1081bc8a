import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError } from '../errors.js';
import { isModelError, ModelError } from '../models/errors.js';
import type { FetchModelOptions } from '../models/fetch.js';
import { fetchModel } from '../models/fetch.js';
import { fetchCommand, repairHint } from '../models/hints.js';
import { type InstallState, installState } from '../models/locate.js';
import { cacheRoot, packageModelsDir } from '../models/paths.js';
import type { ModelRegistry } from '../models/registry.js';
import { defaultRegistry, totalBytes } from '../models/registry.js';
import type { ResolveOptions, ResolveRequest } from '../models/resolve.js';
import { locateIncompleteModel, resolveModel } from '../models/resolve.js';
import type { VerifyStatus } from '../models/verify.js';
import { verifyModelFiles } from '../models/verify.js';
import { FetchProgress } from './fetch-progress.js';
import type { CliIo } from './io.js';
import { HELP, helpText } from './models-help.js';
import { formatBytes } from './progress.js';

/**
 * `ringmem models list | fetch | verify | path`. Results go to stdout, progress and errors to
 * stderr; exit codes: 0 ok, 1 failure (not installed, mismatch, download failed), 2 usage error.
 * `argv` is everything after `models`. Callable in-process: all I/O and the environment come in
 * through `io`, the registry and fetch tunables through `deps`.
 */

export type ModelsCommandIo = CliIo;

export interface ModelsCommandDeps {
  registry?: ModelRegistry;
  /** The package's `models/` directory (built-in model). */
  modelsDir?: string;
  /** Defaults for fetch tunables not exposed as flags (retry delay, lock staleness, ...). */
  fetchDefaults?: Partial<Omit<FetchModelOptions, 'registry' | 'env' | 'onEvent'>>;
}

const EXIT_OK = 0;
const EXIT_FAIL = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

export async function runModelsCommand(
  argv: string[],
  io: ModelsCommandIo,
  deps: ModelsCommandDeps = {},
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      io.stderr.write(helpText('models'));
      return EXIT_USAGE;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(helpText(rest[0] ?? 'models'));
      return EXIT_OK;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      if (!(command in HELP) || command === 'models') {
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
      }
      io.stdout.write(helpText(command));
      return EXIT_OK;
    }
    const registry =
      deps.registry ?? defaultRegistry({ modelsDir: deps.modelsDir ?? packageModelsDir() });
    for (const warning of registry.warnings) io.stderr.write(`warning: ${warning}\n`);
    const ctx: Context = { io, deps, registry };
    switch (command) {
      case 'list':
        return runList(rest, ctx);
      case 'fetch':
        return await runFetch(rest, ctx);
      case 'verify':
        return await runVerify(rest, ctx);
      case 'path':
        return runPath(rest, ctx);
      default:
        throw new UsageError(
          `unknown command ${JSON.stringify(command)}; expected one of: list, fetch, verify, path`,
        );
    }
  } catch (error) {
    return reportError(command ?? '', error, io);
  }
}

interface Context {
  io: ModelsCommandIo;
  deps: ModelsCommandDeps;
  registry: ModelRegistry;
}

function reportError(command: string, error: unknown, io: ModelsCommandIo): number {
  const prefix = `ringmem models${command ? ` ${command}` : ''}`;
  if (error instanceof UsageError || isParseArgsError(error)) {
    io.stderr.write(`${prefix}: ${(error as Error).message}\n`);
    io.stderr.write(
      `Run \`ringmem models ${command in HELP ? `${command} ` : ''}--help\` for usage.\n`,
    );
    return EXIT_USAGE;
  }
  if (isModelError(error)) {
    io.stderr.write(`${prefix}: ${error.message} [${error.code}]\n`);
    return error.code === 'MODEL_UNKNOWN' ? EXIT_USAGE : EXIT_FAIL;
  }
  io.stderr.write(`${prefix}: ${describeError(error)}\n`);
  return EXIT_FAIL;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(
  args: string[],
  options: T,
  maxPositionals: number,
) {
  const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`,
    );
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------- list

interface ListRow {
  id: string;
  name: string;
  aliases: string[];
  bytes: number;
  dim: number;
  maxTokens: number;
  pooling: string;
  quantization: string | null;
  licence: string;
  downloadable: boolean;
  status: InstallState['status'];
  installed: boolean;
  dir: string | null;
  origin: 'builtin' | 'cache' | null;
  notes: string;
}

function runList(args: string[], ctx: Context): number {
  const { values } = parse(args, { json: { type: 'boolean' } }, 0);
  const { env } = ctx.io;
  const modelsDir = ctx.deps.modelsDir ?? packageModelsDir();
  const rows: ListRow[] = ctx.registry.entries.map((entry) => {
    const m = entry.manifest;
    const state = installState(entry, modelsDir, env);
    return {
      id: m.id,
      name: m.name,
      aliases: [...ctx.registry.aliases].filter(([, id]) => id === m.id).map(([alias]) => alias),
      bytes: totalBytes(m),
      dim: m.dim,
      maxTokens: m.maxTokens,
      pooling: m.pooling,
      quantization: m.quantization ?? null,
      licence: m.licence,
      downloadable: m.source !== undefined,
      status: state.status,
      installed: state.status === 'installed',
      dir: 'dir' in state ? state.dir : null,
      origin: 'origin' in state ? state.origin : null,
      notes: m.notes ?? '',
    };
  });
  const modelDirOverride = env.RINGMEM_MODEL_DIR?.trim() ? env.RINGMEM_MODEL_DIR : null;
  if (values.json) {
    ctx.io.stdout.write(
      `${JSON.stringify({ models: rows, cacheDir: join(cacheRoot(env), 'models'), modelDirOverride }, null, 2)}\n`,
    );
    return EXIT_OK;
  }
  const table = [
    ['ID', 'ALIASES', 'SIZE', 'DIM', 'POOLING', 'INSTALLED', 'WHERE'],
    ...rows.map((r) => [
      r.id,
      r.aliases.join(',') || '-',
      formatBytes(r.bytes),
      String(r.dim),
      r.pooling,
      r.status === 'installed' ? 'yes' : r.status === 'incomplete' ? 'partial' : 'no',
      r.dir ?? (r.downloadable ? `(fetch: ${fetchCommand(r.aliases[0] ?? r.id)})` : '-'),
    ]),
  ];
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  const out = ctx.io.stdout;
  table.forEach((row, i) => {
    out.write(
      `${row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ')}\n`,
    );
    const note = i > 0 ? rows[i - 1]!.notes : '';
    if (note) out.write(`    ${note}\n`);
  });
  out.write(`\nCache: ${join(cacheRoot(env), 'models')}\n`);
  if (modelDirOverride)
    out.write(`RINGMEM_MODEL_DIR=${modelDirOverride} overrides the model choice.\n`);
  return EXIT_OK;
}

// ---------------------------------------------------------------------------------------- fetch

function positiveNumber(
  flag: string,
  raw: string | undefined,
  integer: boolean,
): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const ok =
    Number.isFinite(value) && (integer ? Number.isInteger(value) && value >= 0 : value > 0);
  if (!ok) {
    throw new UsageError(
      `${flag} ${JSON.stringify(raw)}: expected ${integer ? 'a whole number ≥ 0' : 'a number of seconds > 0'}`,
    );
  }
  return value;
}

async function runFetch(args: string[], ctx: Context): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      from: { type: 'string' },
      force: { type: 'boolean' },
      dir: { type: 'string' },
      'idle-timeout': { type: 'string' },
      retries: { type: 'string' },
    },
    1,
  );
  const id = positionals[0];
  if (id === undefined)
    throw new UsageError('missing model id; e.g. `ringmem models fetch bge-small`');
  const entry = ctx.registry.lookup(id);
  if (entry?.bundledDir !== undefined && entry.manifest.source === undefined) {
    ctx.io.stdout.write(
      `${entry.manifest.id} ships inside the package (${entry.bundledDir}); nothing to fetch\n`,
    );
    return EXIT_OK;
  }
  const idle = positiveNumber('--idle-timeout', values['idle-timeout'], false);
  const retries = positiveNumber('--retries', values.retries, true);
  const progress = new FetchProgress(ctx.io.stderr);
  const options: FetchModelOptions = {
    ...ctx.deps.fetchDefaults,
    registry: ctx.registry,
    env: ctx.io.env,
    onEvent: (e) => progress.on(e),
  };
  if (values.from !== undefined) options.from = values.from;
  if (values.dir !== undefined) options.dir = values.dir;
  if (values.force) options.force = true;
  if (idle !== undefined) options.idleTimeoutMs = idle * 1000;
  if (retries !== undefined) options.retries = retries;
  try {
    const result = await fetchModel(id, options);
    const counts = new Map<string, number>();
    for (const f of result.files) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
    const summary = [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
    ctx.io.stdout.write(`${result.id}: installed and verified in ${result.dir} (${summary})\n`);
    return EXIT_OK;
  } finally {
    progress.close();
  }
}

// ---------------------------------------------------------------------------------- verify/path

function resolveRequest(id: string | undefined, dir: string | undefined): ResolveRequest {
  const request: ResolveRequest = {};
  if (id !== undefined) request.model = id;
  if (dir !== undefined) request.path = dir;
  return request;
}

function resolveOptions(ctx: Context): ResolveOptions {
  return {
    registry: ctx.registry,
    env: ctx.io.env,
    modelsDir: ctx.deps.modelsDir ?? packageModelsDir(),
  };
}

const STATUS_WORD: Record<VerifyStatus, string> = {
  ok: 'ok',
  missing: 'MISSING',
  'size-mismatch': 'WRONG SIZE',
  'hash-mismatch': 'WRONG SHA256',
  unreadable: 'UNREADABLE',
};

async function runVerify(args: string[], ctx: Context): Promise<number> {
  const { values, positionals } = parse(
    args,
    { dir: { type: 'string' }, json: { type: 'boolean' } },
    1,
  );
  const id = positionals[0];
  const { manifest, dir, origin } = resolveForVerify(ctx, id, values.dir);
  const report = await verifyModelFiles(manifest, dir);
  if (values.json) {
    ctx.io.stdout.write(`${JSON.stringify({ id: manifest.id, origin, ...report }, null, 2)}\n`);
  } else {
    ctx.io.stdout.write(`${manifest.id} (${origin}) in ${dir}\n`);
    for (const f of report.files) {
      let detail = formatBytes(f.expectedBytes);
      if (f.status === 'size-mismatch')
        detail = `${f.actualBytes} bytes, expected ${f.expectedBytes}`;
      if (f.status === 'hash-mismatch')
        detail = `sha256 ${f.actualSha256}, expected ${f.expectedSha256}`;
      if (f.status === 'unreadable') detail = f.detail ?? '';
      ctx.io.stdout.write(`  ${STATUS_WORD[f.status].padEnd(12)} ${f.path}  ${detail}\n`);
    }
  }
  if (!report.ok) {
    const fix = repairHint(manifest, origin === 'cache' ? undefined : dir);
    ctx.io.stderr.write(
      `ringmem models verify: ${manifest.id} does not match its manifest; ${fix}\n`,
    );
    return EXIT_FAIL;
  }
  return EXIT_OK;
}

/**
 * `verify` must report per-file status even when files are missing or truncated, which `resolve`
 * refuses (it raises MODEL_INCOMPLETE); so an incomplete model is verified where it was found.
 */
function resolveForVerify(ctx: Context, id: string | undefined, dir: string | undefined) {
  const request = resolveRequest(id, dir);
  try {
    return resolveModel(request, resolveOptions(ctx));
  } catch (error) {
    if (!(error instanceof ModelError) || error.code !== 'MODEL_INCOMPLETE') throw error;
    const located = locateIncompleteModel(request, resolveOptions(ctx));
    if (located === undefined) throw error;
    return located;
  }
}

function runPath(args: string[], ctx: Context): number {
  const { values, positionals } = parse(args, { dir: { type: 'string' } }, 1);
  const resolved = resolveModel(resolveRequest(positionals[0], values.dir), resolveOptions(ctx));
  ctx.io.stdout.write(`${resolved.dir}\n`);
  return EXIT_OK;
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError } from '../errors.js';
import { isModelError, ModelError } from '../models/errors.js';
import type { FetchEvent, FetchModelOptions } from '../models/fetch.js';
import { DEFAULT_IDLE_TIMEOUT_MS, fetchModel } from '../models/fetch.js';
import type { ModelManifest } from '../models/manifest.js';
import { cachedModelDir, cacheRoot, packageModelsDir } from '../models/paths.js';
import type { ModelRegistry, RegistryEntry } from '../models/registry.js';
import { defaultRegistry, totalBytes } from '../models/registry.js';
import { readManifestFile, resolveModel } from '../models/resolve.js';
import type { VerifyStatus } from '../models/verify.js';
import { checkPresence, verifyModelFiles } from '../models/verify.js';
import type { CliIo } from './io.js';
import type { ProgressBar } from './progress.js';
import { createProgressBar, formatBytes } from './progress.js';

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

const HELP: Record<string, string> = {
  models: `Usage: ringmem models <command> [options]

Manage embedding models.

Commands:
  list             models ringmem knows, their size and whether they are installed
  fetch <id>       download a model into the per-user cache and verify it
  verify [id]      check size and sha256 of every file of an installed model
  path [id]        print the directory a model resolves to

Run \`ringmem models <command> --help\` for the options of a command.
`,
  list: `Usage: ringmem models list [--json]

Lists the known models (id, size, dim, pooling, installed?, where, notes).
"installed" means every file is present with its pinned size; run \`verify\` for the sha256 check.

Options:
  --json           print a JSON object instead of a table
`,
  fetch: `Usage: ringmem models fetch <id> [--from DIR|URL] [--force] [--dir DIR] [--idle-timeout S] [--retries N]

Downloads every file of a model, resuming partial files, and refuses any file whose size or
sha256 differs from the pinned one. Source: HF_ENDPOINT or https://huggingface.co by default.

Options:
  --from DIR|URL     a mirror directory (files as DIR/<path> or DIR/<repo>/<path>) or base URL
  --force            download every file again, even if present and verified
  --dir DIR          install into DIR instead of the cache (then use it as RINGMEM_MODEL_DIR)
  --idle-timeout S   give up when no byte arrives for S seconds (default ${DEFAULT_IDLE_TIMEOUT_MS / 1000})
  --retries N        extra attempts after a dropped connection or stall (default 3)

Environment: RINGMEM_CACHE_DIR (cache root), HF_ENDPOINT (hub mirror).
`,
  verify: `Usage: ringmem models verify [id] [--dir DIR] [--json]

Checks size and sha256 of every file of a model and reports each file. Exit status 1 when any
file is missing or differs. Without an id, verifies the model ringmem would use.

Options:
  --dir DIR        verify the model in DIR (default: RINGMEM_MODEL_DIR, built-in, then cache)
  --json           print a JSON report
`,
  path: `Usage: ringmem models path [id] [--dir DIR]

Prints the directory the model resolves to (explicit dir / RINGMEM_MODEL_DIR, then the built-in
model, then the per-user cache). Exit status 1 when it is not installed.

Options:
  --dir DIR        resolve against DIR as an explicit model directory
`,
};

function helpText(topic: string): string {
  return HELP[topic] ?? (HELP.models as string);
}

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
        return listCommand(rest, ctx);
      case 'fetch':
        return await fetchCommand(rest, ctx);
      case 'verify':
        return await verifyCommand(rest, ctx);
      case 'path':
        return pathCommand(rest, ctx);
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

type InstallState = 'installed' | 'incomplete' | 'absent';

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
  status: InstallState;
  installed: boolean;
  dir: string | null;
  origin: 'builtin' | 'cache' | null;
  notes: string;
}

function installState(entry: RegistryEntry, env: NodeJS.ProcessEnv, modelsDir: string) {
  const candidates: { dir: string; origin: 'builtin' | 'cache' }[] = [
    { dir: entry.bundledDir ?? join(modelsDir, entry.manifest.id), origin: 'builtin' },
  ];
  if (entry.manifest.source) {
    candidates.push({ dir: cachedModelDir(entry.manifest.id, env), origin: 'cache' });
  }
  let partial: { dir: string; origin: 'builtin' | 'cache' } | undefined;
  for (const c of candidates) {
    const checks = checkPresence(entry.manifest, c.dir);
    if (checks.every((x) => x.status === 'present')) return { status: 'installed' as const, ...c };
    if (partial === undefined && checks.some((x) => x.status !== 'missing')) partial = c;
  }
  return partial ? { status: 'incomplete' as const, ...partial } : { status: 'absent' as const };
}

function listCommand(args: string[], ctx: Context): number {
  const { values } = parse(args, { json: { type: 'boolean' } }, 0);
  const { env } = ctx.io;
  const modelsDir = ctx.deps.modelsDir ?? packageModelsDir();
  const rows: ListRow[] = ctx.registry.entries.map((entry) => {
    const m = entry.manifest;
    const state = installState(entry, env, modelsDir);
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
      r.dir ?? (r.downloadable ? `(fetch: ringmem models fetch ${r.aliases[0] ?? r.id})` : '-'),
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

async function fetchCommand(args: string[], ctx: Context): Promise<number> {
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

const PHASE_LABEL = { check: 'checking', rehash: 'resuming', download: 'downloading' } as const;

/** Turns fetch events into one progress bar per file and phase on stderr. */
class FetchProgress {
  private bar: ProgressBar | undefined;
  private key = '';

  constructor(private readonly stream: NodeJS.WritableStream) {}

  on(event: FetchEvent): void {
    if (event.type === 'file-progress') {
      const key = `${event.path}:${event.phase}`;
      if (key !== this.key) {
        this.bar?.finish();
        this.key = key;
        this.bar = createProgressBar({
          stream: this.stream,
          label: `${PHASE_LABEL[event.phase]} ${event.path}`,
          total: event.bytesTotal,
        });
      }
      this.bar?.update(event.bytesDone);
    } else if (event.type === 'file-done') {
      if (this.bar !== undefined && this.key.startsWith(`${event.path}:`)) {
        this.bar.finish(event.status === 'present' ? 'already present, verified' : 'verified');
      } else {
        this.stream.write(
          `${event.path}: ${event.status === 'present' ? 'already present, verified' : 'verified'}\n`,
        );
      }
      this.bar = undefined;
      this.key = '';
    }
  }

  close(): void {
    // A failed download leaves its bar mid-line; end the line so the error starts on its own.
    this.bar?.finish('stopped');
    this.bar = undefined;
  }
}

// ---------------------------------------------------------------------------------- verify/path

function resolveFor(ctx: Context, id: string | undefined, dir: string | undefined) {
  const request: { model?: string; path?: string } = {};
  if (id !== undefined) request.model = id;
  if (dir !== undefined) request.path = dir;
  return resolveModel(request, {
    registry: ctx.registry,
    env: ctx.io.env,
    modelsDir: ctx.deps.modelsDir ?? packageModelsDir(),
  });
}

const STATUS_WORD: Record<VerifyStatus, string> = {
  ok: 'ok',
  missing: 'MISSING',
  'size-mismatch': 'WRONG SIZE',
  'hash-mismatch': 'WRONG SHA256',
  unreadable: 'UNREADABLE',
};

async function verifyCommand(args: string[], ctx: Context): Promise<number> {
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
    const fix = manifest.source
      ? `run \`ringmem models fetch ${manifest.id}${origin === 'cache' ? '' : ` --dir ${dir}`}\` to repair it`
      : 'reinstall ringmem to restore the built-in model';
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
function resolveForVerify(
  ctx: Context,
  id: string | undefined,
  dir: string | undefined,
): { manifest: ModelManifest; dir: string; origin: string } {
  try {
    return resolveFor(ctx, id, dir);
  } catch (error) {
    if (!(error instanceof ModelError) || error.code !== 'MODEL_INCOMPLETE') throw error;
    const located = locateIncomplete(ctx, id, dir);
    if (located === undefined) throw error;
    return located;
  }
}

function locateIncomplete(ctx: Context, id: string | undefined, dir: string | undefined) {
  const explicit =
    dir ?? (ctx.io.env.RINGMEM_MODEL_DIR?.trim() ? ctx.io.env.RINGMEM_MODEL_DIR : undefined);
  const entry = id === undefined ? undefined : ctx.registry.lookup(id);
  if (explicit !== undefined) {
    const fromDisk = readManifestQuietly(join(explicit, 'manifest.json'));
    const manifest = fromDisk ?? entry?.manifest;
    return manifest ? { manifest, dir: explicit, origin: 'explicit' } : undefined;
  }
  if (entry === undefined) return undefined;
  const state = installState(entry, ctx.io.env, ctx.deps.modelsDir ?? packageModelsDir());
  return 'dir' in state
    ? { manifest: entry.manifest, dir: state.dir, origin: state.origin }
    : undefined;
}

function readManifestQuietly(path: string): ModelManifest | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readManifestFile(path);
  } catch {
    // A bad manifest is reported by resolve's own error, which the caller rethrows.
    return undefined;
  }
}

function pathCommand(args: string[], ctx: Context): number {
  const { values, positionals } = parse(args, { dir: { type: 'string' } }, 1);
  const resolved = resolveFor(ctx, positionals[0], values.dir);
  ctx.io.stdout.write(`${resolved.dir}\n`);
  return EXIT_OK;
}

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ModelError } from './errors.js';
import { fetchCommand, installHint } from './hints.js';
import { type Candidate, candidatesFor, inspect, installState, isDirectory } from './locate.js';
import type { ModelManifest } from './manifest.js';
import { parseManifest } from './manifest.js';
import { cachedModelDir, cacheRoot, packageModelsDir } from './paths.js';
import type { ModelRegistry, RegistryEntry } from './registry.js';
import { BUILTIN_ALIAS, defaultRegistry } from './registry.js';
import { checkPresence, describeProblems } from './verify.js';

/**
 * Finding the directory of the model to run, in a fixed order:
 *   1. an explicit directory (argument, else `RINGMEM_MODEL_DIR`) — honoured or failed, never skipped;
 *   2. the model inside the package (`models/builtin`, or `models/<id>` for a vendored one);
 *   3. the per-user cache (`<cache>/models/<id>`).
 * Resolution checks that every file is present with its pinned size (a stat, no hashing, so it is
 * cheap at start-up); `ringmem models verify` does the full sha256 check.
 */

export type ModelOrigin = 'explicit' | 'builtin' | 'cache';

export interface ResolvedModel {
  manifest: ModelManifest;
  dir: string;
  origin: ModelOrigin;
}

export interface ResolveRequest {
  /** Registry id or alias (`bge-small`, `builtin`, ...). */
  model?: string;
  /** An explicit model directory; overrides `RINGMEM_MODEL_DIR`. */
  path?: string;
}

export interface ResolveOptions {
  registry?: ModelRegistry;
  env?: NodeJS.ProcessEnv;
  /** The package's `models/` directory; injectable so tests do not depend on the checkout. */
  modelsDir?: string;
}

const MANIFEST_FILE = 'manifest.json';

export function resolveModel(
  request: ResolveRequest = {},
  options: ResolveOptions = {},
): ResolvedModel {
  const env = options.env ?? process.env;
  const modelsDir = options.modelsDir ?? packageModelsDir();
  const registry = options.registry ?? defaultRegistry({ modelsDir });

  const fromEnv = nonEmpty(env.RINGMEM_MODEL_DIR);
  const explicit = nonEmpty(request.path) ?? fromEnv;
  if (explicit !== undefined) {
    const how = nonEmpty(request.path) !== undefined ? 'the model path given' : 'RINGMEM_MODEL_DIR';
    return resolveExplicit(resolve(explicit), how, request.model, registry);
  }

  const requested = nonEmpty(request.model);
  if (requested !== undefined) {
    const entry = registry.lookup(requested);
    if (entry === undefined) {
      throw new ModelError(
        'MODEL_UNKNOWN',
        `unknown model ${JSON.stringify(requested)}; known models: ${registry.names().join(', ')} ` +
          '(or pass a model directory holding a manifest.json)',
      );
    }
    return resolveEntry(entry, modelsDir, env, requested);
  }
  return resolveDefault(registry, modelsDir, env);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

/** Reads and validates a manifest.json, as a typed error naming the file when it is bad. */
export function readManifestFile(path: string): ModelManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ModelError(
      'MODEL_MANIFEST_INVALID',
      `cannot read model manifest ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    return parseManifest(raw, path);
  } catch (error) {
    throw new ModelError('MODEL_MANIFEST_INVALID', (error as Error).message, { cause: error });
  }
}

function resolveExplicit(
  dir: string,
  how: string,
  requested: string | undefined,
  registry: ModelRegistry,
): ResolvedModel {
  if (!isDirectory(dir)) {
    throw new ModelError(
      'MODEL_NOT_INSTALLED',
      `model directory ${dir} (from ${how}) does not exist or is not a directory; ` +
        'point it at a directory holding a manifest.json and the model files, or unset it',
    );
  }
  const manifestPath = join(dir, MANIFEST_FILE);
  let manifest: ModelManifest;
  if (existsSync(manifestPath)) {
    manifest = readManifestFile(manifestPath);
    const wanted = requested === undefined ? undefined : registry.lookup(requested);
    if (
      requested !== undefined &&
      manifest.id !== requested &&
      wanted?.manifest.id !== manifest.id
    ) {
      throw new ModelError(
        'MODEL_NOT_INSTALLED',
        `model directory ${dir} (from ${how}) holds ${manifest.id}, not ${requested}; ` +
          'drop the model name or point the directory at the model you want',
      );
    }
  } else {
    const entry = requested === undefined ? undefined : registry.lookup(requested);
    if (entry === undefined) {
      throw new ModelError(
        'MODEL_MANIFEST_MISSING',
        `model directory ${dir} (from ${how}) has no ${MANIFEST_FILE}` +
          (requested === undefined
            ? '; add one, or also name a registry model whose files it holds'
            : ` and ${JSON.stringify(requested)} is not a registry model; known: ${registry.names().join(', ')}`),
      );
    }
    manifest = entry.manifest;
  }
  const problems = describeProblems(checkPresence(manifest, dir));
  if (problems !== '') {
    throw new ModelError(
      'MODEL_INCOMPLETE',
      `model ${manifest.id} in ${dir} (from ${how}) is incomplete: ${problems}; ` +
        `copy the files there again${manifest.source ? ` or run \`${fetchCommand(manifest.id)}\` and use the cache` : ''}`,
    );
  }
  return { manifest, dir, origin: 'explicit' };
}

/** The first candidate directory holding every file, or undefined plus what was wrong where. */
function firstComplete(
  manifest: ModelManifest,
  candidates: Candidate[],
): { found?: ResolvedModel; looked: string[]; incomplete: string[] } {
  const looked: string[] = [];
  const incomplete: string[] = [];
  for (const c of candidates) {
    looked.push(c.dir);
    const seen = inspect(manifest, c);
    if (!seen.exists) continue;
    if (seen.complete)
      return { found: { manifest, dir: c.dir, origin: c.origin }, looked, incomplete };
    incomplete.push(`${c.dir}: ${seen.problems}`);
  }
  return { looked, incomplete };
}

function resolveEntry(
  entry: RegistryEntry,
  modelsDir: string,
  env: NodeJS.ProcessEnv,
  requested: string,
): ResolvedModel {
  const { found, looked, incomplete } = firstComplete(
    entry.manifest,
    candidatesFor(entry, modelsDir, env),
  );
  if (found !== undefined) return found;
  const id = entry.manifest.id;
  // The alias `builtin` names no downloadable model: the hint names the id instead.
  const fix = installHint(entry.manifest, requested === BUILTIN_ALIAS ? id : requested);
  if (incomplete.length > 0) {
    throw new ModelError(
      'MODEL_INCOMPLETE',
      `model ${id} is incomplete (${incomplete.join('; ')}); ${fix}`,
    );
  }
  throw new ModelError(
    'MODEL_NOT_INSTALLED',
    `model ${id} is not installed (looked in ${looked.join(', ')}); ${fix}`,
  );
}

function resolveDefault(
  registry: ModelRegistry,
  modelsDir: string,
  env: NodeJS.ProcessEnv,
): ResolvedModel {
  const looked: string[] = ['RINGMEM_MODEL_DIR (unset)'];
  const incomplete: string[] = [];
  const bundled = registry.entries.filter((e) => e.bundledDir !== undefined);
  if (bundled.length === 0) looked.push(`${join(modelsDir, 'builtin', MANIFEST_FILE)} (absent)`);
  for (const entry of bundled) {
    const r = firstComplete(entry.manifest, [
      { dir: entry.bundledDir as string, origin: 'builtin' },
    ]);
    if (r.found) return r.found;
    looked.push(...r.looked);
    incomplete.push(...r.incomplete);
  }
  // No usable built-in model: take the first downloaded one, in registry order (best first).
  for (const entry of registry.entries) {
    if (entry.manifest.source === undefined) continue;
    const r = firstComplete(entry.manifest, [
      { dir: cachedModelDir(entry.manifest.id, env), origin: 'cache' },
    ]);
    if (r.found) return r.found;
    incomplete.push(...r.incomplete);
  }
  looked.push(`${join(cacheRoot(env), 'models')} (no complete model)`);
  throw new ModelError(
    'MODEL_NOT_INSTALLED',
    `no embedding model found (looked at ${looked.join(', ')}` +
      `${incomplete.length > 0 ? `; incomplete: ${incomplete.join('; ')}` : ''}); ` +
      `run \`${fetchCommand('bge-small')}\` (add --from DIR|URL to use a mirror), ` +
      'or set RINGMEM_MODEL_DIR to a model directory',
  );
}

/**
 * Where `resolveModel` would find the model if it were complete: the same rules (explicit
 * directory, else the registry entry's candidates), but a directory holding only some of the
 * files is returned instead of refused, so `ringmem models verify` can report file by file what
 * is wrong there. Undefined when there is no such place (or no manifest to check it against).
 */
export function locateIncompleteModel(
  request: ResolveRequest = {},
  options: ResolveOptions = {},
): ResolvedModel | undefined {
  const env = options.env ?? process.env;
  const modelsDir = options.modelsDir ?? packageModelsDir();
  const registry = options.registry ?? defaultRegistry({ modelsDir });
  const requested = nonEmpty(request.model);
  const entry = requested === undefined ? undefined : registry.lookup(requested);
  const explicit = nonEmpty(request.path) ?? nonEmpty(env.RINGMEM_MODEL_DIR);
  if (explicit !== undefined) {
    const manifest = readManifestQuietly(join(explicit, MANIFEST_FILE)) ?? entry?.manifest;
    return manifest ? { manifest, dir: explicit, origin: 'explicit' } : undefined;
  }
  if (entry === undefined) return undefined;
  const state = installState(entry, modelsDir, env);
  return state.status === 'absent'
    ? undefined
    : { manifest: entry.manifest, dir: state.dir, origin: state.origin };
}

function readManifestQuietly(path: string): ModelManifest | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readManifestFile(path);
  } catch {
    // A bad manifest is reported by resolveModel's own error, which callers raise instead.
    return undefined;
  }
}

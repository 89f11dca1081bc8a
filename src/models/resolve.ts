import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ModelError } from './errors.js';
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

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
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
        `copy the files there again${manifest.source ? ` or run \`ringmem models fetch ${manifest.id}\` and use the cache` : ''}`,
    );
  }
  return { manifest, dir, origin: 'explicit' };
}

interface Candidate {
  dir: string;
  origin: 'builtin' | 'cache';
}

function candidatesFor(
  entry: RegistryEntry,
  modelsDir: string,
  env: NodeJS.ProcessEnv,
): Candidate[] {
  const list: Candidate[] = [];
  // A pretrained model may also be vendored into the package (`models/<id>`); it wins over the cache.
  list.push({ dir: entry.bundledDir ?? join(modelsDir, entry.manifest.id), origin: 'builtin' });
  if (entry.manifest.source !== undefined) {
    list.push({ dir: cachedModelDir(entry.manifest.id, env), origin: 'cache' });
  }
  return list;
}

/** The first candidate directory holding every file, or undefined plus what was wrong where. */
function firstComplete(
  entry: RegistryEntry,
  candidates: Candidate[],
): { found?: ResolvedModel; looked: string[]; incomplete: string[] } {
  const looked: string[] = [];
  const incomplete: string[] = [];
  for (const c of candidates) {
    looked.push(c.dir);
    if (!isDirectory(c.dir)) continue;
    const problems = describeProblems(checkPresence(entry.manifest, c.dir));
    if (problems === '')
      return {
        found: { manifest: entry.manifest, dir: c.dir, origin: c.origin },
        looked,
        incomplete,
      };
    incomplete.push(`${c.dir}: ${problems}`);
  }
  return { looked, incomplete };
}

function fixFor(entry: RegistryEntry, requested: string): string {
  if (entry.manifest.source === undefined) {
    return 'the package is missing its model files; reinstall ringmem, or set RINGMEM_MODEL_DIR to a model directory';
  }
  const name = requested === BUILTIN_ALIAS ? entry.manifest.id : requested;
  return `run \`ringmem models fetch ${name}\` (add --from DIR|URL to use a mirror), or set RINGMEM_MODEL_DIR`;
}

function resolveEntry(
  entry: RegistryEntry,
  modelsDir: string,
  env: NodeJS.ProcessEnv,
  requested: string,
): ResolvedModel {
  const { found, looked, incomplete } = firstComplete(entry, candidatesFor(entry, modelsDir, env));
  if (found !== undefined) return found;
  const id = entry.manifest.id;
  if (incomplete.length > 0) {
    throw new ModelError(
      'MODEL_INCOMPLETE',
      `model ${id} is incomplete (${incomplete.join('; ')}); ${fixFor(entry, requested)}`,
    );
  }
  throw new ModelError(
    'MODEL_NOT_INSTALLED',
    `model ${id} is not installed (looked in ${looked.join(', ')}); ${fixFor(entry, requested)}`,
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
    const r = firstComplete(entry, [{ dir: entry.bundledDir as string, origin: 'builtin' }]);
    if (r.found) return r.found;
    looked.push(...r.looked);
    incomplete.push(...r.incomplete);
  }
  // No usable built-in model: take the first downloaded one, in registry order (best first).
  for (const entry of registry.entries) {
    if (entry.manifest.source === undefined) continue;
    const r = firstComplete(entry, [
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
      'run `ringmem models fetch bge-small` (add --from DIR|URL to use a mirror), ' +
      'or set RINGMEM_MODEL_DIR to a model directory',
  );
}

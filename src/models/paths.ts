import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import envPaths from 'env-paths';
import { ModelError } from './errors.js';

/**
 * Where model directories live: inside the package (the built-in model) and in the per-user cache.
 *
 * The package root is found by walking up from this file to the `package.json` named `ringmem`,
 * so the same code works from `src/models/` (tsx, vitest) and from `dist/models/` (after `tsc`)
 * without assuming how deep the file sits.
 */

let cachedPackageRoot: string | undefined;

export function packageRoot(): string {
  if (cachedPackageRoot !== undefined) return cachedPackageRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && readsAsRingmemPackage(candidate)) {
      cachedPackageRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `could not find the ringmem package root above ${fileURLToPath(import.meta.url)}`,
      );
    }
    dir = parent;
  }
}

function readsAsRingmemPackage(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'ringmem';
  } catch {
    // An unreadable or non-JSON package.json belongs to something else; keep walking up.
    return false;
  }
}

/** Directory of models shipped inside the package (`<package>/models`). */
export function packageModelsDir(root: string = packageRoot()): string {
  return join(root, 'models');
}

/**
 * The per-user cache root: `RINGMEM_CACHE_DIR` when set (read from the given environment, so tests
 * and embedders can redirect it without touching `process.env`), else the platform cache directory
 * (`$XDG_CACHE_HOME/ringmem` or `~/.cache/ringmem` on Linux).
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.RINGMEM_CACHE_DIR;
  if (override !== undefined && override.trim() !== '') return resolve(override);
  return envPaths('ringmem', { suffix: '' }).cache;
}

/** The cache directory of one model: `<cache root>/models/<id>`. */
export function cachedModelDir(id: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'models', id);
}

/**
 * The absolute path of a manifest file inside a model directory. A manifest read from disk is
 * untrusted input and fetch writes to these paths, so a path that escapes the directory
 * (`../x`, an absolute path) is refused instead of followed.
 */
export function fileInside(dir: string, relPath: string): string {
  const full = resolve(dir, relPath);
  const rel = relative(resolve(dir), full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || isAbsolute(relPath)) {
    throw new ModelError(
      'MODEL_MANIFEST_INVALID',
      `model file path ${JSON.stringify(relPath)} leaves the model directory ${dir}; ` +
        'manifest paths must be relative paths inside it (e.g. "onnx/model.onnx")',
    );
  }
  return full;
}

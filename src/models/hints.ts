import type { ModelManifest } from './manifest.js';

/**
 * The commands ringmem tells a user to run when a model is missing or damaged, built in one place
 * so the resolver, `ringmem models`, doctor and the embedder all say the same thing.
 */

/** `ringmem models fetch <name>`: `name` is the id or alias the user typed. */
export function fetchCommand(name: string): string {
  return `ringmem models fetch ${name}`;
}

/** `ringmem models verify <id>`. */
export function verifyCommand(name: string): string {
  return `ringmem models verify ${name}`;
}

/** What to do about a model that is not installed (or incomplete) where ringmem looks for it. */
export function installHint(manifest: ModelManifest, name: string = manifest.id): string {
  if (manifest.source === undefined) {
    return 'the package is missing its model files; reinstall ringmem, or set RINGMEM_MODEL_DIR to a model directory';
  }
  return `run \`${fetchCommand(name)}\` (add --from DIR|URL to use a mirror), or set RINGMEM_MODEL_DIR`;
}

/**
 * What to do about a model whose files do not match its manifest (`ringmem models verify`):
 * fetch it again into the directory it was found in (`dir`, unless that is the cache).
 */
export function repairHint(manifest: ModelManifest, dir: string | undefined): string {
  if (manifest.source === undefined) return 'reinstall ringmem to restore the built-in model';
  const into = dir === undefined ? '' : ` --dir ${dir}`;
  return `run \`${fetchCommand(manifest.id)}${into}\` to repair it`;
}

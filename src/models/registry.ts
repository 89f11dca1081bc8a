import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelManifest } from './manifest.js';
import { parseManifest } from './manifest.js';
import { packageModelsDir } from './paths.js';
import { PRETRAINED_ALIASES, PRETRAINED_MANIFESTS } from './pretrained.js';

export { PRETRAINED_ALIASES, PRETRAINED_MANIFESTS } from './pretrained.js';

/** The alias that always means "the model shipped inside the package". */
export const BUILTIN_ALIAS = 'builtin';

export interface RegistryEntry {
  manifest: ModelManifest;
  /** Set for models whose files ship inside the package (the built-in model). */
  bundledDir?: string;
}

/**
 * The models ringmem knows by name. Built by a function and passed around (never a module
 * singleton), so tests inject a registry of small fixture models instead of patching globals.
 */
export interface ModelRegistry {
  readonly entries: readonly RegistryEntry[];
  /** alias → id, lower case. */
  readonly aliases: ReadonlyMap<string, string>;
  /** Problems met while building the registry (e.g. an unreadable built-in manifest). */
  readonly warnings: readonly string[];
  /** Finds an entry by id or alias, case-insensitively. */
  lookup(idOrAlias: string): RegistryEntry | undefined;
  /** Every name `lookup` accepts, for error messages. */
  names(): string[];
}

export function createRegistry(
  entries: readonly RegistryEntry[],
  aliases: Readonly<Record<string, string>> = {},
  warnings: readonly string[] = [],
): ModelRegistry {
  const byId = new Map<string, RegistryEntry>();
  for (const entry of entries) {
    if (byId.has(entry.manifest.id)) {
      throw new TypeError(`duplicate model id in registry: ${entry.manifest.id}`);
    }
    byId.set(entry.manifest.id, entry);
  }
  const aliasMap = new Map<string, string>();
  for (const [alias, id] of Object.entries(aliases)) {
    if (!byId.has(id)) {
      throw new TypeError(`alias ${alias} points at ${id}, which is not in the registry`);
    }
    aliasMap.set(alias.toLowerCase(), id);
  }
  return {
    entries,
    aliases: aliasMap,
    warnings,
    lookup(idOrAlias) {
      const key = idOrAlias.trim().toLowerCase();
      return byId.get(aliasMap.get(key) ?? key);
    },
    names() {
      return [...byId.keys(), ...aliasMap.keys()];
    },
  };
}

export type BuiltinLoad =
  | { status: 'absent'; manifestPath: string }
  | { status: 'ok'; entry: RegistryEntry }
  | { status: 'invalid'; manifestPath: string; problem: string };

/** Reads `<package>/models/builtin/manifest.json`, which exists once the built-in model is trained. */
export function loadBuiltin(modelsDir: string = packageModelsDir()): BuiltinLoad {
  const dir = join(modelsDir, 'builtin');
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return { status: 'absent', manifestPath };
  try {
    const manifest = parseManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath);
    return { status: 'ok', entry: { manifest, bundledDir: dir } };
  } catch (error) {
    return { status: 'invalid', manifestPath, problem: (error as Error).message };
  }
}

/** The registry ringmem uses: the built-in model (when present in the package) + the pretrained ones. */
export function defaultRegistry(options: { modelsDir?: string } = {}): ModelRegistry {
  const builtin = loadBuiltin(options.modelsDir);
  const entries: RegistryEntry[] = [];
  const aliases: Record<string, string> = { ...PRETRAINED_ALIASES };
  const warnings: string[] = [];
  if (builtin.status === 'ok') {
    const clash = PRETRAINED_MANIFESTS.some((m) => m.id === builtin.entry.manifest.id);
    if (clash) {
      warnings.push(
        `built-in model ignored: its id ${builtin.entry.manifest.id} is also a pretrained model id`,
      );
    } else {
      entries.push(builtin.entry);
      if (builtin.entry.manifest.id !== BUILTIN_ALIAS) {
        aliases[BUILTIN_ALIAS] = builtin.entry.manifest.id;
      }
    }
  } else if (builtin.status === 'invalid') {
    warnings.push(`built-in model ignored: ${builtin.problem}`);
  }
  for (const manifest of PRETRAINED_MANIFESTS) entries.push({ manifest });
  return createRegistry(entries, aliases, warnings);
}

/** Sum of the byte sizes of every file of a model. */
export function totalBytes(manifest: ModelManifest): number {
  let sum = 0;
  for (const f of Object.values(manifest.files)) sum += f.bytes;
  return sum;
}

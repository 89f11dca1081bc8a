import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelManifest } from './manifest.js';
import { cachedModelDir } from './paths.js';
import type { RegistryEntry } from './registry.js';
import type { FileCheck, PresenceStatus } from './verify.js';
import { checkPresence, describeProblems } from './verify.js';

/**
 * The one locator of a registry model's files: the directories it may be installed in, in the
 * order they are tried, and the state of each (a stat of every file, no hashing). `resolveModel`,
 * `ringmem models list|verify|path` and doctor (through the resolver) all look through here, so
 * they agree on where a model is and whether it is complete.
 */

export type CandidateOrigin = 'builtin' | 'cache';

export interface Candidate {
  dir: string;
  origin: CandidateOrigin;
}

export interface Inspection extends Candidate {
  /** The directory exists. */
  exists: boolean;
  /** Every file is present with its pinned size. */
  complete: boolean;
  /** Some file is there but not all (an interrupted install or a damaged one). */
  partial: boolean;
  /** What is wrong, one `path: problem` per file (empty when complete), for messages. */
  problems: string;
  checks: FileCheck<PresenceStatus>[];
}

/**
 * Where a registry model may be installed, in the order tried: inside the package (the built-in
 * model, or `models/<id>` for a vendored pretrained one — it wins over the cache), then the
 * per-user cache for a downloadable model.
 */
export function candidatesFor(
  entry: RegistryEntry,
  modelsDir: string,
  env: NodeJS.ProcessEnv,
): Candidate[] {
  const list: Candidate[] = [
    { dir: entry.bundledDir ?? join(modelsDir, entry.manifest.id), origin: 'builtin' },
  ];
  if (entry.manifest.source !== undefined) {
    list.push({ dir: cachedModelDir(entry.manifest.id, env), origin: 'cache' });
  }
  return list;
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The state of one candidate directory for `manifest`. */
export function inspect(manifest: ModelManifest, candidate: Candidate): Inspection {
  if (!isDirectory(candidate.dir)) {
    return {
      ...candidate,
      exists: false,
      complete: false,
      partial: false,
      problems: '',
      checks: [],
    };
  }
  const checks = checkPresence(manifest, candidate.dir);
  const complete = checks.every((c) => c.status === 'present');
  return {
    ...candidate,
    exists: true,
    complete,
    partial: !complete && checks.some((c) => c.status !== 'missing'),
    problems: describeProblems(checks),
    checks,
  };
}

export type InstallState =
  | { status: 'installed' | 'incomplete'; dir: string; origin: CandidateOrigin }
  | { status: 'absent' };

/**
 * Whether a registry model is installed: the first complete candidate, else the first one holding
 * some of its files (`incomplete`, the place to verify or repair), else `absent`.
 */
export function installState(
  entry: RegistryEntry,
  modelsDir: string,
  env: NodeJS.ProcessEnv,
): InstallState {
  let partial: Inspection | undefined;
  for (const candidate of candidatesFor(entry, modelsDir, env)) {
    const seen = inspect(entry.manifest, candidate);
    if (seen.complete) return { status: 'installed', dir: seen.dir, origin: seen.origin };
    if (partial === undefined && seen.partial) partial = seen;
  }
  return partial === undefined
    ? { status: 'absent' }
    : { status: 'incomplete', dir: partial.dir, origin: partial.origin };
}

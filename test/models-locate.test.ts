import { mkdirSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchCommand, installHint, repairHint } from '../src/models/hints.js';
import { candidatesFor, inspect, installState } from '../src/models/locate.js';
import type { ModelManifest } from '../src/models/manifest.js';
import { cachedModelDir } from '../src/models/paths.js';
import type { RegistryEntry } from '../src/models/registry.js';
import { createRegistry } from '../src/models/registry.js';
import { locateIncompleteModel, resolveModel } from '../src/models/resolve.js';
import type { FixtureModel } from './fixtures/models/fixture-models.js';
import { makeFixtureModel, tempDir, writeModelFiles } from './fixtures/models/fixture-models.js';

let tmp: ReturnType<typeof tempDir>;
let model: FixtureModel;
let entry: RegistryEntry;
let modelsDir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  tmp = tempDir('locate');
  modelsDir = join(tmp.dir, 'package-models');
  model = makeFixtureModel('tiny-pre', 'org/pre', 21);
  entry = { manifest: model.manifest };
  env = { RINGMEM_CACHE_DIR: join(tmp.dir, 'cache') };
});

afterEach(() => tmp.cleanup());

describe('the model locator', () => {
  it('tries the package before the cache, and the cache only for a downloadable model', () => {
    expect(candidatesFor(entry, modelsDir, env)).toEqual([
      { dir: join(modelsDir, 'tiny-pre'), origin: 'builtin' },
      { dir: cachedModelDir('tiny-pre', env), origin: 'cache' },
    ]);
    const { source: _dropped, ...bundled } = model.manifest;
    const local = { manifest: bundled as ModelManifest, bundledDir: join(modelsDir, 'x') };
    expect(candidatesFor(local, modelsDir, env)).toEqual([
      { dir: join(modelsDir, 'x'), origin: 'builtin' },
    ]);
  });

  it('tells an absent, an empty, a partial and a complete directory apart', () => {
    const dir = cachedModelDir('tiny-pre', env);
    const at = { dir, origin: 'cache' as const };
    expect(inspect(model.manifest, at)).toMatchObject({
      exists: false,
      complete: false,
      partial: false,
    });
    mkdirSync(dir, { recursive: true });
    expect(inspect(model.manifest, at)).toMatchObject({
      exists: true,
      complete: false,
      partial: false,
    });
    writeModelFiles(model, dir);
    expect(inspect(model.manifest, at)).toMatchObject({
      complete: true,
      partial: false,
      problems: '',
    });
    truncateSync(join(dir, 'tokenizer.json'), 3);
    const seen = inspect(model.manifest, at);
    expect(seen).toMatchObject({ complete: false, partial: true });
    expect(seen.problems).toContain('tokenizer.json: 3 bytes, expected');
  });

  it('reports installed, incomplete and absent the way resolveModel finds the model', () => {
    const registry = createRegistry([entry], {});
    const options = { registry, env, modelsDir };
    expect(installState(entry, modelsDir, env)).toEqual({ status: 'absent' });
    expect(locateIncompleteModel({ model: 'tiny-pre' }, options)).toBeUndefined();

    const dir = cachedModelDir('tiny-pre', env);
    writeModelFiles(model, dir);
    expect(installState(entry, modelsDir, env)).toEqual({
      status: 'installed',
      dir,
      origin: 'cache',
    });
    expect(resolveModel({ model: 'tiny-pre' }, options)).toMatchObject({ dir, origin: 'cache' });

    rmSync(join(dir, 'tokenizer.json'));
    expect(installState(entry, modelsDir, env)).toEqual({
      status: 'incomplete',
      dir,
      origin: 'cache',
    });
    expect(() => resolveModel({ model: 'tiny-pre' }, options)).toThrow(/incomplete/);
    expect(locateIncompleteModel({ model: 'tiny-pre' }, options)).toMatchObject({
      dir,
      origin: 'cache',
    });
  });
});

describe('the fix hints', () => {
  it('name the fetch command for a downloadable model and a reinstall for a bundled one', () => {
    expect(fetchCommand('bge-small')).toBe('ringmem models fetch bge-small');
    expect(installHint(model.manifest, 'pre')).toBe(
      'run `ringmem models fetch pre` (add --from DIR|URL to use a mirror), or set RINGMEM_MODEL_DIR',
    );
    const { source: _dropped, ...bundled } = model.manifest;
    expect(installHint(bundled as ModelManifest)).toMatch(
      /^the package is missing its model files/,
    );
    expect(repairHint(model.manifest, undefined)).toBe(
      'run `ringmem models fetch tiny-pre` to repair it',
    );
    expect(repairHint(model.manifest, '/m')).toBe(
      'run `ringmem models fetch tiny-pre --dir /m` to repair it',
    );
    expect(repairHint(bundled as ModelManifest, '/m')).toBe(
      'reinstall ringmem to restore the built-in model',
    );
  });
});

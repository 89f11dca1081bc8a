import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import envPaths from 'env-paths';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelError } from '../src/models/errors.js';
import type { ModelManifest } from '../src/models/manifest.js';
import { cachedModelDir } from '../src/models/paths.js';
import type { ModelRegistry } from '../src/models/registry.js';
import { createRegistry } from '../src/models/registry.js';
import type { ResolveOptions, ResolveRequest } from '../src/models/resolve.js';
import { resolveModel } from '../src/models/resolve.js';
import type { FixtureModel } from './fixtures/models/fixture-models.js';
import { makeFixtureModel, tempDir, writeModelFiles } from './fixtures/models/fixture-models.js';

let tmp: ReturnType<typeof tempDir>;
let builtin: FixtureModel;
let pretrained: FixtureModel;
let other: FixtureModel;
let registry: ModelRegistry;
let modelsDir: string;
let env: NodeJS.ProcessEnv;

function withoutSource(m: ModelManifest): ModelManifest {
  const { source: _dropped, ...rest } = m;
  return rest as ModelManifest;
}

function install(model: FixtureModel, dir: string, manifest?: ModelManifest): string {
  writeModelFiles(model, dir);
  if (manifest) writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

function resolveWith(request: ResolveRequest, extra: Partial<ResolveOptions> = {}) {
  return resolveModel(request, { registry, env, modelsDir, ...extra });
}

function errorOf(fn: () => unknown): ModelError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  }
  throw new Error('expected a ModelError, nothing was thrown');
}

beforeEach(() => {
  tmp = tempDir('resolve');
  modelsDir = join(tmp.dir, 'package-models');
  builtin = makeFixtureModel('tiny-builtin', 'org/builtin', 11);
  pretrained = makeFixtureModel('tiny-pre', 'org/pre', 12);
  other = makeFixtureModel('tiny-other', 'org/other', 13);
  const builtinDir = join(modelsDir, 'builtin');
  registry = createRegistry(
    [
      { manifest: withoutSource(builtin.manifest), bundledDir: builtinDir },
      { manifest: pretrained.manifest },
      { manifest: other.manifest },
    ],
    { builtin: 'tiny-builtin', pre: 'tiny-pre' },
  );
  env = { RINGMEM_CACHE_DIR: join(tmp.dir, 'cache') };
});

afterEach(() => tmp.cleanup());

describe('resolveModel order', () => {
  it('prefers an explicit directory over the built-in model and the cache', () => {
    install(builtin, join(modelsDir, 'builtin'));
    install(pretrained, cachedModelDir('tiny-pre', env));
    const explicit = install(other, join(tmp.dir, 'explicit'), other.manifest);
    const r = resolveWith({ path: explicit });
    expect(r).toMatchObject({ dir: explicit, origin: 'explicit' });
    expect(r.manifest.id).toBe('tiny-other');
  });

  it('takes RINGMEM_MODEL_DIR as the explicit directory, but a path argument overrides it', () => {
    install(builtin, join(modelsDir, 'builtin'));
    const fromEnv = install(other, join(tmp.dir, 'env-model'), other.manifest);
    const fromArg = install(pretrained, join(tmp.dir, 'arg-model'), pretrained.manifest);
    env.RINGMEM_MODEL_DIR = fromEnv;
    expect(resolveWith({})).toMatchObject({ dir: fromEnv, origin: 'explicit' });
    expect(resolveWith({ path: fromArg }).manifest.id).toBe('tiny-pre');
  });

  it('prefers the built-in model over cached ones when no model is named', () => {
    const dir = install(builtin, join(modelsDir, 'builtin'));
    install(pretrained, cachedModelDir('tiny-pre', env));
    expect(resolveWith({})).toMatchObject({ dir, origin: 'builtin' });
  });

  it('falls back to the first complete cached model in registry order without a built-in one', () => {
    install(other, cachedModelDir('tiny-other', env));
    install(pretrained, cachedModelDir('tiny-pre', env));
    const r = resolveWith({});
    expect(r).toMatchObject({ dir: cachedModelDir('tiny-pre', env), origin: 'cache' });
  });

  it('finds a named model in the cache by id or alias', () => {
    install(builtin, join(modelsDir, 'builtin'));
    install(pretrained, cachedModelDir('tiny-pre', env));
    expect(resolveWith({ model: 'pre' })).toMatchObject({
      dir: cachedModelDir('tiny-pre', env),
      origin: 'cache',
    });
    expect(resolveWith({ model: 'builtin' }).origin).toBe('builtin');
  });

  it('prefers a copy of a named model vendored inside the package over the cache', () => {
    const vendored = install(pretrained, join(modelsDir, 'tiny-pre'));
    install(pretrained, cachedModelDir('tiny-pre', env));
    expect(resolveWith({ model: 'tiny-pre' })).toMatchObject({ dir: vendored, origin: 'builtin' });
  });

  it('uses a registry manifest for an explicit directory that has none', () => {
    const dir = install(pretrained, join(tmp.dir, 'bare'));
    expect(resolveWith({ path: dir, model: 'pre' })).toMatchObject({ dir, origin: 'explicit' });
  });

  it('resolves the default cache under the platform cache directory without RINGMEM_CACHE_DIR', () => {
    expect(cachedModelDir('x', {})).toBe(
      join(envPaths('ringmem', { suffix: '' }).cache, 'models', 'x'),
    );
  });
});

describe('resolveModel errors', () => {
  it('says where it looked and how to fetch when a named model is not installed', () => {
    const e = errorOf(() => resolveWith({ model: 'pre' }));
    expect(e.code).toBe('MODEL_NOT_INSTALLED');
    expect(e.message).toContain(cachedModelDir('tiny-pre', env));
    expect(e.message).toContain(join(modelsDir, 'tiny-pre'));
    expect(e.message).toContain('run `ringmem models fetch pre`');
  });

  it('says where it looked when no model at all is available', () => {
    const e = errorOf(() => resolveWith({}));
    expect(e.code).toBe('MODEL_NOT_INSTALLED');
    expect(e.message).toContain('RINGMEM_MODEL_DIR (unset)');
    expect(e.message).toContain(join(modelsDir, 'builtin'));
    expect(e.message).toContain(join(tmp.dir, 'cache', 'models'));
    expect(e.message).toContain('ringmem models fetch bge-small');
  });

  it('lists the known names for an unknown model', () => {
    const e = errorOf(() => resolveWith({ model: 'nope' }));
    expect(e.code).toBe('MODEL_UNKNOWN');
    expect(e.message).toContain('tiny-builtin, tiny-pre, tiny-other, builtin, pre');
  });

  it('names the truncated file when a cached model is incomplete', () => {
    const dir = install(pretrained, cachedModelDir('tiny-pre', env));
    truncateSync(join(dir, 'tokenizer.json'), 100);
    const e = errorOf(() => resolveWith({ model: 'tiny-pre' }));
    expect(e.code).toBe('MODEL_INCOMPLETE');
    expect(e.message).toContain(
      `tokenizer.json: 100 bytes, expected ${pretrained.manifest.files.tokenizer.bytes}`,
    );
    expect(e.message).toContain('ringmem models fetch tiny-pre');
  });

  it('fails rather than falls through when the explicit directory is missing', () => {
    install(builtin, join(modelsDir, 'builtin'));
    env.RINGMEM_MODEL_DIR = join(tmp.dir, 'does-not-exist');
    const e = errorOf(() => resolveWith({}));
    expect(e.code).toBe('MODEL_NOT_INSTALLED');
    expect(e.message).toContain('RINGMEM_MODEL_DIR');
  });

  it('asks for a manifest or a model name for an explicit directory without manifest.json', () => {
    const dir = install(pretrained, join(tmp.dir, 'bare'));
    expect(errorOf(() => resolveWith({ path: dir })).code).toBe('MODEL_MANIFEST_MISSING');
  });

  it('refuses an explicit directory that holds a different model than the one named', () => {
    const dir = install(other, join(tmp.dir, 'explicit'), other.manifest);
    const e = errorOf(() => resolveWith({ path: dir, model: 'pre' }));
    expect(e.message).toContain('holds tiny-other, not pre');
  });

  it('refuses a manifest whose file paths leave the model directory', () => {
    const dir = join(tmp.dir, 'evil');
    mkdirSync(dir);
    const evil = {
      ...other.manifest,
      files: {
        ...other.manifest.files,
        tokenizer: { ...other.manifest.files.tokenizer, path: '../../etc/passwd' },
      },
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(evil));
    const e = errorOf(() => resolveWith({ path: dir }));
    expect(e.code).toBe('MODEL_MANIFEST_INVALID');
    expect(e.message).toContain('leaves the model directory');
  });

  it('reports an invalid manifest.json with the field that is wrong', () => {
    const dir = join(tmp.dir, 'bad');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ ...other.manifest, pooling: 'max' }),
    );
    const e = errorOf(() => resolveWith({ path: dir }));
    expect(e.code).toBe('MODEL_MANIFEST_INVALID');
    expect(e.message).toContain('pooling');
  });
});

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../src/models/paths.js';
import {
  createRegistry,
  defaultRegistry,
  loadBuiltin,
  PRETRAINED_MANIFESTS,
} from '../src/models/registry.js';
import { sha256File } from '../src/models/verify.js';
import { makeFixtureModel, tempDir, writeModelFiles } from './fixtures/models/fixture-models.js';
import { sharedPath } from './helpers/shared.js';

const SHARED = sharedPath('models');
const README = join(SHARED, 'README.md');
const haveShared = existsSync(README);
const skipNote = haveShared ? '' : ` (skipped: ${README} is absent on this machine)`;

/** Folder in ../shared/models holding the tokenizer files of a registry model. */
function sharedFolder(id: string): string {
  return id.startsWith('bge-small') ? 'bge-small-en-v1.5' : 'all-MiniLM-L6-v2';
}

interface Pinned {
  bytes?: number;
  sha256: string;
}

/** Reads the pins from the README: the weights table and the per-model file lists. */
function readPins(): { weights: Map<string, Pinned>; sideFiles: Map<string, Map<string, Pinned>> } {
  const text = readFileSync(README, 'utf8');
  const weights = new Map<string, Pinned>();
  for (const m of text.matchAll(
    /^\| (\S+\/\S+) \| (\S+) \([a-z0-9]+\) \| ([\d,]+) \| `([0-9a-f]{64})` \|$/gm,
  )) {
    weights.set(`${m[1]}/${m[2]}`, { bytes: Number(m[3]!.replaceAll(',', '')), sha256: m[4]! });
  }
  const sideFiles = new Map<string, Map<string, Pinned>>();
  let section: Map<string, Pinned> | undefined;
  for (const line of text.split('\n')) {
    const header = /^(all-MiniLM-L6-v2|bge-small-en-v1\.5) \(copied/.exec(line);
    if (header) {
      section = new Map();
      sideFiles.set(header[1]!, section);
      continue;
    }
    const item = /^- (\S+)(?: ([\d,]+) B)? `([0-9a-f]{64})`$/.exec(line);
    if (item && section) {
      section.set(item[1]!, {
        ...(item[2] ? { bytes: Number(item[2].replaceAll(',', '')) } : {}),
        sha256: item[3]!,
      });
    } else if (line.startsWith('## ')) {
      section = undefined;
    }
  }
  return { weights, sideFiles };
}

describe('pretrained registry entries', () => {
  it('lists the four pretrained models with their pooling, dim, token limit and licence', () => {
    const byId = new Map(PRETRAINED_MANIFESTS.map((m) => [m.id, m]));
    expect([...byId.keys()]).toEqual([
      'bge-small-en-v1.5-int8',
      'bge-small-en-v1.5-fp32',
      'all-minilm-l6-v2-int8',
      'all-minilm-l6-v2-fp32',
    ]);
    for (const m of PRETRAINED_MANIFESTS) {
      expect(m.dim).toBe(384);
      const bge = m.id.startsWith('bge');
      expect(m.pooling).toBe(bge ? 'cls' : 'mean');
      expect(m.maxTokens).toBe(bge ? 512 : 256);
      expect(m.licence).toBe(bge ? 'MIT' : 'Apache-2.0');
      expect(m.source?.repo).toBe(bge ? 'Xenova/bge-small-en-v1.5' : 'Xenova/all-MiniLM-L6-v2');
      expect(m.source?.revision).toBe('main');
      expect(m.prefixes.query).toBe(
        bge ? 'Represent this sentence for searching relevant passages: ' : '',
      );
      expect(m.prefixes.passage).toBe('');
      expect(
        Object.values(m.files)
          .map((f) => f.path)
          .sort(),
      ).toEqual(
        [
          'config.json',
          m.quantization === 'int8' ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx',
          'special_tokens_map.json',
          'tokenizer.json',
          'tokenizer_config.json',
        ].sort(),
      );
      expect(m.notes?.length).toBeGreaterThan(0);
    }
  });

  it.skipIf(!haveShared)(
    `pins every file exactly as ../shared/models/README.md does${skipNote}`,
    () => {
      const { weights, sideFiles } = readPins();
      expect(weights.size).toBe(4);
      for (const m of PRETRAINED_MANIFESTS) {
        const model = weights.get(`${m.source?.repo}/${m.files.model.remote}`);
        expect(model, `${m.id} weights row`).toBeDefined();
        expect(m.files.model.bytes).toBe(model?.bytes);
        expect(m.files.model.sha256).toBe(model?.sha256);
        const section = sideFiles.get(sharedFolder(m.id));
        expect(section, `${m.id} file list`).toBeDefined();
        for (const [key, f] of Object.entries(m.files)) {
          if (key === 'model') continue;
          const pin = section?.get(f.path);
          expect(pin, `${m.id} ${f.path}`).toBeDefined();
          expect(f.sha256).toBe(pin?.sha256);
          if (pin?.bytes !== undefined) expect(f.bytes).toBe(pin.bytes);
        }
      }
    },
  );

  it.skipIf(!haveShared)(
    `matches the real tokenizer files in ../shared/models by size and sha256${skipNote}`,
    async () => {
      for (const m of PRETRAINED_MANIFESTS) {
        for (const [key, f] of Object.entries(m.files)) {
          if (key === 'model') continue;
          const path = join(SHARED, sharedFolder(m.id), f.path);
          const actual = await sha256File(path);
          expect(actual.bytes, path).toBe(f.bytes);
          expect(actual.sha256, path).toBe(f.sha256);
        }
      }
    },
  );
});

describe('createRegistry', () => {
  const a = makeFixtureModel('model-a', 'org/a', 1).manifest;
  const b = makeFixtureModel('model-b', 'org/b', 2).manifest;

  it('finds entries by id or alias, ignoring case and surrounding spaces', () => {
    const registry = createRegistry([{ manifest: a }, { manifest: b }], { Short: 'model-b' });
    expect(registry.lookup('model-a')?.manifest.id).toBe('model-a');
    expect(registry.lookup(' MODEL-A ')?.manifest.id).toBe('model-a');
    expect(registry.lookup('short')?.manifest.id).toBe('model-b');
    expect(registry.lookup('model-c')).toBeUndefined();
    expect(registry.names()).toEqual(['model-a', 'model-b', 'short']);
  });

  it('rejects duplicate ids and aliases that point nowhere', () => {
    expect(() => createRegistry([{ manifest: a }, { manifest: a }])).toThrow(/duplicate model id/);
    expect(() => createRegistry([{ manifest: a }], { x: 'model-z' })).toThrow(
      /not in the registry/,
    );
  });
});

describe('defaultRegistry', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('registry');
  });
  afterEach(() => tmp.cleanup());

  it('maps the short aliases to the int8 models', () => {
    const registry = defaultRegistry({ modelsDir: join(tmp.dir, 'none') });
    expect(registry.lookup('bge-small')?.manifest.id).toBe('bge-small-en-v1.5-int8');
    expect(registry.lookup('minilm')?.manifest.id).toBe('all-minilm-l6-v2-int8');
    expect(registry.lookup('builtin')).toBeUndefined();
    expect(registry.warnings).toEqual([]);
  });

  it('adds the built-in model from <package>/models/builtin/manifest.json when it exists', () => {
    const fixture = makeFixtureModel('ringmem-mini', 'org/mini', 3);
    const dir = join(tmp.dir, 'builtin');
    writeModelFiles(fixture, dir);
    const { source: _ignored, ...manifest } = fixture.manifest;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const registry = defaultRegistry({ modelsDir: tmp.dir });
    const entry = registry.lookup('builtin');
    expect(entry?.manifest.id).toBe('ringmem-mini');
    expect(entry?.bundledDir).toBe(dir);
    expect(registry.entries[0]).toBe(entry);
  });

  it('ignores an invalid built-in manifest with a warning that says what is wrong', () => {
    mkdirSync(join(tmp.dir, 'builtin'));
    writeFileSync(join(tmp.dir, 'builtin', 'manifest.json'), JSON.stringify({ id: 'x', dim: -1 }));
    const registry = defaultRegistry({ modelsDir: tmp.dir });
    expect(registry.lookup('builtin')).toBeUndefined();
    expect(registry.warnings[0]).toMatch(/built-in model ignored: invalid model manifest at .*dim/);
    expect(loadBuiltin(tmp.dir).status).toBe('invalid');
  });

  it('finds the package root from the module location', () => {
    const root = packageRoot();
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('ringmem');
  });
});

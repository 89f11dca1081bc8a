import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxEmbedder, EmbedError, type OnnxEmbedder } from '../src/embed/index.js';
import { type ModelManifest, parseManifest } from '../src/models/manifest.js';
import { sharedPath } from './helpers/shared.js';
import { getTestModel, type TestModel } from './helpers/test-model.js';

const dot = (a: Float32Array, i: number, b: Float32Array, j: number, dim: number) => {
  let s = 0;
  for (let k = 0; k < dim; k++) s += a[i * dim + k]! * b[j * dim + k]!;
  return s;
};

async function expectEmbedError(promise: Promise<unknown>, code: string, pattern: RegExp) {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected an EmbedError ${code}`).toBeInstanceOf(EmbedError);
  expect((caught as EmbedError).code).toBe(code);
  expect((caught as Error).message).toMatch(pattern);
  return caught as EmbedError;
}

let tiny: TestModel;
const open: OnnxEmbedder[] = [];
function embedder(
  manifest?: Partial<ModelManifest>,
  opts: Record<string, number> = {},
  model = tiny,
) {
  const e = createOnnxEmbedder({
    modelDir: model.dir,
    manifest: { ...model.manifest, ...manifest },
    intraOpThreads: 1,
    ...opts,
  });
  open.push(e);
  return e;
}

beforeAll(() => {
  tiny = getTestModel({ tiny: true });
});
afterAll(async () => {
  await Promise.all(open.map((e) => e.close()));
});

describe('OnnxEmbedder on a generated model', () => {
  it('returns at once, loads in the background and serves calls made before ready', async () => {
    const e = embedder();
    const early = e.embed(['called before the model finished loading'], 'passage');
    await e.ready;
    const v = await early;
    expect(v).toHaveLength(e.dim);
    expect(e.modelId).toBe(tiny.manifest.id);
    expect(e.maxTokens).toBe(tiny.manifest.maxTokens);
  });

  it('with deferLoad, starts loading only on load(), and load() resolves once loaded', async () => {
    const e = embedder({}, { deferLoad: 60_000 });
    let settled = false;
    void e.ready.then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    expect(e.stats().ortCall).toBeNull();
    await e.load();
    expect(settled).toBe(true);
    expect(e.stats().ortCall).not.toBeNull();
    expect(await e.embed(['loaded on demand'], 'passage')).toHaveLength(e.dim);
  });

  it('with deferLoad, the first embed call starts loading and gets its vector', async () => {
    const e = embedder({}, { deferLoad: 60_000 });
    const v = await e.embed(['the first call loads the model'], 'query');
    expect(v).toHaveLength(e.dim);
    await e.ready;
  });

  it('with deferLoad, loading starts by itself after the delay', async () => {
    const e = embedder({}, { deferLoad: 10 });
    await e.ready;
    expect(e.stats().ortCall).not.toBeNull();
  });

  it('closes a deferred embedder that never loaded without loading it', async () => {
    const e = embedder({}, { deferLoad: 60_000 });
    await e.close();
    expect(e.stats().ortCall).toBeNull();
    await expectEmbedError(e.embed(['x'], 'passage'), 'EMBEDDER_CLOSED', /closed/);
  });

  it('returns one finite unit row per text', async () => {
    const e = embedder();
    const v = await e.embed(['first text', 'second, different text', 'Café 😀 東京'], 'passage');
    expect(v).toHaveLength(3 * e.dim);
    for (let r = 0; r < 3; r++) expect(dot(v, r, v, r, e.dim)).toBeCloseTo(1, 5);
    expect(v.every(Number.isFinite)).toBe(true);
    expect(dot(v, 0, v, 1, e.dim)).toBeLessThan(0.9999);
  });

  it('gives a text the same vector alone and inside a padded batch (padding is masked)', async () => {
    const e = embedder({}, { cacheSize: 0 });
    const alone = await e.embed(['short text'], 'passage');
    const batch = await e.embed(
      ['short text', 'a much longer text that forces padding '.repeat(3)],
      'passage',
    );
    expect(dot(alone, 0, batch, 0, e.dim)).toBeGreaterThan(0.99999);
  });

  it('pools the first token with cls pooling, differently from mean pooling', async () => {
    const mean = await embedder().embed(['pooling check'], 'passage');
    const cls = await embedder({ pooling: 'cls' }).embed(['pooling check'], 'passage');
    expect(dot(cls, 0, cls, 0, tiny.manifest.dim)).toBeCloseTo(1, 5);
    expect(dot(mean, 0, cls, 0, tiny.manifest.dim)).toBeLessThan(0.999);
  });

  it('coalesces concurrent calls into few session runs', async () => {
    const e = embedder({}, { cacheSize: 0, maxWaitMs: 20, maxBatch: 64 });
    await e.ready;
    const before = e.stats().sessionRuns;
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => e.embed([`concurrent text ${i}`], 'passage')),
    );
    const runs = e.stats().sessionRuns - before;
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(runs).toBeLessThanOrEqual(2);
  });

  it('runs the model once for many calls made in the same turn with default settings', async () => {
    const e = embedder({}, { cacheSize: 0 });
    await e.ready;
    const before = e.stats().sessionRuns;
    await Promise.all(Array.from({ length: 24 }, (_, i) => e.embed([`same turn ${i}`], 'passage')));
    expect(e.stats().sessionRuns - before).toBe(1);
  });

  it('answers a repeated text from the cache without running the model', async () => {
    const e = embedder();
    const first = await e.embed(['cache me'], 'passage');
    const runs = e.stats().sessionRuns;
    const second = await e.embed(['cache me'], 'passage');
    expect(e.stats().sessionRuns).toBe(runs);
    expect(e.stats().cacheHits).toBe(1);
    expect(Array.from(second)).toEqual(Array.from(first));
    second[0] = 42; // callers own their arrays; the cache keeps its own copy
    expect((await e.embed(['cache me'], 'passage'))[0]).toBe(first[0]);
    await e.embed(['cache me'], 'query'); // a query is a different key
    expect(e.stats().sessionRuns).toBe(runs + 1);
  });

  it('adds the manifest prefix to queries only', async () => {
    const e = embedder({ prefixes: { query: 'search for: ', passage: '' } }, { cacheSize: 0 });
    const q = await e.embed(['cats'], 'query');
    const p = await e.embed(['search for: cats'], 'passage');
    const plain = await e.embed(['cats'], 'passage');
    expect(dot(q, 0, p, 0, e.dim)).toBeGreaterThan(0.99999);
    expect(dot(q, 0, plain, 0, e.dim)).toBeLessThan(0.9999);
  });

  it('feeds token_type_ids only to a model that asks for them', async () => {
    const noTypes = getTestModel({ tiny: true, tokenTypeIds: false });
    const e = embedder({}, {}, noTypes);
    const v = await e.embed(['no segment input'], 'passage');
    expect(v.every(Number.isFinite)).toBe(true);
    expect(dot(v, 0, v, 0, e.dim)).toBeCloseTo(1, 5);
  });

  it('calls onnxruntime through its binding directly and gets the same vectors as through its public API', async () => {
    const direct = createOnnxEmbedder({
      modelDir: tiny.dir,
      manifest: tiny.manifest,
      intraOpThreads: 1,
      cacheSize: 0,
    });
    const viaApi = createOnnxEmbedder({
      modelDir: tiny.dir,
      manifest: tiny.manifest,
      intraOpThreads: 1,
      cacheSize: 0,
      runnerPath: 'public',
    });
    open.push(direct, viaApi);
    const texts = ['a short one', 'a somewhat longer text that pads the other rows', 'héllo wörld'];
    const [a, b] = await Promise.all([
      direct.embed(texts, 'passage'),
      viaApi.embed(texts, 'passage'),
    ]);
    expect(direct.stats().ortCall).toBe('binding');
    expect(viaApi.stats().ortCall).toBe('public');
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('returns an empty array for no texts', async () => {
    expect(await embedder().embed([], 'passage')).toHaveLength(0);
  });

  it('refuses calls after close with EMBEDDER_CLOSED, and closing twice is harmless', async () => {
    const e = embedder();
    await e.ready;
    await e.close();
    await e.close();
    await expectEmbedError(e.embed(['late'], 'passage'), 'EMBEDDER_CLOSED', /closed/);
  });
});

describe('OnnxEmbedder bad input (defined behaviour, never a crash or NaN)', () => {
  let e: OnnxEmbedder;
  beforeAll(() => {
    e = embedder({}, { cacheSize: 0 });
  });

  it('rejects an empty string', async () => {
    await expectEmbedError(e.embed(['ok', ''], 'passage'), 'INPUT_INVALID', /texts\[1\] is empty/);
  });

  it('rejects whitespace-only text', async () => {
    await expectEmbedError(e.embed([' \t\n'], 'passage'), 'INPUT_INVALID', /whitespace only/);
  });

  it('rejects text that normalises to no tokens, saying what a text must contain', async () => {
    await expectEmbedError(
      e.embed(['\u0301\u200b\u0000'], 'passage'),
      'INPUT_INVALID',
      /no tokens after the tokenizer's normalisation/,
    );
  });

  it('rejects non-string values and non-arrays', async () => {
    await expectEmbedError(
      e.embed([42 as unknown as string], 'passage'),
      'INPUT_INVALID',
      /got number/,
    );
    await expectEmbedError(
      e.embed(undefined as unknown as string[], 'passage'),
      'INPUT_INVALID',
      /array of strings/,
    );
    await expectEmbedError(
      e.embed('text' as unknown as string[], 'passage'),
      'INPUT_INVALID',
      /array of strings/,
    );
    await expectEmbedError(
      e.embed(['x'], 'doc' as 'query'),
      'INPUT_INVALID',
      /'query' or 'passage'/,
    );
  });

  it('embeds a 1 MB text as a truncated, finite vector flagged as truncated', async () => {
    const big = 'lorem ipsum dolor sit amet '.repeat(40_000);
    expect(big.length).toBeGreaterThan(1_000_000);
    const r = await e.embedWithInfo([big], 'passage');
    expect(r.truncated[0]).toBe(1);
    expect(r.tokenCounts[0]).toBe(e.maxTokens);
    expect(r.vectors.every(Number.isFinite)).toBe(true);
  });

  it('embeds text with lone surrogates (replaced by U+FFFD) without error', async () => {
    const r = await e.embedWithInfo(['broken \ud83d emoji \ude00 here'], 'passage');
    expect(r.vectors.every(Number.isFinite)).toBe(true);
    expect(r.truncated[0]).toBe(0);
  });

  it('embeds text with NUL bytes as the text without them (the BERT normaliser drops them)', async () => {
    const withNul = await e.embed(['null\u0000 byte'], 'passage');
    const without = await e.embed(['null byte'], 'passage');
    expect(dot(withNul, 0, without, 0, e.dim)).toBeGreaterThan(0.99999);
  });

  it('does not flag a text that fits', async () => {
    const r = await e.embedWithInfo(['fits easily'], 'passage');
    expect(r.truncated[0]).toBe(0);
    expect(r.tokenCounts[0]).toBeGreaterThanOrEqual(3);
  });
});

describe('OnnxEmbedder load errors', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ringmem-embed-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function copyModel(name: string): string {
    const d = join(dir, name);
    const src = tiny.dir;
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
      copyFileSync(join(src, f), join(d, f));
    }
    copyFileSync(join(src, 'onnx', 'model.onnx'), join(d, 'onnx', 'model.onnx'));
    return d;
  }
  const prepare = (name: string) => {
    const d = join(dir, name);
    rmSync(d, { recursive: true, force: true });
    mkdirSync(join(d, 'onnx'), { recursive: true });
    return copyModel(name);
  };

  it('reports a missing model file as MODEL_MISSING naming the file and the fetch command', async () => {
    const d = prepare('missing');
    rmSync(join(d, 'onnx', 'model.onnx'));
    const e = embedder({}, {}, { ...tiny, dir: d });
    const err = await expectEmbedError(
      e.ready,
      'MODEL_MISSING',
      new RegExp(
        `model file not found at .*model\\.onnx: run \`ringmem models fetch ${tiny.manifest.id}\``,
      ),
    );
    expect(err.file).toBe(join(d, 'onnx', 'model.onnx'));
    await expectEmbedError(e.embed(['x'], 'passage'), 'MODEL_MISSING', /not found/);
  });

  it('reports a load failure of a deferred load on the first embed call and on ready', async () => {
    const d = prepare('missing-deferred');
    rmSync(join(d, 'onnx', 'model.onnx'));
    const e = embedder({}, { deferLoad: 60_000 }, { ...tiny, dir: d });
    await expectEmbedError(e.embed(['x'], 'passage'), 'MODEL_MISSING', /not found/);
    await expectEmbedError(e.ready, 'MODEL_MISSING', /model file not found/);
  });

  it('reports a short model file as MODEL_TRUNCATED with both sizes', async () => {
    const d = prepare('truncated');
    truncateSync(join(d, 'onnx', 'model.onnx'), 1000);
    const e = embedder({}, {}, { ...tiny, dir: d });
    await expectEmbedError(
      e.ready,
      'MODEL_TRUNCATED',
      new RegExp(`1000 of ${tiny.manifest.files.model.bytes} bytes`),
    );
  });

  it('reports a same-size unparsable model as MODEL_CORRUPT suggesting verify', async () => {
    const d = prepare('corrupt');
    const path = join(d, 'onnx', 'model.onnx');
    const bytes = readFileSync(path);
    bytes.fill(0x5a, 0, bytes.length);
    writeFileSync(path, bytes);
    const e = embedder({}, {}, { ...tiny, dir: d });
    await expectEmbedError(
      e.ready,
      'MODEL_CORRUPT',
      /could not be loaded by onnxruntime.*ringmem models verify/,
    );
  });

  it('reports a broken tokenizer.json as TOKENIZER_INVALID naming the file', async () => {
    const d = prepare('badtok');
    const path = join(d, 'tokenizer.json');
    const good = readFileSync(path);
    // Same size, so the size check passes and the parse must catch it.
    writeFileSync(path, Buffer.alloc(good.length, 0x7b));
    const e = embedder({}, {}, { ...tiny, dir: d });
    const err = await expectEmbedError(
      e.ready,
      'TOKENIZER_INVALID',
      /tokenizer\.json is not valid JSON/,
    );
    expect(err.file).toBe(path);
  });
});

describe('OnnxEmbedder memory', () => {
  it('does not grow the heap over a few thousand encodes', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const e = embedder({}, { cacheSize: 0 });
    const texts = Array.from(
      { length: 16 },
      (_, i) => `memory growth probe number ${i} with some words`,
    );
    for (let i = 0; i < 20; i++) await e.embed(texts, 'passage');
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 200; i++) await e.embed(texts, 'passage'); // 3200 encodes
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('OnnxEmbedder on the full all-MiniLM-L6-v2 shape', () => {
  it('agrees between fp32 and the int8 dynamic quantisation of the same weights', async () => {
    const full = getTestModel();
    const texts = [
      'The quick brown fox jumps over the lazy dog.',
      'Disk usage on host web-3 exceeded 90%',
    ];
    const fp32 = await embedder({}, { intraOpThreads: 2 }, full).embed(texts, 'passage');
    const int8 = await embedder(full.int8Manifest!, { intraOpThreads: 2 }, full).embed(
      texts,
      'passage',
    );
    for (let r = 0; r < texts.length; r++) expect(dot(fp32, r, int8, r, 384)).toBeGreaterThan(0.99);
  });
});

/** Published reference values (../shared/models/README.md), checked only where real weights exist. */
const REAL_MODELS = [
  {
    name: 'all-MiniLM-L6-v2',
    dir: process.env.RINGMEM_REAL_MINILM_DIR ?? sharedPath('models', 'all-MiniLM-L6-v2'),
    text: 'This is an example sentence',
    first: [0.04592697, 0.07328181, 0.05400655],
  },
  {
    name: 'bge-small-en-v1.5',
    dir: process.env.RINGMEM_REAL_BGE_DIR ?? sharedPath('models', 'bge-small-en-v1.5'),
    text: 'Hello world.',
    first: [-0.04314827, -0.0294888, 0.02708048],
  },
];
for (const real of REAL_MODELS) {
  const onnx = join(real.dir, 'onnx', 'model.onnx');
  const present = existsSync(onnx);
  if (!present) {
    console.warn(
      `[embed-embedder] real ${real.name} weights not found at ${onnx} (they cannot be downloaded ` +
        'here): skipping its published-reference-value test',
    );
  }
  describe.skipIf(!present)(`OnnxEmbedder on the real ${real.name} weights`, () => {
    it(`reproduces the published first values for ${JSON.stringify(real.text)} (fp32, mean pooling)`, async () => {
      const manifest: ModelManifest = {
        ...tiny.manifest,
        id: real.name.toLowerCase(),
        dim: 384,
        maxTokens: 256,
        pooling: 'mean',
        files: {
          model: {
            path: 'onnx/model.onnx',
            bytes: readFileSync(onnx).length,
            sha256: '0'.repeat(64),
          },
          tokenizer: {
            path: 'tokenizer.json',
            bytes: readFileSync(join(real.dir, 'tokenizer.json')).length,
            sha256: '0'.repeat(64),
          },
        },
      };
      const e = createOnnxEmbedder({ modelDir: real.dir, manifest });
      open.push(e);
      const v = await e.embed([real.text], 'passage');
      for (const [i, x] of real.first.entries()) expect(v[i]).toBeCloseTo(x, 5);
    });
  });
}

const BUILTIN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'models', 'builtin');
const builtinManifest = join(BUILTIN_DIR, 'manifest.json');
if (!existsSync(builtinManifest)) {
  console.warn(
    '[embed-embedder] models/builtin/manifest.json absent: skipping the built-in model test',
  );
}
describe.skipIf(!existsSync(builtinManifest))('OnnxEmbedder on the built-in model', () => {
  it('loads a sentence_embedding model with pooling none and returns finite unit rows', async () => {
    const manifest = parseManifest(
      JSON.parse(readFileSync(builtinManifest, 'utf8')),
      builtinManifest,
    );
    const e = createOnnxEmbedder({ modelDir: BUILTIN_DIR, manifest });
    open.push(e);
    const r = await e.embedWithInfo(
      ['the cat sat on the mat', 'disk full on host web-3'],
      'passage',
    );
    for (let i = 0; i < 2; i++) expect(dot(r.vectors, i, r.vectors, i, e.dim)).toBeCloseTo(1, 4);
    expect(r.vectors.every(Number.isFinite)).toBe(true);
  });
});

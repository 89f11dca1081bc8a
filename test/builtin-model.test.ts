import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxEmbedder, type OnnxEmbedder } from '../src/embed/index.js';
import { type ModelManifest, parseManifest } from '../src/models/manifest.js';

/**
 * The built-in model is a committed artifact (models/builtin, built by tools/train-builtin), so
 * these tests need no shared data: they check the files are intact and that the model behaves
 * like a sentence embedder (shape, unit norm, determinism, padding, paraphrases).
 */
const MODEL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'models', 'builtin');
const manifest: ModelManifest = parseManifest(
  JSON.parse(readFileSync(join(MODEL_DIR, 'manifest.json'), 'utf8')),
  join(MODEL_DIR, 'manifest.json'),
);

let session: ort.InferenceSession;
let tokenizer: Tokenizer;

beforeAll(async () => {
  tokenizer = new Tokenizer(
    JSON.parse(readFileSync(join(MODEL_DIR, manifest.files.tokenizer.path), 'utf8')),
    {},
  );
  session = await ort.InferenceSession.create(join(MODEL_DIR, manifest.files.model.path));
});

/** Runs the session on already-tokenised rows, padding with id 0 and mask 0. */
async function runIds(rows: number[][], padTo = 0): Promise<Float32Array> {
  const seq = Math.max(padTo, ...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * seq);
  const mask = new BigInt64Array(rows.length * seq);
  rows.forEach((row, r) => {
    row.forEach((id, c) => {
      ids[r * seq + c] = BigInt(id);
      mask[r * seq + c] = 1n;
    });
  });
  const out = await session.run({
    input_ids: new ort.Tensor('int64', ids, [rows.length, seq]),
    attention_mask: new ort.Tensor('int64', mask, [rows.length, seq]),
  });
  const emb = out[manifest.output ?? 'sentence_embedding']!;
  expect(emb.dims).toEqual([rows.length, manifest.dim]);
  return emb.data as Float32Array;
}

function embedTexts(texts: string[], padTo = 0): Promise<Float32Array> {
  return runIds(
    texts.map((t) => tokenizer.encode(t).ids),
    padTo,
  );
}

function row(m: Float32Array, i: number): Float32Array {
  return m.subarray(i * manifest.dim, (i + 1) * manifest.dim);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

describe('built-in model files', () => {
  it('match the sizes and sha256 digests the manifest records', () => {
    for (const file of Object.values(manifest.files)) {
      const data = readFileSync(join(MODEL_DIR, file.path));
      expect(data.length, file.path).toBe(file.bytes);
      expect(createHash('sha256').update(data).digest('hex'), file.path).toBe(file.sha256);
    }
  });

  it('fit in the 20 MB budget for everything under models/', () => {
    const total = Object.values(manifest.files).reduce((s, f) => s + f.bytes, 0);
    expect(total).toBeLessThanOrEqual(20_000_000);
  });

  it('declare the inputs and output the ONNX graph really has', () => {
    expect([...session.inputNames].sort()).toEqual([...(manifest.inputs ?? [])].sort());
    expect(session.outputNames).toEqual([manifest.output]);
    expect(manifest.pooling).toBe('none');
  });

  it('use a tokenizer that adds [CLS] and [SEP] and pads with id 0', () => {
    const ids = tokenizer.encode('memory').ids;
    expect(ids[0]).toBe(tokenizer.token_to_id('[CLS]'));
    expect(ids.at(-1)).toBe(tokenizer.token_to_id('[SEP]'));
    expect(tokenizer.token_to_id('[PAD]')).toBe(0);
  });
});

describe('built-in model outputs', () => {
  const texts = [
    'The disk on node 7 is almost full.',
    'Remember to renew the TLS certificate before Friday.',
    'x',
    'Connection refused while contacting the package mirror; retrying in 30 seconds.',
  ];

  it('gives one unit-norm row of the manifest dimension per text', async () => {
    const m = await embedTexts(texts);
    expect(m.length).toBe(texts.length * manifest.dim);
    for (let i = 0; i < texts.length; i++) {
      const r = row(m, i);
      expect(r.every(Number.isFinite)).toBe(true);
      expect(Math.sqrt(dot(r, r))).toBeCloseTo(1, 5);
    }
  });

  it('is deterministic and independent of padding and of the rest of the batch', async () => {
    const batched = await embedTexts(texts, 40);
    const again = await embedTexts(texts);
    for (let i = 0; i < texts.length; i++) {
      const alone = await embedTexts([texts[i]!]);
      for (let d = 0; d < manifest.dim; d++) {
        expect(row(batched, i)[d]).toBeCloseTo(alone[d]!, 6);
        expect(row(again, i)[d]).toBe(row(batched, i)[d]);
      }
    }
  });

  it('gives a finite unit vector for an empty text', async () => {
    const m = await embedTexts(['']);
    expect(m.every(Number.isFinite)).toBe(true);
    expect(Math.sqrt(dot(m, m))).toBeCloseTo(1, 5);
  });

  it('gives the zero vector, not NaN, for a row that is all padding', async () => {
    const m = await runIds([[2, 500, 3], []], 3);
    expect(m.every(Number.isFinite)).toBe(true);
    expect(Math.sqrt(dot(row(m, 0), row(m, 0)))).toBeCloseTo(1, 5);
    expect(Array.from(row(m, 1)).every((x) => x === 0)).toBe(true);
  });

  it('ranks an obvious paraphrase above an unrelated sentence', async () => {
    // [anchor, paraphrase, unrelated]: written before looking at the model's scores.
    const triples: Array<[string, string, string]> = [
      [
        'The server ran out of disk space.',
        "The machine's disk is full.",
        'She bought fresh bread at the bakery.',
      ],
      [
        'A man is playing the guitar.',
        'A man plays a guitar.',
        'The database query returned no rows.',
      ],
      [
        'The cat is sleeping on the sofa.',
        'A cat sleeps on the couch.',
        'Interest rates rose again this year.',
      ],
      [
        'Connection to the database timed out.',
        'The database connection timed out.',
        'The children are swimming in the lake.',
      ],
      ['I forgot my password.', "I can't remember my password.", 'The train leaves at noon.'],
      ['The car is fast.', 'The automobile is quick.', 'The soup is cold.'],
    ];
    const m = await embedTexts(triples.flat());
    for (const [k, [anchor, para, other]] of triples.entries()) {
      const a = row(m, 3 * k);
      const close = dot(a, row(m, 3 * k + 1));
      const far = dot(a, row(m, 3 * k + 2));
      expect(close, `${anchor} | ${para} vs ${other}`).toBeGreaterThan(far);
    }
  });
});

describe('built-in model through the embedder', () => {
  let embedder: OnnxEmbedder;

  beforeAll(() => {
    embedder = createOnnxEmbedder({ modelDir: MODEL_DIR, manifest, cacheSize: 0 });
  });

  afterAll(async () => {
    await embedder.close();
  });

  it('loads and gives the same vectors as the raw session', async () => {
    await embedder.ready;
    expect(embedder.dim).toBe(manifest.dim);
    const texts = ['Backups finished at 02:00.', 'The build failed on the arm64 runner.'];
    const viaEmbedder = await embedder.embed(texts, 'passage');
    const raw = await embedTexts(texts);
    for (let i = 0; i < raw.length; i++) expect(viaEmbedder[i]).toBeCloseTo(raw[i]!, 5);
  });
});

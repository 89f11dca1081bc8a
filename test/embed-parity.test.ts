import {
  AutoModel,
  AutoTokenizer,
  env,
  type FeatureExtractionPipeline,
  mean_pooling,
  pipeline,
  Tensor,
} from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxEmbedder, EmbedError, type OnnxEmbedder } from '../src/embed/index.js';
import { GENERATED_ROOT, getTestModel, type TestModel } from './helpers/test-model.js';

/**
 * Parity with transformers.js (the reference implementation) on the same ONNX file and tokenizer:
 * ringmem's vectors agree to cosine ≥ 0.9999 on 200 varied texts, for mean and CLS pooling.
 *
 * Two documented differences are handled explicitly rather than averaged away:
 * 1. Texts that normalise to nothing ('', whitespace, zero-width or control characters only):
 *    transformers.js embeds them as "[CLS] [SEP]"; ringmem refuses them with INPUT_INVALID (an
 *    empty text has no meaning and every such text would collide on one vector). The test checks
 *    that ringmem rejects each of them and leaves them out of the cosine comparison.
 * 2. Texts longer than maxTokens: transformers.js truncates by cutting the id list, which drops the
 *    final [SEP]; ringmem keeps [SEP] last as sentence-transformers and Hugging Face's Rust
 *    tokenizers do. For those texts the test checks that ringmem's ids are exactly
 *    transformers.js's untruncated ids cut to maxTokens−1 plus [SEP], and compares vectors with
 *    transformers.js's own model and pooling run on those ids.
 *
 * Runs with the real all-MiniLM-L6-v2 tokenizer when present, else with the generated small
 * vocabulary (transformers.js accepts it), so it never skips.
 */

const WORDS =
  'memory agent recall window vector search model token server request error disk network cache ' +
  'thread queue batch event stream message service database index time minute hour deploy release';

function variedTexts(): { valid: string[]; long: string[]; empty: string[] } {
  const words = WORDS.split(' ');
  const valid: string[] = [];
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = () => words[Math.floor(rand() * words.length)]!;
  // Short English-like sentences of 1..30 words.
  for (let i = 0; i < 110; i++) {
    const n = 1 + Math.floor(rand() * 30);
    valid.push(Array.from({ length: n }, pick).join(' ') + (i % 3 === 0 ? '.' : ''));
  }
  valid.push(
    'This is an example sentence',
    'Hello world.',
    'The quick brown fox jumps over the lazy dog!',
    'Café, naïve, résumé, Ångström, façade, jalapeño',
    'ÉCOLE PUBLIQUE À PARIS',
    'Zoë and Chloë went to the Motörhead concert',
    'Москва — столица России',
    'Η γρήγορη καφέ αλεπού',
    '東京タワーは高いです',
    '北京欢迎你',
    '한국어 텍스트입니다',
    'مرحبا بالعالم',
    'שלום עולם',
    'नमस्ते दुनिया',
    'emoji 😀 🎉 👍🏽 family 👨‍👩‍👧 flags 🇫🇷',
    '😀😀😀',
    'ZWJ\u200bsplit\u200bwords and soft\u00adhyphen',
    'combining e\u0301 and a\u0300 marks',
    'NUL\u0000inside and bell\u0007 too',
    'tabs\tand\nnewlines\r\nmixed',
    'literal [SEP] and [CLS] tokens in text',
    'URL https://example.com/path?q=1&r=two#frag',
    'code: const x = arr.map((v) => v * 2); // doubled',
    'numbers 3.14159 2,718 1e-9 -42 0x1F 100%',
    'ALL CAPS SHOUTING TEXT HERE',
    'mIxEd CaSe TeXt',
    'punctuation!!! ??? ... ,,, ;;; ---',
    "it's don't won't they're",
    'e-mail user@example.org',
    'a',
    '?',
    'supercalifragilisticexpialidocious antidisestablishmentarianism',
    `${'x'.repeat(150)} very long single word`,
    'ÀÁÂÃÄÅàáâãäå ÇçÑñ',
    'ﬁ ligature and ｆｕｌｌｗｉｄｔｈ letters',
    '2024-06-11T12:34:56Z ERROR [worker-3] connection reset by peer',
    'GET /api/v1/items?limit=10 HTTP/1.1 200 512ms',
    'user 123 logged in from 10.0.0.1',
    'Ünïcödé everywhere: ñ, ü, ö, ß',
    'tab\tseparated\tvalues',
  );
  const long: string[] = [];
  for (let i = 0; i < 6; i++) {
    const n = 260 + i * 60;
    long.push(Array.from({ length: n }, pick).join(i % 2 === 0 ? ' ' : ', '));
  }
  long.push(`Long unicode: ${'naïve café 😀 東京 '.repeat(80)}`);
  long.push('word '.repeat(2000));
  // Fill to 200 texts in total with more mixed short ones.
  while (valid.length + long.length < 200) {
    const i = valid.length;
    valid.push(`${pick()} #${i}: ${pick()}—${pick()} (${pick()}) ☕ ${i % 2 ? 'naïve' : 'Straße'}`);
  }
  const empty = ['', '   ', '\u200b', '\u0301\u0301', '\u0000\u0001\u0002', '\ufeff\u200d', '\t\n'];
  return { valid, long, empty };
}

let model: TestModel;
let extractor: FeatureExtractionPipeline;
const embedders: OnnxEmbedder[] = [];
const texts = variedTexts();

function cosine(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  dim: number,
) {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < dim; k++) {
    const x = a[aOff + k]!;
    const y = b[bOff + k]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

/** transformers.js pipeline vectors, in chunks of similar length so padding stays small. */
async function referenceVectors(list: string[], pooling: 'mean' | 'cls'): Promise<Float32Array> {
  const dim = model.manifest.dim;
  const out = new Float32Array(list.length * dim);
  const order = list.map((t, i) => ({ t, i })).sort((a, b) => a.t.length - b.t.length);
  for (let s = 0; s < order.length; s += 16) {
    const chunk = order.slice(s, s + 16);
    const result = await extractor(
      chunk.map((c) => c.t),
      { pooling, normalize: true },
    );
    const data = result.data as Float32Array;
    for (let j = 0; j < chunk.length; j++) {
      out.set(data.subarray(j * dim, (j + 1) * dim), chunk[j]!.i * dim);
    }
  }
  return out;
}

beforeAll(async () => {
  model = getTestModel();
  if (model.tokenizer === 'small') {
    console.warn(
      '[embed-parity] real tokenizer absent: parity runs with the generated small vocabulary',
    );
  }
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${GENERATED_ROOT}/`;
  extractor = (await pipeline('feature-extraction', model.hfId, {
    dtype: 'fp32',
  })) as FeatureExtractionPipeline;
}, 120_000);

afterAll(async () => {
  await Promise.all(embedders.map((e) => e.close()));
  await extractor?.dispose();
});

describe.each(['mean', 'cls'] as const)('parity with transformers.js, %s pooling', (pooling) => {
  let ringmem: OnnxEmbedder;
  beforeAll(() => {
    ringmem = createOnnxEmbedder({
      modelDir: model.dir,
      manifest: { ...model.manifest, pooling },
    });
    embedders.push(ringmem);
  });

  it('agrees to cosine ≥ 0.9999 on every text within maxTokens', async () => {
    const dim = model.manifest.dim;
    const ours = await ringmem.embedWithInfo(texts.valid, 'passage');
    const ref = await referenceVectors(texts.valid, pooling);
    let worst = 1;
    let worstText = '';
    for (let i = 0; i < texts.valid.length; i++) {
      expect(ours.truncated[i], texts.valid[i]).toBe(0);
      const c = cosine(ours.vectors, i * dim, ref, i * dim, dim);
      if (c < worst) {
        worst = c;
        worstText = texts.valid[i]!;
      }
    }
    console.info(
      `[embed-parity] ${pooling}: ${texts.valid.length} texts, worst cosine ${worst.toFixed(7)}`,
    );
    expect(worst, `worst text: ${JSON.stringify(worstText)}`).toBeGreaterThanOrEqual(0.9999);
    // The vectors must actually differ between texts, or agreement would mean nothing.
    expect(cosine(ours.vectors, 0, ours.vectors, dim, dim)).toBeLessThan(0.999);
  });

  it('agrees on texts longer than maxTokens, keeping [SEP] last where transformers.js drops it', async () => {
    const dim = model.manifest.dim;
    const max = model.manifest.maxTokens;
    const tokenizer = await AutoTokenizer.from_pretrained(model.hfId);
    const bert = await AutoModel.from_pretrained(model.hfId, { dtype: 'fp32' });
    const ours = await ringmem.embedWithInfo(texts.long, 'passage');
    let worst = 1;
    for (let i = 0; i < texts.long.length; i++) {
      expect(ours.truncated[i]).toBe(1);
      expect(ours.tokenCounts[i]).toBe(max);
      // transformers.js ids without truncation, cut the sentence-transformers way.
      const full = tokenizer(texts.long[i]!, { truncation: false }).input_ids.data as BigInt64Array;
      expect(full.length).toBeGreaterThan(max);
      const ids = BigInt64Array.from([...full.subarray(0, max - 1), full[full.length - 1]!]);
      const ourIds = ringmem.tokenizer!.encode(texts.long[i]!, max)!.ids;
      expect(Array.from(ourIds, BigInt)).toEqual(Array.from(ids));
      const mask = new Tensor('int64', new BigInt64Array(max).fill(1n), [1, max]);
      const { last_hidden_state: h } = await bert({
        input_ids: new Tensor('int64', ids, [1, max]),
        attention_mask: mask,
        token_type_ids: new Tensor('int64', new BigInt64Array(max), [1, max]),
      });
      const pooled = (pooling === 'mean' ? mean_pooling(h, mask) : h.slice(null, 0)).normalize(
        2,
        -1,
      );
      worst = Math.min(worst, cosine(ours.vectors, i * dim, pooled.data as Float32Array, 0, dim));
    }
    console.info(
      `[embed-parity] ${pooling}: ${texts.long.length} over-long texts, worst cosine ${worst.toFixed(7)}`,
    );
    expect(worst).toBeGreaterThanOrEqual(0.9999);
    await bert.dispose();
  });

  it('refuses texts that normalise to nothing, which transformers.js embeds as [CLS] [SEP]', async () => {
    for (const t of texts.empty) {
      const err = await ringmem.embed([t], 'passage').catch((e: unknown) => e);
      expect(err, JSON.stringify(t)).toBeInstanceOf(EmbedError);
      expect((err as EmbedError).code).toBe('INPUT_INVALID');
    }
    const ref = await extractor(texts.empty.slice(2), { pooling, normalize: true });
    expect(Array.from(ref.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it('embeds the 200 texts in one call to the vectors each text gets alone', async () => {
    const dim = model.manifest.dim;
    const all = [...texts.valid, ...texts.long];
    expect(all.length).toBe(200);
    const batch = await ringmem.embedWithInfo(all, 'passage');
    // Short and long neighbours: padding to the batch's longest text must not leak into a vector.
    const v = texts.valid.length;
    for (const i of [0, 1, Math.floor(v / 2), v - 1, v, all.length - 1]) {
      const alone = await ringmem.embedWithInfo([all[i]!], 'passage');
      const c = cosine(batch.vectors, i * dim, alone.vectors, 0, dim);
      expect(c, JSON.stringify(all[i]!.slice(0, 60))).toBeGreaterThanOrEqual(0.99999);
    }
  });
});

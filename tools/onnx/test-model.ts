import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BertConfig, buildBertModel, MINILM_L6_CONFIG, randomBertWeights } from './bert.js';
import { buildSmallTokenizerJson } from './small-vocab.js';

/**
 * Writes a complete model directory for the shape-faithful all-MiniLM-L6-v2 stand-in, laid out
 * the way both ringmem (manifest.json) and transformers.js (`<root>/<id>/onnx/model.onnx`,
 * config.json, tokenizer files) read it:
 *
 *   onnx/model.onnx            fp32
 *   onnx/model_quantized.onnx  int8 (dynamic quantisation), unless `int8: false`
 *   tokenizer.json, tokenizer_config.json, config.json
 *   manifest.json (fp32), manifest.int8.json (int8)
 */

/** Where the real tokenizer lives on the build machines (see ../shared/models/README.md). */
export const SHARED_MINILM_DIR =
  process.env.RINGMEM_SHARED_DIR !== undefined
    ? join(process.env.RINGMEM_SHARED_DIR, 'models', 'all-MiniLM-L6-v2')
    : fileURLToPath(new URL('../../../shared/models/all-MiniLM-L6-v2', import.meta.url));

export interface TestModelOptions {
  outDir: string;
  /** Directory with the real tokenizer.json; `null` forces the small built-in vocabulary. */
  tokenizerDir?: string | null;
  seed?: number;
  int8?: boolean;
  /** Truncation length written to the manifest and to tokenizer_config's model_max_length. */
  maxTokens?: number;
  /** Architecture overrides (a tiny model makes plumbing tests fast); default all-MiniLM-L6-v2. */
  config?: Partial<BertConfig>;
  /** Whether the model takes token_type_ids (default true). */
  tokenTypeIds?: boolean;
}

export interface TestModelInfo {
  outDir: string;
  tokenizer: 'real' | 'small';
  files: string[];
}

/** Resolves the default tokenizer source: the real one when the shared folder exists. */
export function defaultTokenizerDir(): string | null {
  return existsSync(join(SHARED_MINILM_DIR, 'tokenizer.json')) ? SHARED_MINILM_DIR : null;
}

export function generateTestModel(options: TestModelOptions): TestModelInfo {
  const outDir = options.outDir;
  const tokenizerDir =
    options.tokenizerDir === undefined ? defaultTokenizerDir() : options.tokenizerDir;
  const seed = options.seed ?? 20240611;
  const int8 = options.int8 ?? true;
  // all-MiniLM-L6-v2 was trained at 256 tokens (sentence-transformers' max_seq_length).
  const maxTokens = options.maxTokens ?? 256;

  mkdirSync(join(outDir, 'onnx'), { recursive: true });
  const written: string[] = [];
  const write = (rel: string, data: string | Uint8Array): void => {
    const path = join(outDir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
    written.push(rel);
  };

  let tokenizerJson: string;
  let tokenizerConfig: Record<string, unknown>;
  if (tokenizerDir !== null) {
    tokenizerJson = readFileSync(join(tokenizerDir, 'tokenizer.json'), 'utf8');
    tokenizerConfig = JSON.parse(readFileSync(join(tokenizerDir, 'tokenizer_config.json'), 'utf8'));
  } else {
    tokenizerJson = JSON.stringify(buildSmallTokenizerJson());
    tokenizerConfig = {
      clean_up_tokenization_spaces: true,
      cls_token: '[CLS]',
      do_lower_case: true,
      mask_token: '[MASK]',
      pad_token: '[PAD]',
      sep_token: '[SEP]',
      strip_accents: null,
      tokenize_chinese_chars: true,
      tokenizer_class: 'BertTokenizer',
      unk_token: '[UNK]',
    };
  }
  // transformers.js truncates at model_max_length; keep it equal to the manifest's maxTokens so
  // both implementations see the same number of tokens.
  tokenizerConfig.model_max_length = maxTokens;
  write('tokenizer.json', tokenizerJson);
  write('tokenizer_config.json', `${JSON.stringify(tokenizerConfig, null, 2)}\n`);

  const c: BertConfig = { ...MINILM_L6_CONFIG, ...options.config };
  const tokenTypeIds = options.tokenTypeIds ?? true;
  const config = {
    _name_or_path: 'ringmem/minilm-shape (random weights, shape of all-MiniLM-L6-v2)',
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_act: 'gelu',
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    layer_norm_eps: c.layerNormEps,
    max_position_embeddings: c.maxPositions,
    num_attention_heads: c.numHeads,
    num_hidden_layers: c.numLayers,
    pad_token_id: 0,
    position_embedding_type: 'absolute',
    type_vocab_size: c.typeVocabSize,
    vocab_size: c.vocabSize,
  };
  write('config.json', `${JSON.stringify(config, null, 2)}\n`);

  const weights = randomBertWeights(c, seed);
  const fp32 = buildBertModel(weights, { quantize: false, tokenTypeIds });
  write('onnx/model.onnx', fp32);
  const tokBytes = Buffer.from(tokenizerJson, 'utf8');
  const fileEntry = (rel: string, data: Uint8Array) => ({
    path: rel,
    bytes: data.byteLength,
    sha256: createHash('sha256').update(data).digest('hex'),
  });
  const manifest = (
    id: string,
    quantization: 'fp32' | 'int8',
    modelRel: string,
    data: Uint8Array,
  ) => ({
    id,
    name: `MiniLM-L6 shape, random weights (${quantization}, test only)`,
    version: `seed-${seed}`,
    dim: c.hiddenSize,
    maxTokens,
    pooling: 'mean',
    normalize: true,
    prefixes: { query: '', passage: '' },
    inputs: tokenTypeIds
      ? ['input_ids', 'attention_mask', 'token_type_ids']
      : ['input_ids', 'attention_mask'],
    output: 'last_hidden_state',
    quantization,
    files: { model: fileEntry(modelRel, data), tokenizer: fileEntry('tokenizer.json', tokBytes) },
    licence: 'MIT (generated test model)',
    notes: `Shape-faithful stand-in for all-MiniLM-L6-v2 with seeded random weights; tokenizer: ${
      tokenizerDir !== null ? 'real all-MiniLM-L6-v2' : 'small built-in vocabulary'
    }. Plumbing and benchmarks only: its vectors carry no meaning.`,
  });
  write(
    'manifest.json',
    `${JSON.stringify(manifest('minilm-shape-fp32', 'fp32', 'onnx/model.onnx', fp32), null, 2)}\n`,
  );
  if (int8) {
    const q = buildBertModel(weights, { quantize: true, tokenTypeIds });
    write('onnx/model_quantized.onnx', q);
    write(
      'manifest.int8.json',
      `${JSON.stringify(manifest('minilm-shape-int8', 'int8', 'onnx/model_quantized.onnx', q), null, 2)}\n`,
    );
  }
  return { outDir, tokenizer: tokenizerDir !== null ? 'real' : 'small', files: written };
}

/**
 * Generates into a temporary sibling and renames it into place, so a concurrent reader never
 * sees a half-written directory (test workers may race to create the same cached model).
 */
export function generateTestModelAtomically(options: TestModelOptions): TestModelInfo {
  const tmp = `${options.outDir}.tmp-${process.pid}-${Date.now()}`;
  rmSync(tmp, { recursive: true, force: true });
  const info = generateTestModel({ ...options, outDir: tmp });
  try {
    renameSync(tmp, options.outDir);
  } catch (error) {
    // Another worker won the race; its directory is equivalent (same content key).
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(options.outDir, 'manifest.json'))) throw error;
  }
  return { ...info, outDir: options.outDir };
}

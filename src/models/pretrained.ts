import type { ModelManifest } from './manifest.js';
import { parseManifest } from './manifest.js';

/**
 * Manifests of the downloadable pretrained models. Sizes and sha256 digests are pinned exactly as
 * in `../shared/models/README.md` (the weights from the Hugging Face repos' Git LFS pointers, the
 * small JSON files from the byte-exact copies next to that README), so a fetch refuses anything
 * else — a changed upstream file, a truncated download, or a mirror serving the wrong bytes.
 *
 * Local paths equal the remote paths, so a populated cache directory is itself a valid
 * `--from DIR` mirror for another machine.
 */

const BERT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];
const BGE_QUERY_PREFIX = 'Represent this sentence for searching relevant passages: ';

function file(path: string, bytes: number, sha256: string) {
  return { path, bytes, sha256, remote: path };
}

// The uncased BERT tokenizer's config and special tokens: byte-identical in both repositories.
const tokenizerConfig = file(
  'tokenizer_config.json',
  366,
  '9261e7d79b44c8195c1cada2b453e55b00aeb81e907a6664974b4d7776172ab3',
);
const specialTokensMap = file(
  'special_tokens_map.json',
  125,
  'b6d346be366a7d1d48332dbc9fdf3bf8960b5d879522b7799ddba59e76237ee3',
);

const bgeSideFiles = {
  tokenizer: file(
    'tokenizer.json',
    711_396,
    'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66',
  ),
  tokenizerConfig,
  config: file(
    'config.json',
    683,
    'fa73f90bf92c8cace1fbcb709626306f2bdbc9ea3e5b5f94b440df9b6aa56350',
  ),
  specialTokensMap,
};

const miniLmSideFiles = {
  tokenizer: file(
    'tokenizer.json',
    711_661,
    'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0',
  ),
  tokenizerConfig,
  config: file(
    'config.json',
    650,
    '7135149f7cffa1a573466c6e4d8423ed73b62fd2332c575bf738a0d033f70df7',
  ),
  specialTokensMap,
};

const bgeCommon = {
  dim: 384,
  maxTokens: 512,
  pooling: 'cls',
  normalize: true,
  prefixes: { query: BGE_QUERY_PREFIX, passage: '' },
  inputs: BERT_INPUTS,
  output: 'last_hidden_state',
  licence: 'MIT',
  source: { repo: 'Xenova/bge-small-en-v1.5', revision: 'main' },
} as const;

const miniLmCommon = {
  dim: 384,
  maxTokens: 256,
  pooling: 'mean',
  normalize: true,
  prefixes: { query: '', passage: '' },
  inputs: BERT_INPUTS,
  output: 'last_hidden_state',
  licence: 'Apache-2.0',
  source: { repo: 'Xenova/all-MiniLM-L6-v2', revision: 'main' },
} as const;

const RAW: unknown[] = [
  {
    ...bgeCommon,
    id: 'bge-small-en-v1.5-int8',
    name: 'BAAI bge-small-en-v1.5 (int8)',
    quantization: 'int8',
    files: {
      model: file(
        'onnx/model_quantized.onnx',
        34_014_426,
        '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4',
      ),
      ...bgeSideFiles,
    },
    notes:
      'Recommended download. 12 layers; int8 weights are a quarter of fp32 and faster on CPU for a ' +
      'small accuracy loss. Better retrieval than all-MiniLM-L6-v2 on public benchmarks, but about ' +
      'twice the compute per token. Queries get the retrieval instruction prefix.',
  },
  {
    ...bgeCommon,
    id: 'bge-small-en-v1.5-fp32',
    name: 'BAAI bge-small-en-v1.5 (fp32)',
    quantization: 'fp32',
    files: {
      model: file(
        'onnx/model.onnx',
        133_093_490,
        '828e1496d7fabb79cfa4dcd84fa38625c0d3d21da474a00f08db0f559940cf35',
      ),
      ...bgeSideFiles,
    },
    notes:
      'Full-precision reference weights of bge-small: 4x the download of int8 and slower on CPU; ' +
      'use it when you want the published quality without quantisation loss.',
  },
  {
    ...miniLmCommon,
    id: 'all-minilm-l6-v2-int8',
    name: 'sentence-transformers all-MiniLM-L6-v2 (int8)',
    quantization: 'int8',
    files: {
      model: file(
        'onnx/model_quantized.onnx',
        22_868_510,
        '2f9a2cd8a5955f62908d5087be47516e9d91849f50579c3e47c73fd2c563b224',
      ),
      ...miniLmSideFiles,
    },
    notes:
      'Smallest and fastest download: 6 layers, int8. Lower retrieval quality than bge-small; ' +
      'texts longer than 256 tokens are truncated.',
  },
  {
    ...miniLmCommon,
    id: 'all-minilm-l6-v2-fp32',
    name: 'sentence-transformers all-MiniLM-L6-v2 (fp32)',
    quantization: 'fp32',
    files: {
      model: file(
        'onnx/model.onnx',
        90_387_606,
        '759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e',
      ),
      ...miniLmSideFiles,
    },
    notes:
      'Full-precision all-MiniLM-L6-v2: 4x the download of int8, same 256-token limit; ' +
      'the reference for the published example values.',
  },
];

/** Parsed once at import: a typo in the table above fails loudly here, not at fetch time. */
export const PRETRAINED_MANIFESTS: readonly ModelManifest[] = RAW.map((raw, index) =>
  parseManifest(raw, `pretrained manifest #${index}`),
);

/** Short names people type; each points at a registry id. */
export const PRETRAINED_ALIASES: Readonly<Record<string, string>> = {
  'bge-small': 'bge-small-en-v1.5-int8',
  'bge-small-en-v1.5': 'bge-small-en-v1.5-int8',
  minilm: 'all-minilm-l6-v2-int8',
  'all-minilm-l6-v2': 'all-minilm-l6-v2-int8',
};

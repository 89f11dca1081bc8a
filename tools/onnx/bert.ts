import { DataType, GraphBuilder } from './graph.js';
import { quantizeSymmetricInt8 } from './quantize.js';
import { SeededRandom } from './random.js';

/**
 * A BERT encoder (BertModel without pooler) as an ONNX graph, op for op as `torch.onnx.export`
 * writes it for Hugging Face's BertModel (the graph behind Xenova/all-MiniLM-L6-v2's model.onnx):
 * decomposed LayerNorm (ReduceMean/Sub/Pow/Sqrt/Div), exact GELU through Erf, attention as
 * MatMul/Add/Reshape/Transpose/Div/Softmax with the additive mask (1 − mask) · float32-min, and
 * position ids sliced from a constant table by the sequence length. onnxruntime fuses these into
 * the same kernels (Attention, SkipLayerNorm, BiasGelu) for this graph as for the real export, so
 * timings measured on it transfer to the real weights.
 *
 * The int8 variant mirrors onnxruntime's `quantize_dynamic`: every weight MatMul becomes
 * DynamicQuantizeLinear → MatMulInteger → Cast → Mul(scale), and the word-embedding Gather reads
 * an int8 table followed by DequantizeLinear.
 */

export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
}

/** all-MiniLM-L6-v2's architecture (its config.json). */
export const MINILM_L6_CONFIG: BertConfig = {
  vocabSize: 30522,
  hiddenSize: 384,
  numLayers: 6,
  numHeads: 12,
  intermediateSize: 1536,
  maxPositions: 512,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
};

interface LinearWeights {
  /** [in, out], row-major: the layout the exporter writes (transposed nn.Linear weight). */
  w: Float32Array;
  b: Float32Array;
  inDim: number;
  outDim: number;
}

interface LayerNormWeights {
  gamma: Float32Array;
  beta: Float32Array;
}

interface LayerWeights {
  q: LinearWeights;
  k: LinearWeights;
  v: LinearWeights;
  attnOut: LinearWeights;
  attnNorm: LayerNormWeights;
  ffnIn: LinearWeights;
  ffnOut: LinearWeights;
  ffnNorm: LayerNormWeights;
}

export interface BertWeights {
  config: BertConfig;
  wordEmbeddings: Float32Array;
  positionEmbeddings: Float32Array;
  tokenTypeEmbeddings: Float32Array;
  embeddingNorm: LayerNormWeights;
  layers: LayerWeights[];
}

/**
 * Seeded random weights with BERT's initialiser scale (normal, std `std`, default 0.02 as in
 * `initializer_range`). Biases and LayerNorm parameters get a little noise too, so that a
 * pipeline that ignored them (or mixed up which is which) would produce different vectors.
 */
export function randomBertWeights(config: BertConfig, seed: number, std = 0.02): BertWeights {
  const rng = new SeededRandom(seed);
  const h = config.hiddenSize;
  const linear = (inDim: number, outDim: number): LinearWeights => ({
    w: rng.normalArray(inDim * outDim, std),
    b: rng.normalArray(outDim, std),
    inDim,
    outDim,
  });
  const norm = (): LayerNormWeights => ({
    gamma: rng.normalArray(h, std, 1),
    beta: rng.normalArray(h, std),
  });
  const wordEmbeddings = rng.normalArray(config.vocabSize * h, std);
  const positionEmbeddings = rng.normalArray(config.maxPositions * h, std);
  const tokenTypeEmbeddings = rng.normalArray(config.typeVocabSize * h, std);
  const embeddingNorm = norm();
  const layers: LayerWeights[] = [];
  for (let l = 0; l < config.numLayers; l++) {
    layers.push({
      q: linear(h, h),
      k: linear(h, h),
      v: linear(h, h),
      attnOut: linear(h, h),
      attnNorm: norm(),
      ffnIn: linear(h, config.intermediateSize),
      ffnOut: linear(config.intermediateSize, h),
      ffnNorm: norm(),
    });
  }
  return {
    config,
    wordEmbeddings,
    positionEmbeddings,
    tokenTypeEmbeddings,
    embeddingNorm,
    layers,
  };
}

export interface BuildOptions {
  quantize: boolean;
  /**
   * Whether the graph takes token_type_ids (default true, as BERT exports do). Without it the
   * segment-0 embedding is added as a constant, like exports of models without segments.
   */
  tokenTypeIds?: boolean;
}

/** The smallest finite float32, as transformers' `torch.finfo(dtype).min` mask value. */
const FLOAT32_MIN = -3.4028234663852886e38;

export function buildBertModel(weights: BertWeights, options: BuildOptions): Uint8Array {
  const { config } = weights;
  const h = config.hiddenSize;
  const headDim = h / config.numHeads;
  if (!Number.isInteger(headDim)) throw new Error('hiddenSize must be a multiple of numHeads');
  const g = new GraphBuilder();
  const dims = ['batch_size', 'sequence_length'];
  const inputIds = g.input('input_ids', DataType.INT64, dims);
  const attentionMask = g.input('attention_mask', DataType.INT64, dims);
  const withTypes = options.tokenTypeIds ?? true;
  const tokenTypeIds = withTypes ? g.input('token_type_ids', DataType.INT64, dims) : null;

  const layerNorm = (x: string, p: LayerNormWeights, prefix: string): string => {
    const mean = g.op('ReduceMean', [x], { axes: [-1] });
    const centred = g.op('Sub', [x, mean]);
    const sq = g.op('Pow', [centred, g.constFloat([2])]);
    const variance = g.op('ReduceMean', [sq], { axes: [-1] });
    const std = g.op('Sqrt', [g.op('Add', [variance, g.constFloat([config.layerNormEps])])]);
    const normed = g.op('Div', [centred, std]);
    const gamma = g.initializer(`${prefix}.weight`, DataType.FLOAT, [h], p.gamma);
    const beta = g.initializer(`${prefix}.bias`, DataType.FLOAT, [h], p.beta);
    return g.op('Add', [g.op('Mul', [normed, gamma]), beta]);
  };

  const linear = (x: string, p: LinearWeights, prefix: string): string => {
    const bias = g.initializer(`${prefix}.bias`, DataType.FLOAT, [p.outDim], p.b);
    if (!options.quantize) {
      const w = g.initializer(`${prefix}.weight`, DataType.FLOAT, [p.inDim, p.outDim], p.w);
      return g.op('Add', [g.op('MatMul', [x, w]), bias]);
    }
    const q = quantizeSymmetricInt8(p.w);
    const wq = g.initializer(
      `${prefix}.weight_quantized`,
      DataType.INT8,
      [p.inDim, p.outDim],
      q.values,
    );
    const wScale = g.initializer(
      `${prefix}.weight_scale`,
      DataType.FLOAT,
      [],
      Float32Array.of(q.scale),
    );
    const wZero = g.initializer(`${prefix}.weight_zero_point`, DataType.INT8, [], Int8Array.of(0));
    const [xq, xScale, xZero] = g.node('DynamicQuantizeLinear', [x], {}, 3) as [
      string,
      string,
      string,
    ];
    const acc = g.op('MatMulInteger', [xq, wq, xZero, wZero]);
    const accF = g.op('Cast', [acc], { to: DataType.FLOAT });
    const scale = g.op('Mul', [xScale, wScale]);
    return g.op('Add', [g.op('Mul', [accF, scale]), bias]);
  };

  // Embeddings: word + token type + position, then LayerNorm.
  let word: string;
  if (options.quantize) {
    const q = quantizeSymmetricInt8(weights.wordEmbeddings);
    const table = g.initializer(
      'embeddings.word_embeddings.weight_quantized',
      DataType.INT8,
      [config.vocabSize, h],
      q.values,
    );
    const scale = g.initializer(
      'embeddings.word_embeddings.weight_scale',
      DataType.FLOAT,
      [],
      Float32Array.of(q.scale),
    );
    const zero = g.initializer(
      'embeddings.word_embeddings.weight_zero_point',
      DataType.INT8,
      [],
      Int8Array.of(0),
    );
    word = g.op('DequantizeLinear', [g.op('Gather', [table, inputIds], { axis: 0 }), scale, zero]);
  } else {
    const table = g.initializer(
      'embeddings.word_embeddings.weight',
      DataType.FLOAT,
      [config.vocabSize, h],
      weights.wordEmbeddings,
    );
    word = g.op('Gather', [table, inputIds], { axis: 0 });
  }
  let typeEmb: string;
  if (tokenTypeIds !== null) {
    const typeTable = g.initializer(
      'embeddings.token_type_embeddings.weight',
      DataType.FLOAT,
      [config.typeVocabSize, h],
      weights.tokenTypeEmbeddings,
    );
    typeEmb = g.op('Gather', [typeTable, tokenTypeIds], { axis: 0 });
  } else {
    const segment0 = weights.tokenTypeEmbeddings.subarray(0, h);
    typeEmb = g.initializer(
      'embeddings.token_type_embeddings.segment0',
      DataType.FLOAT,
      [h],
      segment0,
    );
  }
  const posTable = g.initializer(
    'embeddings.position_embeddings.weight',
    DataType.FLOAT,
    [config.maxPositions, h],
    weights.positionEmbeddings,
  );
  const positionIds = g.initializer(
    'embeddings.position_ids',
    DataType.INT64,
    [1, config.maxPositions],
    BigInt64Array.from({ length: config.maxPositions }, (_, i) => BigInt(i)),
  );
  const shape = g.op('Shape', [inputIds]);
  const seqLen = g.op('Slice', [shape, g.constInt64([1]), g.constInt64([2]), g.constInt64([0])]);
  const posIds = g.op('Slice', [positionIds, g.constInt64([0]), seqLen, g.constInt64([1])]);
  const posEmb = g.op('Gather', [posTable, posIds], { axis: 0 });
  const embSum = g.op('Add', [g.op('Add', [word, typeEmb]), posEmb]);
  let hidden = layerNorm(embSum, weights.embeddingNorm, 'embeddings.LayerNorm');

  // Extended attention mask [batch, 1, 1, seq]: 0 where attended, float32-min where padded.
  const maskUnsq = g.op('Unsqueeze', [attentionMask, g.constInt64([1, 2])]);
  const maskF = g.op('Cast', [maskUnsq], { to: DataType.FLOAT });
  const inverted = g.op('Sub', [g.constFloat([1]), maskF]);
  const additiveMask = g.op('Mul', [inverted, g.constFloat([FLOAT32_MIN])]);

  const headShape = g.constInt64([0, 0, config.numHeads, headDim]);
  const mergedShape = g.constInt64([0, 0, h]);
  const sqrtHeadDim = g.constFloat([Math.sqrt(headDim)]);
  const sqrt2 = g.constFloat([Math.SQRT2]);
  const one = g.constFloat([1]);
  const half = g.constFloat([0.5]);

  weights.layers.forEach((layer, l) => {
    const p = `encoder.layer.${l}`;
    const heads = (x: string, perm: number[]): string =>
      g.op('Transpose', [g.op('Reshape', [x, headShape])], { perm });
    const q = heads(linear(hidden, layer.q, `${p}.attention.self.query`), [0, 2, 1, 3]);
    const kT = heads(linear(hidden, layer.k, `${p}.attention.self.key`), [0, 2, 3, 1]);
    const v = heads(linear(hidden, layer.v, `${p}.attention.self.value`), [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Div', [g.op('MatMul', [q, kT]), sqrtHeadDim]), additiveMask]);
    const probs = g.op('Softmax', [scores], { axis: -1 });
    const context = g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] });
    const merged = g.op('Reshape', [context, mergedShape]);
    const attnOut = linear(merged, layer.attnOut, `${p}.attention.output.dense`);
    const attnHidden = layerNorm(
      g.op('Add', [attnOut, hidden]),
      layer.attnNorm,
      `${p}.attention.output.LayerNorm`,
    );
    const inter = linear(attnHidden, layer.ffnIn, `${p}.intermediate.dense`);
    // Exact GELU: x · 0.5 · (1 + erf(x / √2)).
    const erf = g.op('Erf', [g.op('Div', [inter, sqrt2])]);
    const gelu = g.op('Mul', [g.op('Mul', [inter, g.op('Add', [erf, one])]), half]);
    const ffnOut = linear(gelu, layer.ffnOut, `${p}.output.dense`);
    hidden = layerNorm(g.op('Add', [ffnOut, attnHidden]), layer.ffnNorm, `${p}.output.LayerNorm`);
  });

  g.node('Identity', [hidden], {}, 1, ['last_hidden_state']);
  g.output('last_hidden_state', DataType.FLOAT, ['batch_size', 'sequence_length', h]);
  return g.encode('bert', 14, 'ringmem gen-test-model');
}

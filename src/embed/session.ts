import type * as Ort from 'onnxruntime-node';
import { describeError, EmbedError } from './errors.js';
import { createRunner, loadOrt, type OrtRunner } from './ort-runner.js';
import type { BatchInputs } from './tokenize.js';

/**
 * The onnxruntime side of the embedder: one InferenceSession, its real input and output names,
 * and a `run` that turns padded int64 batches into the chosen output tensor.
 */

export interface SessionOptions {
  intraOpThreads?: number | undefined;
  interOpThreads?: number | undefined;
  /** Force how onnxruntime is called (tests compare both); default: see ort-runner.ts. */
  runnerPath?: 'binding' | 'public' | undefined;
}

export interface SessionOutput {
  data: Float32Array;
  /** [rows, seq, dim] for token states, [rows, dim] for a sentence vector. */
  dims: readonly number[];
}

/** Output names in order of preference: a ready sentence vector, then token states. */
const PREFERRED_OUTPUTS = ['sentence_embedding', 'last_hidden_state'];

export class OrtSession {
  readonly outputName: string;
  /** Session runs so far; tests observe batching through it. */
  runs = 0;
  private readonly session: OrtRunner;
  private readonly idsName: string;
  private readonly maskName: string | null;
  private readonly typeName: string | null;
  private zeroTypes = new BigInt64Array(0);
  private readonly Tensor: typeof Ort.Tensor;

  private constructor(session: OrtRunner, modelPath: string, tensor: typeof Ort.Tensor) {
    this.session = session;
    this.Tensor = tensor;
    const names = new Set(session.inputNames);
    const find = (candidates: string[]) => candidates.find((n) => names.has(n)) ?? null;
    const ids = find(['input_ids']);
    if (ids === null) {
      throw new EmbedError(
        'MODEL_INCOMPATIBLE',
        `model ${modelPath} has no input_ids input (inputs: ${session.inputNames.join(', ')}): ` +
          'ringmem runs text encoders that take input_ids and attention_mask',
        { file: modelPath },
      );
    }
    this.idsName = ids;
    this.maskName = find(['attention_mask']);
    this.typeName = find(['token_type_ids']);
    const unknown = session.inputNames.filter(
      (n) => n !== this.idsName && n !== this.maskName && n !== this.typeName,
    );
    if (unknown.length > 0) {
      throw new EmbedError(
        'MODEL_INCOMPATIBLE',
        `model ${modelPath} asks for inputs ringmem cannot provide: ${unknown.join(', ')}`,
        { file: modelPath },
      );
    }
    this.outputName =
      PREFERRED_OUTPUTS.find((n) => session.outputNames.includes(n)) ?? session.outputNames[0]!;
  }

  /** Loads the model; a file onnxruntime cannot parse is MODEL_CORRUPT naming the file. */
  static async create(
    modelPath: string,
    options: SessionOptions,
    verifyHint: string,
  ): Promise<OrtSession> {
    const sessionOptions: Ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      logSeverityLevel: 3,
    };
    if (options.intraOpThreads !== undefined)
      sessionOptions.intraOpNumThreads = options.intraOpThreads;
    if (options.interOpThreads !== undefined)
      sessionOptions.interOpNumThreads = options.interOpThreads;
    const tensor = (await loadOrt()).Tensor;
    let session: OrtRunner;
    try {
      session = await createRunner(modelPath, sessionOptions, options.runnerPath);
    } catch (error) {
      throw new EmbedError(
        'MODEL_CORRUPT',
        `model file ${modelPath} could not be loaded by onnxruntime (${firstLine(error)}): ` +
          `the file is damaged or not an ONNX model; run \`${verifyHint}\``,
        { file: modelPath, cause: error },
      );
    }
    try {
      if (session.outputNames.length === 0) {
        throw new EmbedError('MODEL_INCOMPATIBLE', `model ${modelPath} has no outputs`, {
          file: modelPath,
        });
      }
      return new OrtSession(session, modelPath, tensor);
    } catch (error) {
      // A model ringmem cannot use: free the native session it loaded before saying so.
      await session.release();
      throw error;
    }
  }

  async run(batch: BatchInputs): Promise<SessionOutput> {
    const dims = [batch.rows, batch.seq];
    const feeds: Record<string, Ort.Tensor> = {
      [this.idsName]: new this.Tensor('int64', batch.inputIds, dims),
    };
    if (this.maskName !== null) {
      feeds[this.maskName] = new this.Tensor('int64', batch.attentionMask, dims);
    }
    if (this.typeName !== null) {
      // Single-sequence inputs are all segment 0; one zero buffer grows and is reused.
      const n = batch.rows * batch.seq;
      if (this.zeroTypes.length < n) this.zeroTypes = new BigInt64Array(n);
      feeds[this.typeName] = new this.Tensor('int64', this.zeroTypes.subarray(0, n), dims);
    }
    this.runs++;
    let out: { type: string; data: unknown; dims: readonly number[] };
    try {
      // The direct binding answers synchronously: no event-loop trip (see ort-runner.ts).
      out = await this.session.run(feeds, this.outputName);
    } catch (error) {
      throw new EmbedError(
        'RUNTIME_FAILED',
        `onnxruntime failed on a batch of ${batch.rows}×${batch.seq} tokens: ${firstLine(error)}`,
        { cause: error },
      );
    }
    if (out.type !== 'float32') {
      throw new EmbedError(
        'MODEL_INCOMPATIBLE',
        `model output ${this.outputName} is ${out.type}; ringmem expects float32`,
      );
    }
    return { data: out.data as Float32Array, dims: out.dims };
  }

  /** How onnxruntime is called: 'binding' (directly) or 'public' (its JS API). */
  get runnerPath(): 'binding' | 'public' {
    return this.session.path;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function firstLine(error: unknown): string {
  return describeError(error).split('\n')[0]!.slice(0, 300);
}

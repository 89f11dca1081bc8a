import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ModelManifest } from '../models/manifest.js';
import { Batcher, type BatchRow, RowGroup } from './batcher.js';
import { EmbeddingCache } from './cache.js';
import { EmbedError } from './errors.js';
import { checkModelDir, verifyCommand } from './model-files.js';
import { l2NormalizeRowsInPlace, poolCls, poolMean, poolNone } from './pool.js';
import { OrtSession } from './session.js';
import { readStaticModel, StaticRunner } from './static-model.js';
import { assertTextArray, prepareText } from './text-input.js';
import { padBatch, TextTokenizer } from './tokenize.js';
import type { Embedder, EmbedKind, EmbedResult } from './types.js';

export interface OnnxEmbedderOptions {
  /** Directory holding the manifest's files. */
  modelDir: string;
  manifest: ModelManifest;
  /**
   * onnxruntime intra-op threads. Default: 1 for a model that outputs the sentence vector itself
   * (pooling "none", like the built-in static model: a lookup and a sum, where a thread pool costs
   * more than it saves — measured batch-1 p50 127 → 112 µs, batched 19k → 26k texts/s on 2
   * cores); otherwise onnxruntime's choice, one per physical core.
   */
  intraOpThreads?: number;
  interOpThreads?: number;
  /** Most rows in one model batch (default 32). */
  maxBatch?: number;
  /**
   * Extra time a row waits for others when the model is idle, in ms (default 0: calls made in the
   * same event-loop turn, and calls arriving while a batch runs, are batched anyway).
   */
  maxWaitMs?: number;
  /** Most model batches running at once (default 1: one batch already uses every core). */
  maxConcurrentRuns?: number;
  /** Cap on rows × padded length per batch, bounding attention memory (default 8192). */
  maxBatchTokens?: number;
  /** Entries kept in the (kind, text) → vector LRU cache; 0 disables it (default 1024). */
  cacheSize?: number;
  /**
   * How onnxruntime is called: 'binding' directly (no event-loop trip per run) or 'public' through
   * its JS API. Default: the binding when the installed onnxruntime-node has it (ort-runner.ts).
   */
  runnerPath?: 'binding' | 'public';
  /**
   * Start loading the model later rather than now: on `load()`, on the first embed call, or after
   * `deferLoad` ms, whichever comes first. A server passes this so that loading (reading and
   * building the tokenizer, loading onnxruntime: 100-300 ms of blocking work) does not delay its
   * answer to the MCP `initialize` request, and calls `load()` once that is answered. Default:
   * loading starts at once.
   */
  deferLoad?: number;
  /**
   * Compute a static-embedding model (the built-in one: int8 rows summed and normalised) in
   * JavaScript instead of onnxruntime when its graph is recognised (static-model.ts). Default true;
   * false runs every batch through onnxruntime (the reference in tests).
   */
  staticFastPath?: boolean;
}

/** Characters of input kept per allowed token before tokenising (see text-input.ts). */
export const CHARS_PER_TOKEN_CAP = 32;
/** Largest batch (rows × padded length) the static-model fast path computes (static-model.ts). */
const STATIC_FAST_MAX_TOKENS = 64;
/** Texts longer than this are embedded but not cached (their key would cost more than a hit saves). */
const MAX_CACHED_TEXT_CHARS = 4096;

interface Loaded {
  tokenizer: TextTokenizer;
  session: OrtSession;
  /** The static-model fast path, when the model is one (runs instead of `session`). */
  fast: StaticRunner | null;
}

/** Statistics for tests and diagnostics. */
export interface EmbedderStats {
  sessionRuns: number;
  batches: number;
  cacheHits: number;
  cacheMisses: number;
  cacheSize: number;
  /** How onnxruntime is called once loaded ('binding' directly, 'public' API); null before. */
  ortCall: 'binding' | 'public' | null;
  /** The model is computed by the static-model fast path (static-model.ts), not onnxruntime. */
  staticFastPath: boolean;
}

/**
 * Creates the embedder and starts loading the model in the background right away, so callers
 * (an MCP handshake, say) never wait for it; `ready` reports how loading went, and embed calls
 * made before then simply wait for it.
 */
export function createOnnxEmbedder(options: OnnxEmbedderOptions): OnnxEmbedder {
  return new OnnxEmbedder(options);
}

export class OnnxEmbedder implements Embedder {
  readonly modelId: string;
  readonly dim: number;
  readonly maxTokens: number;
  readonly ready: Promise<void>;
  private readonly manifest: ModelManifest;
  private readonly loading: Promise<Loaded>;
  private startLoading: (() => void) | null;
  private loadTimer: NodeJS.Timeout | null = null;
  private loaded: Loaded | null = null;
  private readonly batcher: Batcher;
  private readonly cache: EmbeddingCache;
  private readonly maxChars: number;
  private closed = false;
  private readonly meanScratch: Float64Array;
  private pooled = new Float32Array(0);

  constructor(options: OnnxEmbedderOptions) {
    const { manifest } = options;
    this.manifest = manifest;
    this.modelId = manifest.id;
    this.dim = manifest.dim;
    this.maxTokens = manifest.maxTokens;
    this.maxChars = manifest.maxTokens * CHARS_PER_TOKEN_CAP;
    this.meanScratch = new Float64Array(manifest.dim);
    this.cache = new EmbeddingCache(options.cacheSize ?? 1024);
    this.batcher = new Batcher({
      maxBatch: options.maxBatch ?? 32,
      maxWaitMs: options.maxWaitMs ?? 0,
      concurrency: options.maxConcurrentRuns ?? 1,
      maxBatchTokens: options.maxBatchTokens ?? 8192,
      runBatch: (rows) => this.runBatch(rows),
    });
    let start!: () => void;
    const started = new Promise<void>((resolve) => {
      start = resolve;
    });
    this.loading = started.then(() => this.loadFiles(options));
    this.startLoading = () => {
      this.startLoading = null;
      if (this.loadTimer !== null) clearTimeout(this.loadTimer);
      this.loadTimer = null;
      start();
    };
    if (options.deferLoad === undefined) this.startLoading();
    else this.loadTimer = setTimeout(() => this.startLoading?.(), options.deferLoad);
    this.ready = this.loading.then(() => undefined);
    // Nobody may ever await `ready`; a failed load must not become an unhandled rejection.
    // Awaiting `ready` (or any embed call) still sees the error.
    this.ready.catch(() => {});
  }

  stats(): EmbedderStats {
    return {
      sessionRuns: (this.loaded?.session.runs ?? 0) + (this.loaded?.fast?.runs ?? 0),
      batches: this.batcher.batches,
      cacheHits: this.cache.hits,
      cacheMisses: this.cache.misses,
      cacheSize: this.cache.size,
      ortCall: this.loaded?.session.runnerPath ?? null,
      staticFastPath: (this.loaded?.fast ?? null) !== null,
    };
  }

  /** The loaded tokenizer (after `ready`), for benchmarks and diagnostics. */
  get tokenizer(): TextTokenizer | null {
    return this.loaded?.tokenizer ?? null;
  }

  /** Starts loading the model if it has not started (see `deferLoad`); resolves like `ready`. */
  load(): Promise<void> {
    this.startLoading?.();
    return this.ready;
  }

  async embed(texts: readonly string[], kind: EmbedKind): Promise<Float32Array> {
    return (await this.embedWithInfo(texts, kind)).vectors;
  }

  async embedWithInfo(texts: readonly string[], kind: EmbedKind): Promise<EmbedResult> {
    this.assertOpen();
    assertTextArray(texts);
    if (kind !== 'query' && kind !== 'passage') {
      throw new EmbedError(
        'INPUT_INVALID',
        `kind must be 'query' or 'passage', got ${JSON.stringify(kind) ?? String(kind)}`,
      );
    }
    const n = texts.length;
    const prefix = kind === 'query' ? this.manifest.prefixes.query : this.manifest.prefixes.passage;
    // Validate everything before doing any work, so a bad text fails the call up front.
    const prepared = texts.map((t, i) => prepareText(t, i, this.maxChars));
    this.startLoading?.();
    const { tokenizer } = this.loaded ?? (await this.loading);
    this.assertOpen();

    const vectors = new Float32Array(n * this.dim);
    const truncated = new Uint8Array(n);
    const tokenCounts = new Uint32Array(n);
    const keys: Array<string | null> = new Array(n);
    const misses: Array<{ index: number; ids: Int32Array }> = [];
    for (let i = 0; i < n; i++) {
      const p = prepared[i]!;
      const key = EmbeddingCache.key(kind, p.text, MAX_CACHED_TEXT_CHARS);
      keys[i] = key;
      const hit = key !== null && !p.cut ? this.cache.get(key) : undefined;
      if (hit !== undefined) {
        vectors.set(hit.vector, i * this.dim);
        truncated[i] = hit.truncated ? 1 : 0;
        tokenCounts[i] = hit.tokenCount;
        continue;
      }
      const encoded = tokenizer.encode(prefix + p.text, this.maxTokens);
      if (encoded === null) {
        throw new EmbedError(
          'INPUT_INVALID',
          `texts[${i}] has no tokens after the tokenizer's normalisation (it holds only ` +
            'control, formatting or combining characters): a text must contain at least one ' +
            'letter, digit, symbol or punctuation mark',
        );
      }
      truncated[i] = encoded.truncated || p.cut ? 1 : 0;
      tokenCounts[i] = encoded.ids.length;
      misses.push({ index: i, ids: encoded.ids });
    }
    if (misses.length > 0) {
      const group = new RowGroup(misses.length);
      const rows: BatchRow[] = misses.map((m) => ({
        ids: m.ids,
        out: vectors,
        outRow: m.index,
        group,
      }));
      this.batcher.submit(rows);
      await group.done;
      // Only when caching: the stored copy would be thrown away with a zero-size cache.
      for (const { index: i } of this.cache.capacity > 0 ? misses : []) {
        const key = keys[i] as string | null;
        if (key === null || prepared[i]!.cut) continue;
        this.cache.set(key, {
          vector: vectors.slice(i * this.dim, (i + 1) * this.dim),
          truncated: truncated[i] === 1,
          tokenCount: tokenCounts[i]!,
        });
      }
    }
    return { vectors, truncated, tokenCounts };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.batcher.rejectQueued(new EmbedError('EMBEDDER_CLOSED', 'the embedder was closed'));
    await this.batcher.idle();
    this.cache.clear();
    // Never loaded (deferred and never asked for): nothing to load just to release it.
    if (this.startLoading !== null) {
      if (this.loadTimer !== null) clearTimeout(this.loadTimer);
      this.loadTimer = null;
      return;
    }
    try {
      const loaded = await this.loading;
      await loaded.session.release();
    } catch {
      // Loading failed: there is no session to release, and `ready` already carries the error.
    }
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new EmbedError(
        'EMBEDDER_CLOSED',
        `the embedder for ${this.modelId} is closed: create a new one to embed again`,
      );
    }
  }

  private async loadFiles(options: OnnxEmbedderOptions): Promise<Loaded> {
    const { modelDir, manifest } = options;
    const paths = await checkModelDir(modelDir, manifest);
    const configPath = await tokenizerConfigPath(modelDir, manifest, paths.tokenizer);
    const tokenizer = await TextTokenizer.load(paths.tokenizer, configPath);
    const session = await OrtSession.create(
      paths.model,
      {
        intraOpThreads: options.intraOpThreads ?? (manifest.pooling === 'none' ? 1 : undefined),
        interOpThreads: options.interOpThreads,
        runnerPath: options.runnerPath,
      },
      verifyCommand(manifest),
    );
    if (manifest.maxTokens < tokenizer.prefixIds.length + tokenizer.suffixIds.length + 1) {
      throw new EmbedError(
        'MODEL_INCOMPATIBLE',
        `manifest maxTokens ${manifest.maxTokens} leaves no room for text between the special tokens`,
      );
    }
    const model =
      options.staticFastPath !== false && manifest.pooling === 'none'
        ? readStaticModel(paths.model)
        : null;
    const fast = model !== null && model.dim === manifest.dim ? new StaticRunner(model) : null;
    const loaded = { tokenizer, session, fast };
    this.loaded = loaded;
    return loaded;
  }

  /** Pads, runs the model, pools, normalises and writes each row to its caller's array. */
  private async runBatch(rows: BatchRow[]): Promise<void> {
    const { session, tokenizer, fast } = this.loaded!;
    const batch = padBatch(
      rows.map((r) => r.ids),
      tokenizer.padId,
    );
    // Small batches (a query, a single remembered text) skip onnxruntime's fixed per-run cost; large
    // ones are faster through its vectorised gather and sum (measured: 256 texts in 32-row
    // batches 9–10 ms through onnxruntime vs 22–25 ms in JavaScript, one text 0.10 vs 0.18 ms
    // inside a server).
    const output =
      fast !== null && batch.rows * batch.seq <= STATIC_FAST_MAX_TOKENS
        ? fast.run(batch)
        : await session.run(batch);
    const dim = this.dim;
    const n = batch.rows;
    if (this.pooled.length < n * dim) this.pooled = new Float32Array(n * dim);
    const pooled = this.pooled;
    const dims = output.dims;
    const outDim = dims[dims.length - 1];
    if (outDim !== dim) {
      throw new EmbedError(
        'MODEL_INCOMPATIBLE',
        `model output ${session.outputName} has ${outDim} values per vector but the manifest ` +
          `says dim ${dim}: the manifest does not describe this model file`,
      );
    }
    if (dims.length === 2) {
      poolNone(output.data, n, dim, pooled);
    } else if (dims.length === 3 && this.manifest.pooling === 'cls') {
      poolCls(output.data, n, batch.seq, dim, pooled);
    } else if (dims.length === 3 && this.manifest.pooling === 'mean') {
      poolMean(output.data, batch.attentionMask, n, batch.seq, dim, pooled, this.meanScratch);
    } else {
      throw new EmbedError(
        'MODEL_INCOMPATIBLE',
        `model output ${session.outputName} has shape [${dims.join(', ')}] and the manifest ` +
          `pooling is '${this.manifest.pooling}': token states need 'cls' or 'mean', a sentence ` +
          "vector needs 'none'",
      );
    }
    const bad = l2NormalizeRowsInPlace(pooled, dim, 0, n);
    if (bad >= 0) {
      throw new EmbedError(
        'RUNTIME_FAILED',
        `the model produced a non-finite value for a ${rows[bad]!.ids.length}-token text: ` +
          `the model file may be damaged; run \`${verifyCommand(this.manifest)}\``,
      );
    }
    for (let r = 0; r < n; r++) {
      const row = rows[r]!;
      row.out.set(pooled.subarray(r * dim, (r + 1) * dim), row.outRow * dim);
    }
  }
}

async function tokenizerConfigPath(
  modelDir: string,
  manifest: ModelManifest,
  tokenizerPath: string,
): Promise<string | null> {
  const listed = manifest.files.tokenizerConfig ?? manifest.files.tokenizer_config;
  const candidate =
    listed !== undefined
      ? join(modelDir, listed.path)
      : join(dirname(tokenizerPath), 'tokenizer_config.json');
  try {
    await access(candidate);
    return candidate;
  } catch {
    return null;
  }
}

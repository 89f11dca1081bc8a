import { readFile } from 'node:fs/promises';
import type { Tokenizer } from '@huggingface/tokenizers';
import { describeError, EmbedError } from './errors.js';
import { FastBertWordPiece, type TokenizerJsonLike } from './wordpiece-fast.js';

/**
 * Text → token ids for one model, with the truncation and padding `@huggingface/tokenizers` does
 * not do: content tokens are cut to fit `maxTokens` while the model's leading and trailing special
 * tokens ([CLS] … [SEP]) are always kept, and batches are padded to their longest row.
 */

export interface EncodedText {
  /** Ids the model sees: special prefix, (truncated) content, special suffix. */
  ids: Int32Array;
  /** Content tokens were dropped to fit. */
  truncated: boolean;
}

/** Padded model inputs for a batch of rows, row-major [rows, seq]. */
export interface BatchInputs {
  rows: number;
  seq: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
}

export class TextTokenizer {
  readonly prefixIds: readonly number[];
  readonly suffixIds: readonly number[];
  readonly padId: number;
  /** Whether texts take the fast BERT WordPiece path (see wordpiece-fast.ts). */
  readonly hasFastPath: boolean;
  private readonly tokenizer: Tokenizer;
  private readonly fast: FastBertWordPiece | null;
  private readonly scratch: number[] = [];

  private constructor(tokenizer: Tokenizer, fast: FastBertWordPiece | null, padId: number) {
    this.tokenizer = tokenizer;
    this.fast = fast;
    this.hasFastPath = fast !== null;
    this.padId = padId;
    const [prefix, suffix] = findSpecialAffixes(tokenizer);
    this.prefixIds = prefix;
    this.suffixIds = suffix;
  }

  /**
   * Loads `tokenizer.json` (and `tokenizer_config.json` when given). Any failure is a
   * TOKENIZER_INVALID naming the file.
   */
  static async load(tokenizerPath: string, configPath: string | null): Promise<TextTokenizer> {
    const json = await readJson(tokenizerPath);
    const config = configPath === null ? {} : await readJson(configPath);
    let tokenizer: Tokenizer;
    try {
      // Imported on first use, like onnxruntime (ort-runner.ts): not on the start-up path.
      const { Tokenizer: TokenizerClass } = await import('@huggingface/tokenizers');
      tokenizer = new TokenizerClass(json, config);
    } catch (error) {
      throw new EmbedError(
        'TOKENIZER_INVALID',
        `tokenizer at ${tokenizerPath} could not be built (${describeError(error)}): ` +
          'expected a Hugging Face tokenizer.json; reinstall the model files',
        { file: tokenizerPath, cause: error },
      );
    }
    const vocab = tokenizer.get_vocab(true);
    const fast = FastBertWordPiece.tryCreate(json as TokenizerJsonLike, config, vocab);
    const padToken = typeof config.pad_token === 'string' ? config.pad_token : '[PAD]';
    const padId = vocab.get(padToken) ?? 0;
    try {
      return new TextTokenizer(tokenizer, fast, padId);
    } catch (error) {
      throw new EmbedError(
        'TOKENIZER_INVALID',
        `tokenizer at ${tokenizerPath} does not encode text (${describeError(error)})`,
        { file: tokenizerPath, cause: error },
      );
    }
  }

  /** Appends the content ids of `text` (no special tokens) to `out`. */
  contentIds(text: string, out: number[]): void {
    if (this.fast?.encode(text, out)) return;
    const ids = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
  }

  /** Content ids as the library alone computes them (the reference for the fast path). */
  libraryContentIds(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /**
   * Model ids for `text`, cut to at most `maxTokens` in total. Returns `null` when the text has no
   * content tokens at all (it normalises to nothing), which the caller turns into an error.
   */
  encode(text: string, maxTokens: number): EncodedText | null {
    const content = this.scratch;
    content.length = 0;
    this.contentIds(text, content);
    if (content.length === 0) return null;
    const pre = this.prefixIds;
    const suf = this.suffixIds;
    const room = maxTokens - pre.length - suf.length;
    const kept = Math.min(content.length, room);
    const ids = new Int32Array(pre.length + kept + suf.length);
    let o = 0;
    for (let i = 0; i < pre.length; i++) ids[o++] = pre[i]!;
    for (let i = 0; i < kept; i++) ids[o++] = content[i]!;
    for (let i = 0; i < suf.length; i++) ids[o++] = suf[i]!;
    return { ids, truncated: content.length > room };
  }
}

/** Pads `rows` to the longest one: ids with `padId`, attention mask 1 for real tokens, 0 after. */
export function padBatch(rows: readonly Int32Array[], padId: number): BatchInputs {
  let seq = 0;
  for (const r of rows) if (r.length > seq) seq = r.length;
  const n = rows.length;
  const inputIds = new BigInt64Array(n * seq);
  const attentionMask = new BigInt64Array(n * seq);
  const pad = BigInt(padId);
  for (let r = 0; r < n; r++) {
    const row = rows[r]!;
    const base = r * seq;
    for (let j = 0; j < row.length; j++) {
      inputIds[base + j] = BigInt(row[j]!);
      attentionMask[base + j] = 1n;
    }
    if (pad !== 0n) for (let j = row.length; j < seq; j++) inputIds[base + j] = pad;
  }
  return { rows: n, seq, inputIds, attentionMask };
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new EmbedError(
      missing ? 'MODEL_MISSING' : 'TOKENIZER_INVALID',
      `${missing ? 'tokenizer file not found' : 'cannot read tokenizer file'} at ${path}: ` +
        'reinstall the model files',
      { file: path, cause: error },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EmbedError(
      'TOKENIZER_INVALID',
      `tokenizer file ${path} is not valid JSON (${describeError(error)}): ` +
        'expected a Hugging Face tokenizer file; reinstall the model files',
      { file: path, cause: error },
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new EmbedError('TOKENIZER_INVALID', `tokenizer file ${path} must hold a JSON object`, {
      file: path,
    });
  }
  return value as Record<string, unknown>;
}

/**
 * The special tokens the tokenizer's post-processor puts before and after a single text, found by
 * encoding a probe with and without them, so no token name is hard-coded ([CLS]/[SEP] for BERT,
 * <s>/</s> for others).
 */
function findSpecialAffixes(tokenizer: Tokenizer): [number[], number[]] {
  const probe = 'a';
  const full = tokenizer.encode(probe, { add_special_tokens: true }).ids;
  const content = tokenizer.encode(probe, { add_special_tokens: false }).ids;
  if (content.length === 0) throw new Error(`the probe text "${probe}" encodes to no tokens`);
  for (let start = 0; start + content.length <= full.length; start++) {
    let same = true;
    for (let i = 0; i < content.length && same; i++) same = full[start + i] === content[i];
    if (same) return [full.slice(0, start), full.slice(start + content.length)];
  }
  throw new Error('special tokens surround the text in an unexpected way');
}

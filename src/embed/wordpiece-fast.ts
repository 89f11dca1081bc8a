/**
 * A fast path for BERT WordPiece tokenisation of printable-ASCII text.
 *
 * `@huggingface/tokenizers` normalises character by character with a regular expression per
 * character and re-joins arrays for every WordPiece attempt, which caps it near 25k short texts/s.
 * Most of what agents remember (log lines, English prose, code) is ASCII, and for ASCII the BERT
 * pipeline reduces to a few integer comparisons: drop control characters, map \t \n \r to spaces,
 * lower-case, split on whitespace and on each ASCII punctuation character, then greedy
 * longest-match-first WordPiece. This file does exactly that and nothing else; any text that is not
 * printable ASCII, or that contains an added token's literal text (e.g. "[SEP]"), is left to the
 * library, so the two paths cannot disagree on the cases this one does not handle. A differential
 * test checks it against the library on random ASCII strings.
 */

export interface TokenizerJsonLike {
  normalizer?: { type?: string; clean_text?: boolean; lowercase?: boolean } | null;
  pre_tokenizer?: { type?: string } | null;
  model?: {
    type?: string;
    unk_token?: string;
    continuing_subword_prefix?: string;
    max_input_chars_per_word?: number;
    fuse_unk?: boolean;
  };
  added_tokens?: Array<{ content: string; normalized?: boolean }>;
}

const CODE_SPACE = 0x20;

export class AsciiWordPiece {
  private readonly vocab: Map<string, number>;
  private readonly unkId: number;
  private readonly prefix: string;
  private readonly maxWordChars: number;
  private readonly lowercase: boolean;
  private readonly addedContents: string[];

  private constructor(
    vocab: Map<string, number>,
    unkId: number,
    prefix: string,
    maxWordChars: number,
    lowercase: boolean,
    addedContents: string[],
  ) {
    this.vocab = vocab;
    this.unkId = unkId;
    this.prefix = prefix;
    this.maxWordChars = maxWordChars;
    this.lowercase = lowercase;
    this.addedContents = addedContents;
  }

  /**
   * Returns a fast path when the tokenizer is the plain BERT pipeline, else `null`.
   * `vocab` must be the library's full vocabulary with added tokens (`get_vocab(true)`), which is
   * also what its WordPiece model looks pieces up in.
   */
  static tryCreate(
    json: TokenizerJsonLike,
    config: Record<string, unknown>,
    vocab: Map<string, number>,
  ): AsciiWordPiece | null {
    const n = json.normalizer;
    const m = json.model;
    if (n?.type !== 'BertNormalizer' || n.clean_text !== true) return null;
    if (json.pre_tokenizer?.type !== 'BertPreTokenizer') return null;
    if (m?.type !== 'WordPiece' || m.fuse_unk === true || m.unk_token === undefined) return null;
    if (config.remove_space === true || config.do_lowercase_and_remove_accent === true) return null;
    const added = json.added_tokens ?? [];
    // Normalised added tokens are matched after normalisation; not worth replicating here.
    if (added.some((t) => t.normalized === true)) return null;
    const unkId = vocab.get(m.unk_token);
    if (unkId === undefined) return null;
    return new AsciiWordPiece(
      vocab,
      unkId,
      m.continuing_subword_prefix ?? '##',
      m.max_input_chars_per_word ?? 100,
      n.lowercase !== false,
      added.map((t) => t.content).filter((c) => c.length > 0),
    );
  }

  /**
   * Appends the content token ids of `text` (no special tokens) to `out` and returns true, or
   * returns false without touching `out` when the text is not for this path.
   */
  encode(text: string, out: number[]): boolean {
    const len = text.length;
    for (let i = 0; i < len; i++) {
      if (text.charCodeAt(i) > 0x7e) return false;
    }
    for (const content of this.addedContents) {
      if (text.includes(content)) return false;
    }
    const source = this.lowercase ? text.toLowerCase() : text;
    let wordStart = -1;
    // Control characters are deleted, not split on ("a\u0000b" is one word), so a word is built
    // from pieces when one occurs inside it.
    let pending = '';
    for (let i = 0; i <= len; i++) {
      const c = i < len ? source.charCodeAt(i) : CODE_SPACE;
      const isControl = (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f;
      if (isControl) {
        if (wordStart >= 0) {
          pending += source.slice(wordStart, i);
          wordStart = -1;
        }
        continue;
      }
      const isSpace = c === CODE_SPACE || c === 0x09 || c === 0x0a || c === 0x0d;
      const isAlnum =
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
      if (isAlnum) {
        if (wordStart < 0) wordStart = i;
        continue;
      }
      // Whitespace or punctuation ends the current word.
      if (wordStart >= 0 || pending.length > 0) {
        const word = wordStart >= 0 ? pending + source.slice(wordStart, i) : pending;
        this.wordPiece(word, out);
        wordStart = -1;
        pending = '';
      }
      if (!isSpace) this.wordPiece(source[i]!, out);
    }
    return true;
  }

  /** Greedy longest-match-first, as BERT's WordPiece: an unmatchable word becomes one [UNK]. */
  private wordPiece(word: string, out: number[]): void {
    if (word.length > this.maxWordChars) {
      out.push(this.unkId);
      return;
    }
    const whole = this.vocab.get(word);
    if (whole !== undefined) {
      out.push(whole);
      return;
    }
    const mark = out.length;
    let start = 0;
    while (start < word.length) {
      let end = word.length;
      let id: number | undefined;
      while (start < end) {
        const piece = start > 0 ? this.prefix + word.slice(start, end) : word.slice(start, end);
        id = this.vocab.get(piece);
        if (id !== undefined) break;
        end--;
      }
      if (id === undefined) {
        out.length = mark;
        out.push(this.unkId);
        return;
      }
      out.push(id);
      start = end;
    }
  }
}

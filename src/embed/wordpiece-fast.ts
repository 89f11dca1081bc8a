/**
 * A fast path for BERT WordPiece tokenisation (BertNormalizer + BertPreTokenizer + WordPiece).
 *
 * `@huggingface/tokenizers` normalises character by character with a regular expression per
 * character and re-joins arrays for every WordPiece attempt, which caps it near 25k short texts/s.
 * This file computes the same ids two faster ways:
 * - printable ASCII (most log lines, English prose, code) reduces to integer comparisons: drop
 *   control characters, map \t \n \r to spaces, lower-case, split on whitespace and on each ASCII
 *   punctuation character, then greedy longest-match-first WordPiece;
 * - any other text goes through the library's exact normalisation steps done as whole-string
 *   regular-expression passes (remove control/format/private-use/surrogate characters and U+FFFD,
 *   whitespace to spaces, spaces around CJK ideographs, lower-case, NFD and strip non-spacing
 *   marks), the library's pre-tokeniser pattern, and WordPiece over code points.
 * A text containing an added token's literal text (e.g. "[SEP]") is left to the library, which
 * splits on those first. Differential tests check both paths against the library.
 */

export interface TokenizerJsonLike {
  normalizer?: {
    type?: string;
    clean_text?: boolean;
    lowercase?: boolean;
    strip_accents?: boolean | null;
    handle_chinese_chars?: boolean;
  } | null;
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
/** Library's is_control (Cc except \t \n \r, Cf, Co, Cs) plus the U+0000/U+FFFD it also drops. */
const REMOVED = /[^\P{Cc}\t\n\r]|[\p{Cf}\p{Co}\p{Cs}\uFFFD]/gu;
const WHITESPACE = /\s/gu;
/** is_chinese_char tested per UTF-16 unit, as the library does (so only BMP ranges can match). */
const CJK = /[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]/g;
const NON_SPACING_MARK = /\p{Mn}/gu;
const PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const PRE_TOKEN = new RegExp(`[^\\s${PUNCTUATION}]+|[${PUNCTUATION}]`, 'gu');

export class FastBertWordPiece {
  private readonly vocab: Map<string, number>;
  private readonly unkId: number;
  private readonly prefix: string;
  private readonly maxWordChars: number;
  private readonly lowercase: boolean;
  private readonly stripAccents: boolean;
  private readonly splitCjk: boolean;
  private readonly addedContents: string[];

  private constructor(
    vocab: Map<string, number>,
    unkId: number,
    prefix: string,
    maxWordChars: number,
    lowercase: boolean,
    stripAccents: boolean,
    splitCjk: boolean,
    addedContents: string[],
  ) {
    this.vocab = vocab;
    this.unkId = unkId;
    this.prefix = prefix;
    this.maxWordChars = maxWordChars;
    this.lowercase = lowercase;
    this.stripAccents = stripAccents;
    this.splitCjk = splitCjk;
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
  ): FastBertWordPiece | null {
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
    return new FastBertWordPiece(
      vocab,
      unkId,
      m.continuing_subword_prefix ?? '##',
      m.max_input_chars_per_word ?? 100,
      n.lowercase === true,
      // The library strips accents when lower-casing unless told not to, else only when told to.
      n.lowercase === true ? n.strip_accents !== false : n.strip_accents === true,
      n.handle_chinese_chars === true,
      added.map((t) => t.content).filter((c) => c.length > 0),
    );
  }

  /**
   * Appends the content token ids of `text` (no special tokens) to `out` and returns true, or
   * returns false without touching `out` when the text is not for this path.
   */
  encode(text: string, out: number[]): boolean {
    for (const content of this.addedContents) {
      if (text.includes(content)) return false;
    }
    const len = text.length;
    for (let i = 0; i < len; i++) {
      if (text.charCodeAt(i) > 0x7e) {
        this.encodeGeneral(text, out);
        return true;
      }
    }
    this.encodeAscii(text, out);
    return true;
  }

  /** Any text: the library's normalisation and pre-tokenisation as whole-string passes. */
  private encodeGeneral(text: string, out: number[]): void {
    let t = text.replace(REMOVED, '').replace(WHITESPACE, ' ');
    if (this.splitCjk) t = t.replace(CJK, ' $& ');
    if (this.lowercase) t = t.toLowerCase();
    if (this.stripAccents) t = t.normalize('NFD').replace(NON_SPACING_MARK, '');
    const words = t.trim().match(PRE_TOKEN);
    if (words === null) return;
    for (const w of words) this.wordPiece(w, out);
  }

  private encodeAscii(text: string, out: number[]): void {
    const len = text.length;
    const source = this.lowercase ? text.toLowerCase() : text;
    let wordStart = -1;
    // Control characters are deleted, not split on ("a\u0000b" is one word), so a word is built
    // from pieces when one occurs inside it.
    let pending = '';
    for (let i = 0; i <= len; i++) {
      const c = i < len ? source.charCodeAt(i) : CODE_SPACE;
      // C0 controls other than \t \n \r (DEL and above never get here: they go to the library).
      const isControl = c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d;
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
  }

  /**
   * Greedy longest-match-first over code points, as BERT's WordPiece: an unmatchable word becomes
   * one [UNK]; so does a word longer than max_input_chars_per_word code points.
   */
  private wordPiece(word: string, out: number[]): void {
    if (word.length > this.maxWordChars && codePointCount(word) > this.maxWordChars) {
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
        if (splitsPair(word, end)) {
          end--; // pieces end on code-point boundaries, as in the library
          continue;
        }
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

function codePointCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Whether cutting `s` before index `end` would separate a surrogate pair. */
function splitsPair(s: string, end: number): boolean {
  if (end <= 0 || end >= s.length) return false;
  const hi = s.charCodeAt(end - 1);
  const lo = s.charCodeAt(end);
  return hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff;
}

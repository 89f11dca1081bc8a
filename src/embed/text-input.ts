import { EmbedError } from './errors.js';

/**
 * What counts as embeddable text, decided once and applied before any tokenisation:
 *
 * - `texts` must be an array of strings; anything else is INPUT_INVALID naming the offending index.
 * - An empty or whitespace-only string is INPUT_INVALID: it has no meaning to embed, and every
 *   such text would map to the same vector and crowd recall results.
 * - Lone UTF-16 surrogates (broken emoji from a bad slice) are replaced with U+FFFD and embedded,
 *   the way a UTF-8 encoder would; the rest of the text is unaffected.
 * - NUL and other control characters are left to the model's tokenizer, which for BERT-style
 *   tokenizers removes them (`clean_text`), so "a\u0000b" embeds as "ab".
 * - Text longer than `maxChars` UTF-16 units is cut there (never inside a surrogate pair) and
 *   flagged as truncated: `maxChars` is a multiple of the model's token limit, far beyond what
 *   fits, so the cut only bounds tokenisation time (a 1 MB text must not cost seconds) and the
 *   tokens the model sees are the ones it would have seen anyway.
 */

export interface PreparedText {
  text: string;
  /** The character cap cut the text. */
  cut: boolean;
}

const WELL_FORMED_BREAKER =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const HAS_SURROGATE = /[\uD800-\uDFFF]/;
const NON_WHITESPACE = /\S/;

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** Checks the `texts` argument itself; returns it typed when it is an array of strings. */
export function assertTextArray(texts: unknown): asserts texts is readonly string[] {
  if (!Array.isArray(texts)) {
    throw new EmbedError(
      'INPUT_INVALID',
      `texts must be an array of strings, got ${describeType(texts)}`,
    );
  }
  for (let i = 0; i < texts.length; i++) {
    const t: unknown = texts[i];
    if (typeof t !== 'string') {
      throw new EmbedError(
        'INPUT_INVALID',
        `texts[${i}] must be a string, got ${describeType(t)}; only strings can be embedded`,
      );
    }
  }
}

/** Validates one text and applies the surrogate and length rules above. */
export function prepareText(text: string, index: number, maxChars: number): PreparedText {
  let cut = false;
  let out = text;
  if (out.length > maxChars) {
    let end = maxChars;
    const last = out.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end -= 1; // keep the pair whole
    out = out.slice(0, end);
    cut = true;
  }
  if (!NON_WHITESPACE.test(out)) {
    throw new EmbedError(
      'INPUT_INVALID',
      `texts[${index}] is ${text.length === 0 ? 'empty' : 'whitespace only'}: ` +
        'a text must contain at least one non-whitespace character',
    );
  }
  if (HAS_SURROGATE.test(out)) out = out.replace(WELL_FORMED_BREAKER, '\uFFFD');
  return { text: out, cut };
}

import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { EmbedError } from '../src/embed/errors.js';
import { assertTextArray, prepareText } from '../src/embed/text-input.js';
import { padBatch, TextTokenizer } from '../src/embed/tokenize.js';
import { getTestModel, hasRealTokenizer } from './helpers/test-model.js';

const variants = [
  { name: 'the small built-in vocabulary', smallVocab: true },
  ...(hasRealTokenizer()
    ? [{ name: 'the real all-MiniLM-L6-v2 tokenizer', smallVocab: false }]
    : []),
];
if (!hasRealTokenizer()) {
  console.warn(
    '[embed-tokenize] ../shared/models/all-MiniLM-L6-v2 is absent: tokenizer tests run with the small built-in vocabulary only',
  );
}

async function loadTokenizer(smallVocab: boolean): Promise<TextTokenizer> {
  const model = getTestModel({ tiny: true, smallVocab });
  return TextTokenizer.load(
    join(model.dir, 'tokenizer.json'),
    join(model.dir, 'tokenizer_config.json'),
  );
}

describe.each(variants)('TextTokenizer with $name', ({ smallVocab }) => {
  let tok: TextTokenizer;
  beforeAll(async () => {
    tok = await loadTokenizer(smallVocab);
  });

  it('finds [CLS] before and [SEP] after the text without hard-coded names', () => {
    expect(tok.prefixIds).toEqual([101]);
    expect(tok.suffixIds).toEqual([102]);
    expect(tok.hasFastPath).toBe(true);
  });

  it('keeps [CLS] first and [SEP] last and flags a text cut to maxTokens', () => {
    const long = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
    const full = tok.encode(long, 10_000)!;
    const cut = tok.encode(long, 16)!;
    expect(full.truncated).toBe(false);
    expect(cut.truncated).toBe(true);
    expect(cut.ids.length).toBe(16);
    expect(cut.ids[0]).toBe(101);
    expect(cut.ids[15]).toBe(102);
    // The kept content is the start of the full content, in order.
    expect(Array.from(cut.ids.subarray(1, 15))).toEqual(Array.from(full.ids.subarray(1, 15)));
  });

  it('does not flag a text that fits exactly', () => {
    const exact = tok.encode('a b c', 5)!;
    expect(exact.truncated).toBe(false);
    expect(exact.ids.length).toBe(5);
  });

  it('returns null for a text that normalises to no tokens', () => {
    expect(tok.encode('\u0301\u200b\u0000', 64)).toBeNull();
  });

  it('agrees with @huggingface/tokenizers on random ASCII text (the fast path is exact)', () => {
    const unit = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789') },
      { weight: 2, arbitrary: fc.constantFrom(' ', ' ', '\t', '\n', '\r') },
      { weight: 2, arbitrary: fc.constantFrom(...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~') },
      { weight: 1, arbitrary: fc.constantFrom('\u0000', '\u0001', '\u000b', '\u000c', '\u007f') },
      { weight: 1, arbitrary: fc.constantFrom('[SEP]', '[CLS]', '[PAD]', '[sep]', '##') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('hello', 'world', 'running', 'memory', 'x'.repeat(120)),
      },
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        const fast: number[] = [];
        tok.contentIds(text, fast);
        expect(fast).toEqual(tok.libraryContentIds(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with @huggingface/tokenizers on random Unicode text (the general fast path is exact)', () => {
    const unit = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...'abcXYZ019 .,!?-'.split('')) },
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          ...'éÉàÀçÇñÑüÜöÖßøØåÅæÆœŒłŁ'.split(''),
          'e\u0301',
          'a\u0300',
          '\u0301',
          '\u0308', // combining marks
          '東',
          '京',
          'タ',
          'ワ',
          '한',
          '국',
          'α',
          'Ω',
          'д',
          'Ж',
          'ا',
          'ש',
          'न',
          '\u0e01',
          '😀',
          '👍🏽',
          '👨\u200d👩\u200d👧',
          '🇫🇷',
          '\u{20000}',
          '\u{1d400}',
          '\u200b',
          '\u200d',
          '\ufeff',
          '\u00ad',
          '\u00a0',
          '\u3000',
          '\u2028',
          '\u180e',
          '\ue000',
          '\ufffd',
          '\ud800',
          '\udc00',
          '\u0000',
          '\u0085',
          '\u007f',
          'ﬁ',
          'ｆｕｌｌ',
          '①',
          '½',
          '™',
          '€',
          '…',
          '«',
          '»',
          '—',
          '\u3002',
          '\uff01',
          '[SEP]',
          'İ',
          'ǅ',
          'ΐ',
          `${'x'.repeat(99)}é`,
          'é'.repeat(101),
        ),
      },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        const fast: number[] = [];
        tok.contentIds(text, fast);
        expect(fast).toEqual(tok.libraryContentIds(text));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('padBatch', () => {
  it('pads rows to the longest with the pad id and masks the padding out', () => {
    const batch = padBatch([Int32Array.of(101, 7, 102), Int32Array.of(101, 102)], 5);
    expect(batch.rows).toBe(2);
    expect(batch.seq).toBe(3);
    expect(Array.from(batch.inputIds)).toEqual([101n, 7n, 102n, 101n, 102n, 5n]);
    expect(Array.from(batch.attentionMask)).toEqual([1n, 1n, 1n, 1n, 1n, 0n]);
  });
});

describe('text input rules', () => {
  const expectInvalid = (fn: () => unknown, pattern: RegExp) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(EmbedError);
      expect((error as EmbedError).code).toBe('INPUT_INVALID');
      expect((error as Error).message).toMatch(pattern);
      return;
    }
    throw new Error('expected an INPUT_INVALID error');
  };

  it('rejects a non-array with a message saying an array of strings is expected', () => {
    expectInvalid(() => assertTextArray('hello'), /texts must be an array of strings, got string/);
    expectInvalid(() => assertTextArray(null), /got null/);
  });

  it('rejects a non-string element naming its index', () => {
    expectInvalid(() => assertTextArray(['ok', 42]), /texts\[1\] must be a string, got number/);
    expectInvalid(() => assertTextArray([{}]), /texts\[0\] must be a string, got object/);
  });

  it('rejects empty and whitespace-only text saying what a text must contain', () => {
    expectInvalid(() => prepareText('', 0, 100), /texts\[0\] is empty.*non-whitespace/);
    expectInvalid(() => prepareText(' \n\t ', 3, 100), /texts\[3\] is whitespace only/);
  });

  it('replaces lone surrogates with U+FFFD and keeps valid pairs', () => {
    expect(prepareText('a\ud800b\udc00c😀', 0, 100).text).toBe('a\ufffdb\ufffdc😀');
  });

  it('cuts text beyond the character cap without splitting a surrogate pair, and says so', () => {
    const p = prepareText(`${'a'.repeat(9)}😀zzz`, 0, 10);
    expect(p.cut).toBe(true);
    expect(p.text).toBe('a'.repeat(9));
    expect(prepareText('short', 0, 10).cut).toBe(false);
  });
});

/**
 * A small BERT WordPiece tokenizer.json, built from a word list in this file, for machines without
 * the real all-MiniLM-L6-v2 tokenizer files: the same normaliser (lowercase, strip accents, clean
 * control characters, split CJK), pre-tokeniser, [CLS]/[SEP] template and special-token ids as the
 * real one, with a vocabulary of about two thousand entries. Enough to exercise every code path
 * (sub-words, unknown words, truncation) offline; not a substitute for the real vocabulary.
 */

const WORDS = `the of and to in is was for on that with as by at from it his an were are which this be
or has had not first one their its new after but who they have her she two been other when there
all during into school time may years more most only over city some world would where later up
such used many can state about national out known university united then made age also team
system could through first people what between work under city part well years between three
back long being these where would make like just him know take year good some them see other
than then now look only come its over think also back after use two how our work first well way
even new want because any these give day most us memory agent recall remember forget window ring
vector search model token text embed query passage server client error file log line request
response user data time minute second hour today yesterday tomorrow week month cat dog house
car tree water fire earth air sun moon star light dark red green blue black white small big
fast slow open close start stop run walk read write send receive build test check fix bug code
function value number string list map set array object class type name path key table row column
note idea plan task goal result report issue change update delete create load save store cache
disk network port host address deploy release version warning failure success anomaly normal
alert cpu gpu ram process thread queue batch event stream message service database index query
hello world example sentence this is an quick brown fox jumps lazy over café naïve resume`;

const SUFFIXES = ['s', 'es', 'ed', 'ing', 'er', 'est', 'ly', 'tion', 'ment', 'ness', 'able', 'al'];

/** Characters the BERT pre-tokeniser emits on their own: ASCII punctuation and a few scripts. */
function singleCharacters(): string[] {
  const chars: string[] = [];
  for (let c = 0x21; c < 0x7f; c++) {
    const ch = String.fromCharCode(c);
    if (ch >= 'A' && ch <= 'Z') continue; // lower-cased away by the normaliser
    chars.push(ch);
  }
  const ranges: Array<[number, number]> = [
    [0x03b1, 0x03c9], // Greek lower case
    [0x0430, 0x044f], // Cyrillic lower case
    [0x4e00, 0x4e40], // a few CJK ideographs
    [0x3041, 0x3060], // a few Hiragana
  ];
  for (const [lo, hi] of ranges) for (let c = lo; c <= hi; c++) chars.push(String.fromCodePoint(c));
  chars.push('€', '£', '°', '©', '•', '…');
  return chars;
}

export function buildSmallVocab(): Map<string, number> {
  const vocab = new Map<string, number>();
  const add = (token: string): void => {
    if (!vocab.has(token)) vocab.set(token, vocab.size);
  };
  // Same special-token ids as the real BERT vocabulary, so [CLS]=101 and [SEP]=102 everywhere.
  add('[PAD]');
  for (let i = 1; i < 100; i++) add(`[unused${i - 1}]`);
  add('[UNK]');
  add('[CLS]');
  add('[SEP]');
  add('[MASK]');
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (const ch of singleCharacters()) add(ch);
  for (const ch of `${letters}0123456789`) add(`##${ch}`);
  for (const word of WORDS.split(/\s+/)) {
    // Accents are stripped by the normaliser, so store the stripped form.
    const plain = word.normalize('NFD').replace(/\p{Mn}/gu, '');
    if (plain.length > 0) add(plain);
  }
  for (const suffix of SUFFIXES) add(`##${suffix}`);
  for (const a of letters) for (const b of letters) add(`##${a}${b}`);
  return vocab;
}

/** The tokenizer.json document (Hugging Face tokenizers format) for the small vocabulary. */
export function buildSmallTokenizerJson(): Record<string, unknown> {
  const vocab = buildSmallVocab();
  const special = (content: string) => ({
    id: vocab.get(content)!,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [vocab.get('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [vocab.get('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab),
    },
  };
}

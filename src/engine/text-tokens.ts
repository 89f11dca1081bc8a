import { porterStem } from './porter-stem.js';

/**
 * The analyser of the lexical index: text → the terms BM25 counts. Agent memory holds prose and
 * identifiers side by side, so a word is folded (Unicode lower case, accents stripped, English
 * stem) while an identifier is indexed both whole and in parts:
 *
 *   parseHTTPResponse    → parse http respons parsehttpresponse
 *   ERR_SOCKET_TIMEOUT   → err socket timeout err_socket_timeout
 *   src/engine/ring.ts   → src engin ring ts src/engine/ring.ts
 *   v1.2.3               → v 1 2 3 v1.2.3          #1234 → 1234 #1234
 *
 * so a query for "socket timeout" and a query for "ERR_SOCKET_TIMEOUT" both find the entry, and
 * the exact form scores higher. Numbers are kept. English stop words are dropped from documents
 * and queries alike (the same analyser runs on both sides, so scores stay comparable).
 */

/** Letters, marks and digits, joined by the characters identifiers use. */
const COMPOUND =
  /#?[\p{L}\p{N}]+(?:['’][\p{L}]+)*(?:[._/\\:@+-]+#?[\p{L}\p{N}]+(?:['’][\p{L}]+)*)*/gu;
const JOINERS = /[._/\\:@+#-]+/u;
/** Case and letter/digit boundaries inside one identifier part: parseHTTPResponse, utf8Decode. */
const SUB_PARTS = /\p{Lu}+(?![\p{Ll}])|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|[\p{L}]+/gu;
const COMBINING_MARKS = /\p{M}+/gu;
const ASCII_LOWER_WORD = /^[a-z]+$/;

/**
 * A compact English stop-word list (articles, pronouns, auxiliaries, prepositions, conjunctions).
 * Negations ("not", "no") are kept: in memory about failures they carry meaning.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an the and or but if then else of at by for with about against between into through during ' +
    'before after above below to from up down in out on off over under again further once here there ' +
    'when where why how all any both each few more most other some such only own same so than too very ' +
    'can will just should now i me my myself we our ours ourselves you your yours yourself yourselves ' +
    'he him his himself she her hers herself it its itself they them their theirs themselves what which ' +
    'who whom this that these those am is are was were be been being have has had having do does did ' +
    'doing would could shall may might must s t d ll m re ve o y as until while because'
  ).split(' '),
);

/** Strips accents (NFKD, then drops combining marks) and lower-cases, Unicode-aware. */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase().replace(/ß/gu, 'ss');
}

/** Stems already computed: words repeat a lot, and stemming is the analyser's dearest step. */
const stemCache = new Map<string, string>();
const STEM_CACHE_MAX = 65_536;

/** The term a plain word becomes: its Porter stem when it is a plain ASCII word, else itself. */
function wordTerm(folded: string): string {
  if (folded.length <= 2 || !ASCII_LOWER_WORD.test(folded)) return folded;
  let stem = stemCache.get(folded);
  if (stem === undefined) {
    stem = porterStem(folded);
    if (stemCache.size >= STEM_CACHE_MAX) stemCache.clear();
    stemCache.set(folded, stem);
  }
  return stem;
}

function stripApostrophes(part: string): string {
  // "Caroline's" → "caroline"; "don't" → "dont".
  return part.replace(/['’]s$/iu, '').replace(/['’]/gu, '');
}

/**
 * Calls `emit` for every term of `text`, in text order (a term may repeat). The callback form
 * lets the index count terms without building an intermediate array per text.
 */
export function forEachTerm(text: string, emit: (term: string) => void): void {
  // Accents are stripped before splitting (so "café" stays one word) but case is kept until the
  // identifier parts are found.
  const unaccented = text.normalize('NFKD').replace(COMBINING_MARKS, '');
  for (const match of unaccented.matchAll(COMPOUND)) {
    const compound = match[0];
    const pieces = compound.split(JOINERS).filter((p) => p.length > 0);
    let emitted = 0;
    for (const rawPiece of pieces) {
      const piece = stripApostrophes(rawPiece);
      if (piece.length === 0) continue;
      const subs = piece.match(SUB_PARTS) ?? [piece];
      for (const sub of subs) {
        const folded = sub.toLowerCase().replace(/ß/gu, 'ss');
        if (STOP_WORDS.has(folded)) continue;
        emit(wordTerm(folded));
        emitted++;
      }
      if (subs.length > 1) {
        // The identifier part whole (parseHTTPResponse → parsehttpresponse), unstemmed.
        emit(piece.toLowerCase());
        emitted++;
      }
    }
    const whole = compound.toLowerCase();
    if (pieces.length > 1 || compound.startsWith('#')) {
      // The identifier whole, as written: paths, dotted versions, snake_case, #1234.
      if (emitted > 0 || !STOP_WORDS.has(whole)) emit(stripApostrophes(whole));
    }
  }
}

/** The terms of `text` as an array (tests, the brute-force reference, query analysis). */
export function textTerms(text: string): string[] {
  const out: string[] = [];
  forEachTerm(text, (t) => out.push(t));
  return out;
}

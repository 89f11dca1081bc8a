"""BERT-style text normalisation, pre-tokenisation and WordPiece, matching `tokenizers`.

The training pipeline cannot use the `tokenizers` Python package (not installable offline), so
this re-implements exactly what tokenizer.json declares (BertNormalizer with clean_text,
handle_chinese_chars, strip_accents and lowercase; BertPreTokenizer; WordPiece with `##`
continuation and max_input_chars_per_word). `check_tokenizer.mjs` proves on the STS sentences that
the Node library produces the same ids.
"""

import re
import unicodedata

SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
PAD, UNK, CLS, SEP, MASK = range(5)
# The passage marker: the manifest's passage prefix, so the embedder puts it (and only it) at the
# start of every stored text. It is an ordinary lower-case word, not an added token, so texts keep
# the embedder's fast tokenisation path; no corpus text contains it, and the graph reads it as a
# switch (see build_model.export_onnx), never as content.
PASSAGE_TOKEN = 'ringmempassage'
MAX_CHARS_PER_WORD = 100


def _is_whitespace(c):
    return c in ' \t\n\r' or c.isspace() or unicodedata.category(c) == 'Zs'


def _is_control(c):
    if c in '\t\n\r':
        return False
    return unicodedata.category(c) in ('Cc', 'Cf', 'Cn', 'Co', 'Cs')


def _is_chinese(cp):
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B920 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _is_punctuation(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith('P')


def normalize(text):
    out = []
    for c in text:
        if c == '\0' or c == '\ufffd' or _is_control(c):
            continue
        if _is_whitespace(c):
            out.append(' ')
        elif _is_chinese(ord(c)):
            out.append(' ' + c + ' ')
        else:
            out.append(c)
    text = unicodedata.normalize('NFD', ''.join(out))
    text = ''.join(c for c in text if unicodedata.category(c) != 'Mn')
    return text.lower()


def pre_tokenize(text):
    """Splits normalised text on whitespace and isolates every punctuation character."""
    words = []
    for chunk in text.split(' '):
        if not chunk:
            continue
        start = 0
        for i, c in enumerate(chunk):
            if _is_punctuation(c):
                if start < i:
                    words.append(chunk[start:i])
                words.append(c)
                start = i + 1
        if start < len(chunk):
            words.append(chunk[start:])
    return words


_ASCII_CONTROL = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')
_ASCII_WORD = re.compile(r'[a-z0-9]+|[!-/:-@\[-`{-~]')


def words_of(text):
    if text.isascii():
        # Fast path with the same result: in ASCII every printable non-alphanumeric character is
        # BERT punctuation, and there are no accents or CJK characters to handle.
        return _ASCII_WORD.findall(_ASCII_CONTROL.sub('', text).lower())
    return pre_tokenize(normalize(text))


class WordPiece:
    def __init__(self, vocab):
        """vocab: list of token strings, index = id."""
        self.tokens = list(vocab)
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        self.max_len = max(len(t) for t in self.tokens)
        self._cache = {}

    def word_ids(self, word):
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        ids = self._split(word)
        if len(self._cache) < 2_000_000:
            self._cache[word] = ids
        return ids

    def _split(self, word):
        if len(word) > MAX_CHARS_PER_WORD:
            return (UNK,)
        out = []
        start = 0
        n = len(word)
        while start < n:
            end = min(n, start + self.max_len)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else '##' + word[start:end]
                found = self.ids.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return (UNK,)
            out.append(found)
            start = end
        return tuple(out)

    def encode(self, text, specials=True):
        ids = [CLS] if specials else []
        for w in words_of(text):
            ids.extend(self.word_ids(w))
        if specials:
            ids.append(SEP)
        return ids

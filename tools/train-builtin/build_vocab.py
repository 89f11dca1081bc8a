#!/usr/bin/python3
"""Learns a WordPiece vocabulary from the gathered corpus and writes tokenizer.json.

Usage: build_vocab.py CORPUS_DIR OUT_DIR VOCAB_SIZE

For static (context-free) embeddings a token is only as good as the vector it gets, so the
vocabulary is mostly whole words: the most frequent words of the corpus, plus every character
that occurs at least MIN_CHAR_COUNT times (word-initial and `##` form, so any word made of them
can be spelled) and the most useful sub-word pieces for the words left out. A piece's usefulness is
the number of characters it would cover in those left-out words (count x (length - 1)), counted
separately for word-initial prefixes and `##` continuations, with the greedy longest-match-first
rule WordPiece uses at run time in mind. Fully deterministic (ties are broken by the string).
"""

import collections
import glob
import json
import os
import sys

from wordpiece import PASSAGE_TOKEN, SPECIALS, words_of

MIN_CHAR_COUNT = 20
PIECE_SHARE = 0.12  # share of the non-character budget given to sub-word pieces
MAX_PIECE_LEN = 8


def count_words(corpus_dir):
    counts = collections.Counter()
    for path in sorted(glob.glob(os.path.join(corpus_dir, '*.txt'))):
        with open(path, encoding='utf-8') as f:
            for line in f:
                counts.update(words_of(line))
    return counts


def choose_vocab(counts, size):
    chars = collections.Counter()
    for w, n in counts.items():
        for c in w:
            chars[c] += n
    alphabet = sorted(c for c, n in chars.items() if n >= MIN_CHAR_COUNT)
    char_tokens = alphabet + ['##' + c for c in alphabet]

    budget = size - len(SPECIALS) - len(char_tokens)
    n_pieces = int(budget * PIECE_SHARE)
    n_words = budget - n_pieces
    taken = set(SPECIALS) | set(char_tokens) | {PASSAGE_TOKEN}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    words = []
    for w, _ in ranked:
        if len(words) == n_words:
            break
        if w not in taken and len(w) > 1:
            words.append(w)
            taken.add(w)

    # Pieces for the words that did not make it, weighted by how often those words occur.
    prefix = collections.Counter()
    suffix = collections.Counter()
    chosen_words = set(words)
    for w, n in counts.items():
        if w in chosen_words or len(w) < 3 or len(w) > 40 or not w.isalpha():
            continue
        for length in range(2, min(MAX_PIECE_LEN, len(w) - 1) + 1):
            prefix[w[:length]] += n * (length - 1)
        for start in range(1, len(w) - 1):
            for length in range(2, min(MAX_PIECE_LEN, len(w) - start) + 1):
                suffix['##' + w[start : start + length]] += n * (length - 1)
    candidates = sorted(
        list(prefix.items()) + list(suffix.items()), key=lambda kv: (-kv[1], kv[0])
    )
    pieces = []
    for p, _ in candidates:
        if len(pieces) == n_pieces:
            break
        if p not in taken:
            pieces.append(p)
            taken.add(p)
    # The passage marker comes on top of the VOCAB_SIZE content tokens, as the last id: it never
    # occurs in the corpus, so adding it changes no other token or vector.
    vocab = SPECIALS + char_tokens + words + pieces + [PASSAGE_TOKEN]
    assert len(vocab) == len(set(vocab)) and len(vocab) <= size + 1
    return vocab


def tokenizer_json(vocab):
    special = lambda i, t: {  # noqa: E731
        'id': i,
        'content': t,
        'single_word': False,
        'lstrip': False,
        'rstrip': False,
        'normalized': False,
        'special': True,
    }
    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [special(i, t) for i, t in enumerate(SPECIALS)],
        'normalizer': {
            'type': 'BertNormalizer',
            'clean_text': True,
            'handle_chinese_chars': True,
            'strip_accents': True,
            'lowercase': True,
        },
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': [
                {'SpecialToken': {'id': '[CLS]', 'type_id': 0}},
                {'Sequence': {'id': 'A', 'type_id': 0}},
                {'SpecialToken': {'id': '[SEP]', 'type_id': 0}},
            ],
            'pair': [
                {'SpecialToken': {'id': '[CLS]', 'type_id': 0}},
                {'Sequence': {'id': 'A', 'type_id': 0}},
                {'SpecialToken': {'id': '[SEP]', 'type_id': 0}},
                {'Sequence': {'id': 'B', 'type_id': 1}},
                {'SpecialToken': {'id': '[SEP]', 'type_id': 1}},
            ],
            'special_tokens': {
                t: {'id': t, 'ids': [vocab.index(t)], 'tokens': [t]} for t in ('[CLS]', '[SEP]')
            },
        },
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {
            'type': 'WordPiece',
            'unk_token': '[UNK]',
            'continuing_subword_prefix': '##',
            'max_input_chars_per_word': 100,
            'vocab': {t: i for i, t in enumerate(vocab)},
        },
    }


def main():
    corpus_dir, out_dir, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(out_dir, exist_ok=True)
    counts = count_words(corpus_dir)
    with open(os.path.join(out_dir, 'word_counts.tsv'), 'w', encoding='utf-8') as f:
        for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            f.write(f'{w}\t{n}\n')
    vocab = choose_vocab(counts, size)
    with open(os.path.join(out_dir, 'vocab.txt'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(vocab) + '\n')
    with open(os.path.join(out_dir, 'tokenizer.json'), 'w', encoding='utf-8') as f:
        json.dump(tokenizer_json(vocab), f, ensure_ascii=False, separators=(',', ':'))
    print(f'{len(counts)} distinct words, vocabulary of {len(vocab)} tokens', flush=True)


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Rewrites the corpus as WordPiece token strings, one paragraph per line, for the co-occurrence counts.

Counting on the token stream itself (rather than on whole words) gives every vocabulary entry,
`##` pieces included, a vector learnt from the contexts it really occurs in at run time.

Usage: tokenize_corpus.py CORPUS_DIR VOCAB_TXT OUT_TXT
"""

import glob
import os
import sys

from wordpiece import WordPiece, words_of


def main():
    corpus_dir, vocab_path, out_path = sys.argv[1:4]
    with open(vocab_path, encoding='utf-8') as f:
        wp = WordPiece(f.read().split('\n')[:-1])
    n_tokens = 0
    with open(out_path, 'w', encoding='utf-8') as out:
        for path in sorted(glob.glob(os.path.join(corpus_dir, '*.txt'))):
            with open(path, encoding='utf-8') as f:
                for line in f:
                    ids = []
                    for w in words_of(line):
                        ids.extend(wp.word_ids(w))
                    if ids:
                        out.write(' '.join(wp.tokens[i] for i in ids) + '\n')
                        n_tokens += len(ids)
    print(f'{n_tokens} tokens written to {out_path}', flush=True)


if __name__ == '__main__':
    main()

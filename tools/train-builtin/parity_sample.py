#!/usr/bin/python3
"""Prints JSON lines {"text", "ids"} from wordpiece.py for check_tokenizer.mjs to compare.

Usage: parity_sample.py WORK_DIR [STS_CSV] > pairs.jsonl
Texts: 2,000 seeded random paragraphs of each corpus source, awkward edge cases (accents,
combining marks, zero-width and control characters, CJK, over-long words) and, when given, every
STS sentence.
"""

import glob
import json
import os
import random
import sys

from wordpiece import WordPiece

EDGE_CASES = [
    '',
    '   ',
    'He\u0301llo wörld',
    'a\u200bb',
    'x' * 150,
    'tab\there\nnew line\r\n',
    'Ωmega ΣΑΣ',
    '東京 tower',
    'emoji 😀 ok',
    'ﬁne',
    'İstanbul',
    'straße',
    'ctrl\x07char\x00nul',
    'naïve café résumé',
    # The manifest's passage prefix: the marker must be one token in both tokenizers.
    'ringmempassage The disk on node 7 is almost full.',
]


def main():
    work = sys.argv[1]
    with open(os.path.join(work, 'vocab.txt'), encoding='utf-8') as f:
        wp = WordPiece(f.read().split('\n')[:-1])
    texts = list(EDGE_CASES)
    rng = random.Random(1)
    for path in sorted(glob.glob(os.path.join(work, 'corpus', '*.txt'))):
        with open(path, encoding='utf-8') as f:
            lines = f.read().splitlines()
        texts.extend(rng.sample(lines, min(2000, len(lines))))
    if len(sys.argv) > 2 and os.path.isfile(sys.argv[2]):
        with open(sys.argv[2], encoding='utf-8') as f:
            for line in f:
                texts.extend(line.rstrip('\n').split('\t')[5:7])
    for t in texts:
        print(json.dumps({'text': t, 'ids': wp.encode(t)}, ensure_ascii=False))


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Contrastive tuning of the token table on the training text itself: the inverse cloze task.

A co-occurrence model (ppmi_svd.py) learns which tokens appear near each other; it is never asked
to rank passages. The inverse cloze task (Lee, Chang & Toutanova 2019) turns any text into that
question without labels: take a sentence out of a paragraph, and train the model to pick the rest
of its paragraph out of a batch of other paragraphs. A claim against the abstract it is drawn
from, or a question against the turn that answers it, is the same shape.

The graph stays what it is (sum of token rows, L2-normalised), so the rows are tuned in place:
in-batch softmax over cosines (InfoNCE, both directions) at temperature `tau`, Adam on the rows a
batch touches. The mass column (the length prior, see build_model.py) is held fixed: left free,
the task drives it to zero and conversational recall (LoCoMo) falls. Everything is seeded and runs
single-threaded in float32, so a rerun gives the same table.

Usage as a module: `tune(table, work, steps=..., tau=..., lr=...)` → tuned table (build_model.py
calls it with --ict-steps). Run as a script it prints the dev figures every --every steps:
  contrastive.py WORK_DIR --data ../shared/data [--steps 4000] [--tau 0.02] [--lr 1e-3]
"""

import argparse
import os
import time

import numpy as np
from scipy import sparse

from wordpiece import WordPiece

SEED = 20261129
SENTENCE_ENDS = ('.', '?', '!')


def cloze_pairs(work, wp, per_paragraph=8, min_tokens=24, seed=SEED):
    """(sentence, rest of its paragraph) id lists from WORK/tokens.txt, up to `per_paragraph` per
    paragraph of three or more sentences. Sentences are cut at . ? ! tokens (at least 4 tokens);
    a query keeps 62 tokens and a passage 254, as the embedder would."""
    rng = np.random.default_rng(seed)
    ends = {wp.ids[t] for t in SENTENCE_ENDS if t in wp.ids}
    queries, passages = [], []
    with open(os.path.join(work, 'tokens.txt'), encoding='utf-8') as f:
        for line in f:
            ids = [wp.ids[t] for t in line.split()]
            if len(ids) < min_tokens:
                continue
            sentences, current = [], []
            for i in ids:
                current.append(i)
                if i in ends and len(current) >= 4:
                    sentences.append(current)
                    current = []
            if current:
                sentences.append(current)
            if len(sentences) < 3:
                continue
            for k in rng.permutation(len(sentences))[:per_paragraph]:
                rest = [x for j, s in enumerate(sentences) if j != k for x in s]
                queries.append(sentences[k][:62])
                passages.append(rest[:254])
    return queries, passages


def _counts(lists, vocab_size):
    rows = np.repeat(np.arange(len(lists)), [len(x) for x in lists])
    cols = np.concatenate([np.asarray(x, dtype=np.int64) for x in lists])
    m = sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(len(lists), vocab_size))
    m.sum_duplicates()
    return m


def _softmax(s):
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=1, keepdims=True)


def tune(table, work, steps=4000, tau=0.02, lr=1e-3, batch=512, frozen_columns=(-1,), per_paragraph=8,
         every=0, on_progress=None):
    """The table (vocab × dim, weights folded in) after `steps` InfoNCE steps on cloze pairs.
    `frozen_columns` are left as they are (default: the mass column, the last)."""
    with open(os.path.join(work, 'vocab.txt'), encoding='utf-8') as f:
        wp = WordPiece(f.read().split('\n')[:-1])
    queries, passages = cloze_pairs(work, wp, per_paragraph)
    print(f'{len(queries)} cloze pairs', flush=True)
    vocab = table.shape[0]
    e = table.astype(np.float32)
    m = np.zeros_like(e)
    v = np.zeros_like(e)
    b1, b2 = 0.9, 0.999
    frozen = np.zeros(e.shape[1], dtype=bool)
    frozen[list(frozen_columns)] = True
    order = np.random.default_rng(SEED).permutation(len(queries))
    eye = np.eye(batch, dtype=np.float32)
    t0 = time.time()
    start = 0
    for step in range(1, steps + 1):
        if start + batch > len(order):
            start = 0
        idx = order[start : start + batch]
        start += batch
        cq = _counts([queries[i] for i in idx], vocab)
        cp = _counts([passages[i] for i in idx], vocab)
        rows = np.unique(np.concatenate([cq.indices, cp.indices]))
        sub = e[rows]
        cq = cq[:, rows]
        cp = cp[:, rows]
        xq = cq @ sub
        xp = cp @ sub
        nq = np.linalg.norm(xq, axis=1, keepdims=True) + 1e-9
        np_ = np.linalg.norm(xp, axis=1, keepdims=True) + 1e-9
        a = xq / nq
        b = xp / np_
        s = (a @ b.T) / tau
        # Symmetric InfoNCE: each query picks its passage, each passage its query.
        g = ((_softmax(s) - eye) + (_softmax(s.T) - eye).T) / (batch * tau)
        da = g @ b
        db = g.T @ a
        dxq = (da - a * np.sum(a * da, axis=1, keepdims=True)) / nq
        dxp = (db - b * np.sum(b * db, axis=1, keepdims=True)) / np_
        grad = cq.T @ dxq + cp.T @ dxp
        grad[:, frozen] = 0
        m[rows] = b1 * m[rows] + (1 - b1) * grad
        v[rows] = b2 * v[rows] + (1 - b2) * grad * grad
        e[rows] -= lr * (m[rows] / (1 - b1**step)) / (np.sqrt(v[rows] / (1 - b2**step)) + 1e-8)
        if every and step % every == 0:
            loss = -float(np.mean(np.log(np.diag(_softmax(s)) + 1e-12)))
            print(f'step {step}: loss {loss:.3f} ({time.time() - t0:.0f}s)', flush=True)
            if on_progress:
                on_progress(step, e)
    return e.astype(np.float64)


def main():
    import sys

    sys.path.insert(0, os.path.dirname(__file__))
    from build_model import SHIPPED_RECIPE, Recipe, load_work
    from eval_retrieval import Tasks, format_figures

    ap = argparse.ArgumentParser()
    ap.add_argument('work')
    ap.add_argument('--data', required=True)
    ap.add_argument('--steps', type=int, default=4000)
    ap.add_argument('--tau', type=float, default=0.02)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--per-paragraph', type=int, default=8)
    ap.add_argument('--every', type=int, default=500)
    args = ap.parse_args()
    wp, builder = load_work(args.work)
    tasks = Tasks(wp, args.data, with_bm25=False)
    t = builder.table(Recipe(**SHIPPED_RECIPE))
    print('start', format_figures(tasks.evaluate(t)), flush=True)

    def progress(step, e):
        print(f'step {step}', format_figures(tasks.evaluate(e.astype(np.float64))), flush=True)

    tune(t, args.work, steps=args.steps, tau=args.tau, lr=args.lr, per_paragraph=args.per_paragraph,
         every=args.every, on_progress=progress)


if __name__ == '__main__':
    main()

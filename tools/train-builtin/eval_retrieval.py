#!/usr/bin/python3
"""Fast dense-retrieval evaluation of a token table, computed in numpy exactly as the ONNX graph does.

The shipped graph sums the rows of a text's tokens over the attention mask and divides by the L2
norm, so a text is a count vector over the vocabulary and its sentence vector is
`counts @ table`, normalised. Tokenising once and keeping the counts as a sparse matrix makes one
evaluation of a candidate table a couple of sparse products: seconds, not the minutes a run
through onnxruntime takes, so the training loop can compare recipes.

Tasks (each as its SOURCE.md in ../shared/data says; `eval_dense.ts` runs the same through the
real embedder to confirm the shipped files):
  - scifact_train: index `title + ". " + text`, queries = claims, nDCG@10 (binary judgements);
  - locomo_dev: each turn as "<speaker>: <text>", one index per conversation, questions of
    categories 1-4 with evidence, hit@5;
  - stsb dev: Spearman of the cosine against the gold score.
These sets are for measuring and for choosing between general recipes; nothing here trains on them.

Texts are truncated like the embedder does: content tokens cut to max_tokens - 2, [CLS] first
and [SEP] last.
"""

import json
import math
import os
import re

import numpy as np
from scipy import sparse

from wordpiece import CLS, SEP


def _jsonl(path):
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


def _count_matrix(wp, texts, vocab_size, max_tokens):
    rows, cols = [], []
    for r, text in enumerate(texts):
        ids = wp.encode(text, specials=False)[: max_tokens - 2]
        ids = [CLS, *ids, SEP]
        rows.extend([r] * len(ids))
        cols.extend(ids)
    data = np.ones(len(rows), dtype=np.float64)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(texts), vocab_size))


def _unit(m):
    n = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.maximum(n, 1e-12)


def _cosines(table, q_counts, p_counts):
    """Cosines between the sentence vectors of two sets of texts (rows: first set)."""
    return _unit(q_counts @ table) @ _unit(p_counts @ table).T


BM25_WORD = re.compile(r'[a-z0-9]+')


def bm25_weights(tf, k1=1.2, b=0.75, idf=None):
    """Per (document, term) BM25 weight of a document × term count matrix: idf × tf(k1 + 1) /
    (tf + k1(1 − b + b·len/avg)). `idf` (one per term) defaults to the documents' own (Lucene's)."""
    tf = sparse.csr_matrix(tf)
    tf.sum_duplicates()
    dl = np.asarray(tf.sum(axis=1)).ravel()
    if idf is None:
        df = np.bincount(tf.indices, minlength=tf.shape[1])
        n = tf.shape[0]
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    tf = tf.tocoo()
    denom = tf.data + k1 * (1 - b + b * dl[tf.row] / dl.mean())
    return sparse.csr_matrix((idf[tf.col] * tf.data * (k1 + 1) / denom, (tf.row, tf.col)), shape=tf.shape)


def _bm25_scores(doc_texts, query_texts, k1=1.2, b=0.75):
    """The reference BM25 of the SOURCE.md files (lower-cased [a-z0-9]+ tokens, no stemming)."""
    vocab = {}
    rows, cols = [], []
    for r, t in enumerate(doc_texts):
        for w in BM25_WORD.findall(t.lower()):
            rows.append(r)
            cols.append(vocab.setdefault(w, len(vocab)))
    tf = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(doc_texts), len(vocab)))
    w = bm25_weights(tf, k1, b)
    qrows, qcols = [], []
    for r, t in enumerate(query_texts):
        for w_ in BM25_WORD.findall(t.lower()):
            if w_ in vocab:
                qrows.append(r)
                qcols.append(vocab[w_])
    q = sparse.csr_matrix((np.ones(len(qrows)), (qrows, qcols)), shape=(len(query_texts), len(vocab)))
    return np.asarray((q @ w.T).todense())


def _fuse(dense, bm25, weight=0.5):
    """Reference hybrid: convex mix of per-query max-normalised BM25 and the cosine.

    Not the product's fusion rule (that is chosen elsewhere); it only shows whether the dense
    ranking adds something BM25 lacks."""
    mx = bm25.max(axis=1, keepdims=True)
    return weight * dense + (1 - weight) * bm25 / np.where(mx > 0, mx, 1)


class Tasks:
    def __init__(self, wp, data_dir, max_tokens=256, with_bm25=True):
        self.vocab_size = len(wp.tokens)
        self.max_tokens = max_tokens
        self.scifact = self.locomo = self.sts = None
        sf = os.path.join(data_dir, 'scifact_train')
        if os.path.exists(os.path.join(sf, 'corpus.jsonl')):
            corpus = _jsonl(os.path.join(sf, 'corpus.jsonl'))
            queries = _jsonl(os.path.join(sf, 'queries.jsonl'))
            rel = {}
            with open(os.path.join(sf, 'qrels', 'train.tsv'), encoding='utf-8') as f:
                next(f)
                for line in f:
                    qid, did, score = line.rstrip('\n').split('\t')
                    if float(score) > 0:
                        rel.setdefault(qid, set()).add(did)
            queries = [q for q in queries if q['_id'] in rel]
            doc_index = {d['_id']: i for i, d in enumerate(corpus)}
            docs = [d['title'] + '. ' + d['text'] for d in corpus]
            qtexts = [q['text'] for q in queries]
            self.scifact = {
                'docs': _count_matrix(wp, docs, self.vocab_size, max_tokens),
                'queries': _count_matrix(wp, qtexts, self.vocab_size, max_tokens),
                'rel': [{doc_index[d] for d in rel[q['_id']]} for q in queries],
                'bm25': _bm25_scores(docs, qtexts) if with_bm25 else None,
            }
        lc = os.path.join(data_dir, 'locomo_dev', 'locomo_dev.json')
        if os.path.exists(lc):
            with open(lc, encoding='utf-8') as f:
                convs = json.load(f)
            self.locomo = []
            for conv in convs:
                turns = []
                for key, value in conv['conversation'].items():
                    if re.fullmatch(r'session_\d+', key) and isinstance(value, list):
                        turns.extend(value)
                texts = [f"{t['speaker']}: {t['text']}" for t in turns]
                items = [q for q in conv['qa'] if 1 <= q['category'] <= 4 and q.get('evidence')]
                ev = [{e for x in q['evidence'] for e in re.split(r'[;\s]+', x) if e} for q in items]
                dia = [t['dia_id'] for t in turns]
                qtexts = [q['question'] for q in items]
                self.locomo.append({
                    'docs': _count_matrix(wp, texts, self.vocab_size, max_tokens),
                    'queries': _count_matrix(wp, qtexts, self.vocab_size, max_tokens),
                    'rel': [{i for i, d in enumerate(dia) if d in e} for e in ev],
                    'bm25': _bm25_scores(texts, qtexts) if with_bm25 else None,
                })
        st = os.path.join(data_dir, 'stsb', 'sts-dev.csv')
        if os.path.exists(st):
            a, b, gold = [], [], []
            with open(st, encoding='utf-8') as f:
                for line in f:
                    cols = line.rstrip('\n').split('\t')
                    if len(cols) >= 7:
                        gold.append(float(cols[4]))
                        a.append(cols[5])
                        b.append(cols[6])
            self.sts = {
                'a': _count_matrix(wp, a, self.vocab_size, max_tokens),
                'b': _count_matrix(wp, b, self.vocab_size, max_tokens),
                'gold': np.array(gold),
            }

    def evaluate(self, table, hybrid=False):
        """Figures of one token table (rows as the graph sums them: weights folded in).

        The model embeds queries and passages the same way (no prefixes), so every score is the
        cosine of the two sentence vectors."""
        out = {}
        if self.scifact:
            s = self.scifact
            cos = _cosines(table, s['queries'], s['docs'])
            out['scifact_ndcg10'] = _ndcg10(cos, s['rel'])
            if hybrid and s['bm25'] is not None:
                out['scifact_hybrid'] = _ndcg10(_fuse(cos, s['bm25']), s['rel'])
        if self.locomo:
            hits = hyb = n = 0
            for c in self.locomo:
                cos = _cosines(table, c['queries'], c['docs'])
                hits += _hits(cos, c['rel'], 5)
                if hybrid and c['bm25'] is not None:
                    hyb += _hits(_fuse(cos, c['bm25']), c['rel'], 5)
                n += len(c['rel'])
            out['locomo_hit5'] = hits / n
            if hybrid:
                out['locomo_hybrid'] = hyb / n
        if self.sts:
            from scipy.stats import pearsonr, spearmanr

            s = self.sts
            cos = np.sum(_unit(s['a'] @ table) * _unit(s['b'] @ table), axis=1)
            out['sts_spearman'] = spearmanr(cos, s['gold']).correlation
            out['sts_pearson'] = pearsonr(cos, s['gold'])[0]
        return out

    def unrelated_cosine(self, table):
        """Mean cosine of unrelated sentences (STS-B first sentence i against second sentence
        i + 7): where the similarity scale of a table sits for texts that have nothing in common."""
        a = _unit(self.sts['a'] @ table)
        b = _unit(self.sts['b'] @ table)
        return float(np.mean(np.sum(a * np.roll(b, 7, axis=0), axis=1)))

    def with_term_frequency(self, f):
        """The same tasks with every token count c replaced by f(c) (e.g. np.sqrt): what a graph
        that saturates repeated tokens, as BM25 does, would score. Measured, not shipped."""
        import copy

        def tr(m):
            m = m.copy()
            m.data = f(m.data)
            return m

        t = copy.copy(self)
        if t.scifact:
            t.scifact = dict(t.scifact, docs=tr(t.scifact['docs']), queries=tr(t.scifact['queries']))
        if t.locomo:
            t.locomo = [dict(c, docs=tr(c['docs']), queries=tr(c['queries'])) for c in t.locomo]
        if t.sts:
            t.sts = dict(t.sts, a=tr(t.sts['a']), b=tr(t.sts['b']))
        return t

    def exact_overlap(self, weights, mass=0.0):
        """Retrieval figures of a noise-free identity channel: cosine of weighted token counts.

        What the random identity channel approximates with a few hundred dimensions; the gap is
        what its collisions cost. `mass` appends the mass column (mass x the total weight)."""
        d = sparse.diags(weights)

        def unit(m):
            if mass:
                m = sparse.hstack([m, sparse.csr_matrix(mass * np.asarray(m.sum(axis=1)))]).tocsr()
            n = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
            return sparse.diags(1 / np.maximum(n, 1e-12)) @ m

        def cos(q, p):
            return (unit(q @ d) @ unit(p @ d).T).toarray()

        out = {}
        if self.scifact:
            out['scifact_ndcg10'] = _ndcg10(cos(self.scifact['queries'], self.scifact['docs']), self.scifact['rel'])
        if self.locomo:
            n = sum(len(c['rel']) for c in self.locomo)
            out['locomo_hit5'] = sum(_hits(cos(c['queries'], c['docs']), c['rel'], 5) for c in self.locomo) / n
        if self.sts:
            from scipy.stats import pearsonr, spearmanr

            c = np.asarray((unit(self.sts['a'] @ d).multiply(unit(self.sts['b'] @ d))).sum(axis=1)).ravel()
            out['sts_spearman'] = spearmanr(c, self.sts['gold']).correlation
            out['sts_pearson'] = pearsonr(c, self.sts['gold'])[0]
        return out

    def bm25_reference(self):
        out = {}
        if self.scifact:
            out['scifact_ndcg10'] = _ndcg10(self.scifact['bm25'], self.scifact['rel'])
        if self.locomo:
            n = sum(len(c['rel']) for c in self.locomo)
            out['locomo_hit5'] = sum(_hits(c['bm25'], c['rel'], 5) for c in self.locomo) / n
        return out


def _top(scores, k):
    # Ties broken by index, as eval_dense.ts does.
    return np.argsort(-scores, axis=1, kind='stable')[:, :k]


def _ndcg10(scores, rel):
    top = _top(scores, 10)
    total = 0.0
    for r, docs in zip(top, rel):
        dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(r) if d in docs)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(docs), 10)))
        total += dcg / ideal
    return total / len(rel)


def _hits(scores, rel, k):
    top = _top(scores, k)
    return sum(1 for r, docs in zip(top, rel) if docs.intersection(r.tolist()))


def format_figures(fig):
    return ' '.join(f'{k} {v:.4f}' for k, v in fig.items())

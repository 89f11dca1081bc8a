#!/usr/bin/python3
"""Turns learnt token vectors into the shipped sentence-embedding model.

Steps (each can be switched off to measure what it brings, see --ablate):
  1. load the learnt token vectors (PPMI + SVD, see ppmi_svd.py; any fastText-style .vec works)
     and keep the top --sem-dim dimensions; specials get zero vectors;
  2. unit-normalise them and retrofit them to WordNet: pull the vectors of synonyms (same synset,
     both whole tokens of the vocabulary) and of irregular inflections towards each other
     (Faruqui et al. 2015);
  3. append an identity channel: a fixed random unit vector per token (--lex-dim dimensions,
     weight --lex-weight), so that sharing a token counts for more than sharing a topic;
  4. SIF weights a / (a + p(token)) from the token frequencies of the corpus (Arora et al. 2017);
     the learnt channel's rows are also multiplied by (log(1/p) / log(1e4)) ^ --sem-idf, an IDF-like
     factor that lets rare tokens' meanings count for more than SIF alone (which gives every token
     with p << a the same weight);
  4a. `##` continuation pieces weigh --piece-weight x their SIF weight: a word WordPiece splits
     into three pieces would otherwise count about three times as much as a whole-token word;
  4b. a mass dimension (--mass c): one more column holding c x the token's SIF weight, the same
     sign for every token. A text's vector then carries its total token weight along one shared
     direction, which works as a symmetric length prior: without it the cosine favours very short
     texts that share one word with the query (a chat turn "Caroline: thanks!" against a question
     about Caroline) over longer ones that share several. Linear, so it lives in the table; the
     cosine of a text with itself stays 1;
  5. optional common-component removal (--n-pc): the top principal directions of SIF sentence
     vectors of corpus paragraphs are projected out of every token row (the projection is
     linear, so it can be applied per token and the graph only sums rows);
  6. each row is multiplied by its SIF weight and stored as int8 with one shared scale, which
     the normalisation cancels; [CLS] gets a minimal row along the vocabulary mean;
  7. the ONNX graph: Gather rows, mask, sum over the sequence, divide by max(norm, eps).

Usage:
  build_model.py --work DIR [--sts DEV.csv] [--ablate] [--out models/builtin]
DIR holds vocab.txt, tokens.txt (tokenised corpus) and the vectors file.
All randomness (identity channel, paragraph sample) is seeded.
"""

import argparse
import collections
import hashlib
import json
import os
import sys

import numpy as np

from wordpiece import CLS, SPECIALS, WordPiece

WORDNET = '/usr/share/wordnet'
SEED = 20261122


# --- inputs -----------------------------------------------------------------------------------


def load_vectors(path, wp):
    with open(path, encoding='utf-8') as f:
        n, dim = map(int, f.readline().split())
        vecs = np.zeros((len(wp.tokens), dim), dtype=np.float64)
        seen = 0
        for line in f:
            parts = line.rstrip(' \n').split(' ')
            tid = wp.ids.get(parts[0])
            if tid is not None and tid >= len(SPECIALS):
                vecs[tid] = np.asarray(parts[1:], dtype=np.float64)
                seen += 1
    return vecs, seen


def token_counts(tokens_path, wp):
    counts = collections.Counter()
    lines = []
    with open(tokens_path, encoding='utf-8') as f:
        for line in f:
            toks = line.split()
            counts.update(toks)
            lines.append(line)
    c = np.zeros(len(wp.tokens), dtype=np.float64)
    for t, n in counts.items():
        tid = wp.ids.get(t)
        if tid is not None:
            c[tid] = n
    return c, lines


def wordnet_edges(wp):
    """Pairs of token ids that WordNet says mean the same (synonyms) or are forms of one word."""
    edges = set()

    def tid(word):
        word = word.lower()
        i = wp.ids.get(word)
        return i if i is not None and i >= len(SPECIALS) else None

    for pos in ('noun', 'verb', 'adj', 'adv'):
        with open(os.path.join(WORDNET, 'data.' + pos), encoding='utf-8') as f:
            for raw in f:
                if raw.startswith('  '):
                    continue
                fields = raw.split(' | ')[0].split()
                count = int(fields[3], 16)
                lemmas = [fields[4 + 2 * k].split('(')[0] for k in range(count)]
                ids = sorted({i for i in (tid(w) for w in lemmas if '_' not in w) if i is not None})
                for a in ids:
                    for b in ids:
                        if a < b:
                            edges.add((a, b))
        # Irregular inflections (went -> go, mice -> mouse).
        with open(os.path.join(WORDNET, pos + '.exc'), encoding='utf-8') as f:
            for raw in f:
                parts = raw.split()
                a = tid(parts[0])
                for base in parts[1:]:
                    b = tid(base)
                    if a is not None and b is not None and a != b:
                        edges.add((min(a, b), max(a, b)))
    return edges


# --- steps ------------------------------------------------------------------------------------


def retrofit(vecs, edges, iters=10, alpha=1.0, beta=1.0):
    """Faruqui et al.: q_i = (alpha*q0_i + beta*sum_j q_j) / (alpha + beta*deg_i), Jacobi-style."""
    n = len(vecs)
    nbrs = [[] for _ in range(n)]
    for a, b in edges:
        if np.any(vecs[a]) and np.any(vecs[b]):
            nbrs[a].append(b)
            nbrs[b].append(a)
    from scipy.sparse import csr_matrix

    rows = np.array([i for i in range(n) if nbrs[i]], dtype=np.int64)
    src = np.array([i for i in rows for _ in nbrs[i]], dtype=np.int64)
    dst = np.array([j for i in rows for j in nbrs[i]], dtype=np.int64)
    adj = csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    deg = np.asarray(adj.sum(axis=1)).ravel()
    q = vecs.copy()
    for _ in range(iters):
        upd = (alpha * vecs + beta * (adj @ q)) / (alpha + beta * deg)[:, None]
        q[rows] = upd[rows]
    return q, len(rows)


def sif_weights(counts, a):
    p = counts / counts.sum()
    w = a / (a + p)
    w[: len(SPECIALS)] = 0.0
    return w


IDF_REFERENCE = np.log(1e4)  # a token with p = 1e-4 keeps its SIF weight in the learnt channel


def idf_factor(counts, power):
    """(log(1/p) / log(1e4)) ^ power, p = max(count, 1) / total: 1 everywhere when power is 0."""
    if power == 0:
        return np.ones(len(counts))
    p = np.maximum(counts, 1) / counts.sum()
    return (np.log(1 / p) / IDF_REFERENCE) ** power


def sentence_matrix(rows, weights, id_lists):
    """SIF sentence vectors (weighted sums of token rows), one row per id list."""
    out = np.zeros((len(id_lists), rows.shape[1]), dtype=np.float64)
    for k, ids in enumerate(id_lists):
        if ids:
            ids = np.asarray(ids)
            out[k] = weights[ids] @ rows[ids]
    return out


def common_components(rows, weights, sample_ids, n_pc):
    if n_pc == 0:
        return np.zeros((0, rows.shape[1]))
    s = sentence_matrix(rows, weights, sample_ids)
    norms = np.linalg.norm(s, axis=1)
    s = s[norms > 0] / norms[norms > 0, None]
    _, _, vt = np.linalg.svd(s, full_matrices=False)
    return vt[:n_pc]


def remove_components(rows, pcs):
    return rows - (rows @ pcs.T) @ pcs if len(pcs) else rows


def fold(rows, weights, pcs):
    """Final per-token rows: projection applied, SIF weight folded in."""
    return remove_components(rows, pcs) * weights[:, None]


# --- evaluation -------------------------------------------------------------------------------


def read_sts(path):
    pairs = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            cols = line.rstrip('\n').split('\t')
            if len(cols) >= 7:
                pairs.append((float(cols[4]), cols[5], cols[6]))
    return pairs


def sts_scores(table, wp, pairs, max_tokens=256):
    from scipy.stats import pearsonr, spearmanr

    def emb(text):
        ids = np.asarray(wp.encode(text)[:max_tokens])
        v = table[ids].sum(axis=0)
        return v / max(np.linalg.norm(v), 1e-12)

    cos = np.array([emb(a) @ emb(b) for _, a, b in pairs])
    gold = np.array([g for g, _, _ in pairs])
    return spearmanr(cos, gold).correlation, pearsonr(cos, gold)[0]


# --- quantisation and export ------------------------------------------------------------------


def quantize_int8(table):
    """int8 rows with one scale shared by the whole table.

    One shared scale cancels in the final L2 normalisation, so the graph never multiplies by it:
    no per-row scale Gather and Mul, two ONNX nodes fewer. (Measured interleaved at batch 1, that
    saves no visible latency, ~1 µs: onnxruntime's per-run overhead dominates; the graph is just
    simpler.) Rows with a small SIF weight get coarse levels, but they contribute little to any
    sum; the STS score is the same as with per-row scales (0.7759 Spearman on the dev split).
    """
    scale = float(np.abs(table).max()) / 127.0
    q = np.clip(np.rint(table / scale), -127, 127).astype(np.int8)
    return q, scale


def set_empty_direction(q, table):
    """Gives [CLS] the smallest non-zero int8 row, pointing along the vocabulary mean.

    Every tokenised text carries [CLS], so a text with no known token (empty, or only unknown
    characters) still gets a unit vector (the "average text") instead of a zero vector, while
    for a real text the row is tiny next to any word's (its effect on cosines is measured with
    the rest of the table).
    """
    mean = table[len(SPECIALS) :].mean(axis=0)
    q = q.copy()
    q[CLS] = np.rint(mean / np.abs(mean).max()).astype(np.int8)  # -1, 0 or 1 per dimension
    return q


def export_onnx(q, scale, path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    dim = q.shape[1]
    nodes = [
        helper.make_node('Gather', ['token_rows', 'input_ids'], ['rows_i8'], axis=0),
        helper.make_node('Cast', ['rows_i8'], ['rows'], to=TensorProto.FLOAT),
        helper.make_node('Cast', ['attention_mask'], ['mask'], to=TensorProto.FLOAT),
        # [B,1,S] x [B,S,D] -> [B,1,D]: the masked sum over the sequence in one MatMul.
        helper.make_node('Unsqueeze', ['mask', 'axis1'], ['mask_row']),
        helper.make_node('MatMul', ['mask_row', 'rows'], ['summed3']),
        helper.make_node('Squeeze', ['summed3', 'axis1'], ['summed']),
        helper.make_node('ReduceL2', ['summed'], ['norm'], axes=[1], keepdims=1),
        # max(norm, eps): an all-padding row sums to 0 and must give 0, not 0/0 = NaN.
        helper.make_node('Max', ['norm', 'eps'], ['safe_norm']),
        helper.make_node('Div', ['summed', 'safe_norm'], ['sentence_embedding']),
    ]
    inits = [
        numpy_helper.from_array(q, 'token_rows'),
        numpy_helper.from_array(np.array([1], dtype=np.int64), 'axis1'),
        numpy_helper.from_array(np.array([1e-12], dtype=np.float32), 'eps'),
    ]
    graph = helper.make_graph(
        nodes,
        'ringmem_builtin_static_embedding',
        [
            helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch', 'sequence']),
            helper.make_tensor_value_info('attention_mask', TensorProto.INT64, ['batch', 'sequence']),
        ],
        [helper.make_tensor_value_info('sentence_embedding', TensorProto.FLOAT, ['batch', dim])],
        inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid('', 13)],
        producer_name='ringmem tools/train-builtin',
        doc_string='SIF-weighted static token embeddings (int8 rows, one shared scale '
        f'{scale:.6g} that the L2 normalisation cancels), summed over the attention mask and '
        'L2-normalised.',
    )
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, path)


def file_entry(path):
    data = open(path, 'rb').read()
    return {'path': os.path.basename(path), 'bytes': len(data), 'sha256': hashlib.sha256(data).hexdigest()}


# --- main -------------------------------------------------------------------------------------


def unit_rows(v):
    n = np.linalg.norm(v, axis=1, keepdims=True)
    return np.where(n > 0, v / np.maximum(n, 1e-12), 0)


def identity_channel(vocab_size, dim, seed):
    """A fixed random unit vector per token (specials zero).

    Random vectors in a few hundred dimensions are nearly orthogonal, so this channel scores
    shared tokens only: SIF-weighted lexical overlap, which on its own is a strong STS baseline
    and what the learnt vectors (trained on 22M tokens) cannot reproduce, as they also pull
    merely related words (guitar/piano) together.
    """
    lex = unit_rows(np.random.default_rng(seed).standard_normal((vocab_size, dim)))
    lex[: len(SPECIALS)] = 0
    return lex


# The shipped model's recipe (train.sh's defaults), for the tools that measure around it
# (limits.py, contrastive.py).
SHIPPED_RECIPE = dict(sem_dim=256, lex_dim=127, lex_weight=1.0, retrofit_iters=10, sif_a=3e-4, sem_idf=1.0,
                      piece_weight=0.5, mass=0.4, n_pc=0)


class Recipe:
    """One point of the design space; `table()` gives the per-token rows the graph sums."""

    def __init__(self, **kw):
        self.sem_dim = kw.get('sem_dim', 256)
        self.lex_dim = kw.get('lex_dim', 128)
        self.lex_weight = kw.get('lex_weight', 1.0)
        self.retrofit_iters = kw.get('retrofit_iters', 10)
        self.sif_a = kw.get('sif_a', 1e-3)
        self.sem_idf = kw.get('sem_idf', 0.0)
        self.piece_weight = kw.get('piece_weight', 1.0)
        self.mass = kw.get('mass', 0.0)
        self.n_pc = kw.get('n_pc', 0)
        self.unit_tokens = kw.get('unit_tokens', True)
        self.random_only = kw.get('random_only', False)
        # Seed of the identity channel's random vectors (the shipped model's: SEED + 1).
        self.lex_seed = kw.get('lex_seed', SEED + 1)

    def params(self):
        return dict(vars(self))


class TableBuilder:
    """The per-token rows of any recipe over one set of learnt vectors and corpus counts.

    Shared by this script's ablations and `limits.py`, so both measure exactly the shipped
    construction. Retrofitting is cached: the ablation grid reuses the same retrofit."""

    def __init__(self, vecs, counts, is_piece, edges, sample_ids):
        self.vecs, self.counts, self.is_piece = vecs, counts, is_piece
        self.edges, self.sample_ids = edges, sample_ids
        self._retro = {}

    def table(self, r):
        vecs, counts = self.vecs, self.counts
        if r.random_only:
            v = identity_channel(len(vecs), r.sem_dim + r.lex_dim, SEED + 2)
        else:
            v = vecs[:, : r.sem_dim]
            if r.unit_tokens:
                v = unit_rows(v)
            if r.retrofit_iters:
                key = (r.sem_dim, r.unit_tokens, r.retrofit_iters)
                if key not in self._retro:
                    self._retro[key] = retrofit(v, self.edges, iters=r.retrofit_iters)[0]
                v = self._retro[key]
            # The IDF factor scales the learnt channel only; the identity channel and the mass
            # column carry the SIF weight alone (folded into every column below).
            f = idf_factor(counts, r.sem_idf)[:, None]
            if r.lex_dim:
                lex = identity_channel(len(vecs), r.lex_dim, r.lex_seed)
                v = np.hstack([unit_rows(v) * f, r.lex_weight * lex])
            else:
                v = v * f
        if r.mass:
            v = np.hstack([v, np.full((len(v), 1), r.mass)])
        w = sif_weights(counts, r.sif_a) if r.sif_a > 0 else (np.arange(len(v)) >= len(SPECIALS)) * 1.0
        if r.piece_weight != 1.0:
            w = w * np.where(self.is_piece, r.piece_weight, 1.0)
        pcs = common_components(v, w, self.sample_ids, r.n_pc)
        return fold(v, w, pcs)


def load_work(work, vectors='vectors.vec', sample=20000):
    """The vocabulary and a TableBuilder over a work directory of train.sh (vocab.txt, tokens.txt,
    the learnt vectors), with the seeded paragraph sample the common components are computed on."""
    rng = np.random.default_rng(SEED)
    with open(os.path.join(work, 'vocab.txt'), encoding='utf-8') as f:
        wp = WordPiece(f.read().split('\n')[:-1])
    vecs, seen = load_vectors(os.path.join(work, vectors), wp)
    print(f'{seen} token vectors of dim {vecs.shape[1]} for {len(wp.tokens)} tokens', flush=True)
    counts, lines = token_counts(os.path.join(work, 'tokens.txt'), wp)
    picks = rng.choice(len(lines), size=min(sample, len(lines)), replace=False)
    sample_ids = [[wp.ids[t] for t in lines[i].split()][:256] for i in sorted(picks)]
    del lines
    edges = wordnet_edges(wp)
    print(f'{len(edges)} WordNet edges', flush=True)
    is_piece = np.array([t.startswith('##') for t in wp.tokens])
    return wp, TableBuilder(vecs, counts, is_piece, edges, sample_ids)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--work', required=True)
    ap.add_argument('--vectors', default='vectors.vec')
    ap.add_argument('--sts')
    ap.add_argument('--ablate', action='store_true')
    ap.add_argument('--out')
    ap.add_argument('--sem-dim', type=int, default=256, help='learnt dimensions kept')
    ap.add_argument('--lex-dim', type=int, default=128, help='identity-channel dimensions')
    ap.add_argument('--lex-weight', type=float, default=1.0, help='identity vs learnt channel')
    ap.add_argument('--sif-a', type=float, default=1e-3)
    ap.add_argument('--sem-idf', type=float, default=0.0, help='IDF power on the learnt channel')
    ap.add_argument('--mass', type=float, default=0.0, help='mass dimension weight (0: none)')
    ap.add_argument('--piece-weight', type=float, default=1.0, help='weight of ## continuation pieces')
    ap.add_argument('--data', help='../shared/data: retrieval figures for every ablation')
    ap.add_argument('--n-pc', type=int, default=0)
    ap.add_argument('--retrofit-iters', type=int, default=10)
    ap.add_argument('--sample', type=int, default=20000, help='paragraphs for the common components')
    args = ap.parse_args()

    wp, builder = load_work(args.work, args.vectors, args.sample)
    counts, is_piece, edges = builder.counts, builder.is_piece, builder.edges
    pairs = read_sts(args.sts) if args.sts else None
    table = builder.table

    tasks = None
    if args.data:
        from eval_retrieval import Tasks

        tasks = Tasks(wp, args.data)

    def score(t, task_set=None):
        """STS-B dev (Spearman, Pearson) and, with --data, SciFact nDCG@10 and LoCoMo hit@5."""
        sp, pe = sts_scores(t, wp, pairs) if pairs else (float('nan'), float('nan'))
        out = {'spearman': sp, 'pearson': pe}
        if task_set or tasks:
            ts = task_set or tasks
            fig = ts.evaluate(t)
            out.update({k: fig[k] for k in ('scifact_ndcg10', 'locomo_hit5') if k in fig})
            if ts.sts:
                out['unrelated_cosine'] = ts.unrelated_cosine(t)
        return out

    def line(name, fig):
        cols = ' '.join(f'{k} {v:.4f}' for k, v in fig.items() if k != 'pearson')
        print(f'{name:66s} {cols}', flush=True)

    chosen = Recipe(sem_dim=args.sem_dim, lex_dim=args.lex_dim, lex_weight=args.lex_weight,
                    sif_a=args.sif_a, n_pc=args.n_pc, retrofit_iters=args.retrofit_iters,
                    sem_idf=args.sem_idf, mass=args.mass, piece_weight=args.piece_weight)
    results = []
    references = []
    if args.ablate and pairs:
        base = chosen.params()
        dim = chosen.sem_dim + chosen.lex_dim + (1 if chosen.mass else 0)
        v1 = dict(sem_dim=256, lex_dim=128, lex_weight=1.0, sif_a=1e-3, sem_idf=0.0, mass=0.0, n_pc=0,
                  piece_weight=1.0)
        variants = [
            (f'random {dim}-d vectors + SIF (lexical overlap only)',
             dict(random_only=True, sem_dim=dim, lex_dim=0, mass=0.0)),
            ('learnt only: plain average (no SIF, retrofit, PC, identity)',
             dict(lex_dim=0, sif_a=0, retrofit_iters=0, n_pc=0, unit_tokens=False, sem_idf=0.0, mass=0.0, piece_weight=1.0)),
            ('learnt only: SIF', dict(lex_dim=0, retrofit_iters=0, n_pc=0, unit_tokens=False, sem_idf=0.0, mass=0.0, piece_weight=1.0)),
            ('learnt only: unit vectors + SIF', dict(lex_dim=0, retrofit_iters=0, n_pc=0, sem_idf=0.0, mass=0.0, piece_weight=1.0)),
            ('learnt only: unit + SIF + retrofit', dict(lex_dim=0, n_pc=0, sem_idf=0.0, mass=0.0, piece_weight=1.0)),
            ('version 1 (256 learnt + 128 identity, SIF 1e-3)', v1),
            ('version 1 + 1 common component removed', {**v1, 'n_pc': 1}),
            ('version 1, SIF a = 3e-4', {**v1, 'sif_a': 3e-4}),
            ('version 1, identity weight 1.5', {**v1, 'lex_weight': 1.5}),
            ('version 1, dims 192 learnt + 192 identity', {**v1, 'sem_dim': 192, 'lex_dim': 192}),
            ('version 1 + IDF power 1 on the learnt channel', {**v1, 'sem_idf': 1.0}),
            ('shipped recipe without the mass dimension', dict(mass=0.0)),
            ('shipped recipe, pieces at full weight', dict(piece_weight=1.0)),
            ('shipped recipe, pieces at weight 0.25', dict(piece_weight=0.25)),
            ('shipped recipe, pieces at weight 0.75', dict(piece_weight=0.75)),
            ('shipped recipe without the IDF factor', dict(sem_idf=0.0)),
            ('shipped recipe, IDF power 0.5', dict(sem_idf=0.5)),
            ('shipped recipe, IDF power 1.5', dict(sem_idf=1.5)),
            ('shipped recipe, mass 0.2', dict(mass=0.2)),
            ('shipped recipe, mass 0.3', dict(mass=0.3)),
            ('shipped recipe, mass 0.5', dict(mass=0.5)),
            ('shipped recipe, mass 0.75', dict(mass=0.75)),
            ('shipped recipe, SIF a = 1e-3', dict(sif_a=1e-3)),
            ('shipped recipe, SIF a = 3e-3', dict(sif_a=3e-3)),
            ('shipped recipe, identity weight 0.8', dict(lex_weight=0.8)),
            ('shipped recipe, identity weight 1.25', dict(lex_weight=1.25)),
            ('shipped recipe without retrofitting', dict(retrofit_iters=0)),
            ('shipped recipe + 1 common component removed', dict(n_pc=1)),
            ('shipped recipe, dims 192 learnt + 191 identity + mass', dict(sem_dim=192, lex_dim=191)),
            ('shipped recipe', dict()),
        ]
        for name, change in variants:
            r = Recipe(**{**base, **change})
            fig = score(table(r))
            results.append({'variant': name, **r.params(), **fig})
            line(name, fig)
        if tasks:
            # Not shippable as they are (a wider vector, or a different graph), measured for the card:
            # how far the noise of a 384-d random identity channel is from exact token overlap.
            w = sif_weights(counts, chosen.sif_a) * np.where(is_piece, chosen.piece_weight, 1.0)
            sqrt_tasks = tasks.with_term_frequency(np.sqrt)
            refs = [
                ('BM25 (k1 1.2, b 0.75; reference of the SOURCE.md files)', tasks.bm25_reference()),
                ('exact SIF-weighted token overlap (noise-free identity channel)', tasks.exact_overlap(w)),
                ('exact token overlap, counts saturated to sqrt(count)', sqrt_tasks.exact_overlap(w)),
                (f'exact token overlap + mass {chosen.mass:g}', tasks.exact_overlap(w, chosen.mass)),
                (f'exact token overlap, sqrt(count), + mass {chosen.mass:g}', sqrt_tasks.exact_overlap(w, chosen.mass)),
                ('shipped table, counts saturated to sqrt(count) in the graph', sqrt_tasks.evaluate(table(chosen))),
            ]
            for wide in (767, 1535):
                r = Recipe(**{**base, 'lex_dim': wide})
                refs.append((f'shipped recipe with a {wide}-d identity channel ({256 + wide + 1}-d vectors)',
                             tasks.evaluate(table(r))))
            for name, fig in refs:
                fig = {k: v for k, v in fig.items() if k != 'sts_pearson'}
                references.append({'variant': name, **fig})
                line(name, fig)

    t = table(chosen)
    q, scale = quantize_int8(t)
    q = set_empty_direction(q, t)
    deq = q.astype(np.float64) * scale
    fp = score(t)
    i8 = score(deq)
    sp, pe, sq, pq = fp['spearman'], fp['pearson'], i8['spearman'], i8['pearson']
    line('chosen, float64', fp)
    line('chosen, int8 as shipped', i8)

    if args.out:
        os.makedirs(args.out, exist_ok=True)
        export_onnx(q, scale, os.path.join(args.out, 'model.onnx'))
        np.save(os.path.join(args.work, 'table_int8_dequant.npy'), deq.astype(np.float32))
        report = {
            'params': {**chosen.params(), 'sample': args.sample, 'seed': SEED},
            'dim': int(q.shape[1]), 'vocab': len(wp.tokens), 'wordnet_edges': len(edges),
            'sts_dev': {'fp64': [sp, pe], 'int8': [sq, pq]} if pairs else None,
            'retrieval_int8': {k: v for k, v in i8.items() if k not in ('spearman', 'pearson')} or None,
            'ablations': results,
            'references': references,
        }
        with open(os.path.join(args.work, 'build_report.json'), 'w') as f:
            json.dump(report, f, indent=1)


if __name__ == '__main__':
    sys.exit(main())

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
  5. optional common-component removal (--n-pc): the top principal directions of SIF sentence
     vectors of corpus paragraphs are projected out of every token row (the projection is
     linear, so it can be applied per token and the graph only sums rows);
  6. each row is multiplied by its SIF weight and stored as int8 with one shared scale, which
     the normalisation cancels; [CLS] gets a minimal row along the vocabulary mean;
  7. the ONNX graph: Gather rows, mask, sum over the sequence, divide by max(norm, eps);
  8. passages (texts the embedder gets with the passage prefix, the marker token) also carry
     --pivot x their own direction over the last --copy-dims dimensions, in extra output
     dimensions that queries leave at zero: pivoted length normalisation for query-to-passage
     cosines, near-plain cosines between two passages (see eval_retrieval.Graph).

Usage:
  build_model.py --work DIR [--data ../shared/data] [--ablate] [--out models/builtin]
DIR holds vocab.txt, tokens.txt (tokenised corpus) and the vectors file. --data is only read to
print figures (STS-B dev, SciFact train, LoCoMo dev; see eval_retrieval.py), never to fit.
All randomness (identity channel, paragraph sample) is seeded.
"""

import argparse
import collections
import hashlib
import json
import os
import sys

import numpy as np

from eval_retrieval import Graph, Tasks, format_figures
from wordpiece import CLS, PASSAGE_TOKEN, SPECIALS, WordPiece

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


def export_onnx(q, scale, path, passage_id=None, pivot=0.0, copy_dims=0):
    """The graph; with pivot > 0, passages get `pivot` x their unit tail in copy_dims more outputs.

    pivot is in the units of the float table (the int8 rows times scale); the graph works on the
    int8 sums, so it uses pivot / scale.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    dim = q.shape[1]
    summed = 'summed' if pivot else 'full'
    nodes = [
        helper.make_node('Gather', ['token_rows', 'input_ids'], ['rows_i8'], axis=0),
        helper.make_node('Cast', ['rows_i8'], ['rows'], to=TensorProto.FLOAT),
        helper.make_node('Cast', ['attention_mask'], ['mask'], to=TensorProto.FLOAT),
        # [B,1,S] x [B,S,D] -> [B,1,D]: the masked sum over the sequence in one MatMul.
        helper.make_node('Unsqueeze', ['mask', 'axis1'], ['mask_row']),
        helper.make_node('MatMul', ['mask_row', 'rows'], ['summed3']),
        helper.make_node('Squeeze', ['summed3', 'axis1'], [summed]),
    ]
    inits = [
        numpy_helper.from_array(q, 'token_rows'),
        numpy_helper.from_array(np.array([1], dtype=np.int64), 'axis1'),
        numpy_helper.from_array(np.array([1e-12], dtype=np.float32), 'eps'),
    ]
    out_dim = dim
    if pivot:
        k = copy_dims or dim
        out_dim = dim + k
        nodes += [
            # flag = 1 when the (unmasked) passage marker is in the row, else 0.
            helper.make_node('Equal', ['input_ids', 'passage_id'], ['is_marker']),
            helper.make_node('Cast', ['is_marker'], ['marker'], to=TensorProto.FLOAT),
            helper.make_node('Mul', ['marker', 'mask'], ['marker_masked']),
            helper.make_node('ReduceMax', ['marker_masked'], ['flag'], axes=[1], keepdims=1),
            helper.make_node('Mul', ['flag', 'pivot'], ['flag_pivot']),
            # The passage's own direction over its last k dimensions, unit length (0 if empty).
            helper.make_node('Slice', ['summed', 'copy_start', 'copy_end', 'axis1'], ['part']),
            helper.make_node('ReduceL2', ['part'], ['part_norm'], axes=[1], keepdims=1),
            helper.make_node('Max', ['part_norm', 'eps'], ['part_safe']),
            helper.make_node('Div', ['part', 'part_safe'], ['part_unit']),
            helper.make_node('Mul', ['part_unit', 'flag_pivot'], ['extra']),
            helper.make_node('Concat', ['summed', 'extra'], ['full'], axis=1),
        ]
        inits += [
            numpy_helper.from_array(np.array(passage_id, dtype=np.int64), 'passage_id'),
            numpy_helper.from_array(np.array([pivot / scale], dtype=np.float32), 'pivot'),
            numpy_helper.from_array(np.array([dim - k], dtype=np.int64), 'copy_start'),
            numpy_helper.from_array(np.array([dim], dtype=np.int64), 'copy_end'),
        ]
    nodes += [
        helper.make_node('ReduceL2', ['full'], ['norm'], axes=[1], keepdims=1),
        # max(norm, eps): an all-padding row sums to 0 and must give 0, not 0/0 = NaN.
        helper.make_node('Max', ['norm', 'eps'], ['safe_norm']),
        helper.make_node('Div', ['full', 'safe_norm'], ['sentence_embedding']),
    ]
    graph = helper.make_graph(
        nodes,
        'ringmem_builtin_static_embedding',
        [
            helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch', 'sequence']),
            helper.make_tensor_value_info('attention_mask', TensorProto.INT64, ['batch', 'sequence']),
        ],
        [helper.make_tensor_value_info('sentence_embedding', TensorProto.FLOAT, ['batch', out_dim])],
        inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid('', 13)],
        producer_name='ringmem tools/train-builtin',
        doc_string='SIF-weighted static token embeddings (int8 rows, one shared scale '
        f'{scale:.6g} that the L2 normalisation cancels), summed over the attention mask and '
        'L2-normalised'
        + (f'; a row holding token {passage_id} (the passage marker) also carries {pivot / scale:.6g} '
           f'x its unit direction over the last {copy_dims or dim} dimensions in {copy_dims or dim} more.'
           if pivot else '.'),
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


class Recipe:
    """One point of the design space; `table()` gives the per-token rows the graph sums."""

    def __init__(self, **kw):
        self.sem_dim = kw.get('sem_dim', 256)
        self.lex_dim = kw.get('lex_dim', 128)
        self.lex_weight = kw.get('lex_weight', 1.0)
        self.retrofit_iters = kw.get('retrofit_iters', 10)
        self.sif_a = kw.get('sif_a', 1e-3)
        self.n_pc = kw.get('n_pc', 0)
        self.unit_tokens = kw.get('unit_tokens', True)
        self.random_only = kw.get('random_only', False)
        # Passage pivot, in units of an unweighted token row's norm (0: none); last dims copied (0: all).
        self.pivot = kw.get('pivot', 0.0)
        self.copy_dims = kw.get('copy_dims', 0)

    def params(self):
        return dict(vars(self))

    def pivot_abs(self):
        """The pivot in the float table's units: times the norm of an unweighted token row."""
        if self.random_only:
            return self.pivot
        return self.pivot * float(np.sqrt((self.sem_dim > 0) + (self.lex_dim > 0) * self.lex_weight**2))


FIGURES = ('sts_spearman', 'sts_pearson', 'scifact_ndcg10', 'locomo_hit5')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--work', required=True)
    ap.add_argument('--vectors', default='vectors.vec')
    ap.add_argument('--data', help='../shared/data: STS-B dev, SciFact train, LoCoMo dev (figures only)')
    ap.add_argument('--ablate', action='store_true')
    ap.add_argument('--out')
    ap.add_argument('--sem-dim', type=int, default=256, help='learnt dimensions kept')
    ap.add_argument('--lex-dim', type=int, default=128, help='identity-channel dimensions')
    ap.add_argument('--lex-weight', type=float, default=1.0, help='identity vs learnt channel')
    ap.add_argument('--sif-a', type=float, default=1e-3)
    ap.add_argument('--n-pc', type=int, default=0)
    ap.add_argument('--retrofit-iters', type=int, default=10)
    ap.add_argument('--pivot', type=float, default=0.0, help='passage pivot (0: none)')
    ap.add_argument('--copy-dims', type=int, default=0, help='last dimensions the passage pivot copies (0: all)')
    ap.add_argument('--sample', type=int, default=20000, help='paragraphs for the common components')
    args = ap.parse_args()

    rng = np.random.default_rng(SEED)
    with open(os.path.join(args.work, 'vocab.txt'), encoding='utf-8') as f:
        wp = WordPiece(f.read().split('\n')[:-1])
    passage_id = wp.ids.get(PASSAGE_TOKEN)
    if args.pivot and passage_id is None:
        sys.exit(f'--pivot needs the passage marker {PASSAGE_TOKEN!r} in vocab.txt (build_vocab.py adds it)')
    vecs, seen = load_vectors(os.path.join(args.work, args.vectors), wp)
    print(f'{seen} token vectors of dim {vecs.shape[1]} for {len(wp.tokens)} tokens', flush=True)
    counts, lines = token_counts(os.path.join(args.work, 'tokens.txt'), wp)
    picks = rng.choice(len(lines), size=min(args.sample, len(lines)), replace=False)
    sample_ids = [[wp.ids[t] for t in lines[i].split()][:256] for i in sorted(picks)]
    del lines
    edges = wordnet_edges(wp)
    print(f'{len(edges)} WordNet edges', flush=True)
    tasks = Tasks(wp, args.data, with_bm25=False) if args.data else None
    retro_cache = {}

    def table(r):
        if r.random_only:
            v = identity_channel(len(vecs), r.sem_dim + r.lex_dim, SEED + 2)
        else:
            v = vecs[:, : r.sem_dim]
            if r.unit_tokens:
                v = unit_rows(v)
            if r.retrofit_iters:
                key = (r.sem_dim, r.unit_tokens, r.retrofit_iters)
                if key not in retro_cache:  # the ablation grid reuses the same retrofit
                    retro_cache[key] = retrofit(v, edges, iters=r.retrofit_iters)[0]
                v = retro_cache[key]
            if r.lex_dim:
                lex = identity_channel(len(vecs), r.lex_dim, SEED + 1)
                v = np.hstack([unit_rows(v), r.lex_weight * lex])
        w = sif_weights(counts, r.sif_a) if r.sif_a > 0 else (np.arange(len(v)) >= len(SPECIALS)) * 1.0
        if passage_id is not None:
            w[passage_id] = 0.0  # the marker is a switch, not content
        pcs = common_components(v, w, sample_ids, r.n_pc)
        return fold(v, w, pcs)

    def score(r, t):
        if tasks is None:
            return {k: float('nan') for k in FIGURES}
        d = t.shape[1]
        return tasks.evaluate(Graph(t, r.pivot_abs(), slice(d - r.copy_dims, d) if r.copy_dims else None))

    chosen = Recipe(sem_dim=args.sem_dim, lex_dim=args.lex_dim, lex_weight=args.lex_weight,
                    sif_a=args.sif_a, n_pc=args.n_pc, retrofit_iters=args.retrofit_iters,
                    pivot=args.pivot, copy_dims=args.copy_dims)
    results = []
    if args.ablate and tasks is not None:
        base = chosen.params()
        dim = chosen.sem_dim + chosen.lex_dim
        off = dict(pivot=0.0)  # parts measured on their own, plain cosine
        variants = [
            (f'random {dim}-d vectors + SIF (lexical overlap only)', dict(random_only=True, **off)),
            ('learnt only: plain average (no SIF, retrofit, PC, identity)',
             dict(lex_dim=0, sif_a=0, retrofit_iters=0, n_pc=0, unit_tokens=False, **off)),
            ('learnt only: SIF', dict(lex_dim=0, retrofit_iters=0, n_pc=0, unit_tokens=False, **off)),
            ('learnt only: unit vectors + SIF', dict(lex_dim=0, retrofit_iters=0, n_pc=0, **off)),
            ('learnt only: unit + SIF + retrofit', dict(lex_dim=0, n_pc=0, **off)),
            ('shipped recipe without the passage pivot', off),
            ('version 1 (SIF a = 1e-3, no pivot)', dict(sif_a=1e-3, **off)),
            ('shipped recipe without SIF', dict(sif_a=0)),
            ('shipped recipe without retrofitting', dict(retrofit_iters=0)),
            ('shipped recipe + 1 common component removed', dict(n_pc=1)),
            ('shipped recipe, SIF a = 1e-3', dict(sif_a=1e-3)),
            ('shipped recipe, SIF a = 1e-4', dict(sif_a=1e-4)),
            ('shipped recipe, identity weight 1.5', dict(lex_weight=1.5)),
            ('shipped recipe, pivot 2', dict(pivot=2.0)),
            ('shipped recipe, pivot 3', dict(pivot=3.0)),
            ('shipped recipe, pivot copies all dimensions', dict(copy_dims=0)),
            ('dims: 256 learnt + 256 identity, 256 copied', dict(lex_dim=256, copy_dims=256)),
            ('shipped recipe', dict()),
        ]
        for name, change in variants:
            r = Recipe(**{**base, **change})
            fig = score(r, table(r))
            results.append({'variant': name, **r.params(), **fig})
            print(f'{name:55s} {format_figures(fig)}', flush=True)
        # Reference, not a model: the identity channel without its random-projection noise.
        for a in (chosen.sif_a, 1e-3):
            r = Recipe(**{**base, 'sif_a': a, 'sem_dim': 0, 'lex_dim': 0, 'pivot': 0.0})
            w = sif_weights(counts, a)
            w[passage_id if passage_id is not None else 0] = 0.0
            fig = tasks.exact_overlap(w)
            name = f'exact SIF-weighted token overlap, a = {a:g} (no vectors)'
            results.append({'variant': name, **r.params(), **fig})
            print(f'{name:55s} {format_figures(fig)}', flush=True)

    t = table(chosen)
    q, scale = quantize_int8(t)
    q = set_empty_direction(q, t)
    deq = q.astype(np.float64) * scale
    fig = score(chosen, t)
    fig_q = score(chosen, deq)
    print(f'chosen fp64: {format_figures(fig)}\nchosen int8: {format_figures(fig_q)}')

    if args.out:
        os.makedirs(args.out, exist_ok=True)
        export_onnx(q, scale, os.path.join(args.out, 'model.onnx'), passage_id if chosen.pivot else None,
                    chosen.pivot_abs(), chosen.copy_dims)
        np.save(os.path.join(args.work, 'table_int8_dequant.npy'), deq.astype(np.float32))
        d = int(q.shape[1])
        report = {
            'params': {**chosen.params(), 'sample': args.sample, 'seed': SEED},
            'table_dim': d,
            'dim': d + ((chosen.copy_dims or d) if chosen.pivot else 0),
            'vocab': len(wp.tokens), 'wordnet_edges': len(edges),
            'passage_token': PASSAGE_TOKEN if chosen.pivot else None,
            'figures': {'fp64': fig, 'int8': fig_q} if tasks is not None else None,
            'ablations': results,
        }
        with open(os.path.join(args.work, 'build_report.json'), 'w') as f:
            json.dump(report, f, indent=1)


if __name__ == '__main__':
    sys.exit(main())

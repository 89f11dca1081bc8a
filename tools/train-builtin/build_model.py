#!/usr/bin/python3
"""Turns fastText token vectors into the shipped sentence-embedding model.

Steps (each one can be switched off to measure what it brings, see --ablate):
  1. load the skip-gram vectors of the vocabulary tokens (specials get zero vectors);
  2. retrofit them to WordNet: pull the vectors of synonyms (same synset, both whole tokens of
     the vocabulary) and of regular/irregular inflections towards each other (Faruqui et al. 2015);
  3. SIF weights a / (a + p(token)) from the token frequencies of the corpus (Arora et al. 2017);
  4. common-component removal: the top principal directions of SIF sentence vectors of corpus
     paragraphs are projected out. Because the projection is linear it is applied to every token
     row, so the graph only has to sum rows;
  5. each row is multiplied by its SIF weight and stored as int8 with one fp32 scale per row;
  6. the ONNX graph: Gather rows and scales, mask, sum over the sequence, divide by max(norm, eps).

Usage:
  build_model.py --work DIR [--sts DEV.csv] [--ablate] [--out models/builtin]
DIR holds vocab.txt, tokens.txt (tokenised corpus) and vectors.vec (fastText text output).
All randomness (the paragraph sample for step 4) is seeded.
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


def with_empty_direction(table):
    """Gives [CLS] a tiny row along the mean direction of the vocabulary.

    Every tokenised text carries [CLS], so a text with no known token (empty, or only unknown
    characters) still gets a unit vector (the "average text") instead of a zero vector, while
    for any real text the row is ~1e-3 of one word and changes cosines by less than that.
    """
    t = table.copy()
    mean = t[len(SPECIALS) :].mean(axis=0)
    typical = np.median(np.linalg.norm(t[len(SPECIALS) :], axis=1))
    t[CLS] = mean / max(np.linalg.norm(mean), 1e-12) * typical * 1e-3
    return t


def quantize_int8(table):
    scale = np.abs(table).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(table / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def export_onnx(q, scale, path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    dim = q.shape[1]
    nodes = [
        helper.make_node('Gather', ['token_rows', 'input_ids'], ['rows_i8'], axis=0),
        helper.make_node('Cast', ['rows_i8'], ['rows'], to=TensorProto.FLOAT),
        helper.make_node('Gather', ['token_scales', 'input_ids'], ['scales'], axis=0),
        helper.make_node('Cast', ['attention_mask'], ['mask'], to=TensorProto.FLOAT),
        helper.make_node('Mul', ['scales', 'mask'], ['weights']),
        # [B,1,S] x [B,S,D] -> [B,1,D]: the masked, scaled sum over the sequence in one MatMul.
        helper.make_node('Unsqueeze', ['weights', 'axis1'], ['weights_row']),
        helper.make_node('MatMul', ['weights_row', 'rows'], ['summed3']),
        helper.make_node('Squeeze', ['summed3', 'axis1'], ['summed']),
        helper.make_node('ReduceL2', ['summed'], ['norm'], axes=[1], keepdims=1),
        # max(norm, eps): an all-padding row sums to 0 and must give 0, not 0/0 = NaN.
        helper.make_node('Max', ['norm', 'eps'], ['safe_norm']),
        helper.make_node('Div', ['summed', 'safe_norm'], ['sentence_embedding']),
    ]
    inits = [
        numpy_helper.from_array(q, 'token_rows'),
        numpy_helper.from_array(scale, 'token_scales'),
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
        doc_string='SIF-weighted static token embeddings (int8 rows, fp32 scale per row), '
        'summed over the attention mask and L2-normalised.',
    )
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, path)


def file_entry(path):
    data = open(path, 'rb').read()
    return {'path': os.path.basename(path), 'bytes': len(data), 'sha256': hashlib.sha256(data).hexdigest()}


# --- main -------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--work', required=True)
    ap.add_argument('--vectors', default='vectors.vec')
    ap.add_argument('--sts')
    ap.add_argument('--ablate', action='store_true')
    ap.add_argument('--out')
    ap.add_argument('--sif-a', type=float, default=1e-3)
    ap.add_argument('--n-pc', type=int, default=1)
    ap.add_argument('--retrofit-iters', type=int, default=10)
    ap.add_argument('--unit-tokens', type=int, default=0, help='1: unit-normalise token vectors first')
    ap.add_argument('--sample', type=int, default=50000, help='paragraphs for the common components')
    args = ap.parse_args()

    rng = np.random.default_rng(SEED)
    with open(os.path.join(args.work, 'vocab.txt'), encoding='utf-8') as f:
        wp = WordPiece(f.read().split('\n')[:-1])
    vecs, seen = load_vectors(os.path.join(args.work, args.vectors), wp)
    print(f'{seen} token vectors of dim {vecs.shape[1]} for {len(wp.tokens)} tokens', flush=True)
    counts, lines = token_counts(os.path.join(args.work, 'tokens.txt'), wp)
    picks = rng.choice(len(lines), size=min(args.sample, len(lines)), replace=False)
    sample_ids = [[wp.ids[t] for t in lines[i].split()][:256] for i in sorted(picks)]
    del lines
    edges = wordnet_edges(wp)
    pairs = read_sts(args.sts) if args.sts else None

    def build(sif_a, n_pc, retro_iters, unit_tokens):
        v = vecs
        if unit_tokens:
            n = np.linalg.norm(v, axis=1, keepdims=True)
            v = np.where(n > 0, v / np.maximum(n, 1e-12), 0)
        if retro_iters:
            v, _ = retrofit(v, edges, iters=retro_iters)
        w = sif_weights(counts, sif_a) if sif_a > 0 else (np.arange(len(v)) >= len(SPECIALS)) * 1.0
        pcs = common_components(v, w, sample_ids, n_pc)
        return fold(v, w, pcs)

    def score(table):
        return sts_scores(table, wp, pairs) if pairs else (float('nan'), float('nan'))

    results = []
    if args.ablate and pairs:
        grid = [
            ('plain average (no SIF, no PC, no retrofit)', 0, 0, 0, 0),
            ('SIF only', args.sif_a, 0, 0, 0),
            ('SIF + PC removal', args.sif_a, args.n_pc, 0, 0),
            ('SIF + retrofit', args.sif_a, 0, args.retrofit_iters, 0),
            ('retrofit + PC, no SIF', 0, args.n_pc, args.retrofit_iters, 0),
        ]
        for a in (1e-4, 3e-4, 1e-3, 3e-3):
            for npc in (0, 1, 2, 4):
                for unit in (0, 1):
                    grid.append((f'full a={a:g} pcs={npc} unit={unit}', a, npc, args.retrofit_iters, unit))
        for name, a, npc, it, unit in grid:
            sp, pe = score(build(a, npc, it, unit))
            results.append({'variant': name, 'sif_a': a, 'n_pc': npc, 'retrofit_iters': it,
                            'unit_tokens': unit, 'spearman': sp, 'pearson': pe})
            print(f'{name:45s} spearman {sp:.4f} pearson {pe:.4f}', flush=True)

    table = build(args.sif_a, args.n_pc, args.retrofit_iters, args.unit_tokens)
    table = with_empty_direction(table)
    q, scale = quantize_int8(table)
    deq = q.astype(np.float64) * scale[:, None]
    sp, pe = score(table)
    sq, pq = score(deq)
    print(f'chosen fp64: spearman {sp:.4f} pearson {pe:.4f}; int8: spearman {sq:.4f} pearson {pq:.4f}')
    print(f'{len(edges)} WordNet edges', flush=True)

    if args.out:
        os.makedirs(args.out, exist_ok=True)
        export_onnx(q, scale, os.path.join(args.out, 'model.onnx'))
        np.save(os.path.join(args.work, 'table_int8_dequant.npy'), deq.astype(np.float32))
        report = {
            'params': {'sif_a': args.sif_a, 'n_pc': args.n_pc, 'retrofit_iters': args.retrofit_iters,
                       'unit_tokens': args.unit_tokens, 'sample': args.sample, 'seed': SEED},
            'dim': int(q.shape[1]), 'vocab': len(wp.tokens), 'wordnet_edges': len(edges),
            'sts_dev': {'fp64': [sp, pe], 'int8': [sq, pq]} if pairs else None,
            'ablations': results,
        }
        with open(os.path.join(args.work, 'build_report.json'), 'w') as f:
            json.dump(report, f, indent=1)


if __name__ == '__main__':
    sys.exit(main())

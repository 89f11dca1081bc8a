#!/usr/bin/env bash
# Learns token vectors from a train.sh work directory's corpus plus one more text file, keeping the
# base vocabulary (so the tokenizer and every other step stay the same), then scores them with
# limits.py next to the shipped ones. An experiment harness, not part of the shipped recipe.
#
#   tools/train-builtin/extra_text.sh BASE_WORK EXTRA.txt OUT_WORK [DATA_DIR]
#
# Example (the Gene Ontology's 1.1M words of molecular biology, for scientific retrieval):
#   apt-get install r-bioc-go.db
#   /usr/bin/python3 tools/train-builtin/go_terms.py /tmp/go.txt
#   tools/train-builtin/extra_text.sh /tmp/ringmem-train-builtin /tmp/go.txt /tmp/rm-go
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BASE="$1"
EXTRA="$2"
OUT="$3"
DATA_DIR="${4:-$HERE/../../../shared/data}"
PY=/usr/bin/python3
SVD_DIM="${SVD_DIM:-256}"

mkdir -p "$OUT/corpus"
cp "$BASE"/corpus/*.txt "$OUT/corpus/"
cp "$EXTRA" "$OUT/corpus/zz-extra-$(basename "$EXTRA")"
cp "$BASE/vocab.txt" "$OUT/vocab.txt"
cd "$HERE"
nice -n 10 "$PY" tokenize_corpus.py "$OUT/corpus" "$OUT/vocab.txt" "$OUT/tokens.txt"
nice -n 10 "$PY" ppmi_svd.py "$OUT" "$SVD_DIM" --eig 0 --out vectors.vec
nice -n 10 "$PY" limits.py "$BASE" --data "$DATA_DIR" --extra-work "$OUT" --out "$OUT/limits.md"

#!/usr/bin/env bash
# Rebuilds models/builtin/ (ringmem's built-in English embedding model) from Debian packages.
#
#   sudo tools/train-builtin/train.sh [WORK_DIR]        (root: it installs Debian packages)
#
# Environment (defaults are the shipped model's settings):
#   VOCAB_SIZE=30000 SVD_DIM=256                   vocabulary size, learnt dimensions computed
#   SEM_DIM=256 LEX_DIM=127 LEX_WEIGHT=1           learnt + identity channel (see build_model.py)
#   SIF_A=3e-4 SEM_IDF=1 PIECE_WEIGHT=0.5          token weights (SIF, IDF on the learnt channel, ## pieces)
#   MASS=0.4                                       the mass dimension (1 more dim; 0: none)
#   N_PC=0 RETROFIT_ITERS=10                       post-processing (see build_model.py)
#   STS_DEV=../shared/data/stsb/sts-dev.csv        only for the printed evaluation and ablations
#   DATA_DIR=../shared/data                        SciFact / LoCoMo figures of every ablation (optional)
#   OUT=models/builtin                             where the artifact is written
#   ONLY_SOURCES=                                  e.g. "$(python3 -c 'import gather; print(",".join(gather.PERMISSIVE))')"
#                                                  to train on the permissive sources only
#
# Every step is deterministic (seeded randomised SVD and identity channel, sorted inputs), so a
# rerun on the same package versions gives the same model. CI does not run this; it takes about
# 15–25 minutes on 2 shared cores, most of it the ablation grid.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${1:-/tmp/ringmem-train-builtin}"
VOCAB_SIZE="${VOCAB_SIZE:-30000}"
SVD_DIM="${SVD_DIM:-256}"
SEM_DIM="${SEM_DIM:-256}"
LEX_DIM="${LEX_DIM:-127}"
LEX_WEIGHT="${LEX_WEIGHT:-1}"
SIF_A="${SIF_A:-3e-4}"
SEM_IDF="${SEM_IDF:-1}"
MASS="${MASS:-0.4}"
PIECE_WEIGHT="${PIECE_WEIGHT:-0.5}"
N_PC="${N_PC:-0}"
RETROFIT_ITERS="${RETROFIT_ITERS:-10}"
STS_DEV="${STS_DEV:-$ROOT/../shared/data/stsb/sts-dev.csv}"
DATA_DIR="${DATA_DIR:-$ROOT/../shared/data}"
OUT="${OUT:-$ROOT/models/builtin}"
# Debian's numpy/scipy/onnx are installed for the system interpreter, not for a pyenv python3.
PY=/usr/bin/python3

TEXT_PACKAGES=(wordnet-base dict-gcide python3.11-doc postgresql-doc-15 manpages manpages-dev
  linux-doc-6.1 debian-reference-en fortunes bible-kjv-text dict-devil jargon-text)
# Node 20 and the npm dependencies are the project's own prerequisites (npm ci), not installed here.
TOOL_PACKAGES=(python3-numpy python3-scipy python3-onnx bible-kjv)

echo "== installing Debian packages"
missing=()
for p in "${TEXT_PACKAGES[@]}" "${TOOL_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

mkdir -p "$WORK"
cd "$HERE"

echo "== gathering text"
rm -rf "$WORK/corpus"
nice -n 10 "$PY" gather.py "$WORK/corpus" ${ONLY_SOURCES:+--only "$ONLY_SOURCES"}

echo "== WordPiece vocabulary ($VOCAB_SIZE)"
nice -n 10 "$PY" build_vocab.py "$WORK/corpus" "$WORK" "$VOCAB_SIZE"
nice -n 10 "$PY" tokenize_corpus.py "$WORK/corpus" "$WORK/vocab.txt" "$WORK/tokens.txt"

echo "== tokenizer parity (Python WordPiece vs @huggingface/tokenizers)"
nice -n 10 "$PY" parity_sample.py "$WORK" ${STS_DEV:+"$STS_DEV"} >"$WORK/parity.jsonl"
(cd "$ROOT" && node tools/train-builtin/check_tokenizer.mjs "$WORK/tokenizer.json" <"$WORK/parity.jsonl")

echo "== PPMI + SVD token vectors (dim $SVD_DIM)"
nice -n 10 "$PY" ppmi_svd.py "$WORK" "$SVD_DIM" --eig 0 --out vectors.vec

echo "== retrofit, SIF, common components, int8, ONNX"
sts_args=()
[[ -f "$STS_DEV" ]] && sts_args=(--sts "$STS_DEV" --ablate)
[[ -d "$DATA_DIR/scifact_train" || -d "$DATA_DIR/locomo_dev" ]] && sts_args+=(--data "$DATA_DIR")
nice -n 10 "$PY" build_model.py --work "$WORK" --vectors vectors.vec --out "$OUT" \
  --sem-dim "$SEM_DIM" --lex-dim "$LEX_DIM" --lex-weight "$LEX_WEIGHT" \
  --sif-a "$SIF_A" --sem-idf "$SEM_IDF" --mass "$MASS" --piece-weight "$PIECE_WEIGHT" --n-pc "$N_PC" --retrofit-iters "$RETROFIT_ITERS" "${sts_args[@]}"
cp "$WORK/tokenizer.json" "$OUT/tokenizer.json"

echo "== manifest, end-to-end check in Node, speed, model card"
# The manifest is written first so the Node tools can load the model; the card is rewritten once
# their figures exist.
nice -n 10 "$PY" write_card.py --work "$WORK" --out "$OUT"
card_args=()
if [[ -f "$STS_DEV" ]]; then
  (cd "$ROOT" && npx tsx tools/eval-sts.ts "$STS_DEV" --model-dir "$OUT") | tail -n 1 >"$WORK/node_eval.json"
  card_args+=(--node-eval "$WORK/node_eval.json")
fi
(cd "$ROOT" && nice -n 10 node tools/train-builtin/bench.mjs "$OUT") >"$WORK/bench.txt"
card_args+=(--bench "$WORK/bench.txt")
nice -n 10 "$PY" write_card.py --work "$WORK" --out "$OUT" "${card_args[@]}"
# The card is generated Markdown; format it the way `biome check .` expects (tables padded).
(cd "$ROOT" && npx biome check --write "$OUT/MODEL_CARD.md") || echo "note: MODEL_CARD.md left as generated (this Biome version does not format it here)"
echo "done: $OUT"

#!/usr/bin/env bash
# On the GPU machine, in one device run (docs/gpu.md): issue 11's GPU figures and the GPU-vs-CPU verdicts.
# Needs what bench/gpu_prepare.sh gathered (carried). Each step's output goes to $OUT as well.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-check}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH="/tmp/site:$PWD" PYTHONUNBUFFERED=1 YOLO_OFFLINE=1 HINGE_REVIEW_FIXTURES="$PWD/.gpu/fixtures"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
step() { local name=$1; shift; echo "== $name: $*"; timeout 240 "$@" 2>&1 | tee "$OUT/$name.txt"; }
step load python3 bench/gpu_load.py --device cuda
step speed python3 bench/speed.py --device cuda
step backends python3 bench/backends.py --backends cpu:torch --also cuda:torch
step batch python3 bench/batch.py --device cuda --workers --clips .gpu/fixtures/clips

#!/usr/bin/env bash
# FAQ 9.1 (docs/experiments.md): how to train on imbalanced data. MNIST with digits 0-4 cut to
# 5% of their training images; the tutorial's CNN and training (5 epochs, Adam 1e-3, batch 64)
# without correction, with class weights (balanced) and with class-balanced oversampling.
# Prints a Markdown table of test accuracy and per-class test recall.
#   scripts/experiment_imbalance.sh [--seed N] [--epochs E]
# Needs INKSTONE_DATA (or a downloaded MNIST), jq, and a build (scripts/build.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
inkstone=${INKSTONE_BIN:-$root/build/release/inkstone}
seed=1 epochs=5
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) seed=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    *) echo "usage: $0 [--seed N] [--epochs E]" >&2; exit 2 ;;
  esac
done
command -v jq >/dev/null || { echo "$0: needs jq (apt-get install jq)" >&2; exit 1; }
common=(train --dataset mnist --model seed-cnn --epochs "$epochs" --batch-size 64 --lr 0.001
        --seed "$seed" --validate none --class-fraction 0-4=0.05 --json)
echo "| training | test accuracy | recall 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | mean recall 0-4 |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
run() {
  local name=$1; shift
  local out
  out=$("$inkstone" "${common[@]}" "$@")
  echo "$out" | jq -r --arg name "$name" '
    "| \($name) | \(.test_accuracy * 10000 | round / 100)% | " +
    ([.test_recall[] | (. * 1000 | round / 1000 | tostring)] | join(" | ")) +
    " | \([.test_recall[0:5][]] | add / 5 * 1000 | round / 1000) |"'
}
run "no correction"
run "class weights (balanced)" --class-weight balanced
run "oversampling (balanced sampler)" --balanced-sampling
echo
echo "Command: scripts/experiment_imbalance.sh --seed $seed --epochs $epochs ($("$inkstone" --version 2>/dev/null || echo inkstone), $(nproc) cores)"

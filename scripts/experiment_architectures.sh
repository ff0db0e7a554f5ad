#!/usr/bin/env bash
# FAQ 9.3 (docs/experiments.md): how to choose an architecture. Every preset trained the same
# way (Adam 1e-3, batch 64, 5 epochs, no augmentation) on full MNIST; parameters, seconds per
# epoch on this machine and test accuracy, as a Markdown table.
#   scripts/experiment_architectures.sh [--epochs E] [--seed N] [--models "mlp lenet5 ..."]
# Needs INKSTONE_DATA (or a downloaded MNIST), jq, and a build (scripts/build.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
inkstone=${INKSTONE_BIN:-$root/build/release/inkstone}
epochs=5 seed=1 models="mlp lenet5 seed-cnn fast-cnn strong"
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    *) echo "usage: $0 [--epochs E] [--seed N] [--models LIST]" >&2; exit 2 ;;
  esac
done
command -v jq >/dev/null || { echo "$0: needs jq (apt-get install jq)" >&2; exit 1; }
echo "| model | parameters | s/epoch (median) | test accuracy |"
echo "|---|---|---|---|"
for m in $models; do
  "$inkstone" train --dataset mnist --model "$m" --epochs "$epochs" --batch-size 64 --lr 0.001 \
    --seed "$seed" --validate none --json | jq -r --arg m "$m" '
      ([.epochs[].seconds] | sort | .[(length / 2 | floor)]) as $med |
      "| \($m) | \(.parameters) | \($med * 10 | round / 10) | \(.test_accuracy * 10000 | round / 100)% |"'
done
echo
echo "Command: scripts/experiment_architectures.sh --epochs $epochs --seed $seed ($(nproc) cores)"

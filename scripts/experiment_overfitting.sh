#!/usr/bin/env bash
# FAQ 9.2 (docs/experiments.md): how to avoid overfitting. The tutorial's CNN trained on only
# 1,000 MNIST images for 40 epochs, validated on the 6,000 held-out last training images:
# without regularization, with dropout, with augmentation, and with early stopping. Prints a
# Markdown table and draws the train/validation curves of the four runs.
#   scripts/experiment_overfitting.sh [--out DIR] [--epochs E] [--seed N]
# Needs INKSTONE_DATA (or a downloaded MNIST), jq, and a build (scripts/build.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
inkstone=${INKSTONE_BIN:-$root/build/release/inkstone}
out=$root/docs/images/overfitting epochs=40 seed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    *) echo "usage: $0 [--out DIR] [--epochs E] [--seed N]" >&2; exit 2 ;;
  esac
done
command -v jq >/dev/null || { echo "$0: needs jq (apt-get install jq)" >&2; exit 1; }
mkdir -p "$out"
common=(train --dataset mnist --epochs "$epochs" --batch-size 32 --lr 0.001 --seed "$seed"
        --validation-split 0.1 --train-limit 1000 --json)
echo "| training (1,000 images) | epochs run | final train acc. | final val. acc. | best val. acc. (epoch) | test accuracy |"
echo "|---|---|---|---|---|---|"
run() {
  local name=$1 log=$2; shift 2
  "$inkstone" "${common[@]}" --log "$out/$log.jsonl" "$@" | jq -r --arg name "$name" '
    def pct: . * 10000 | round / 100 | tostring + "%";
    (.epochs | max_by(.val_accuracy)) as $best |
    "| \($name) | \(.epochs | length) | \(.epochs[-1].accuracy | pct) | " +
    "\(.epochs[-1].val_accuracy | pct) | \($best.val_accuracy | pct) (\($best.epoch)) | " +
    "\(.test_accuracy | pct) |"'
}
run "no regularization" plain --model seed-cnn
run "dropout 0.5 (2 layers)" dropout --model "$root/scripts/experiments/seed-cnn-dropout.json"
run "augmentation" augment --model seed-cnn --augment shift=2,rotate=10,scale=0.1
run "early stopping (patience 5, best weights)" early --model seed-cnn --early-stopping 5 \
  --monitor val_loss
for run in plain dropout augment early; do
  "$inkstone" plot "$out/$run.jsonl" --out "$out/$run.png" --title "$run" >/dev/null
done
"$inkstone" plot "$out"/{plain,dropout,augment,early}.jsonl --out "$out/all.png" \
  --title "1,000 training images" >/dev/null
echo
echo "Curves: $out/{plain,dropout,augment,early,all}.png"
echo "Command: scripts/experiment_overfitting.sh --epochs $epochs --seed $seed ($(nproc) cores)"

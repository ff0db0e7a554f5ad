#!/usr/bin/env bash
# docs/finetuning.md: Keras's transfer-learning example with the tutorial's CNN. Train seed-cnn
# on the digits 0-4; freeze its convolutional layers (up to `flatten`) and fine-tune the dense
# layers with a new 5-class head on the digits 5-9; compare with the same network trained from
# scratch on 5-9; forgetting: the base's head on the fine-tuned features, on 0-4. Prints a
# Markdown table: test accuracy, trainable parameters, training time.
#   scripts/experiment_transfer.sh [--epochs E] [--seed N] [--out DIR]
# Needs INKSTONE_DATA (or a downloaded MNIST), jq, and a build (scripts/build.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
inkstone=${INKSTONE_BIN:-$root/build/release/inkstone}
epochs=5 seed=1 out=$(mktemp -d)
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--epochs E] [--seed N] [--out DIR]" >&2; exit 2 ;;
  esac
done
command -v jq >/dev/null || { echo "$0: needs jq (apt-get install jq)" >&2; exit 1; }
mkdir -p "$out"
common=(--dataset mnist --epochs "$epochs" --batch-size 64 --lr 0.001 --seed "$seed"
        --validate none --json)
row() {  # name, json file
  jq -r --arg name "$1" '"| \($name) | \(.test_accuracy * 10000 | round / 100)% | \(.trainable_parameters) of \(.parameters) | \(.total_seconds * 10 | round / 10) s |"' "$2"
}
"$inkstone" train --model seed-cnn --classes 0-4 --save "$out/base04.inks" "${common[@]}" \
  > "$out/base04.json"
"$inkstone" finetune --from "$out/base04.inks" --classes 5-9 --new-head 5 \
  --freeze up-to:flatten --save "$out/tuned59.inks" "${common[@]}" > "$out/tuned59.json"
"$inkstone" train --model seed-cnn --classes 5-9 "${common[@]}" > "$out/scratch59.json"
# Forgetting: the base's own head on the fine-tuned model's features, on the 0-4 test digits.
"$inkstone" eval "$out/base04.inks" --classes 0-4 --weights-from "$out/tuned59.inks" --json \
  > "$out/forgetting04.json"
echo "| model | test accuracy | trainable parameters | time (data, training, test) |"
echo "|---|---|---|---|"
row "base: seed-cnn trained on 0-4 (tested on 0-4)" "$out/base04.json"
row "fine-tuned: frozen features, new head, on 5-9" "$out/tuned59.json"
row "from scratch on 5-9" "$out/scratch59.json"
jq -r '"| forgetting: the base head on the fine-tuned features (tested on 0-4) | \(.accuracy * 10000 | round / 100)% | – | – |"' \
  "$out/forgetting04.json"
echo
echo "Command: scripts/experiment_transfer.sh --epochs $epochs --seed $seed ($(nproc) cores)"

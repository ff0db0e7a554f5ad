#!/usr/bin/env bash
# docs/finetuning.md, few-shot adaptation. A seed-cnn trained on MNIST is adapted to a shifted
# domain with the same ten classes — MNIST with every stroke thickened twice and rotated by ±25°
# (`--domain-shift thick=2,rotate=25`, train and test images alike) — from 10 / 50 / 100 / 500
# training images per class, three ways: all layers fine-tuned (Adam 1e-4), only the dense layers
# fine-tuned (features frozen, Adam 1e-3), and the same network from scratch (Adam 1e-3). Every
# run takes about the same number of steps (--steps, batch 64). Accuracy on the shifted test set,
# and on the clean MNIST test set after adaptation (forgetting). Prints a Markdown table.
#   scripts/experiment_fewshot.sh [--base MODEL.inks] [--sizes "10 50 100 500"] [--steps S]
#                                 [--seed N] [--out DIR]
# Without --base, the base is trained first (the tutorial recipe, seed --seed).
# Needs INKSTONE_DATA (or a downloaded MNIST), jq, and a build (scripts/build.sh).
set -euo pipefail
shift_spec="thick=2,rotate=25" sizes="10 50 100 500" steps=600
source "$(dirname "$0")/experiment_common.sh"
clean() {  # model -> accuracy on the clean MNIST test set, %
  "$inkstone" eval "$1" --dataset mnist --json > "$out/clean.json"
  pct .accuracy "$out/clean.json"
}
"$inkstone" eval "$base" --dataset mnist --domain-shift "$shift_spec" --json > "$out/base_shift.json"
echo "| images per class | method | shifted test | clean MNIST test (forgetting) | time |"
echo "|---|---|---|---|---|"
echo "| 0 | base model, not adapted | $(pct .accuracy "$out/base_shift.json")% | $(clean "$base")% | – |"
for n in $sizes; do
  epochs=$(( (steps * 64 + 10 * n - 1) / (10 * n) ))
  common=(--dataset mnist --domain-shift "$shift_spec" --samples-per-class "$n" --epochs "$epochs"
          --batch-size 64 --seed "$seed" --validate none --json)
  "$inkstone" finetune --from "$base" --lr 0.0001 --save "$out/all$n.inks" "${common[@]}" \
    > "$out/all$n.json"
  "$inkstone" finetune --from "$base" --lr 0.001 --freeze up-to:flatten --save "$out/dense$n.inks" \
    "${common[@]}" > "$out/dense$n.json"
  "$inkstone" train --model seed-cnn --lr 0.001 --save "$out/scratch$n.inks" "${common[@]}" \
    > "$out/scratch$n.json"
  for run in "all:fine-tune all layers" "dense:fine-tune dense layers (features frozen)" \
             "scratch:from scratch"; do
    key=${run%%:*} label=${run#*:}
    echo "| $n | $label | $(pct .test_accuracy "$out/$key$n.json")% | $(clean "$out/$key$n.inks")% |" \
         "$(jq -r '.total_seconds * 10 | round / 10' "$out/$key$n.json") s |"
  done
done
echo
echo "Command: scripts/experiment_fewshot.sh --sizes \"$sizes\" --steps $steps --seed $seed ($(nproc) cores)"

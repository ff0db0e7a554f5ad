#!/usr/bin/env bash
# docs/finetuning.md, cross-dataset transfer. A seed-cnn trained on MNIST digits is reused for
# Fashion-MNIST (clothes) with 10 / 100 / 1000 / 6000 (all) training images per class, three ways:
# convolutional layers frozen, the dense layers and a new 10-class head trained (Adam 1e-3); full
# fine-tuning with a new head (Adam 1e-3, the pretrained layers at 0.1x); and the same network
# from scratch (Adam 1e-3). Every run takes
# about the same number of steps (--steps, batch 64; at least 2 epochs). Accuracy on the
# Fashion-MNIST test set, and forgetting: the base model's own MNIST head put back on the adapted
# features (`eval BASE --weights-from TUNED`), on the MNIST test set. Prints a Markdown table.
#   scripts/experiment_cross_dataset.sh [--base MODEL.inks] [--sizes "10 100 1000 6000"]
#                                       [--steps S] [--seed N] [--out DIR]
# Without --base, the base is trained first (the tutorial recipe, seed --seed). Fashion-MNIST:
# `apt-get install dataset-fashion-mnist` or `inkstone data download fashion-mnist`.
# Needs INKSTONE_DATA (or downloaded datasets), jq, and a build (scripts/build.sh).
set -euo pipefail
sizes="10 100 1000 6000" steps=1500
source "$(dirname "$0")/experiment_common.sh"
mnist_with_head_of_base() {  # tuned model -> MNIST test accuracy of its features + base's head, %
  "$inkstone" eval "$base" --dataset mnist --weights-from "$1" --json > "$out/forget.json"
  pct .accuracy "$out/forget.json"
}
"$inkstone" eval "$base" --dataset mnist --json > "$out/base_mnist.json"
echo "| images per class | method | Fashion-MNIST test | MNIST test, base head (forgetting) | time |"
echo "|---|---|---|---|---|"
echo "| – | base model (MNIST) | – | $(pct .accuracy "$out/base_mnist.json")% | – |"
for n in $sizes; do
  epochs=$(( (steps * 64 + 10 * n - 1) / (10 * n) ))
  [ "$epochs" -ge 2 ] || epochs=2
  common=(--dataset fashion-mnist --samples-per-class "$n" --epochs "$epochs" --batch-size 64
          --lr 0.001 --seed "$seed" --validate none --json)
  "$inkstone" finetune --from "$base" --new-head 10 --freeze up-to:flatten \
    --save "$out/frozen$n.inks" "${common[@]}" > "$out/frozen$n.json"
  "$inkstone" finetune --from "$base" --new-head 10 --lr-mult up-to:dense=0.1 \
    --save "$out/full$n.inks" "${common[@]}" > "$out/full$n.json"
  "$inkstone" train --model seed-cnn --save "$out/scratch$n.inks" "${common[@]}" \
    > "$out/scratch$n.json"
  for run in "frozen:conv layers frozen, dense layers + new head trained" "full:full fine-tuning, new head" \
             "scratch:from scratch"; do
    key=${run%%:*} label=${run#*:}
    if [ "$key" = scratch ]; then forget="–"; else forget="$(mnist_with_head_of_base "$out/$key$n.inks")%"; fi
    echo "| $n | $label | $(pct .test_accuracy "$out/$key$n.json")% | $forget |" \
         "$(jq -r '.total_seconds * 10 | round / 10' "$out/$key$n.json") s |"
  done
done
echo
echo "Command: scripts/experiment_cross_dataset.sh --sizes \"$sizes\" --steps $steps --seed $seed ($(nproc) cores)"

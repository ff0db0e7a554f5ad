#!/usr/bin/env bash
# The tutorial's recipe (examples/seed_cnn.cpp: seed CNN, 5 epochs, Adam, batch 64) through the C++
# API, seeds 1, 2 and 3. One seed's test accuracy moves by about 1e-3 with the seed and with the
# float summation order (AVX2 and AVX-512 kernels give different, each deterministic, figures),
# so the figure reported is the median of the three.
#
# Issue 3's target is 0.990. Measured so far: median 0.9900 on AVX-512, 0.9897 on AVX2 (mean of
# eight runs 0.9897, docs/training.md), so the target is reported, not asserted. What fails this
# test is a regression: a median below 0.9885, more than 1e-3 under every figure measured, which
# a wrong gradient, optimizer or kernel change produces and seed noise does not.
#   tests/recipe_median.sh PATH/TO/example_seed_cnn
set -euo pipefail
exe=$1
floor=0.9885
accs=()
for seed in 1 2 3; do
  out=$("$exe" "$seed")
  acc=$(printf '%s\n' "$out" | sed -n 's/^Test accuracy: \([0-9.]*\)$/\1/p' | tail -1)
  if [ -z "$acc" ]; then
    echo "seed $seed: no 'Test accuracy' line in the output:" >&2
    printf '%s\n' "$out" >&2
    exit 1
  fi
  echo "seed $seed: test accuracy $acc"
  accs+=("$acc")
done
median=$(printf '%s\n' "${accs[@]}" | sort -n | sed -n 2p)
if awk -v m="$median" 'BEGIN { exit !(m >= 0.990) }'; then verdict="met"; else verdict="not met"; fi
echo "median test accuracy over seeds 1-3: $median (issue 3 target 0.990: $verdict)"
if ! awk -v m="$median" -v f="$floor" 'BEGIN { exit !(m >= f) }'; then
  echo "REGRESSION: median $median is below the floor $floor" >&2
  exit 1
fi
echo "above the regression floor $floor"

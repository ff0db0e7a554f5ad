#!/usr/bin/env bash
# Quick start (a): install dependencies, build in Release, and run the main job: train the
# tutorial's CNN on MNIST (5 epochs, batch 64, Adam 0.001) and print the test accuracy.
# MNIST is read from INKSTONE_DATA or the user cache, or downloaded on first use.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install_deps.sh"
"$root/scripts/build.sh" "$root/build/release"
exec "$root/build/release/inkstone" train --dataset mnist --model seed-cnn --epochs 5 \
  --batch-size 64 --optimizer adam --lr 0.001 --seed 1 --save "$root/seed-cnn.inks"

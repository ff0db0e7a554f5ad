# Sourced by the fine-tuning experiments (scripts/experiment_fewshot.sh,
# scripts/experiment_cross_dataset.sh): the options they share, the tools they need and the base
# model. Set `sizes` and `steps` to the script's defaults before sourcing; afterwards `inkstone`,
# `sizes`, `steps`, `seed`, `base` and `out` are set, `out` exists, and pct FILTER FILE prints a
# JSON fraction as a percentage with two decimals.
#   options: [--base MODEL.inks] [--sizes "N ..."] [--steps S] [--seed N] [--out DIR]
# Without --base, the base is trained first (the tutorial recipe, seed --seed).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
inkstone=${INKSTONE_BIN:-$root/build/release/inkstone}
seed=1 base="" out=""
usage="usage: $0 [--base MODEL.inks] [--sizes \"$sizes\"] [--steps S] [--seed N] [--out DIR]"
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || out=$(mktemp -d)
command -v jq >/dev/null || { echo "$0: needs jq (apt-get install jq)" >&2; exit 1; }
mkdir -p "$out"
if [ -z "$base" ]; then
  base=$out/base.inks
  "$inkstone" train --recipe tutorial --seed "$seed" --validate none --save "$base" --json \
    > "$out/base.json"
fi
pct() { jq -r "$1 * 10000 | round / 100" "$2"; }

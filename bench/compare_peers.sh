#!/usr/bin/env bash
# Inkstone against its peers (the tutorial's CNN in PyTorch and LibTorch, ../shared/peers), all
# measured in the same run on the same machine: each round runs every system once, in turn, so
# that a noisy neighbour slows all of them alike. Prints the medians over the rounds as a
# Markdown table, with the ratio of each peer's figure to Inkstone's.
#
#   bench/compare_peers.sh [--rounds 3] [--threads 2] [--epochs 1] [--peers "pytorch libtorch ..."]
#                          [--inkstone build/release/inkstone] [--peer-dir ../shared/peers]
#                          [--data ../shared/data] [--log compare.log]
#
# Peers: pytorch, libtorch (as Debian installs them) and pytorch-tuned, libtorch-tuned (with
# OPENBLAS_NUM_THREADS=1 and glibc malloc settings that keep large tensors off mmap: the best
# figures these peers reach here, see ../shared/peers/README.md). The peers are installed and
# built by ../shared/peers/build.sh (Debian's python3-torch and libtorch-dev).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=3 threads=2 epochs=1
peers="pytorch libtorch pytorch-tuned libtorch-tuned"
inkstone=$root/build/release/inkstone
peer_dir=$root/../shared/peers
data=${INKSTONE_DATA:-$root/../shared/data}
log=""
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --peers) peers=$2; shift 2 ;;
    --inkstone) inkstone=$2; shift 2 ;;
    --peer-dir) peer_dir=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare_peers.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "compare_peers.sh: --rounds must be a positive integer" >&2; exit 2; }
[ -x "$inkstone" ] || { echo "compare_peers.sh: no inkstone binary at $inkstone (bash scripts/build.sh)" >&2; exit 1; }
[ -d "$peer_dir" ] || { echo "compare_peers.sh: no peers at $peer_dir" >&2; exit 1; }
[ -n "$log" ] || log=$(mktemp /tmp/compare_peers.XXXXXX.log)

peer_data=$(cd "$peer_dir" && ./prep_data.sh)
peer_bin=$(cd "$peer_dir" && ./build.sh)
tuned_env=(OPENBLAS_NUM_THREADS=1 MALLOC_MMAP_THRESHOLD_=4000000000
           MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_TOP_PAD_=536870912)

# One line per system and round: "system epoch_s train_img_s infer_b1000_img_s infer_b1_img_s rss_mb"
results=$(mktemp)
trap 'rm -f "$results"' EXIT

run_inkstone() {
  local j
  j=$("$inkstone" --threads "$threads" bench --data "$data" --epochs "$epochs" --json)
  echo "$j" >>"$log"
  python3 -c '
import json, sys
j = json.loads(sys.stdin.read())
print("inkstone", j["epoch_s_median"], j["train_img_s"], j["infer_img_s"]["1000"],
      j["infer_img_s"]["1"], j["peak_rss_mb"])' <<<"$j" >>"$results"
}

run_peer() {
  local name=$1 line
  local env=(OMP_NUM_THREADS="$threads")
  [[ $name == *-tuned ]] && env+=("${tuned_env[@]}")
  case "$name" in
    pytorch*) line=$(env "${env[@]}" /usr/bin/python3 "$peer_dir/pytorch_train.py" "$peer_data" "$threads" "$epochs" | tee -a "$log" | grep '^RESULT') ;;
    libtorch*) line=$(env "${env[@]}" "$peer_bin" "$peer_data" "$threads" "$epochs" | tee -a "$log" | grep '^RESULT') ;;
    *) echo "compare_peers.sh: unknown peer '$name'" >&2; exit 2 ;;
  esac
  # RESULT <name> threads= epochs= mean_epoch_s= min_epoch_s= train_img_s= infer_b1000_img_s= infer_b1_img_s= test_acc= maxrss_MB=
  awk -v n="$name" '{ for (i = 1; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
        print n, v["mean_epoch_s"], v["train_img_s"], v["infer_b1000_img_s"], v["infer_b1_img_s"], v["maxrss_MB"] }' \
    <<<"$line" >>"$results"
}

echo "compare_peers: $rounds rounds, $threads thread(s), $epochs epoch(s); log in $log" >&2
for ((r = 1; r <= rounds; ++r)); do
  echo "round $r/$rounds: inkstone" >&2
  run_inkstone
  for p in $peers; do
    echo "round $r/$rounds: $p" >&2
    run_peer "$p"
  done
done

python3 - "$results" "$threads" "$rounds" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[0], []).append([float(x) for x in f[1:]])
threads, rounds = sys.argv[2], sys.argv[3]
med = {k: [statistics.median(col) for col in zip(*v)] for k, v in rows.items()}
ink = med["inkstone"]
print(f"Medians of {rounds} rounds, {threads} thread(s); x = how many times Inkstone is better")
print("| system | s/epoch | train img/s | infer img/s b1000 | infer img/s b1 | peak RSS MB |")
print("|---|---|---|---|---|---|")
for name, m in med.items():
    if name == "inkstone":
        print(f"| **inkstone** | **{m[0]:.2f}** | **{m[1]:,.0f}** | **{m[2]:,.0f}** | **{m[3]:,.0f}** | **{m[4]:.0f}** |")
    else:
        print(f"| {name} | {m[0]:.2f} ({m[0]/ink[0]:.2f}x) | {m[1]:,.0f} ({ink[1]/m[1]:.2f}x) | "
              f"{m[2]:,.0f} ({ink[2]/m[2]:.1f}x) | {m[3]:,.0f} ({ink[3]/m[3]:.1f}x) | {m[4]:.0f} |")
EOF

#!/usr/bin/env bash
# Tenant scale (issue 14): one export of 10k/30k/100k/300k resources and a tenant of
# ten 100k subscriptions, shaped as `az` prints them (benches/gen_export.py), scanned
# with all rules and a JSON report. Prints the table of the closing note: file size,
# median wall time of RUNS runs, peak memory, and memory as a multiple of the input.
#
# usage: benches/scale.sh [SIZES...]   (default: 10000 30000 100000 300000 tenant)
# RUNS=3 by default; the files are generated once into $SCALE_DIR (default /tmp/azlint-scale).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/azlint
dir=${SCALE_DIR:-/tmp/azlint-scale}
runs=${RUNS:-3}
mkdir -p "$dir"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10000 30000 100000 300000 tenant)

gen() { [ -s "$2" ] || python3 benches/gen_export.py "$1" "$2" "${@:3}"; }

echo "| resources | input | wall (median of $runs) | peak memory | memory / input |"
echo "|---|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  if [ "$n" = tenant ]; then
    mkdir -p "$dir/tenant"
    for k in 0 1 2 3 4 5 6 7 8 9; do gen 100000 "$dir/tenant/sub$k.json" --subscription "$k"; done
    input="$dir/tenant"; label="1,000,000 (10 files)"
  else
    gen "$n" "$dir/x$n.json"
    input="$dir/x$n.json"; label=$(printf "%'d" "$n")
  fi
  bytes=$(du -cbL "$input" | tail -1 | cut -f1)
  walls=(); peak=0
  for _ in $(seq "$runs"); do
    out=$( { /usr/bin/time -f "%e %M" "$bin" scan "$input" --format json -o "$dir/out.json" --fail-on none >/dev/null; } 2>&1 | tail -1)
    walls+=("${out% *}")
    kb=${out#* }; [ "$kb" -gt "$peak" ] && peak=$kb
  done
  median=$(printf "%s\n" "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  awk -v l="$label" -v b="$bytes" -v w="$median" -v p="$peak" 'BEGIN {
    printf "| %s | %.0f MB | %.2f s | %.0f MB | %.1fx |\n", l, b/1e6, w, p*1024/1e6, p*1024/b }'
done

#!/usr/bin/env bash
# Live-scan benchmark (docs/performance.md): a generated 10,000-resource subscription
# served by the fake Resource Manager (examples/fake_arm.rs) with 20 ms latency per
# request, read at the default concurrency; then the same with 10% of requests
# answered 429 (Retry-After: 1). Prints hyperfine's median wall time, the request
# counts azlint reports, and peak memory.
# Usage: benches/live.sh [RESOURCES] [LATENCY_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
latency=${2:-20}
cargo build --release --quiet --bin azlint --example fake_arm
bin=target/release/azlint
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$tmp"' EXIT

serve() { # serve NAME [--throttle-fraction F]: starts a server, sets $endpoint and $sub
  local name=$1; shift
  target/release/examples/fake_arm --no-stdin --resources "$n" --latency-ms "$latency" "$@" >"$tmp/$name.out" &
  pids+=($!)
  for _ in $(seq 100); do grep -q endpoint= "$tmp/$name.out" 2>/dev/null && break; sleep 0.1; done
  endpoint=$(sed -n 's/.*endpoint=\([^ ]*\).*/\1/p' "$tmp/$name.out")
  sub=$(sed -n 's/.*subscription=\([^ ]*\).*/\1/p' "$tmp/$name.out")
  token=$(sed -n 's/.*token=\([^ ]*\).*/\1/p' "$tmp/$name.out")
  export AZLINT_ARM_TOKEN=$token
}

scan() { echo "$bin scan --subscription $sub --arm-endpoint $endpoint --auth token-env --fail-on none --allow-partial --format json -o $tmp/out.json"; }

for mode in plain throttled; do
  if [ $mode = plain ]; then serve plain; else serve throttled --throttle-fraction 0.1; fi
  echo "## $n resources, ${latency} ms latency, $mode"
  hyperfine --warmup 1 --runs ${RUNS:-5} "$(scan)" --export-markdown "$tmp/$mode.md" >/dev/null
  cat "$tmp/$mode.md"
  $(scan) 2>&1 | grep 'azlint: read' || true
  /usr/bin/time -v $(scan) 2>"$tmp/time" >/dev/null || true
  awk -F': ' '/Maximum resident/ {printf "peak memory: %.0f MB\n", $2/1024}' "$tmp/time"
done

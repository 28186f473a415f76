#!/usr/bin/env bash
# The native Bicep parser's speed (docs: src/bicep/mod.rs): wall time to read and parse
# every .bicep and .bicepparam file of the Azure Verified Modules corpus and of
# ../shared/bicep (compiler baselines, user programs), in parallel, release build.
# Target: under 0.5 s on 2 cores. Uses hyperfine when installed, else 5 plain runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --example bicep_parse
bin="${CARGO_TARGET_DIR:-target}/release/examples/bicep_parse"
dirs=(../shared/corpus/avm ../shared/bicep)
for d in "${dirs[@]}"; do
  [ -d "$d" ] || { echo "skipping: $d not found" >&2; exit 0; }
done
"$bin" "${dirs[@]}"
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 2 --runs 10 -N "$bin ${dirs[*]}"
else
  for _ in 1 2 3 4 5; do "$bin" "${dirs[@]}"; done
fi

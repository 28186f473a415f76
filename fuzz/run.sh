#!/usr/bin/env bash
# Fuzzes each target for SECONDS (default 600) from the seeds and fixtures that
# tests/fuzz_replay.rs replays, with a budget per input: 10 s and 2 GB. Needs
# cargo-fuzz (`cargo install cargo-fuzz`); the toolchain is stable, so the sanitizer
# build runs with RUSTC_BOOTSTRAP=1. New crashes land in fuzz/artifacts/<target>/: copy
# each into fuzz/seeds/<target>/ once fixed, so the replay keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${SECONDS_PER_TARGET:-600}
targets=${TARGETS:-"expr expand scan"}
for t in $targets; do
  corpus=corpus/$t
  mkdir -p "$corpus"
  [ -d "seeds/$t" ] && cp -n seeds/$t/* "$corpus"/ 2>/dev/null || true
  if [ "$t" != expr ]; then
    for d in ../fixtures/hostile ../fixtures/secrets ../fixtures/arm ../fixtures/rules; do
      find "$d" -name '*.json' -size -64k | while read -r f; do cp -n "$f" "$corpus/$(echo "$f" | tr '/' '_')"; done
    done
  fi
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "$corpus" -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536
done

#!/usr/bin/env bash
# azlint's benchmarks (docs/performance.md): median wall time with hyperfine and peak
# memory with /usr/bin/time -v, release build, on
#   1. one small template (the pre-commit case),
#   2. the whole ../shared/corpus with all rules and a JSON report,
#   3. synthetic exports of 100,000 and 200,000 resources (linearity).
# Optional: PEER=1 also times checkov on the corpus (pip install checkov) for the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/azlint
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
corpus=../shared/corpus

peak() { /usr/bin/time -v "$@" >/dev/null 2>"$tmp/time" || true; awk -F': ' '/Maximum resident/ {printf "%.0f MB", $2/1024}' "$tmp/time"; }

echo "## one small template"
hyperfine --warmup 3 --runs 30 -N "$bin scan fixtures/formats/template.json --fail-on none -q" --export-markdown "$tmp/small.md" >/dev/null
cat "$tmp/small.md"

if [ -d "$corpus" ]; then
  echo "## whole corpus, all rules, JSON report"
  hyperfine --warmup 1 --runs 5 "$bin scan $corpus --format json -o $tmp/corpus.json --fail-on none" --export-markdown "$tmp/corpus.md" >/dev/null
  cat "$tmp/corpus.md"
  echo "peak memory: $(peak $bin scan $corpus --format json -o $tmp/c.json --fail-on none)"
  if [ "${PEER:-0}" = 1 ] && command -v checkov >/dev/null; then
    hyperfine --runs 1 "checkov -d $corpus --framework arm --quiet --compact -o json" --export-markdown "$tmp/peer.md" >/dev/null || true
    cat "$tmp/peer.md"
  fi
fi

echo "## synthetic exports"
python3 benches/gen_export.py 100000 "$tmp/x100k.json"
python3 benches/gen_export.py 200000 "$tmp/x200k.json"
hyperfine --warmup 1 --runs 5 \
  "$bin scan $tmp/x100k.json --format json -o $tmp/o1.json --fail-on none" \
  "$bin scan $tmp/x200k.json --format json -o $tmp/o2.json --fail-on none" \
  --export-markdown "$tmp/synth.md" >/dev/null
cat "$tmp/synth.md"
echo "peak memory 100k: $(peak $bin scan $tmp/x100k.json --format json -o $tmp/o1.json --fail-on none)"
echo "peak memory 200k: $(peak $bin scan $tmp/x200k.json --format json -o $tmp/o2.json --fail-on none)"

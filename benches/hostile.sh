#!/usr/bin/env bash
# The hostile-input probes of issue 15, each as a release-build scan: exit code, wall
# time and peak memory (/usr/bin/time). Prints a Markdown table. Inputs that cannot be
# checked in (long lines, symlinks, FIFOs) are made in a temporary folder.
set -uo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/azlint
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pad=$(head -c 70000 /dev/zero | tr '\0' a)
tpl='{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [{"type": "Microsoft.Web/sites", "apiVersion": "2023-12-01", "name": "long", "location": "westeurope", "properties": {"siteConfig": {"appCommandLine": "'$pad'"}, "httpsOnly": false}}]}'
echo "$tpl" > "$tmp/long-line.json"
echo "$tpl @" > "$tmp/syntax-error-far.json"
mkdir -p "$tmp/root-link" "$tmp/environ" "$tmp/fifo"
ln -s / "$tmp/root-link/root"; cp fixtures/formats/template.json "$tmp/root-link/t.json"
ln -s /proc/self/environ "$tmp/environ/env.json"; cp fixtures/formats/template.json "$tmp/environ/t.json"
mkfifo "$tmp/fifo/t.json"; cp fixtures/formats/template.json "$tmp/fifo/ok.json"
cp fixtures/formats/template.json "$tmp/overwrite.json"
run() { # row, what, args...
  local row=$1 what=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$tmp/t" timeout 60 "$bin" scan --no-config "$@" >/dev/null 2>&1 < fixtures/formats/template.json
  local code=$?
  read -r secs kb < <(tail -n 1 "$tmp/t") || { secs="?"; kb=0; }
  printf "| %s | %s | %s | %s s | %s MB |\n" "$row" "$what" "$code" "$secs" "$((kb / 1024))"
}
echo "| row | input | exit | wall | peak memory |"
echo "|---|---|---:|---:|---:|"
run 1 "70,000-character line" "$tmp/long-line.json"
run 1 "syntax error at column 70,337" "$tmp/syntax-error-far.json"
run 1 "both, six formats to files" "$tmp/long-line.json" "$tmp/syntax-error-far.json" --format text=$tmp/r.txt --format json=$tmp/r.json --format sarif=$tmp/r.sarif --format junit=$tmp/r.xml --format github=$tmp/r.gh --format markdown=$tmp/r.md
run 2 "createObject doubling x40" fixtures/hostile/doubling-object.json
run 3 "doubling inside string()" fixtures/hostile/doubling-string.json
run 3 "doubling as one reduce" fixtures/hostile/doubling-reduce.json
run 3 "10,000-deep reduce" fixtures/hostile/deep-reduce.json
run 3 "800 x 800 copy of a 16k-leaf variable" fixtures/hostile/copy-amplify.json
run 3 "800 nested deployments x 800 sites" fixtures/hostile/nested-amplify.json
run 4 "symlink to /" "$tmp/root-link"
run 5 "symlink to /proc/self/environ" "$tmp/environ"
run 6 "secrets in failing expressions" fixtures/secrets/secret-in-invalid-expression.json
run 7 "syntax error on a secret line" fixtures/secrets/syntax-error-on-secret-line.json
run 7 "unterminated secret" fixtures/secrets/unterminated-secret.json
run 7 "bad escape in a secret" fixtures/secrets/bad-escape-in-secret.json
run 7 "secrets in comments, appCommandLine" fixtures/secrets/secrets-in-comments-and-command-line.json
run 8 "partial connection string" fixtures/secrets/partial-connection-string.json
run 9 "--arm-endpoint http://127.0.0.1:80@example.invalid" --subscription 1 --auth token-env --arm-endpoint 'http://127.0.0.1:80@example.invalid'
run 10 "two templates linking each other" fixtures/hostile/linked-cycle
run 10 "a template linking itself" fixtures/hostile/linked-self
run 10 "a cycle under an entry template" fixtures/hostile/linked-cycle-with-entry
run 11 "standard input as -" -
run 11 "a FIFO named t.json" "$tmp/fifo/t.json"
run 11 "a FIFO in a folder" "$tmp/fifo"
run 11 "/dev/null" /dev/null
run 12 "name with backticks and HTML (markdown)" fixtures/hostile/backtick-name.json --format markdown
run 13 "custom rule with field path [[[ " fixtures/cli/clean-site.json --rules fixtures/cli/custom-rules-invalid
run 14 "--format json=<the scanned file>" "$tmp/overwrite.json" --format json=$tmp/overwrite.json

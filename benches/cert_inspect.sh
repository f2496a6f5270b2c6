#!/usr/bin/env bash
# Benchmarks `fla-assistant cert inspect FILE --json` against
# `openssl pkcs12 -info -noout` on the same files, in one hyperfine run.
#
# Usage: benches/cert_inspect.sh [extra hyperfine options…]
# Env:   CARGO_TARGET_DIR  build dir (default /tmp/fla-bench-target, outside the repo)
#        BENCH_OUT         where the markdown/JSON exports go (default: a new temp dir)
#        WARMUP, MIN_RUNS  hyperfine --warmup / --min-runs (default 3 / 20)
# Needs: cargo, hyperfine, openssl 3, jq. Target: ours/openssl <= 1.2x per file.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/fla-bench-target}"
out="${BENCH_OUT:-$(mktemp -d /tmp/fla-bench.XXXXXX)}"
mkdir -p "$out"
warmup="${WARMUP:-3}"
min_runs="${MIN_RUNS:-20}"

for tool in cargo hyperfine openssl jq; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

# The shipped CLI profile, without the GUI.
(cd "$repo" && cargo build --release --no-default-features --bin fla-assistant)
bin="$CARGO_TARGET_DIR/release/fla-assistant"

# name:file (relative to the repo)
files=(
    "aes256-2048:tests/fixtures/pfx/openssl3-aes256.pfx"
    "pbkdf2-600000:tests/fixtures/pfx/high-iterations.pfx"
)

# Ours reads the password from this variable; openssl gets -passin.
export FLA_PFX_PASSWORD=Password

args=()
for spec in "${files[@]}"; do
    name="${spec%%:*}"
    file="$repo/${spec#*:}"
    [ -f "$file" ] || { echo "missing fixture: $file" >&2; exit 1; }
    # Both must succeed before timing; a non-zero exit would abort hyperfine.
    openssl pkcs12 -info -noout -in "$file" -passin pass:Password >/dev/null 2>&1 ||
        { echo "openssl cannot read $file" >&2; exit 1; }
    "$bin" cert inspect "$file" --json >/dev/null ||
        { echo "fla-assistant cert inspect failed on $file (exit $?)" >&2; exit 1; }
    args+=(
        -n "openssl $name" "openssl pkcs12 -info -noout -in '$file' -passin pass:Password"
        -n "ours $name" "'$bin' cert inspect '$file' --json"
    )
done

# -N (no shell): the 2,048-round file takes a few ms, below what hyperfine can
# correct for a shell's start-up. --output=null is the ">/dev/null" of both tools
# (openssl -info writes to stderr, which hyperfine also discards).
hyperfine -N --output=null --warmup "$warmup" --min-runs "$min_runs" \
    --export-markdown "$out/cert_inspect.md" \
    --export-json "$out/cert_inspect.json" \
    "$@" "${args[@]}"

echo
echo "Exports: $out/cert_inspect.md, $out/cert_inspect.json"
echo
printf '%-16s %16s %16s %8s\n' file "openssl mean" "ours mean" ratio
status=0
for spec in "${files[@]}"; do
    name="${spec%%:*}"
    read -r o_mean o_sd < <(jq -r --arg n "openssl $name" \
        '.results[] | select(.command == $n) | "\(.mean) \(.stddev)"' "$out/cert_inspect.json")
    read -r f_mean f_sd < <(jq -r --arg n "ours $name" \
        '.results[] | select(.command == $n) | "\(.mean) \(.stddev)"' "$out/cert_inspect.json")
    ratio="$(jq -n --argjson a "$f_mean" --argjson b "$o_mean" '$a / $b * 1000 | round / 1000')"
    printf '%-16s %9.1f ± %4.1f ms %9.1f ± %4.1f ms %7.2fx\n' "$name" \
        "$(jq -n "$o_mean * 1000")" "$(jq -n "$o_sd * 1000")" \
        "$(jq -n "$f_mean * 1000")" "$(jq -n "$f_sd * 1000")" "$ratio"
    if jq -en --argjson r "$ratio" '$r > 1.2' >/dev/null; then status=2; fi
done
[ "$status" = 0 ] && echo "All ratios <= 1.2x." || echo "Some ratio above the 1.2x target."
exit "$status"

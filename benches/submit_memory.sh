#!/usr/bin/env bash
# Peak memory and time of `fla-assistant submit FILE --json --report R` against
# a sandbox (`fla-assistant sim`, no processing delay) on loopback: issue 16
# wants 1,000,000 rows in at most 1 GB.
#
# Usage: benches/submit_memory.sh
# Env:   ROWS      the sizes to run (default "100000 1000000")
#        BIN       a release binary to measure instead of building one
#        HEAPTRACK=1  run under heaptrack (a profile per size in the work dir,
#                  kept) instead of GNU time
#        KEEP=1    keep the work dir (files, outputs, stderr) after the run
#        CARGO_TARGET_DIR  build dir (default /tmp/fla-bench-target)
# Needs: python3, jq, openssl, GNU time (/usr/bin/time -v); heaptrack if asked.
# Prints a markdown table: rows, seconds, peak resident MB, results known.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=benches/lib.sh
. "$repo/benches/lib.sh"
rows="${ROWS:-100000 1000000}"
bench_binary

work="$(mktemp -d /tmp/fla-submit-memory.XXXXXX)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    if [ "${HEAPTRACK:-0}" = 1 ] || [ "${KEEP:-0}" = 1 ]; then
        echo "outputs kept in $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
export FLA_DATA_DIR="$work/data"
bench_certificate "$work" submit-memory

echo "| rows | seconds | peak resident (MB) | results known |"
echo "| --- | --- | --- | --- |"
for n in $rows; do
    start_sim "$n"
    line="$sim_line"
    client_id="$("$bin" sim-register --admin-url "$(jq -r .admin_url <<<"$line")" \
        --cer "$work/bench.cer" --enterprise 0403170701 | jq -r .client_id)"
    make_csv "$n" "MEM$n" "$work/rows-$n.csv"
    args=(submit "$work/rows-$n.csv" --env custom --token-url "$(jq -r .token_url <<<"$line")"
        --api-base "$(jq -r .api_base <<<"$line")" --client-id "$client_id"
        --pfx "$work/bench.pfx" --journal "$work/journal-$n.sqlite"
        --report "$work/report-$n.csv" --json)
    t0="$(date +%s.%N)"
    if [ "${HEAPTRACK:-0}" = 1 ]; then
        heaptrack -o "$work/heap-$n" "$bin" "${args[@]}" >"$work/out-$n.json" 2>"$work/err-$n.txt" || true
        peak="(heaptrack)"
    else
        /usr/bin/time -v "$bin" "${args[@]}" >"$work/out-$n.json" 2>"$work/err-$n.txt" || true
        peak="$(awk -F: '/Maximum resident/ { printf "%d", $2 / 1024 }' "$work/err-$n.txt")"
    fi
    t1="$(date +%s.%N)"
    known="$(jq '.accepted + .warning + .refused' "$work/out-$n.json" 2>/dev/null || echo "?")"
    secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
    echo "| $n | $secs | $peak | $known |"
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
done

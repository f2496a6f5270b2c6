#!/usr/bin/env bash
# The server's pace, found (issue 16): `fla-assistant submit` of ROWS rows
# against `fla-assistant sim --latency-ms 150 --rate-limit 100/s` (the
# contract's 2 s of processing), with the defaults (the pace adapts, at most
# 64 in flight) and with `--concurrency 8` (a fixed 8 as before, since 8 is
# where the pace starts and a bound of 8 keeps it there while no 429 comes).
# Each run has its own sandbox. Reports the time from the process start to the
# last result known, the API requests the sandbox counted, the share answered
# 429, and the time against the least any client can take: rows / limit + 2 s
# (the contract allows no poll within 2 s of a declaration being taken).
#
# Usage: benches/pace.sh
# Env:   ROWS        rows (default 1000)
#        RATE        the sandbox's API requests a second (default 100)
#        LATENCY_MS  the sandbox's latency (default 150)
#        RUNS        runs of each (default 1)
#        BIN         a built fla-assistant to use (default: build the release
#                    one into CARGO_TARGET_DIR, default /tmp/fla-bench-target)
# Needs: cargo (unless BIN), curl, jq, openssl, python3.
# Goal: with the defaults, time <= (rows / rate + 2 s) / 0.9 and at most 10%
# of the requests answered 429.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=benches/lib.sh
. "$repo/benches/lib.sh"
rows="${ROWS:-1000}"
rate="${RATE:-100}"
latency_ms="${LATENCY_MS:-150}"
runs="${RUNS:-1}"

for tool in curl jq openssl python3; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

bench_binary

work="$(mktemp -d /tmp/fla-pace-bench.XXXXXX)"
sim_pid=""
cleanup() {
    if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
export FLA_DATA_DIR="$work/data"

bench_certificate "$work" pace-bench

# One run: prints "seconds api_requests rate_limited".
run() {
    local tag="$1"; shift
    "$bin" sim --latency-ms "$latency_ms" --rate-limit "$rate/s" --processing-delay-ms 2000 \
        --state "$work/state-$tag" >"$work/sim-$tag.out" 2>"$work/sim-$tag.err" &
    sim_pid="$!"
    for _ in $(seq 1 100); do
        [ -s "$work/sim-$tag.out" ] && break
        sleep 0.1
    done
    [ -s "$work/sim-$tag.out" ] || { echo "sim did not start:" >&2; cat "$work/sim-$tag.err" >&2; exit 1; }
    local line admin token_url api_base client_id
    line="$(head -n1 "$work/sim-$tag.out")"
    admin="$(jq -r .admin_url <<<"$line")"
    token_url="$(jq -r .token_url <<<"$line")"
    api_base="$(jq -r .api_base <<<"$line")"
    client_id="$("$bin" sim-register --admin-url "$admin" --cer "$work/bench.cer" \
        --enterprise 0403170701 | jq -r .client_id)"
    make_csv "$rows" "PACE-$tag" "$work/$tag.csv"
    local t0 t1
    t0="$(date +%s.%N)"
    "$bin" submit "$work/$tag.csv" --env custom --token-url "$token_url" --api-base "$api_base" \
        --client-id "$client_id" --pfx "$work/bench.pfx" --journal "$work/$tag.sqlite" \
        "$@" --json >"$work/$tag.json"
    t1="$(date +%s.%N)"
    local known
    known="$(jq '.accepted + .warning + .refused' "$work/$tag.json")"
    [ "$known" = "$rows" ] || { echo "$tag: only $known of $rows results known:" >&2; cat "$work/$tag.json" >&2; exit 1; }
    local stats
    stats="$(curl -sf "$admin/stats")"
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
    sim_pid=""
    awk -v a="$t0" -v b="$t1" -v r="$(jq .api_requests <<<"$stats")" \
        -v l="$(jq .served.rate_limited <<<"$stats")" 'BEGIN { printf "%.2f %d %d", b - a, r, l }'
}

least="$(awk -v n="$rows" -v r="$rate" 'BEGIN { printf "%.2f", n / r + 2 }')"
goal="$(awk -v l="$least" 'BEGIN { printf "%.2f", l / 0.9 }')"
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary:  $bin"
echo "server:  ${latency_ms} ms away, ${rate} API requests/s, 2 s of processing; $rows rows"
echo "least:   ${least} s (rows / rate + 2 s); goal <= ${goal} s and <= 10% 429"
for label in "defaults:" "--concurrency 8:--concurrency 8"; do
    name="${label%%:*}"
    flags="${label#*:}"
    for r in $(seq 1 "$runs"); do
        # shellcheck disable=SC2086
        read -r secs requests limited <<<"$(run "$(echo "$name" | tr -c 'a-z0-9' '_')$r" $flags)"
        awk -v name="$name" -v s="$secs" -v q="$requests" -v l="$limited" -v least="$least" 'BEGIN {
            printf "%-16s run %s: %6.2f s = %.2f x the least (goal <= 1.11), %d API requests, %d answered 429 (%.1f%%)\n",
                   name, "'"$r"'", s, s / least, q, l, 100 * l / q
        }'
    done
done

#!/usr/bin/env bash
# Declarations per second: `fla-assistant submit` against newman 6 (a Postman
# collection that POSTs the same CSV rows with a pre-fetched token, as offices
# do today), each against its own `fla-assistant sim` on loopback with no fault
# and no processing delay, in one run. Ours is timed from the process start to
# the last result known (every row accepted, warned or refused); newman's from
# its start to its last POST answered (it does not poll: that only flatters it).
# The sandbox's own POST ceiling is measured in the same run by
# benches/sandbox_ceiling.sh (wrk).
#
# Usage: benches/submit_vs_newman.sh
# Env:   ROWS         rows for ours, large scale (default 10000)
#        NEWMAN_ROWS  rows for newman, large scale (default 1000; newman is slow)
#        SMALL_ROWS   rows for ours, small scale (default 3000)
#        SMALL_NEWMAN_ROWS  rows for newman, small scale (default 500)
#        CONCURRENCY  ours' --concurrency (default 64, the default of `submit`: the most;
#                     the pace adapts below it)
#        SKIP_NEWMAN  set to 1 to measure ours only (no newman, no ceiling)
#        CEILING      the sandbox's POST/s, if known (otherwise measured at the end,
#                     unless SKIP_NEWMAN=1): prints the bound below and ours / bound
#        RUNS         runs of ours per scale (default 1); each is printed, the best
#                     (least time) is the one compared
#        CARGO_TARGET_DIR   build dir (default /tmp/fla-bench-target, outside the repo)
#        BIN          a release binary to measure instead of building one
# Needs: cargo, node + npm (newman 6 is installed from the npm registry into
#        /tmp/fla-bench-npm), curl, jq, openssl, python3, wrk (for the ceiling).
# Goals (issue 8): ours >= 10x newman, and >= 50% of the sandbox's ceiling.
# The bound: the contract allows no poll within 2 s of a declaration being taken,
# so even sending at the ceiling, n rows take at least n / ceiling + 2 s until the
# last result is known: at most n / (n / ceiling + 2) rows/s (10,000 rows at
# 24,000 POST/s: 4,138/s, 17% of the ceiling). The script prints that bound and
# how close ours comes to it.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=benches/lib.sh
. "$repo/benches/lib.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/fla-bench-target}"
rows="${ROWS:-10000}"
newman_rows="${NEWMAN_ROWS:-1000}"
small_rows="${SMALL_ROWS:-3000}"
small_newman_rows="${SMALL_NEWMAN_ROWS:-500}"
concurrency="${CONCURRENCY:-64}"

bench_need cargo node npm curl jq openssl python3
bench_binary
bench_newman
bench_workdir fla-submit-bench
bench_certificate "$work" submit-bench

# Ours: seconds from process start to the last result known.
run_ours() {
    local n="$1" tag="ours-$1-$2"
    start_sim "$tag"
    local token_url api_base client_id
    token_url="$(jq -r .token_url <<<"$sim_line")"
    api_base="$(jq -r .api_base <<<"$sim_line")"
    client_id="$(sim_register)"
    make_csv "$n" "OURS$n" "$work/$tag.csv"
    local t0 t1
    t0="$(date +%s.%N)"
    "$bin" submit "$work/$tag.csv" --env custom --token-url "$token_url" --api-base "$api_base" \
        --client-id "$client_id" --pfx "$work/bench.pfx" --journal "$work/$tag.sqlite" \
        --concurrency "$concurrency" --json >"$work/$tag.json"
    t1="$(date +%s.%N)"
    local known
    known="$(jq '.accepted + .warning + .refused' "$work/$tag.json")"
    [ "$known" = "$n" ] || { echo "ours: only $known of $n results known:" >&2; cat "$work/$tag.json" >&2; exit 1; }
    stop_sim
    elapsed "$t0" "$t1"
}

# newman: seconds from its start to its last POST answered.
run_newman() {
    local n="$1"
    start_sim "newman-$n"
    local api_base client_id token
    api_base="$(jq -r .api_base <<<"$sim_line")"
    client_id="$(sim_register)"
    token="$(admin_token "$client_id")"
    make_csv "$n" "NEWMAN$n" "$work/newman-$n.csv"
    newman_collection "$work/collection.json" "FLA declarations" /trainings \
        '{"externalReference":"{{externalReference}}","employer":{"enterpriseNumber":"{{enterpriseNumber}}"},"worker":{"ssin":"{{ssin}}"},"training":{"name":"{{trainingName}}","type":"{{trainingType}}","startDate":"{{startDate}}","endDate":"{{endDate}}","duration":{"value":{{durationValue}},"unit":"{{durationUnit}}"},"followed":{{followed}},"countsForFla":{{countsForFla}}}}'
    local secs ok
    secs="$(time_newman "$work/collection.json" "$work/newman-$n.csv" "$n" "$token" "$api_base" \
        "$work/newman-$n.json")"
    ok="$(sim_stat declarations)"
    [ "$ok" = "$n" ] || echo "newman: the sandbox holds $ok of $n declarations" >&2
    stop_sim
    echo "$secs"
}

ceiling="${CEILING:-}"

bench_header
results=()
for scale in "large $rows $newman_rows" "small $small_rows $small_newman_rows"; do
    read -r name n m <<<"$scale"
    ours_s="$(best_of_runs run_ours "$n" ours)"
    results+=("$name $n $ours_s")
    if [ "${SKIP_NEWMAN:-0}" = 1 ]; then
        echo "$name: ours $n rows in ${ours_s}s = $(rate "$n" "$ours_s") decl/s (concurrency $concurrency)"
        continue
    fi
    newman_s="$(run_newman "$m")"
    ours_rate="$(rate "$n" "$ours_s")"
    newman_rate="$(rate "$m" "$newman_s")"
    echo "$name: ours $n rows in ${ours_s}s = $ours_rate decl/s (to the last result known);" \
         "(concurrency $concurrency); newman $m rows in ${newman_s}s = $newman_rate decl/s (POSTs only);" \
         "ratio $(ratio "$ours_rate" "$newman_rate")x"
done
if [ -z "$ceiling" ] && [ "${SKIP_NEWMAN:-0}" != 1 ]; then
    echo "ceiling (same run):"
    DURATION="${CEILING_DURATION:-10s}" "$repo/benches/sandbox_ceiling.sh" | tee "$work/ceiling.out" | tail -n 8
    ceiling="$(grep -o '[0-9]* POST/s' "$work/ceiling.out" | tail -n1 | cut -d' ' -f1)"
fi
[ -n "$ceiling" ] || exit 0
for result in "${results[@]}"; do
    read -r name n s <<<"$result"
    awk -v name="$name" -v n="$n" -v s="$s" -v c="$ceiling" 'BEGIN {
        floor = n / c + 2; bound = n / floor; ours = n / s
        printf "%s: ceiling %d POST/s; bound n/(n/ceiling + 2 s) = %d/s (%.0f%% of the ceiling, %.2f s);" \
               " ours %d/s = %.0f%% of the ceiling, %.0f%% of the bound (%.2f s over it)\n",
               name, c, bound, 100 * bound / c, floor, ours, 100 * ours / c, 100 * ours / bound, s - floor
    }'
done

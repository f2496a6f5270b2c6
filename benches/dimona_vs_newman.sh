#!/usr/bin/env bash
# A payroll office's month start, Dimona In per second: `fla-assistant submit
# FILE --service dimona` against newman 6 (a Postman collection that POSTs the
# same rows as Dimona JSON with a pre-fetched token), each against its own
# `fla-assistant sim` on loopback with no fault and no processing delay.
# Ours reads the office's file (the Dimona template's Dutch headers, `;`,
# Belgian dates, N Dimona In for today, each a worker of its own with a valid
# INSZ) and is timed from the process start to the last result known (every
# row accepted, warned or refused); newman's from its start to its last POST
# answered (it does not poll: that only flatters it).
#
# Usage: benches/dimona_vs_newman.sh
# Env:   ROWS         rows for ours (default 2000)
#        NEWMAN_ROWS  rows for newman (default 500; newman is slow)
#        CONCURRENCY  ours' --concurrency (default 64, the default of `submit`:
#                     the most; the pace adapts below it)
#        SKIP_NEWMAN  set to 1 to measure ours only
#        RUNS         runs of ours (default 1); each is printed, the best (least
#                     time) is the one compared
#        CARGO_TARGET_DIR   build dir (default /tmp/fla-bench-target, outside the repo)
#        BIN          a release binary to measure instead of building one
# Needs: cargo (unless BIN), node + npm (newman 6 is installed from the npm
#        registry into /tmp/fla-bench-npm), curl, jq, openssl, python3.
# Goal (the issue): ours >= 10x newman, in rows a second.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=benches/lib.sh
. "$repo/benches/lib.sh"
rows="${ROWS:-2000}"
newman_rows="${NEWMAN_ROWS:-500}"
concurrency="${CONCURRENCY:-64}"

bench_need node npm curl jq openssl python3
bench_binary
[ "${SKIP_NEWMAN:-0}" = 1 ] || bench_newman
bench_workdir fla-dimona-bench
bench_certificate "$work" dimona-bench

# make_month_start N OFFICE_CSV API_CSV: N Dimona In for today, one worker
# each (INSZ born from 1 January 1980 on, serials 001 to 997, mod-97 check
# digits), written twice: as the office's file, in the columns of the
# template (`template --service dimona --headers nl`), and as the API's fields
# for newman.
make_month_start() {
    local n="$1" office="$2" api="$3"
    "$bin" template "$work/template.csv" --service dimona --headers nl --json >/dev/null
    python3 - "$n" "$work/template.csv" "$office" "$api" <<'PY'
import csv, datetime, sys
n, template, office, api = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
header = open(template, encoding="utf-8-sig").readline().rstrip("\r\n").split(";")
today = datetime.date.today()
def ssin(i):
    born = datetime.date(1980, 1, 1) + datetime.timedelta(days=i // 997)
    first_nine = int(f"{born:%y%m%d}{i % 997 + 1:03d}")
    return f"{first_nine:09d}{97 - first_nine % 97:02d}"
values = {
    "Ondernemingsnummer werkgever": lambda i: "0403.170.701",
    "INSZ werknemer": ssin,
    "Soort aangifte": lambda i: "in",
    "Begindatum": lambda i: today.strftime("%d/%m/%Y"),
    "Paritair comité": lambda i: "200",
    "Type werknemer": lambda i: "OTH",
}
missing = [c for c in values if c not in header]
if missing:
    sys.exit(f"the template has no column {missing}: {header}")
with open(office, "w", encoding="utf-8", newline="") as f:
    f.write(";".join(header) + "\r\n")
    for i in range(n):
        f.write(";".join(values[c](i) if c in values else "" for c in header) + "\r\n")
with open(api, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["enterpriseNumber", "ssin", "startDate", "jointCommissionNumber", "workerType"])
    for i in range(n):
        w.writerow(["0403170701", ssin(i), today.isoformat(), "200", "OTH"])
PY
}

# Ours: seconds from the process start to the last result known. Each run
# has its own data folder (where `sim` writes its address for `--env
# sandbox`), sim and journal.
run_ours() {
    local n="$1" tag="ours-$1-$2"
    export FLA_DATA_DIR="$work/data-$tag"
    start_sim "$tag"
    local client_id
    client_id="$(sim_register --dimona)"
    make_month_start "$n" "$work/$tag.csv" "$work/$tag-api.csv"
    local t0 t1
    t0="$(date +%s.%N)"
    "$bin" submit "$work/$tag.csv" --service dimona --env sandbox --client-id "$client_id" \
        --pfx "$work/bench.pfx" --journal "$work/$tag.sqlite" --concurrency "$concurrency" \
        --json >"$work/$tag.json" || true
    t1="$(date +%s.%N)"
    local known
    known="$(jq '.accepted + .warning + .refused' "$work/$tag.json")"
    [ "$known" = "$n" ] || { echo "ours: only $known of $n results known:" >&2; cat "$work/$tag.json" >&2; exit 1; }
    [ "$(jq .accepted "$work/$tag.json")" = "$n" ] || echo "ours: not every row accepted: $(cat "$work/$tag.json")" >&2
    stop_sim
    elapsed "$t0" "$t1"
}

# newman: seconds from its start to its last POST answered.
run_newman() {
    local n="$1" tag="newman-$1"
    export FLA_DATA_DIR="$work/data-$tag"
    start_sim "$tag"
    local api_base client_id token
    # Dimona's base beside the FLA's on the sim.
    api_base="$(jq -r .api_base <<<"$sim_line")"
    api_base="${api_base%/REST/*}/REST/dimona/v2"
    client_id="$(sim_register --dimona)"
    token="$(admin_token "$client_id" dimona)"
    make_month_start "$n" "$work/$tag-office.csv" "$work/$tag.csv"
    newman_collection "$work/dimona-collection.json" "Dimona In" /declarations \
        '{"employer":{"enterpriseNumber":"{{enterpriseNumber}}"},"worker":{"ssin":"{{ssin}}"},"dimonaIn":{"startDate":"{{startDate}}","features":{"jointCommissionNumber":"{{jointCommissionNumber}}","workerType":"{{workerType}}"}}}'
    local secs taken failed
    secs="$(time_newman "$work/dimona-collection.json" "$work/$tag.csv" "$n" "$token" "$api_base" \
        "$work/$tag.json")"
    taken="$(sim_stat dimona_declarations)"
    [ "$taken" = "$n" ] || echo "newman: the sandbox took $taken of $n declarations" >&2
    failed="$(jq '.run.stats.assertions.failed' "$work/$tag.json")"
    [ "$failed" = 0 ] || echo "newman: $failed POSTs were not answered 201" >&2
    stop_sim
    echo "$secs"
}

bench_header
ours_s="$(best_of_runs run_ours "$rows" ours)"
ours_rate="$(rate "$rows" "$ours_s")"
if [ "${SKIP_NEWMAN:-0}" = 1 ]; then
    echo "ours $rows Dimona In in ${ours_s}s = $ours_rate rows/s (concurrency $concurrency)"
    exit 0
fi
newman_s="$(run_newman "$newman_rows")"
newman_rate="$(rate "$newman_rows" "$newman_s")"
echo "ours $rows Dimona In in ${ours_s}s = $ours_rate rows/s (to the last result known;" \
     "concurrency $concurrency); newman $newman_rows in ${newman_s}s = $newman_rate rows/s" \
     "(POSTs only); ratio $(ratio "$ours_rate" "$newman_rate")x (goal >= 10x)"

# Shared by the bench scripts that run `submit` against `sim` (sourced, not run).

# Sets `bin`: $BIN where given (e.g. two builds compared in one sitting), else
# the release CLI built into CARGO_TARGET_DIR (default /tmp/fla-bench-target).
bench_binary() {
    if [ -n "${BIN:-}" ]; then
        bin="$BIN"
    else
        export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/fla-bench-target}"
        (cd "$repo" && cargo build --release --no-default-features --bin fla-assistant)
        bin="$CARGO_TARGET_DIR/release/fla-assistant"
    fi
}

# A throwaway certificate valid now in folder $1, named $2: bench.pfx for ours
# (its password in FLA_PFX_PASSWORD) and bench.cer for Chaman.
bench_certificate() {
    local dir="$1" name="$2"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$name" \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
    openssl x509 -in "$dir/cert.pem" -outform DER -out "$dir/bench.cer"
    export FLA_PFX_PASSWORD="bench"
    openssl pkcs12 -export -inkey "$dir/key.pem" -in "$dir/cert.pem" -name bench \
        -passout env:FLA_PFX_PASSWORD -out "$dir/bench.pfx"
}

# make_csv N PREFIX OUT: rows with the contract's columns, one worker the
# sandbox knows, a training that ended two days ago, a reference of its own
# per row.
make_csv() {
    local n="$1" prefix="$2" out="$3"
    python3 - "$n" "$prefix" "$out" <<'PY'
import csv, sys, datetime
n, prefix, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
end = datetime.date.today() - datetime.timedelta(days=2)
start = end - datetime.timedelta(days=1)
cols = ["externalReference", "enterpriseNumber", "ssin", "trainingName", "trainingType",
        "startDate", "endDate", "durationValue", "durationUnit", "followed",
        "countsForFla"]
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(cols)
    for i in range(n):
        w.writerow([f"{prefix}-{i:06d}", "0403170701", "85073003328", "Excel voor gevorderden",
                    "FORMAL", start.isoformat(), end.isoformat(), 14, "HOURS", "true", "true"])
PY
}

# Starts a sandbox (no processing delay) with its own state in $work, its pid
# added to the array pids; sets sim_pid and sim_line (its JSON line). Needs bin.
start_sim() {
    local name="$1"
    "$bin" sim --processing-delay-ms 0 --state "$work/state-$name" \
        >"$work/sim-$name.out" 2>"$work/sim-$name.err" &
    sim_pid="$!"
    pids+=("$sim_pid")
    for _ in $(seq 1 100); do
        [ -s "$work/sim-$name.out" ] && break
        sleep 0.1
    done
    [ -s "$work/sim-$name.out" ] || { echo "sim did not start:" >&2; cat "$work/sim-$name.err" >&2; exit 1; }
    sim_line="$(head -n1 "$work/sim-$name.out")"
}

# Exits with the first of the tools named that is not on PATH.
bench_need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
    done
}

# Sets `newman`: newman 6 from the npm registry, installed once into
# /tmp/fla-bench-npm (outside the repo).
bench_newman() {
    local npm_dir="/tmp/fla-bench-npm"
    if [ ! -x "$npm_dir/node_modules/.bin/newman" ]; then
        mkdir -p "$npm_dir"
        npm install --prefix "$npm_dir" --no-audit --no-fund newman@6 >&2
    fi
    newman="$npm_dir/node_modules/.bin/newman"
}

# Sets `work` (a new folder named after $1 in /tmp), `pids` (the sims
# started, each stopped on exit) and FLA_DATA_DIR; the folder is removed on
# exit.
bench_workdir() {
    work="$(mktemp -d "/tmp/$1.XXXXXX")"
    pids=()
    trap bench_cleanup EXIT
    export FLA_DATA_DIR="$work/data"
}

bench_cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}

# Stops the sim start_sim started (a run in $(...) is a subshell: the exit
# trap of the script does not know its sim).
stop_sim() {
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
}

# The sim's admin URL (from sim_line).
sim_admin() { jq -r .admin_url <<<"$sim_line"; }

# Registers $work/bench.cer for enterprise 0403170701 in the sim's Chaman
# (the flags given added: --dimona, …); prints its client ID.
sim_register() {
    "$bin" sim-register --admin-url "$(sim_admin)" --cer "$work/bench.cer" \
        --enterprise 0403170701 "$@" | jq -r .client_id
}

# SANDBOX ONLY: a full bearer token for client $1 and service $2 (default
# fla) from POST /admin/tokens, for a tool that cannot sign a client
# assertion (newman).
admin_token() {
    curl -sf -X POST "$(sim_admin)/tokens" -H 'Content-Type: application/json' \
        -d "{\"client_id\":\"$1\",\"service\":\"${2:-fla}\",\"lifetime_secs\":3600}" \
        | jq -r .access_token
}

# What the sim's /admin/stats says in field $1.
sim_stat() { curl -sf "$(sim_admin)/stats" | jq ".$1"; }

# Seconds from $1 to $2 (date +%s.%N), two decimals.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# $1 rows in $2 seconds, per second.
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

# $1 / $2, one decimal.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

# The least time of RUNS (default 1) runs of `$1 $2 RUN` (a function that
# prints its seconds), each printed on stderr as "$3 $2 rows, run RUN".
best_of_runs() {
    local run_one="$1" n="$2" label="$3" best="" t r
    for r in $(seq 1 "${RUNS:-1}"); do
        t="$("$run_one" "$n" "$r")"
        echo "  $label $n rows, run $r: ${t}s = $(rate "$n" "$t") decl/s" >&2
        best="$(awk -v a="$best" -v b="$t" 'BEGIN { if (a == "" || b < a) print b; else print a }')"
    done
    echo "$best"
}

# newman_collection OUT NAME PATH BODY: a Postman collection (v2.1) of one
# request, NAME: POST {{api_base}}PATH with the bearer {{token}} and BODY
# (raw JSON, a {{column}} for each column of the data file), whose test is
# that the answer is a 201.
newman_collection() {
    python3 - "$@" <<'PY'
import json, sys
out, name, path, body = sys.argv[1:5]
collection = {
    "info": {"name": name,
             "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
    "item": [{
        "name": f"POST {path}",
        "request": {
            "method": "POST",
            "header": [{"key": "Authorization", "value": "Bearer {{token}}"},
                       {"key": "Content-Type", "value": "application/json"}],
            "url": "{{api_base}}" + path,
            "body": {"mode": "raw", "raw": body},
        },
        "event": [{"listen": "test", "script": {
            "exec": ["pm.test('201', () => pm.response.to.have.status(201));"]}}],
    }],
}
with open(out, "w") as f:
    json.dump(collection, f, indent=2)
PY
}

# newman $newman running collection $1 over the CSV $2 ($3 rows) with
# token $4 and api_base $5, its JSON report in $6: prints its seconds, from
# its start to its last answer.
time_newman() {
    local t0 t1
    t0="$(date +%s.%N)"
    "$newman" run "$1" -d "$2" -n "$3" --env-var "token=$4" --env-var "api_base=$5" \
        --reporters json --reporter-json-export "$6" >/dev/null 2>&1 || true
    t1="$(date +%s.%N)"
    elapsed "$t0" "$t1"
}

# The date and machine lines a bench prints first.
bench_header() {
    echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

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

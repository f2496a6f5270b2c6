#!/usr/bin/env bash
# The sandbox's own ceiling for POST /trainings: `fla-assistant sim` on
# loopback with --processing-delay-ms 0 (and no fault), loaded by wrk with a
# declaration of its own reference per request, a bearer token from the
# sandbox-only POST /admin/tokens. Counts what the server committed (its
# /admin/stats), not what wrk sent.
#
# Usage: benches/sandbox_ceiling.sh
# Env:   CARGO_TARGET_DIR  build dir (default /tmp/fla-bench-target, outside the repo)
#        DURATION          wrk -d (default 15s)
#        THREADS           wrk -t (default 1: the server gets the other core)
#        CONNECTIONS       wrk -c (default 32)
# Needs: cargo, wrk (Debian package `wrk`), curl, jq, openssl.
# Target: >= 2,000 POST/s (so that the sandbox is not the limit of the client benchmark).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/fla-bench-target}"
duration="${DURATION:-15s}"
threads="${THREADS:-1}"
connections="${CONNECTIONS:-32}"

for tool in cargo wrk curl jq openssl; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (wrk: apt-get install wrk)" >&2; exit 1; }
done

# The shipped CLI profile, without the GUI.
(cd "$repo" && cargo build --release --no-default-features --bin fla-assistant)
bin="$CARGO_TARGET_DIR/release/fla-assistant"

work="$(mktemp -d /tmp/fla-sandbox-ceiling.XXXXXX)"
sim_pid=""
cleanup() {
    if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
export FLA_DATA_DIR="$work/data"

"$bin" sim --processing-delay-ms 0 --state "$work/state" >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 1 100); do
    [ -s "$work/sim.out" ] && break
    sleep 0.1
done
[ -s "$work/sim.out" ] || { echo "sim did not start:" >&2; cat "$work/sim.err" >&2; exit 1; }
admin_url="$(head -n1 "$work/sim.out" | jq -r .admin_url)"
api_base="$(head -n1 "$work/sim.out" | jq -r .api_base)"

# A throwaway certificate valid now (Chaman refuses expired ones).
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=sandbox-ceiling" \
    -keyout "$work/key.pem" -outform DER -out "$work/bench.cer" 2>/dev/null
client_id="$("$bin" sim-register --admin-url "$admin_url" --cer "$work/bench.cer" \
    --enterprise 0403170701 | jq -r .client_id)"
# SANDBOX ONLY: a full bearer token for a registered client, for load tools
# that cannot sign client assertions. `fla-assistant token` shows tokens shortened.
export BENCH_TOKEN="$(curl -sf -X POST "$admin_url/tokens" -H 'Content-Type: application/json' \
    -d "{\"client_id\":\"$client_id\",\"lifetime_secs\":3600}" | jq -r .access_token)"
export BENCH_START="$(date -u -d '3 days ago' +%F)"
export BENCH_END="$(date -u -d '2 days ago' +%F)"

# Warm-up (not counted), then the measured run with references of their own.
BENCH_RUN=warmup wrk -t1 -c8 -d2s -s "$repo/benches/sandbox_ceiling.lua" "$api_base/trainings" >/dev/null
before="$(curl -sf "$admin_url/stats" | jq .declarations)"
BENCH_RUN=measured wrk -t"$threads" -c"$connections" -d"$duration" --latency \
    -s "$repo/benches/sandbox_ceiling.lua" "$api_base/trainings" | tee "$work/wrk.out"
after="$(curl -sf "$admin_url/stats" | jq .declarations)"

line="$(grep '^WRK ' "$work/wrk.out")"
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$line"; }
requests="$(field requests)"
duration_us="$(field duration_us)"
non2xx="$(field non2xx)"
stored=$((after - before))
# The ceiling counts the 201s answered within wrk's window (the server may
# commit a few more that were in flight when wrk stopped).
created=$((requests - non2xx))
if [ "$stored" -lt "$created" ]; then
    echo "the server holds $stored new declarations, fewer than the $created answered" >&2
    exit 1
fi
rate="$(awk -v n="$created" -v us="$duration_us" 'BEGIN { printf "%.0f", n / (us / 1e6) }')"

echo
echo "date:        $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:     nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load:        $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min, at the end)"
echo "wrk:         -t$threads -c$connections -d$duration, $requests requests, $non2xx not 2xx"
echo "answered:    $created 201s; stored: $stored declarations (server's count)"
echo "ceiling:     $rate POST/s"
if [ "$rate" -lt 2000 ]; then
    echo "below the 2,000 POST/s target" >&2
    exit 2
fi

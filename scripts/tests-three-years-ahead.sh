#!/usr/bin/env bash
# Runs the built test binaries with the wall clock moved three years ahead
# (libfaketime; the monotonic clock is left alone, so timeouts and waits behave).
# Proves that no test compares the wall clock with a fixture's dates: every
# certificate a test needs valid is made at test time, relative to "now".
# Linux only (LD_PRELOAD); see docs/TESTING.md.
set -euo pipefail
cd "$(dirname "$0")/.."
OFFSET="${1:-+3y}"
LIB=""
for candidate in /usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 \
                 /usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1 \
                 /usr/lib/faketime/libfaketimeMT.so.1; do
  if [ -e "$candidate" ]; then LIB="$candidate"; break; fi
done
if [ -z "$LIB" ]; then
  echo "libfaketime is not installed; installing Debian's 'faketime' package" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y faketime >&2; else sudo apt-get install -y faketime >&2; fi
  LIB=$(dpkg -L libfaketime | grep 'libfaketimeMT.so.1$' | head -1)
fi
# Build first, without the fake clock (cargo's own freshness checks use mtimes).
mapfile -t BINARIES < <(cargo test --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(m["executable"])')
echo "clock for the tests: $(FAKETIME="$OFFSET" LD_PRELOAD="$LIB" date -u +%Y-%m-%dT%H:%M:%SZ) (offset $OFFSET)" >&2
failed=0
for bin in "${BINARIES[@]}"; do
  echo "== $(basename "$bin")" >&2
  if ! FAKETIME="$OFFSET" FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="$LIB" \
       "$bin" --test-threads=2; then
    failed=1
  fi
done
if [ "$failed" != 0 ]; then echo "some tests failed with the clock at $OFFSET" >&2; exit 1; fi
echo "all test binaries passed with the clock at $OFFSET" >&2

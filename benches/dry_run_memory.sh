#!/usr/bin/env bash
# Peak memory and time of `fla-assistant submit FILE --dry-run --json` on a
# 100,000-row and a 1,000,000-row CSV (issue 16: ≤ 500 MB peak for 1,000,000
# rows; the 1,000,000-row run at most 12× the 100,000-row one).
#
# Usage: benches/dry_run_memory.sh [BIN]
#   BIN   the binary to measure (default: build the release CLI and use it)
# Env:    CARGO_TARGET_DIR  build dir when building (default: the repo's target/)
#         ROWS              the sizes to run (default "100000 1000000")
#         BENCH_OUT         where the files and outputs go (default: a new temp dir)
#         LATE=1            every row late at --now: a warning per row kept (the worst case)
#         CP1252=1          the files in Windows-1252 (decoded whole into a string) instead of UTF-8
# Needs:  python3, GNU time (/usr/bin/time -v). Prints a markdown table.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${BENCH_OUT:-$(mktemp -d /tmp/fla-dry-run.XXXXXX)}"
mkdir -p "$out"
rows="${ROWS:-100000 1000000}"

bin="${1:-}"
if [ -z "$bin" ]; then
    (cd "$repo" && cargo build --release --no-default-features --bin fla-assistant)
    bin="${CARGO_TARGET_DIR:-$repo/target}/release/fla-assistant"
fi
[ -x "$bin" ] || { echo "not a binary: $bin" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "missing: /usr/bin/time (GNU time)" >&2; exit 2; }

# An office's export: Dutch headers, `;`, formatted INSZ and enterprise
# numbers, dd/mm/yyyy, decimal commas, ja/nee; about 100 bytes a row. One row
# in a hundred has a mistyped INSZ (invalid), one in a thousand reuses the
# reference of the row above for another worker (reference_conflict), one in
# a thousand repeats the row above (duplicate_row).
generate() {
    python3 - "$1" "$2" "${LATE:-0}" "${CP1252:-0}" <<'PY'
import sys
path, n, late = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
encoding = "cp1252" if sys.argv[4] == "1" else "utf-8"
month = 3 if late else 10

def ssin(i):
    # Born 1985-01-01 + (i // 997) days, sequence 1..997, check digit mod 97.
    day = i // 997
    yy, mm, dd = 85 + day // 336, 1 + (day // 28) % 12, 1 + day % 28
    base = int(f"{yy % 100:02d}{mm:02d}{dd:02d}{1 + i % 997:03d}")
    check = 97 - base % 97
    s = f"{base:09d}{check:02d}"
    return f"{s[0:2]}.{s[2:4]}.{s[4:6]}-{s[6:9]}.{s[9:11]}"

with open(path, "w", encoding=encoding, newline="") as f:
    f.write("Référence;Ondernemingsnummer;INSZ;Naam opleiding;Soort;Begindatum;Einddatum;Duur;Eenheid;Gevolgd;Telt mee\r\n")
    prev = None
    for i in range(n):
        ref = f"REF-{i:07d}"
        worker = ssin(i)
        if i % 100 == 57:
            worker = worker[:-1] + str((int(worker[-1]) + 1) % 10)
        day = 1 + i % 28
        line = f"{ref};BE 0403.170.701;{worker};Heftruck veiligheid;Formeel;{day:02d}/{month:02d}/2025;{day:02d}/{month:02d}/2025;7,5;uren;ja;ja"
        if prev and i % 1000 == 500:
            line = prev
        elif prev and i % 1000 == 700:
            line = prev.split(";", 1)[0] + ";" + line.split(";", 1)[1]
        f.write(line + "\r\n")
        prev = line
PY
}

seconds_of() {  # "h:mm:ss" or "m:ss.cc" → seconds
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$1"
}

echo "| rows | file | encoding | exit | valid | invalidRows | warnings | wall | peak RSS |"
echo "|---:|---:|---|---:|---:|---:|---:|---:|---:|"
declare -A wall rss
for n in $rows; do
    file="$out/rows-$n.csv"
    [ -f "$file" ] || generate "$file" "$n"
    size=$(du -m "$file" | cut -f1)
    set +e
    FLA_DATA_DIR="$out/data" /usr/bin/time -v "$bin" submit "$file" --dry-run --json \
        --now 2025-11-01T12:00:00Z >"$out/out-$n.json" 2>"$out/time-$n.txt"
    code=$?
    set -e
    w=$(seconds_of "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/time-$n.txt")")
    kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time-$n.txt")
    wall[$n]=$w
    rss[$n]=$((kb / 1024))
    counts=$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["encoding"], o["valid"], o["invalidRows"], len(o["warnings"]))' "$out/out-$n.json")
    read -r encoding valid invalid warnings <<<"$counts"
    echo "| $n | ${size} MB | $encoding | $code | $valid | $invalid | $warnings | ${w} s | ${rss[$n]} MB |"
done

set -- $rows
if [ $# -ge 2 ]; then
    small=$1 big=${!#}
    ratio=$(awk -v a="${wall[$small]}" -v b="${wall[$big]}" 'BEGIN { printf "%.1f", (a > 0 ? b / a : 0) }')
    echo
    echo "time ratio $big/$small rows: ${ratio}× (target ≤ 12×); peak for $big rows: ${rss[$big]} MB (target ≤ 500 MB)"
fi
echo "files and outputs: $out"

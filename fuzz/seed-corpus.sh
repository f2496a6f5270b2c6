#!/usr/bin/env bash
# Seeds fuzz/corpus/import_file (git-ignored) from fuzz/seeds/import_file (kept
# in git: the import fixtures, the templates, and workbooks made to hurt) and
# fuzz/corpus/open_pkcs12 from tests/fixtures/pfx.
#
# 1. Every fixture as it is, except high-iterations.pfx (600,000 PBKDF2 rounds:
#    about a second per execution, and its mutants keep the count).
# 2. Where openssl is installed, 1-round copies of a few fixtures (`-noiter
#    -nomaciter`): same structures, but each execution costs one KDF round
#    instead of 2,048+, so the fuzzer spends its time in parsing, not in PBKDF2.
#
# Usage: fuzz/seed-corpus.sh   (from anywhere; safe to run again)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$here/corpus/import_file"
cp "$here"/seeds/import_file/* "$here/corpus/import_file/"
fixtures="$here/../tests/fixtures/pfx"
corpus="$here/corpus/open_pkcs12"
mkdir -p "$corpus"

for f in "$fixtures"/*.pfx "$fixtures"/*.p12; do
    name="$(basename "$f")"
    [ "$name" = "high-iterations.pfx" ] && continue
    [ -s "$f" ] || continue # empty.pfx: libFuzzer tries the empty input anyway
    cp "$f" "$corpus/fixture-$name"
done

if ! command -v openssl >/dev/null; then
    echo "openssl not found: fixture seeds only (2,048+ KDF rounds each)" >&2
    exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pass=pass:Password

# reexport SOURCE OUT [extra openssl -export options…]
reexport() {
    local src="$1" out="$2"
    shift 2
    local legacy=()
    # The RC2/3DES fixtures need the legacy provider to be read.
    openssl pkcs12 -in "$fixtures/$src" -passin "$pass" -nodes -out "$tmp/in.pem" 2>/dev/null ||
        { openssl pkcs12 -legacy -in "$fixtures/$src" -passin "$pass" -nodes -out "$tmp/in.pem" 2>/dev/null && legacy=(-legacy); } ||
        { echo "skip $src (openssl cannot read it)" >&2; return 0; }
    if openssl pkcs12 -export "${legacy[@]}" -in "$tmp/in.pem" -passout "$pass" -noiter -nomaciter "$@" \
        -out "$corpus/iter1-$out" 2>"$tmp/err"; then
        :
    else
        echo "skip $out: $(head -1 "$tmp/err")" >&2
    fi
}

reexport openssl3-aes256.pfx aes256-chain.pfx -name "FLA REST channel"
reexport openssl3-aes256.pfx aes256-nomac.pfx -nomac
reexport openssl3-aes256.pfx aes256-keypbe-nocertpbe.pfx -certpbe NONE
reexport openssl3-aes256.pfx aes256-sha1mac.pfx -macalg sha1
reexport openssl-legacy-rc2.pfx legacy-rc2.pfx -legacy
reexport windows-style-3des.pfx 3des.pfx -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES
reexport ec-p256.pfx ec-p256.pfx
reexport rsa1024.pfx rsa1024.pfx
reexport expired.pfx expired.pfx
reexport key-cert-mismatch.pfx nokey-certonly.pfx -nokeys
echo "corpus: $(ls "$corpus" | wc -l) files in $corpus"

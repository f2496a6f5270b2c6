#!/usr/bin/env bash
# Type-checks the whole workspace, tests included, for Windows from Linux
# (x86_64-pc-windows-gnu): what is Unix-only outside a cfg(unix) fails here
# before it fails on a Windows runner. The Windows standard library comes from
# rustup, MinGW's C compiler (for aws-lc's and SQLite's C) from Debian.
# Nothing is linked or run. See docs/TESTING.md.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-pc-windows-gnu
if ! rustup target list --installed | grep -qx "$target"; then
  echo "check-windows: adding the $target standard library (rustup)" >&2
  rustup target add "$target" >&2
fi
if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
  echo "check-windows: installing MinGW's C compiler from Debian's packages" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo=sudo; fi
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq gcc-mingw-w64-x86-64 >/dev/null
fi
cargo check --locked --workspace --all-targets --target "$target"
echo "check-windows: the workspace type-checks for $target" >&2

#!/usr/bin/env bash
# The Linux package: builds the release binary and the .deb with cargo-packager
# (the configuration is [package.metadata.packager] in Cargo.toml), and with
# --try installs it on this machine and tries it as a desktop would.
#
# Usage: scripts/package-linux.sh            build target/packages/*.deb
#        scripts/package-linux.sh --try      build, then install → start → open → remove
#        scripts/package-linux.sh --try-only DEB   the try, on a .deb already built
#        SHOTS=DIR scripts/package-linux.sh --try  also keep screenshots in DIR
#          (the installed app, and its desktop entry as a launcher lists it in
#          EN, NL and FR, with rofi where it is installed)
#
# The try needs root (dpkg -i, dpkg -r) and installs from Debian's packages what
# it needs (Xvfb, xdotool, desktop-file-utils, Mesa's software renderer). It
# uses a home folder of its own, so the user's own data is never touched; it
# exits non-zero if any check fails. No AppImage: its tools (appimagetool,
# linuxdeploy) come from github.com, which cannot be reached from here; the
# release workflow makes it on GitHub's Ubuntu runner (docs/TESTING.md).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
PACKAGER_VERSION=0.11.8
mode=build deb=""
case "${1:-}" in
  "") ;;
  --try) mode=try ;;
  --try-only) mode=try-only; deb=${2:?--try-only needs the .deb}; deb=$(realpath "$deb") ;;
  *) echo "usage: scripts/package-linux.sh [--try | --try-only DEB]" >&2; exit 2 ;;
esac
say() { echo "package-linux: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})); then
    say "installing from Debian's packages: ${missing[*]}"
    as_root apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

build() {
  local tools="$repo/target/tools"
  if ! "$tools/bin/cargo-packager" --version 2>/dev/null | grep -q "$PACKAGER_VERSION"; then
    say "installing cargo-packager $PACKAGER_VERSION from crates.io into target/tools"
    cargo install --locked --quiet cargo-packager --version "$PACKAGER_VERSION" \
      --root "$tools" --target-dir "$repo/target/tools-build"
    rm -rf "$repo/target/tools-build"
  fi
  python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install --quiet jsonschema >&2
  python3 scripts/release/check-config.py "$PACKAGER_VERSION"
  say "building the release binary"
  cargo build --release --locked
  say "making the .deb"
  rm -rf target/packages
  PATH="$tools/bin:$PATH" cargo packager --release --formats deb --out-dir target/packages >&2
  deb=$(ls target/packages/*.deb)
  deb=$(realpath "$deb")
  say "made $deb ($(du -h "$deb" | cut -f1), installed $(dpkg-deb -f "$deb" Installed-Size) KiB)"
  echo "$deb"
}

# --- the try -----------------------------------------------------------------
fails=0
check() {
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then echo "ok    $what"; else echo "FAIL  $what"; fails=$((fails + 1)); fi
}

try() {
  local deb=$1 work home display app_pid
  apt_install xvfb xdotool imagemagick desktop-file-utils xdg-utils shared-mime-info \
    mesa-vulkan-drivers libgl1-mesa-dri libegl1
  work=$(mktemp -d)
  home="$work/home"
  mkdir -p "$home"
  echo "== the package: $(basename "$deb"), $(du -h "$deb" | cut -f1) (installed: $(dpkg-deb -f "$deb" Installed-Size) KiB)"
  dpkg-deb -f "$deb" Package Version Architecture Depends | sed 's/^/   /'

  if dpkg -s fla-assistant >/dev/null 2>&1; then as_root dpkg -r fla-assistant >/dev/null; fi
  # dpkg -i installs no dependency: those the control file names come first.
  local depends
  depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$')
  # shellcheck disable=SC2086
  apt_install $depends
  echo "== dpkg -i"
  as_root dpkg -i "$deb" | sed 's/^/   /'
  dpkg -L fla-assistant >"$work/files"
  local entry=/usr/share/applications/fla-assistant.desktop
  check "the binary is /usr/bin/fla-assistant, executable" test -x /usr/bin/fla-assistant
  check "it is on PATH" bash -c 'command -v fla-assistant | grep -qx /usr/bin/fla-assistant'
  check "the installed binary answers --version" bash -c 'fla-assistant --version | grep -q "^fla-assistant "'
  check "the desktop entry is $entry" test -f "$entry"
  check "the desktop entry passes desktop-file-validate" desktop-file-validate "$entry"
  check "the desktop entry starts the binary with the file (%f)" grep -qx 'Exec=fla-assistant %f' "$entry"
  check "the icon is in the hicolor theme (256x256)" test -f /usr/share/icons/hicolor/256x256/apps/fla-assistant.png
  check "every icon size the package has is a PNG" bash -c \
    'for f in $(dpkg -L fla-assistant | grep "/icons/.*\.png$"); do file -b "$f" | grep -q "^PNG" || exit 1; done'
  check "the desktop knows it opens .pfx/.p12 (mimeinfo.cache)" bash -c \
    "grep -E '^application/(x-)?pkcs12=.*fla-assistant.desktop' /usr/share/applications/mimeinfo.cache"
  check "a .pfx is application/pkcs12 to the desktop" bash -c \
    "xdg-mime query filetype '$repo/tests/fixtures/pfx/openssl3-aes256.pfx' | grep -Eq 'application/(x-)?pkcs12'"
  check "CSV and XLSX are offered under Open with, not taken" bash -c \
    "grep -q '^text/csv=.*fla-assistant.desktop' /usr/share/applications/mimeinfo.cache"

  echo "== the installed app under Xvfb (home: $home)"
  display=":$((120 + RANDOM % 60))"
  Xvfb "$display" -screen 0 1100x760x24 -nolisten tcp >/dev/null 2>&1 &
  local xvfb=$!
  trap 'kill $xvfb 2>/dev/null || true' EXIT
  sleep 1
  local runtime="$work/runtime"
  mkdir -m 700 "$runtime"
  run_desktop() { # the environment a desktop session gives a program
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$home" \
      DISPLAY="$display" XDG_RUNTIME_DIR="$runtime" LANG="${TRY_LANG:-en_GB.UTF-8}" "$@"
  }
  if [ -n "${SHOTS:-}" ] && command -v rofi >/dev/null; then
    # The desktop entry as a launcher lists it (rofi), in each language: its
    # name, generic name and icon. rofi stops at a locale the system has not
    # generated, so LANG stays C.UTF-8 and LANGUAGE picks the entry's language;
    # a home of its own per language, since rofi keeps the names it read.
    mkdir -p "$SHOTS"
    local lang rofi
    for lang in en nl fr; do
      run_desktop env HOME="$work/rofi-$lang" LANG=C.UTF-8 LANGUAGE="$lang" rofi -show drun -show-icons -filter fla \
        -drun-display-format '{name} — {generic}' \
        -theme-str 'window {width: 900px; height: 200px;} element-icon {size: 2em;}' \
        >"$work/rofi.log" 2>&1 &
      rofi=$!
      sleep 4
      import -display "$display" -window root -crop 900x200+100+280 "$SHOTS/linux-desktop-entry-$lang.png"
      pkill -x rofi 2>/dev/null || true
      wait "$rofi" 2>/dev/null || true
    done
  fi
  close_app() { # its window closed as a user would; killed if it stays
    DISPLAY=$display timeout 10 xdotool search --onlyvisible --class '^fla-assistant$' \
      windowclose >/dev/null 2>&1 || true
    local i
    for i in $(seq 20); do pgrep -x fla-assistant >/dev/null || break; sleep 0.5; done
    pkill -x fla-assistant 2>/dev/null || true
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  }
  # 1. Started from the menu: the entry's Exec without a file.
  run_desktop fla-assistant >"$work/app1.log" 2>&1 &
  app_pid=$!
  check "the installed app opens its window" bash -c \
    "DISPLAY=$display timeout 60 xdotool search --sync --onlyvisible --class '^fla-assistant$' "
  sleep 4
  if [ -n "${SHOTS:-}" ]; then
    mkdir -p "$SHOTS"; import -display "$display" -window root "$SHOTS/linux-installed-app.png"
  fi
  check "the app is still running" kill -0 "$app_pid"
  close_app "$app_pid"

  # 2. A double-click on a .pfx: the desktop opens the file with the default
  # application for its type (xdg-open asks xdg-mime, which reads the entry
  # and puts the file's path for %f).
  local pfx="$home/Documents/werkgever certificaat.pfx"
  mkdir -p "$home/Documents"
  cp tests/fixtures/pfx/openssl3-aes256.pfx "$pfx"
  run_desktop xdg-mime default fla-assistant.desktop application/pkcs12
  check "xdg-mime names the app for a .pfx" bash -c \
    "env HOME='$home' xdg-mime query default application/pkcs12 | grep -qx fla-assistant.desktop"
  run_desktop xdg-open "$pfx" >"$work/app2.log" 2>&1 &
  local opener=$!
  check "the app's window opens for the .pfx" bash -c \
    "DISPLAY=$display timeout 60 xdotool search --sync --onlyvisible --class '^fla-assistant$'"
  sleep 4
  local data="$home/.local/share/fla-assistant"
  check "the app opened the .pfx on the Certificate page (its log)" \
    grep -q "opened $pfx on the Certificate page" "$data/logs/fla-assistant.log"
  if [ -n "${SHOTS:-}" ]; then
    import -display "$display" -window root "$SHOTS/linux-installed-open-pfx.png"
  fi
  close_app "$opener"
  check "the user's data folder was made ($data)" test -d "$data"
  ls -A "$data" | sed 's/^/   data: /'

  echo "== dpkg -r"
  as_root dpkg -r fla-assistant | sed 's/^/   /'
  check "dpkg no longer knows the package" bash -c '! dpkg -s fla-assistant 2>/dev/null | grep -q "^Status: install ok"'
  local left=0
  while IFS= read -r f; do
    if [ -e "$f" ] && [ ! -d "$f" ]; then echo "   left behind: $f"; left=$((left + 1)); fi
  done <"$work/files"
  check "no file of the package is left ($(grep -c . "$work/files") paths listed by dpkg -L)" test "$left" = 0
  check "no fla-assistant entry is left in mimeinfo.cache" bash -c \
    '! grep -q fla-assistant.desktop /usr/share/applications/mimeinfo.cache'
  check "the user's data stays ($data)" test -f "$data/logs/fla-assistant.log"
  kill "$xvfb" 2>/dev/null || true
  trap - EXIT
  rm -rf "$work"
  if [ "$fails" != 0 ]; then echo "== $fails check(s) failed"; return 1; fi
  echo "== every check passed"
}

case $mode in
  build) build >/dev/null ;;
  try) deb=$(build); try "$deb" ;;
  try-only) try "$deb" ;;
esac

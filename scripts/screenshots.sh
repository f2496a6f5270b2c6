#!/usr/bin/env bash
# Screenshots of every page in English, Dutch and French, from a real window:
# Xvfb with software rendering, the debug build, a fresh data and settings
# folder (a first start), and a throwaway certificate made with openssl and
# opened by a relative name, so that no path of this machine shows.
#
# Usage: scripts/screenshots.sh [OUT_DIR]   (default docs/screenshots)
#        THEME=light scripts/screenshots.sh   (the light theme: files light-*.png)
# Needs: cargo, openssl; installs xvfb, imagemagick, xdotool and mesa from
# Debian's packages the first time (as ../shared/tools/screenshot.sh does).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$repo/docs/screenshots}"
mkdir -p "$out"

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
[[ -x /usr/bin/import ]] || need+=(imagemagick)
command -v xdotool >/dev/null || need+=(xdotool)
dpkg -s mesa-vulkan-drivers >/dev/null 2>&1 || need+=(mesa-vulkan-drivers libgl1-mesa-dri libegl1 libxkbcommon-x11-0)
if ((${#need[@]})); then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

(cd "$repo" && cargo build --bin fla-assistant)
bin="${CARGO_TARGET_DIR:-$repo/target}/debug/fla-assistant"

work="$(mktemp -d /tmp/fla-shots.XXXXXX)"
xvfb="" app=""
cleanup() {
    [[ -n $app ]] && kill "$app" 2>/dev/null
    [[ -n $xvfb ]] && kill "$xvfb" 2>/dev/null
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# A certificate valid from now for a year, in a .pfx with password "Example-2026".
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=FLA REST channel - Example BV/O=Example BV" \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
openssl pkcs12 -export -inkey "$work/key.pem" -in "$work/cert.pem" -name 1 \
    -passout pass:Example-2026 -out "$work/example.pfx"
rm -f "$work/key.pem"
# An HR office's export (a Dutch Excel CSV in Windows-1252) for the Bulk page.
cp "$repo/tests/fixtures/import/nl-excel-cp1252.csv" "$work/hr-export.csv"

# Starts a display and the app on it, in data folder `data-NAME` and settings
# folder CONFIG: start_app NAME LANG CONFIG.
start_app() {
    local name=$1 lang=$2 config=$3
    display=":$((90 + RANDOM % 100))"
    Xvfb "$display" -screen 0 1100x760x24 -nolisten tcp >/dev/null 2>&1 &
    xvfb=$!
    sleep 1
    export DISPLAY=$display
    export XDG_RUNTIME_DIR="$work/run-$name"
    mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
    unset WAYLAND_DISPLAY
    (
        cd "$work"
        FLA_DATA_DIR="$work/data-$name" FLA_CONFIG_DIR="$config" \
            exec "$bin" --lang "$lang"
    ) >"$work/app-$name.log" 2>&1 &
    app=$!
    sleep 6
}

# Stops the app and its display.
stop_app() {
    kill "$app" 2>/dev/null || true
    wait "$app" 2>/dev/null || true
    app=""
    kill "$xvfb" 2>/dev/null || true
    wait "$xvfb" 2>/dev/null || true
    xvfb=""
}

# The side bar's items, as the window lays them out (x, y).
declare -A page_y=([checklist]=74 [certificate]=105 [connection]=136 [declarations]=167 [bulk]=198 [support]=229 [settings]=260)
# The light theme: its button at the bottom of the side bar, under the languages.
prefix=""
[[ ${THEME:-dark} == light ]] && prefix="light-"
set_theme() {
    if [[ -n $prefix ]]; then
        xdotool mousemove 30 740 click 1
        sleep 1
        xdotool mousemove 600 740
    fi
}
order=(checklist certificate connection declarations bulk support settings)

for lang in en nl fr; do
    start_app "$lang" "$lang" "$work/config-$lang"
    window="$(xdotool search --onlyvisible --name FLA | head -1)"
    xdotool windowfocus --sync "$window" || true
    act() { xdotool "$@"; sleep 0.5; }
    set_theme
    # The first screen of a first start, then the path of an employer: the
    # role (below the sentence on the sandbox, two lines in every language),
    # and the rehearsal it opens.
    /usr/bin/import -display "$display" -window root "$out/${prefix}page-first-start-$lang.png"
    echo "saved $out/${prefix}page-first-start-$lang.png"
    act mousemove 195 130 click 1
    sleep 1
    /usr/bin/import -display "$display" -window root "$out/${prefix}page-checklist-rehearsal-$lang.png"
    echo "saved $out/${prefix}page-checklist-rehearsal-$lang.png"
    for page in "${order[@]}"; do
        act mousemove 45 "${page_y[$page]}" click 1
        if [[ $page == certificate ]]; then
            # "Open my certificate", the status line's first button, puts the
            # focus in the file field; then Tab past Browse… to the password.
            act mousemove 253 20 click 1
            act type --delay 5 "example.pfx"
            act key Tab
            act key Tab
            act type --delay 5 "Example-2026"
            act key Return
            sleep 4
        fi
        if [[ $page == bulk ]]; then
            act mousemove 560 102 click 1
            act type --delay 5 "hr-export.csv"
            act key Return
            sleep 3
        fi
        sleep 1
        /usr/bin/import -display "$display" -window root "$out/${prefix}page-$page-$lang.png"
        echo "saved $out/${prefix}page-$page-$lang.png"
    done
    stop_app
done

# The Checklist of a representative (a social secretariat) with two client
# enterprises, one whose mandate is active in MAHIS and one found missing: a
# profile written before the start, the rehearsal done and the portal steps
# ticked, so that the MAHIS step is the one open.
checked="$(TZ=Europe/Brussels date +%F)"
# The Bulk page's "Dimona" choice, as each language lays it out (x).
declare -A dimona_x=([en]=506 [nl]=479 [fr]=524)
# A payroll office's month start for Dimona: Dutch headers, today's date, one
# INSZ that is no one's.
today_be="$(TZ=Europe/Brussels date +%d/%m/%Y)"
{
    echo "Ondernemingsnummer werkgever;INSZ werknemer;Soort aangifte;Begindatum;Einddatum;Paritair comité;Type werknemer"
    for ssin in 85073000160 85073000259 85073000358 85073000457 85073000556 85073000655 85073000000; do
        echo "0403.170.701;$ssin;in;$today_be;;200;OTH"
    done
} >"$work/maandstart.csv"
for lang in en nl fr; do
    config="$work/config-rep-$lang"
    mkdir -p "$config/profiles"
    cat >"$config/profiles/social-secretariat.json" <<JSON
{
  "version": 2,
  "name": "Social secretariat",
  "role": "representative",
  "ticked": ["identify", "register", "chaman"],
  "rehearsed": ["certificate", "registered", "token_test", "declaration"],
  "dimona": true,
  "clients": [
    {"enterprise": "0403170701", "name": "Bakkerij Janssens", "mandate": "active", "checked_on": "$checked"},
    {"enterprise": "0202239951", "name": "Garage Dubois", "mandate": "missing", "checked_on": "$checked"}
  ]
}
JSON
    start_app "rep-$lang" "$lang" "$config"
    set_theme
    /usr/bin/import -display "$display" -window root "$out/${prefix}page-checklist-representative-$lang.png"
    echo "saved $out/${prefix}page-checklist-representative-$lang.png"
    # This profile declares Dimona too: its page is in the side bar, after Bulk.
    xdotool mousemove 45 229 click 1
    sleep 2
    /usr/bin/import -display "$display" -window root "$out/${prefix}page-dimona-$lang.png"
    echo "saved $out/${prefix}page-dimona-$lang.png"
    # And the Bulk page offers Dimona's files: a payroll office's month start.
    window="$(xdotool search --onlyvisible --name FLA | head -1)"
    xdotool windowfocus --sync "$window" || true
    xdotool mousemove 45 198 click 1
    sleep 1
    xdotool mousemove "${dimona_x[$lang]}" 106 click 1
    sleep 1
    xdotool mousemove 560 129 click 1
    sleep 0.5
    xdotool type --delay 5 "maandstart.csv"
    xdotool key Return
    sleep 3
    /usr/bin/import -display "$display" -window root "$out/${prefix}page-bulk-dimona-$lang.png"
    echo "saved $out/${prefix}page-bulk-dimona-$lang.png"
    stop_app
done

#!/usr/bin/env bash
# End-to-end browser test of `inkstone serve`: starts the server with MODEL, drives headless
# Chromium through chromedriver (W3C WebDriver over HTTP, with curl and jq), draws digits on the
# page's canvas with mouse events, and fails unless the page shows the expected readings. Writes
# a screenshot of the page with its last reading.
#   scripts/check_serve_browser.sh INKSTONE_BINARY MODEL.inks SCREENSHOT.png
set -euo pipefail
bin=$(realpath "$1")
model=$(realpath "$2")
shot=$(realpath -m "$3")
for tool in chromedriver curl jq; do
  command -v "$tool" >/dev/null || { echo "check_serve_browser: $tool is not installed" >&2; exit 1; }
done
browser=$(command -v chromium || command -v chromium-browser)
work=$(mktemp -d)
server_pid="" driver_pid=""
cleanup() {
  [ -n "$driver_pid" ] && kill "$driver_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check_serve_browser: $*" >&2; exit 1; }

# Free ports: ask the kernel for them through the server's own --port 0.
"$bin" serve "$model" --port 0 >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -q "Serving" "$work/serve.log" && break; sleep 0.1; done
port=$(grep -o '127.0.0.1:[0-9]*' "$work/serve.log" | head -1 | cut -d: -f2)
[ -n "$port" ] || fail "the server did not start: $(cat "$work/serve.log")"
base="http://127.0.0.1:$port"
curl -sf "$base/healthz" >/dev/null || fail "no /healthz"

dport=$((port + 1))
chromedriver --port="$dport" >"$work/driver.log" 2>&1 &
driver_pid=$!
wd="http://127.0.0.1:$dport"
for _ in $(seq 100); do curl -sf "$wd/status" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "$wd/status" >/dev/null || fail "chromedriver did not start: $(cat "$work/driver.log")"

post() { curl -sf -H 'Content-Type: application/json' -d "$2" "$wd$1"; }
caps=$(jq -n --arg b "$browser" '{capabilities: {alwaysMatch: {browserName: "chrome",
  "goog:chromeOptions": {binary: $b, args: ["--headless=new", "--no-sandbox", "--disable-gpu",
  "--window-size=900,900", "--disable-dev-shm-usage"]}}}}')
session=$(post /session "$caps" | jq -r .value.sessionId)
[ -n "$session" ] && [ "$session" != null ] || fail "no WebDriver session"
s="/session/$session"
post "$s/url" "{\"url\": \"$base/\"}" >/dev/null
element() {
  post "$s/element" "{\"using\": \"css selector\", \"value\": \"$1\"}" |
    jq -r '.value["element-6066-11e4-a52e-4f735466cecf"]'
}
sleep 0.5; pad=$(element "#pad")
[ -n "$pad" ] && [ "$pad" != null ] || fail "the page has no drawing pad"

# Draws a polyline of "x,y" offsets from the pad's centre with the mouse, pressed throughout.
draw() {
  local moves="" first=1
  for p in "$@"; do
    local x=${p%,*} y=${p#*,}
    moves+="{\"type\": \"pointerMove\", \"duration\": 15, \"origin\": {\"element-6066-11e4-a52e-4f735466cecf\": \"$pad\"}, \"x\": $x, \"y\": $y},"
    if [ $first = 1 ]; then moves+='{"type": "pointerDown", "button": 0},'; first=0; fi
  done
  moves+='{"type": "pointerUp", "button": 0}'
  post "$s/actions" "{\"actions\": [{\"type\": \"pointer\", \"id\": \"mouse\",
    \"parameters\": {\"pointerType\": \"mouse\"}, \"actions\": [$moves]}]}" >/dev/null
}
# Waits for the page to show a reading (and be idle), then prints it.
reading() {
  local text=""
  for _ in $(seq 100); do
    state=$(post "$s/execute/sync" '{"script": "return document.body.dataset.state + \"|\" + document.getElementById(\"reading\").textContent;", "args": []}' | jq -r .value)
    if [ "${state%%|*}" = ready ] && [ -n "${state#*|}" ]; then text=${state#*|}; break; fi
    sleep 0.1
  done
  echo "$text"
}
# An ellipse centred CX pixels right of the pad's centre, radii RX and RY, drawn clockwise from
# the top (a little past a full turn, so that it closes).
draw_ellipse() {
  local pts=()
  for a in $(seq 0 15 375); do
    pts+=("$(awk -v a="$a" -v cx="$1" -v rx="$2" -v ry="$3" \
      'BEGIN { printf "%d,%d", cx + rx * sin(a * 3.14159 / 180), -ry * cos(a * 3.14159 / 180) }')")
  done
  draw "${pts[@]}"
}
clear_pad() { post "$s/element/$(element "#clear")/click" '{}' >/dev/null; }

# A one: a vertical stroke.
draw 0,-90 0,-45 0,0 0,45 0,90
one=$(reading)
[ "$one" = 1 ] || fail "drew a 1, the page shows '${one}'"
# A zero: an ellipse.
clear_pad
draw_ellipse 0 55 85
zero=$(reading)
[ "$zero" = 0 ] || fail "drew a 0, the page shows '${zero}'"
# A number: switch mode, write 1 then 0 side by side (two strokes), read "10" via /v1/read.
post "$s/element/$(element "#mode-number")/click" '{}' >/dev/null
draw -120,-70 -120,-35 -120,0 -120,35 -120,70
draw_ellipse 40 40 65
number=$(reading)
[ "$number" = 10 ] || fail "wrote 10, the page shows '${number}'"
curl -sf "$wd$s/screenshot" | jq -r .value | base64 -d >"$shot"
[ -s "$shot" ] || fail "no screenshot"
curl -sf -X DELETE "$wd$s" >/dev/null || true
echo "serve page in $("$browser" --version 2>/dev/null | head -1): drew 1 -> '$one', drew 0 -> '$zero', wrote 10 -> '$number'; screenshot $shot"

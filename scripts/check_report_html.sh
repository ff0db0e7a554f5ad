#!/usr/bin/env bash
# Loads an `inkstone eval --report` page in headless Chromium (Debian's `chromium`) and fails
# unless it loads without console errors and every embedded figure decodes (the page records
# that itself in <body data-figures="ok">); then writes a full-page screenshot.
#   scripts/check_report_html.sh REPORT_DIR/report.html SCREENSHOT.png
set -euo pipefail
page=$(realpath "$1")
shot=$(realpath -m "$2")
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "check_report_html: chromium is not installed (apt-get install chromium)" >&2
  exit 1
fi
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=10000)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dom=$("$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$page" 2>"$log")
if grep -q "CONSOLE" "$log"; then
  echo "check_report_html: the page logged to the console:" >&2
  grep "CONSOLE" "$log" >&2
  exit 1
fi
state=$(grep -o 'data-figures="[^"]*"' <<<"$dom" || true)
if [ "$state" != 'data-figures="ok"' ]; then
  echo "check_report_html: figures did not load (${state:-no load check ran})" >&2
  exit 1
fi
"$browser" "${flags[@]}" --window-size=1200,4000 --screenshot="$shot" "file://$page" 2>/dev/null
[ -s "$shot" ] || { echo "check_report_html: no screenshot written" >&2; exit 1; }
echo "report.html loaded in $("$browser" --version 2>/dev/null | head -1): figures ok; screenshot $shot"

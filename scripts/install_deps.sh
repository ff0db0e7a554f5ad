#!/usr/bin/env bash
# Installs Inkstone's build and test dependencies from Debian 12 packages (needs root or sudo).
set -euo pipefail
packages=(
  build-essential cmake pkg-config git
  zlib1g-dev libpng-dev libjpeg62-turbo-dev libssl-dev
  libcli11-dev nlohmann-json3-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  jq  # scripts/experiment_*.sh read `inkstone train --json` with it
  chromium  # tests only: scripts/check_report_html.sh loads eval reports headless
  chromium-driver curl  # tests only: scripts/check_serve_browser.sh draws on the serve page
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "Installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, only when they are missing:
# WeasyPrint's Pango, HarfBuzz (with its subsetter) and fonts (PDF), poppler-utils (pdftotext/pdfinfo/pdftoppm in tests),
# Chromium (Playwright drives Debian's Chromium; no browser is ever downloaded by Playwright).
set -euo pipefail
want=("$@")
[ ${#want[@]} -gt 0 ] || want=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core)
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Vendors axe-core (npm) into tests/browser/vendor/ at install time; tests never fetch it at run time.
set -euo pipefail
cd "$(dirname "$0")/../tests/browser"
if [ -f vendor/node_modules/axe-core/axe.min.js ]; then exit 0; fi
command -v npm >/dev/null || bash ../../scripts/setup-system.sh nodejs npm
mkdir -p vendor
cp package.json vendor/package.json
(cd vendor && npm install --no-audit --no-fund --silent >/dev/null)
test -f vendor/node_modules/axe-core/axe.min.js

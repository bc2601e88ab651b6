#!/usr/bin/env bash
# npm ci, only when node_modules does not match package-lock.json: a warm run skips it (seconds saved on
# every test run), and a running Azurite started from node_modules is never pulled from under itself.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.installed-from
wanted=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$wanted" >"$stamp"

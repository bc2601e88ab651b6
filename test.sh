#!/usr/bin/env bash
# Runs every test: installs the pinned Azurite and Power Query parser (npm ci, when the lock file changed), parses the Power BI
# queries, restores NuGet packages (when a project or props file changed), builds with warnings as errors,
# checks formatting, and runs the xUnit suite (which starts its own Azurite on free ports).
set -euo pipefail
cd "$(dirname "$0")"

bash scripts/npm-ci-if-stale.sh
bash scripts/dotnet-restore-if-stale.sh
node powerbi/check-pq.mjs   # every Power Query file parses with Microsoft's parser
# Formatting: code style and analyzer rules are errors in the build below (EnforceCodeStyleInBuild,
# TreatWarningsAsErrors), which is all `dotnet format style|analyzers` would check; whitespace is checked
# file by file, which needs no workspace load, so it runs beside the build.
format_log=$(mktemp)
trap 'rm -f "$format_log"' EXIT
dotnet format whitespace --folder --verify-no-changes --exclude node_modules artifacts '**/obj/**' '**/bin/**' >"$format_log" 2>&1 &
format=$!
dotnet build BacklinksFunctions.sln -c Release --nologo -v quiet --no-restore
if ! wait "$format"; then
  cat "$format_log" >&2
  echo "test.sh: formatting differs from the whitespace rules; 'dotnet format whitespace --folder' fixes it." >&2
  exit 1
fi
dotnet test BacklinksFunctions.sln -c Release --no-build --nologo "$@"

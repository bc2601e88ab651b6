#!/usr/bin/env bash
# Sets everything up and runs the main job end to end on local defaults: installs the pinned
# Azurite, builds, then submits samples/domains.txt through the HTTP function, works the queue
# with the queue function against a loopback simulation of the DomDetailer API (no account, no
# credits), and prints the metrics read back from Table storage.
set -euo pipefail
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --loglevel=error
dotnet build BacklinksFunctions.sln -c Release --nologo -v quiet
dotnet test tests/Backlinks.Tests -c Release --no-build --nologo \
  --filter "Category=Demo" --logger "console;verbosity=detailed"

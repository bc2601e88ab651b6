#!/usr/bin/env bash
# Sets everything up and runs the main job end to end on local defaults:
#   npm ci (the pinned Azurite) and a build, Azurite in the background with its data in .azurite/,
#   then `backlinks submit samples/domains.txt`, `backlinks work --until-idle` and `backlinks metrics`.
# It calls the simulated DomDetailer API (sandbox: synthetic data, no credits) unless
# DomDetailer__ApiKey is set, in which case it calls the real API (3 credits per domain).
set -euo pipefail
cd "$(dirname "$0")"

bash scripts/npm-ci-if-stale.sh
dotnet build src/Backlinks.Cli -c Release --nologo -v quiet -clp:ErrorsOnly
backlinks() { dotnet src/Backlinks.Cli/bin/Release/net10.0/Backlinks.Cli.dll "$@"; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! listening 10001; then
  mkdir -p .azurite
  nohup node node_modules/azurite/dist/src/azurite.js --silent --location .azurite \
    --skipApiVersionCheck --loose --disableTelemetry >.azurite/azurite.log 2>&1 &
  echo $! >.azurite/azurite.pid
  for _ in $(seq 1 100); do listening 10000 && listening 10001 && listening 10002 && break; sleep 0.2; done
  echo "Azurite started in the background (data in .azurite/; stop it with: kill \$(cat .azurite/azurite.pid))"
fi

api=(--sandbox)
if [[ -n "${DomDetailer__ApiKey:-}" ]]; then
  api=()
  echo "DomDetailer__ApiKey is set: calling the real DomDetailer API (3 credits per domain)."
fi

# Exit code 2 means some lines were rejected: the sample has one invalid line on purpose.
backlinks submit samples/domains.txt || [[ $? -eq 2 ]]
# --until-idle: jobs that must wait (a 429, an out-of-credits pause) are left queued, never waited on here.
backlinks work --until-idle "${api[@]}"
backlinks metrics

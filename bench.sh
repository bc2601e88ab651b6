#!/usr/bin/env bash
# The rate benchmark (issue: credits and rate limits): 200 jobs against a sandbox API limited to
# 10 calls/s, client limit 10/s. Arguments: [jobs] [limit per second] [concurrency].
# './bench.sh ingest [runs]': the ingest benchmark (a 5,000-row answer into every table, against the storage floor).
set -euo pipefail
cd "$(dirname "$0")"
[[ -d node_modules/azurite ]] || npm ci --no-audit --no-fund --loglevel=error
dotnet run -c Release --project bench/Backlinks.Bench -- "$@"

#!/usr/bin/env bash
# The rate benchmark (issue: credits and rate limits): 200 jobs against a sandbox API limited to
# 10 calls/s, client limit 10/s. Arguments: [jobs] [limit per second] [concurrency].
# './bench.sh ingest [runs]': the ingest benchmark (a 5,000-row answer into every table, against the storage floor).
# './bench.sh shared-rate [limit per second] [workers] [seconds]': one rate for the whole app: worker processes
# (3 by default) call one sandbox limited to 10/s for 10 s; it reports the calls per second and the most in any 1 s.
set -euo pipefail
cd "$(dirname "$0")"
[[ -d node_modules/azurite ]] || npm ci --no-audit --no-fund --loglevel=error
dotnet run -c Release --project bench/Backlinks.Bench -- "$@"

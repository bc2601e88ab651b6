#!/usr/bin/env bash
# Runs every test: installs the pinned Azurite and Power Query parser (npm ci, when the lock file changed), parses the Power BI
# queries, restores NuGet packages (when a project or props file changed), builds with warnings as errors and
# checks formatting (when a file changed), and runs the xUnit suite (which starts its own Azurite on free ports).
set -euo pipefail
cd "$(dirname "$0")"

bash scripts/npm-ci-if-stale.sh
bash scripts/dotnet-restore-if-stale.sh
node powerbi/check-pq.mjs   # every Power Query file parses with Microsoft's parser
bash scripts/build-if-stale.sh   # Release build, warnings as errors, and the whitespace check
# The test projects' assemblies, run by one test runner, side by side (MaxCpuCount in the run settings): testing
# the solution instead would evaluate every project again and start a runner per test project.
tests=()
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  tests+=("$(dirname "$project")/bin/Release/net10.0/$name.dll")
done
dotnet test "${tests[@]}" --settings tests/test.runsettings --nologo "$@"

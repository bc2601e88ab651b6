#!/usr/bin/env bash
# Builds the solution (Release, warnings as errors) and checks formatting, unless neither can have a different
# outcome: no file of the repository (tracked or not, outside .gitignore) changed since both last passed, the
# outputs are where that build left them, and the SDK and the commit (the assemblies' version names it) are the
# same. A no-change build still evaluates every project (5 to 7 s on the build machine) and the format check
# reads every file (about 4 s).
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=obj/built-from
# The backlinks tool as the tests run it, one process per command: published ReadyToRun (precompiled), it starts in
# about two thirds of the CPU that compiling it at each start takes, which was 7 CPU-seconds of a test run.
tool=artifacts/cli/Backlinks.Cli.dll
inputs() {
  dotnet --version
  git rev-parse HEAD
  git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c '%n %s %y' 2>/dev/null || true
  # A clean, or another build of the outputs (their dates change), means building again.
  find . \( -path ./node_modules -o -path ./.git -o -name bin -o -name obj \) -prune -o -name '*.csproj' -print | LC_ALL=C sort | while read -r project; do
    stat -c '%n %y' "$(dirname "$project")/bin/Release/net10.0/$(basename "$project" .csproj).dll" 2>/dev/null || echo "$project: not built"
  done
  stat -c '%n %y' "$tool" 2>/dev/null || echo "$tool: not published"
}
# Outside a git checkout (an exported tree) nothing tells what changed: always build.
in_git=$(git rev-parse --is-inside-work-tree 2>/dev/null || echo false)
if [[ "$in_git" == true && -f "$stamp" && "$(cat "$stamp")" == "$(inputs | sha256sum | cut -d' ' -f1)" ]]; then
  echo "build-if-stale: nothing changed since the last build and format check passed; both skipped."
  exit 0
fi

# Formatting: code style and analyzer rules are errors in the build below (EnforceCodeStyleInBuild,
# TreatWarningsAsErrors), which is all `dotnet format style|analyzers` would check; whitespace is checked
# file by file, which needs no workspace load, so it runs beside the build.
format_log=$(mktemp)
trap 'rm -f "$format_log"' EXIT
dotnet format whitespace --folder --verify-no-changes --exclude node_modules artifacts '**/obj/**' '**/bin/**' >"$format_log" 2>&1 &
format=$!
dotnet build BacklinksFunctions.sln -c Release --nologo -v quiet --no-restore
# Its own restore: the machine's runtime identifier, which the solution's restore leaves out.
dotnet publish src/Backlinks.Cli -c Release --use-current-runtime --self-contained false -p:PublishReadyToRun=true \
  -o "$(dirname "$tool")" --nologo -v quiet
if ! wait "$format"; then
  cat "$format_log" >&2
  echo "test.sh: formatting differs from the whitespace rules; 'dotnet format whitespace --folder' fixes it." >&2
  exit 1
fi
if [[ "$in_git" == true ]]; then
  mkdir -p obj
  # The outputs' dates are part of the inputs: taken now, after the build wrote them.
  inputs | sha256sum | cut -d' ' -f1 >"$stamp"
fi

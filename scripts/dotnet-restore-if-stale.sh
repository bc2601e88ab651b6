#!/usr/bin/env bash
# dotnet restore, only when what it reads changed (the solution, the projects, the props and targets that
# name packages, NuGet.config, global.json) or a project has no assets file: a no-op restore still evaluates
# every project, over a second of every build. The build after it runs with --no-restore.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=obj/restored-from
mapfile -t inputs < <(find . \( -path ./.git -o -path ./node_modules -o -name bin -o -name obj \) -prune -o \
  \( -name '*.sln' -o -name '*.csproj' -o -name 'Directory.*.props' -o -name 'Directory.*.targets' -o -iname nuget.config -o -name global.json \) \
  -print | LC_ALL=C sort)
wanted=$({ printf '%s\n' "${inputs[@]}"; cat "${inputs[@]}"; } | sha256sum | cut -d' ' -f1)

restored() {
  [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]] || return 1
  local project
  for project in "${inputs[@]}"; do
    if [[ "$project" == *.csproj && ! -f "$(dirname "$project")/obj/project.assets.json" ]]; then
      return 1
    fi
  done
}

if restored; then
  exit 0
fi
dotnet restore BacklinksFunctions.sln --nologo -v quiet
mkdir -p obj
echo "$wanted" >"$stamp"

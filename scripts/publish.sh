#!/usr/bin/env bash
# Builds netlab and netlab-agent for students without the .NET SDK: self-contained single files, one folder per
# runtime, and SHA256SUMS over all of them.
#
#   scripts/publish.sh [--out DIR] [RID ...]
#
# RIDs: linux-x64 linux-arm64 win-x64 osx-arm64 osx-x64 (the default: all five). Output: DIR/RID/netlab[.exe] and
# DIR/RID/netlab-agent[.exe], DIR/SHA256SUMS (check with: cd DIR && sha256sum -c SHA256SUMS). Default DIR: dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist
rids=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) [[ $# -ge 2 ]] || { echo "publish.sh: --out needs a folder" >&2; exit 2; }; out="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    linux-x64|linux-arm64|win-x64|osx-arm64|osx-x64) rids+=("$1"); shift ;;
    *) echo "publish.sh: unknown runtime or option '$1' (runtimes: linux-x64 linux-arm64 win-x64 osx-arm64 osx-x64)" >&2; exit 2 ;;
  esac
done
[[ ${#rids[@]} -eq 0 ]] && rids=(linux-x64 linux-arm64 win-x64 osx-arm64 osx-x64)
mkdir -p "$out"
out=$(cd "$out" && pwd)

for rid in "${rids[@]}"; do
  for project in cli/NetLab.Cli agent/NetLab.Agent; do
    echo "publish.sh: $(basename "$project") for $rid" >&2
    if ! log=$(timeout 900 dotnet publish "$project" -c Release -r "$rid" --self-contained \
        -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:EnableCompressionInSingleFile=true -p:DebugType=none -p:GenerateDocumentationFile=false \
        -o "$out/$rid" --nologo -v q 2>&1); then
      printf '%s\n' "$log" >&2
      echo "publish.sh: publishing $project for $rid failed (the messages are above)" >&2
      exit 1
    fi
  done
  # Single-file publishing leaves only the executables (and, for the agent, nothing else it needs).
  find "$out/$rid" -type f ! -name 'netlab' ! -name 'netlab.exe' ! -name 'netlab-agent' ! -name 'netlab-agent.exe' -delete
done

(cd "$out" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | sort | xargs sha256sum > SHA256SUMS)
echo "publish.sh: done; $(wc -l < "$out/SHA256SUMS") files in $out, checked by: cd $out && sha256sum -c SHA256SUMS" >&2

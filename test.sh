#!/usr/bin/env bash
# Runs the whole test suite: installs the clients the tests drive when missing, then dotnet test.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-tools.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test NetLabCloud.sln --nologo "$@" 2>&1 | tee "$log" || status=$?

# One closing line over every test project: "N passed, N failed".
awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) } }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
exit $status

#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests drive when missing (Debian's classic network clients,
# the pinned AWS CDK CLI), then dotnet test on the solution, one test project after another.
#
#   ./test.sh          everything, as CI runs it (.ci/run)
#   ./test.sh --fast   the inner loop: every test not marked [Trait("Loop", "Slow")] (no root, namespaces,
#                      containers, emulators, browsers or CDK synth), in under two minutes once built
# Further arguments go to dotnet test; with --fast, a --filter is joined to its own (e.g. --filter FullyQualifiedName~Sniffer).
set -euo pipefail
cd "$(dirname "$0")"

fast=0
if [[ ${1:-} == --fast ]]; then
  fast=1
  shift
fi

# The fast loop needs neither the CDK CLI nor the Python AWS tools (cfn-lint, moto): it runs without root, too.
NETLAB_SKIP_AWS_TOOLS=$fast scripts/install-tools.sh
if [[ $fast == 0 ]] && { [[ ! -x node_modules/.bin/cdk ]] || ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null; }; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# jsii leaves ~66 MB in $TMPDIR per process that runs the CDK: this run gets its own, removed at the end.
run_tmp=$(mktemp -d -t netlab-test-XXXXXX)
log=$(mktemp -t netlab-test-log-XXXXXX)
trap 'rm -rf "$run_tmp" "$log"' EXIT
export TMPDIR="$run_tmp"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export CDK_DISABLE_VERSION_CHECK=1
export CDK_DISABLE_CLI_TELEMETRY=true

status=0
# --fast: the filter Loop!=Slow, joined with one given after it (--filter X becomes "Loop!=Slow&(X)").
args=()
slow_out="Loop!=Slow"
while [[ $# -gt 0 ]]; do
  if [[ $fast == 1 && $1 == --filter && $# -gt 1 ]]; then
    slow_out="Loop!=Slow&($2)"
    shift 2
  else
    args+=("$1")
    shift
  fi
done
if [[ $fast == 1 ]]; then
  args+=(--filter "$slow_out")
fi
dotnet test NetLabCloud.sln --nologo -m:1 "${args[@]}" 2>&1 | tee "$log" || status=$?

# One closing line over every test project: "N passed, N failed". A run in which no test ran is a failure.
summary=$(awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) } }
     END { printf "%d passed, %d failed\n", p, f }' "$log")
echo "$summary"
if [[ $summary == "0 passed, 0 failed" ]]; then
  echo "test.sh: no test ran (see dotnet test's output above)" >&2
  [[ $status != 0 ]] || status=1
fi
exit $status

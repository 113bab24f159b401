# Shared by the bench/ scripts: install peers, build, start and stop servers, medians, result records.
# Every server binds 127.0.0.1; every loop is bounded.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
PY=/usr/bin/python3                      # Debian's, where python3-flask lives
ROUNDS=${ROUNDS:-3}                      # a script that wants another default sets it before sourcing this
RESULTS=${RESULTS:-}                     # bench/all sets this: every figure is also appended there
WORK=$(mktemp -d -t netlab-bench-XXXXXX)
export SEND_FILE="$WORK/zeros"           # tools.py send's 1 MiB page-cached source
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

install_peers() {
  "$REPO/scripts/install-tools.sh" wrk iperf3 nginx-light python3-flask procps
}

quietly() { # command...: runs it with its output kept; on failure, shows the output and stops the benchmark
  local log="$WORK/quietly.log"
  if ! "$@" >"$log" 2>&1; then
    echo "bench: failed: $*" >&2
    grep -E ": error |error [A-Z]+[0-9]+" "$log" >&2 || tail -40 "$log" >&2
    exit 1
  fi
}

build() {
  echo "building (Release)..." >&2
  quietly dotnet build "$REPO/cli/NetLab.Cli" -c Release --nologo
  AGENT_DLL="$REPO/agent/NetLab.Agent/bin/Release/net10.0/netlab-agent.dll"
  NETLAB_DLL="$REPO/cli/NetLab.Cli/bin/Release/net10.0/netlab.dll"
}

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() { # port [seconds]: waits for a listener without connecting (ncat -l, socat, iperf3 -1 take one client)
  local deadline=$((SECONDS + ${2:-20}))
  until ss -ltnH "sport = :$1" | grep -q .; do
    [[ $SECONDS -lt $deadline ]] || { echo "nothing listened on $1" >&2; return 1; }
    sleep 0.05
  done
}

start_agent() { # port [extra agent options...]; sets AGENT_PID
  local port=$1; shift
  # The GC settings of the agent's systemd unit (infra/NetLab.Infra/Host/SystemdUnits.cs).
  DOTNET_gcServer=0 DOTNET_GCgen0size=0x200000 dotnet "$AGENT_DLL" --bind 127.0.0.1 --port "$port" --data-dir "$WORK/agent-$port" "$@" >"$WORK/agent-$port.log" 2>&1 &
  AGENT_PID=$!; PIDS+=("$AGENT_PID")
  wait_port "$port"
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan" } else if (NR % 2) { print v[(NR + 1) / 2] } else { print (v[NR / 2] + v[NR / 2 + 1]) / 2 } }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "nan"; else printf "%.2f", a / b }'; }

record() { # key value: print, and keep for bench/all
  printf '%-44s %s\n' "$1" "$2"
  [[ -z "$RESULTS" ]] || printf '%s\t%s\n' "$1" "$2" >> "$RESULTS"
}

goal() { # name value op target: PASS/MISS line
  local verdict
  verdict=$(awk -v v="$2" -v t="$4" -v op="$3" 'BEGIN { if (v == "" || v == "nan") { print "MISSED (no figure)"; exit } ok = (op == ">=") ? v + 0 >= t : v + 0 <= t; print ok ? "met" : "MISSED" }')
  record "goal: $1 ($3 $4)" "$2 $verdict"
}

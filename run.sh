#!/usr/bin/env bash
# Sets up and runs NetLabCloud on this machine: installs the classic clients, builds the agent, starts
# it on 127.0.0.1, and walks through every exercise of the tutorial with the tool it names, showing the
# command and what came back. Every step is announced and bounded (20 s); a step that fails or runs out
# of time says so, and the walk goes on. On a terminal the agent then keeps running for you to try things.
#
#   ./run.sh [--port N] [--keep-running | --no-keep-running]
set -euo pipefail
cd "$(dirname "$0")"

port=11211
keep=auto
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port)
      [[ $# -ge 2 && $2 =~ ^[0-9]+$ && $2 -ge 1 && $2 -le 65535 ]] || { echo "run.sh: --port needs a port, 1-65535 (e.g. --port 11211)" >&2; exit 2; }
      port="$2"; shift 2 ;;
    --keep-running) keep=yes; shift ;;
    --no-keep-running) keep=no; shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (usage: ./run.sh [--port N] [--keep-running | --no-keep-running])" >&2; exit 2 ;;
  esac
done
[[ $keep == auto ]] && { [[ -t 0 && -t 1 ]] && keep=yes || keep=no; }
started=$SECONDS

echo "== checking the classic clients (nc, ncat, telnet, openssl, curl, wget)"
scripts/install-tools.sh

echo "== building netlab-agent (Release)"
# Quiet when it builds; when it does not, everything the build said, and stop.
if ! build_log=$(timeout 600 dotnet build agent/NetLab.Agent -c Release --nologo -v quiet 2>&1); then
  printf '%s\n' "$build_log" >&2
  echo "run.sh: building netlab-agent failed (the build's messages are above)" >&2
  exit 1
fi

work=$(mktemp -d)
log="$work/agent.log"
echo "== starting netlab-agent on 127.0.0.1:$port"
dotnet agent/NetLab.Agent/bin/Release/net10.0/netlab-agent.dll --bind 127.0.0.1 --port "$port" --data-dir "$work/data" >"$log" 2>&1 &
agent=$!
cleanup() { kill "$agent" 2>/dev/null || true; wait "$agent" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 100); do
  grep -q "Ready." "$log" && break
  kill -0 "$agent" 2>/dev/null || { echo "run.sh: netlab-agent exited at start:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.1
done
grep -q "Ready." "$log" || { echo "run.sh: netlab-agent did not start within 10 s:" >&2; cat "$log" >&2; exit 1; }
grep -E "listening on|^certificate SHA-256" "$log" | sed 's/^/  /'

host=127.0.0.1
limit=20
steps=0
failed=()
current=""
step() { current="$1"; steps=$((steps + 1)); printf '\n== %s\n' "$1"; }

# Shows a command and what came back, indented. Each gets $limit seconds: a client that waits for something
# that never comes is stopped and named, instead of the walk sitting silent.
show() {
  printf '$ %s\n' "$1"
  local rc=0
  timeout --kill-after=2 "$limit" bash -c "$1" 2>&1 | sed 's/^/  /' || rc=$?
  if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    printf '  ! no end within %s s: stopped\n' "$limit"
    failed+=("$current (timed out)")
  elif [[ $rc -ne 0 ]]; then
    printf '  ! exit status %s\n' "$rc"
    failed+=("$current (exit $rc)")
  fi
}

step "1. Pipe vs socket: a pipe on one host, then a socket to the agent"
show "printf 'hello world\nworld\n' > $work/text.txt; cat $work/text.txt | grep hello"
show "printf 'hello\nq\n' | nc -q1 $host $port"

step "2. TLS: ncat -C --ssl (plain nc gets the text session too: the agent sniffs each connection)"
show "(sleep 0.5; printf 'hello over TLS\nq\n') | ncat -C --ssl $host $port"

step "2. UDP: every datagram echoed"
show "echo 'hello over UDP' | nc -u -w1 $host $port"

step "2. IPv4 and DNS: this host's name, addresses and resolver"
show "hostname; ip -4 -brief addr; grep ^nameserver /etc/resolv.conf || true; getent hosts localhost"

step "2. 'ncat --sh-exec \"echo Successfully Connected\"': the banner"
show "(sleep 0.5) | ncat $host $port | head -1"

step "2. File transfer: /recv arms the agent, ncat --send-only sends, /sha256 checks"
show "echo Hello > $work/inputfile; (printf '/recv outputfile\n'; sleep 1.5; printf '/cat outputfile\n/sha256 outputfile\nq\n') | nc -q2 $host $port & sleep 0.7; ncat --send-only $host $port < $work/inputfile; wait; sha256sum $work/inputfile"

step "2. The silly chatter: What? for everything, q quits"
show "printf 'how are you?\nwhat is TCP?\nq\n' | nc -q1 $host $port"

# Connection: close in the typed requests: the agent closes after its answer, so the client ends there
# (HTTP/1.1 keeps a connection open otherwise, and openssl -quiet would wait for it to time out).
step "3. HTTP typed in telnet after the banner (and after a line of chatter: still HTTP)"
show "(sleep 1; printf 'hello\n'; sleep 0.5; printf 'GET / HTTP/1.1\nHost: localhost\nConnection: close\n\n'; sleep 1) | telnet $host $port || true"

step "3. GET / HTTPS/1.1 in telnet: 400 Bad Request"
show "(sleep 1; printf 'GET / HTTPS/1.1\nHost: localhost\nConnection: close\n\n'; sleep 1) | telnet $host $port || true"

step "3. HTTPS with openssl s_client, then a typed GET"
show "(sleep 1; printf 'GET /index/Adam HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n') | openssl s_client -quiet -connect $host:$port"

step "3. curl and wget (and curl -k for HTTPS: the certificate is self-signed)"
show "curl -s http://$host:$port/; wget -qO- http://$host:$port/index/Adam; curl -sk https://$host:$port/data?format=csv"

step "3. HTTP status codes"
show "curl -si http://$host:$port/redirect | grep -iE '^(HTTP/|Location:)'; curl -s -o /dev/null -w '%{http_code}\n' http://$host:$port/status/404; curl -s http://$host:$port/data?format=idontknow"

step "4. The Flask pages: /, /index, /index/<name>, /data?format="
show "curl -s http://$host:$port/index | head -6; curl -s http://$host:$port/data?format=json; echo"

step "7. Remote: the same commands work against a cloud host running netlab-agent on port 11211"
echo "  see docs/aws.md"

echo
if [[ ${#failed[@]} -gt 0 ]]; then
  printf 'run.sh: %s steps in %s s; %s did not finish cleanly:\n' "$steps" "$((SECONDS - started))" "${#failed[@]}"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
printf 'run.sh: all %s steps done in %s s\n' "$steps" "$((SECONDS - started))"

if [[ $keep == yes ]]; then
  printf '\nThe agent keeps running on %s:%s. Try: nc %s %s, or in a browser https://%s:%s/index (accept its self-signed certificate once). Ctrl+C stops it.\n' "$host" "$port" "$host" "$port" "$host" "$port"
  wait "$agent"
fi

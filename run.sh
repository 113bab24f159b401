#!/usr/bin/env bash
# Sets up and runs NetLabCloud on this machine: installs the classic clients, builds the agent, starts
# it on 127.0.0.1, and walks through every exercise of the tutorial with the tool it names, showing the
# command and what came back. On a terminal the agent then keeps running for you to try things by hand.
#
#   ./run.sh [--port N] [--keep-running | --no-keep-running]
set -euo pipefail
cd "$(dirname "$0")"

port=11211
keep=auto
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --keep-running) keep=yes; shift ;;
    --no-keep-running) keep=no; shift ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ $keep == auto ]] && { [[ -t 0 && -t 1 ]] && keep=yes || keep=no; }

scripts/install-tools.sh
echo "== building netlab-agent"
dotnet build agent/NetLab.Agent -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null

work=$(mktemp -d)
log="$work/agent.log"
dotnet agent/NetLab.Agent/bin/Release/net10.0/netlab-agent.dll --bind 127.0.0.1 --port "$port" --data-dir "$work/data" >"$log" 2>&1 &
agent=$!
cleanup() { kill "$agent" 2>/dev/null || true; wait "$agent" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 100); do
  grep -q "Ready." "$log" && break
  kill -0 "$agent" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
grep -q "Ready." "$log" || { echo "netlab-agent did not start:" >&2; cat "$log" >&2; exit 1; }
head -2 "$log"

host=127.0.0.1
step() { printf '\n== %s\n' "$1"; }
show() { printf '$ %s\n' "$1"; bash -c "$1" 2>&1 | sed 's/^/  /'; }

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

step "3. HTTP typed in telnet after the banner"
show "(sleep 1; printf 'GET / HTTP/1.1\nHost: localhost\n\n'; sleep 1) | telnet $host $port"

step "3. GET / HTTPS/1.1 in telnet: 400 Bad Request"
show "(sleep 1; printf 'GET / HTTPS/1.1\nHost: localhost\n\n'; sleep 1) | telnet $host $port"

step "3. HTTPS with openssl s_client, then a typed GET"
show "(sleep 1; printf 'GET /index/Adam HTTP/1.1\r\nHost: localhost\r\n\r\n'; sleep 1) | openssl s_client -quiet -connect $host:$port"

step "3. curl and wget (and curl -k for HTTPS: the certificate is self-signed)"
show "curl -s http://$host:$port/; wget -qO- http://$host:$port/index/Adam; curl -sk https://$host:$port/data?format=csv"

step "3. HTTP status codes"
show "curl -si http://$host:$port/redirect | head -3; curl -s -o /dev/null -w '%{http_code}\n' http://$host:$port/status/404; curl -s http://$host:$port/data?format=idontknow"

step "4. The Flask pages: /, /index, /index/<name>, /data?format="
show "curl -s http://$host:$port/index | head -6; curl -s http://$host:$port/data?format=json; echo"

step "7. Remote: the same commands work against a cloud host running netlab-agent on port 11211"
echo "  see the README's AWS section"

if [[ $keep == yes ]]; then
  printf '\nThe agent keeps running on %s:%s. Try: nc %s %s   (Ctrl+C stops it)\n' "$host" "$port" "$host" "$port"
  wait "$agent"
fi

#!/usr/bin/env bash
# The AWS path of NetLabCloud (cdk bootstrap, netlab up, status, start, down) rehearsed against an emulated AWS:
# moto 5.2.1 with the patches in tests/aws/netlab_moto.py, inside a network namespace of its own with loopback only,
# so nothing can reach AWS or the internet. One line per step, PASS or FAIL with what it saw, and the step's time.
#
# Usage: scripts/rehearse-aws.sh          (as root, or where unprivileged user namespaces are allowed)
# Exit status: 0 when every step passed; 1 when one failed (named on the last line); 2 when moto 5.2.1 is missing.
#
# Prerequisites (./test.sh has done them): npm ci (the CDK CLI in node_modules), a dotnet restore and build of the
# solution (cli/NetLab.Cli and agent/NetLab.Agent binaries under bin/Debug), and the linux-x64 runtime packs in the
# NuGet cache (the stack's synth publishes the agent self-contained for linux-x64); moto[server]==5.2.1 (with boto3)
# for a python3 on PATH or under pyenv. After that it needs no network at all.
# NETLAB_AGENT_BINARY=/path/to/file ships that file instead of publishing the agent (quicker; not what CI runs).
# NETLAB_MOTO_SKIP=patch,... leaves patches of tests/aws/netlab_moto.py out: the step that needs one then fails.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly repo public_range=198.18.100.0/24 cidr=198.51.100.7/32 region=us-east-1 account=123456789012 moto_pin=5.2.1

# moto: python3 if it has moto 5.2.1, else pyenv's.
if [[ -z "${NETLAB_REHEARSAL_PYTHON:-}" ]]; then
  pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
  for candidate in "$(command -v python3 || true)" "$pyenv_root/shims/python3" "$pyenv_root"/versions/*/bin/python3 "$repo/.build/aws-tools/bin/python3"; do
    [[ -n "$candidate" && -x "$candidate" ]] || continue
    if "$candidate" -c "import sys, moto, boto3, werkzeug; sys.exit(moto.__version__ != '$moto_pin')" >/dev/null 2>&1; then
      export NETLAB_REHEARSAL_PYTHON=$candidate
      break
    fi
  done
  if [[ -z "${NETLAB_REHEARSAL_PYTHON:-}" ]]; then
    echo "rehearse-aws: needs moto $moto_pin (with its server and boto3) for python3: pip install \"moto[server]==$moto_pin\"" >&2
    exit 2
  fi
fi
python=$NETLAB_REHEARSAL_PYTHON

# A network namespace of its own: loopback only, and moto's public range made local on it.
if [[ "${NETLAB_REHEARSAL_NETNS:-}" != 1 ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    exec env NETLAB_REHEARSAL_NETNS=1 unshare -n -- bash "${BASH_SOURCE[0]}" "$@"
  fi
  exec env NETLAB_REHEARSAL_NETNS=1 unshare -rn -- bash "${BASH_SOURCE[0]}" "$@"
fi
ip link set lo up
ip route replace local "$public_range" dev lo
if [[ -n "$(ip -o link show | grep -v ': lo:' || true)" || -n "$(ip route show default)" ]]; then
  echo "rehearse-aws: this network namespace has more than loopback; refusing to run:" >&2
  ip -o link show >&2
  exit 1
fi

# Traffic to 198.18 addresses only when each stays on loopback here (ip route get ADDR: "local ADDR dev lo ...").
local_only() {
  local address kind dev iface rest
  local -A stays=()
  while read -r kind address dev iface rest; do
    [[ "$kind $dev $iface" == "local dev lo" ]] && stays[$address]=1
  done < <(printf 'route get %s\n' "$@" | ip -o -batch - 2>&1 || true)
  for address in "$@"; do
    if [[ -z "${stays[$address]:-}" ]]; then
      echo "refusing to send to $address: it does not stay on loopback here (ip route get $address: $(ip -o route get "$address" 2>&1))"
      return 1
    fi
  done
}

work=$(mktemp -d -t netlab-rehearsal.XXXXXX)
export TMPDIR=$work
moto_pid="" agent_pid=""
context="$repo/cdk.context.json"
[[ -f "$context" ]] && cp "$context" "$work/cdk.context.json.before"
cleanup() {
  [[ -n "$agent_pid" ]] && kill "$agent_pid" 2>/dev/null || true
  [[ -n "$moto_pid" ]] && kill "$moto_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  # cdk deploy caches the emulated account's zone lookup in cdk.context.json: leave the file as it was.
  if [[ -f "$work/cdk.context.json.before" ]]; then cp "$work/cdk.context.json.before" "$context"; else rm -f "$context"; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Emulated AWS only: fake credentials, no profile or config of the machine's.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_REGION=$region AWS_DEFAULT_REGION=$region
export AWS_CONFIG_FILE=$work/aws-config AWS_SHARED_CREDENTIALS_FILE=$work/aws-credentials
unset AWS_PROFILE AWS_ENDPOINT_URL_EC2 AWS_ENDPOINT_URL_CLOUDFORMATION AWS_ENDPOINT_URL_S3 CDK_DEFAULT_ACCOUNT CDK_DEFAULT_REGION
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The synth restores (the app, and the agent for linux-x64) from the local NuGet cache alone (the prerequisites above):
# no package source at all, so a restore never tries nuget.org, which this namespace cannot reach; and no vulnerability
# audit, which would (the solution's own build audits with the network).
cat >"$work/nuget.config" <<'NUGET'
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
  </packageSources>
</configuration>
NUGET
export RestoreConfigFile=$work/nuget.config NuGetAudit=false

netlab=$repo/cli/NetLab.Cli/bin/Debug/net10.0/netlab
agent=$repo/agent/NetLab.Agent/bin/Debug/net10.0/netlab-agent
cd "$repo"

# step NAME FUNCTION: runs it with its output in a log; one line with PASS or FAIL, what it saw ($saw), its time.
total_start=$SECONDS
saw=""
step() {
  local name=$1 started=$SECONDS status=0
  saw=""
  "$2" >"$work/$name.log" 2>&1 || status=$?
  local took=$((SECONDS - started))
  if [[ $status -eq 0 ]]; then
    printf 'PASS %-10s %4ss  %s\n' "$name" "$took" "$saw"
    return
  fi
  printf 'FAIL %-10s %4ss  %s\n' "$name" "$took" "${saw:-exit $status}"
  echo "---- $name: the last lines of its output" >&2
  tail -n 25 "$work/$name.log" | sed 's/^/  | /' >&2
  if [[ -f "$work/moto.log" ]]; then
    echo "---- moto's last errors" >&2
    grep -v '" 200 -$' "$work/moto.log" | tail -n 10 | sed 's/^/  | /' >&2 || true
  fi
  echo "rehearse-aws: FAILED at step '$name' after $((SECONDS - total_start)) s" >&2
  exit 1
}

# A command with its own TMPDIR (jsii leaves ~66 MB in it per CDK run), removed afterwards.
own_tmp() {
  local tmp status=0
  tmp=$(mktemp -d)
  TMPDIR=$tmp "$@" || status=$?
  rm -rf "$tmp"
  return $status
}

emulator() {
  port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$python" "$repo/tests/aws/netlab_moto.py" "$port" >"$work/moto.log" 2>&1 &
  moto_pid=$!
  listening "$port" "$moto_pid" "$work/moto.log" moto || return 1
  export AWS_ENDPOINT_URL=http://127.0.0.1:$port
  saw="moto $moto_pin + tests/aws/netlab_moto.py on $AWS_ENDPOINT_URL${NETLAB_MOTO_SKIP:+ (patches left out: $NETLAB_MOTO_SKIP)}"
}

# Waits (30 s at most) until 127.0.0.1:PORT accepts a connection; fails, saying why, when PID exits first.
listening() {
  local port=$1 pid=$2 log=$3 what=$4
  for _ in $(seq 60); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { saw="$what exited: $(tail -n 1 "$log")"; return 1; }
    sleep 0.5
  done
  saw="$what did not listen on 127.0.0.1:$port within 30 s"
  return 1
}

bootstrap() {
  # npx cdk, run outside the repository: in it, the CLI would synthesize the app (publish the agent) for nothing.
  mkdir -p "$work/bootstrap"
  (cd "$work/bootstrap" && own_tmp timeout 240 "$repo/node_modules/.bin/cdk" bootstrap "aws://$account/$region" --no-notices) ||
    { saw="cdk bootstrap failed"; return 1; }
  saw="CDKToolkit in aws://$account/$region"
}

up() {
  local status=0
  own_tmp timeout 600 "$netlab" up --cidr "$cidr" --region "$region" >"$work/up.out" 2>&1 || status=$?
  cat "$work/up.out"
  [[ $status -eq 0 ]] || { saw="netlab up exited $status"; return 1; }
  local label missing=()
  for label in "public IP" "public DNS" "connect" "ssh key" "ssh" "cost ceiling"; do
    grep -q "^  $label  *[^ ]" "$work/up.out" || missing+=("$label")
  done
  public_ip=$(sed -n 's/^  public IP  *//p' "$work/up.out")
  [[ ${#missing[@]} -eq 0 ]] || { saw="outputs missing: ${missing[*]}"; return 1; }
  saw="outputs: public IP $public_ip, $(grep -o 'netlab connect [^ ]* --port [0-9]*' "$work/up.out" | head -n 1), ssh key from SSM /ec2/keypair/$(grep -o 'keypair/key-[0-9a-f]*' "$work/up.out" | head -n 1 | cut -d/ -f2)"
}

ec2_host() {
  local status=0
  "$python" tests/aws/check_lab.py host "$cidr" >"$work/host.out" 2>&1 || status=$?
  cat "$work/host.out"
  read -r _ instance public_ip < <(grep '^instance ' "$work/host.out" || true)
  [[ $status -eq 0 && -n "${instance:-}" ]] || { saw="$(grep -m1 FAIL "$work/host.out" || tail -n 1 "$work/host.out")"; return 1; }
  saw="$instance in the stack's subnet, lab SG alone (22/tcp, 11211/tcp+udp from $cidr only), IMDSv2 required, lab tags, key in SSM, $public_ip"
}

status() {
  timeout 60 "$netlab" status --region "$region" --json >"$work/status.json" || { saw="netlab status failed"; return 1; }
  cat "$work/status.json"
  saw=$("$python" - "$work/status.json" "$instance" <<'EOF'
import json, sys
doc, wanted = json.load(open(sys.argv[1])), sys.argv[2]
mine = [i for i in doc["instances"] if i["id"] == wanted]
if len(doc["instances"]) != 1 or not mine or mine[0]["state"] != "running" or not mine[0]["maxHours"] or not mine[0]["ceilingAt"]:
    print(f"expected {wanted} alone, running, with a ceiling; listed {doc['instances']}")
    sys.exit(1)
print(f"{wanted} running at {mine[0]['publicIp']}, ceiling {mine[0]['maxHours']} h: AWS stops it at {mine[0]['ceilingAt']}")
print(mine[0]["launchTime"], file=open(sys.argv[1] + ".launch", "w"))
EOF
) || return 1
  launched=$(cat "$work/status.json.launch")
}

stop() {
  "$python" tests/aws/check_lab.py stop "$instance" || { saw="EC2 did not stop $instance"; return 1; }
  sleep 1 # EC2's launch times count seconds: the start's must differ from the first launch's
  saw="EC2 stop-instances: $instance stopped (it was at $public_ip)"
}

agent_up() {
  [[ -x "$agent" ]] || { saw="no agent binary at $agent (dotnet build agent/NetLab.Agent)"; return 1; }
  mkdir -p "$work/agent-data"
  "$agent" --bind 0.0.0.0 --port 11211 --data-dir "$work/agent-data" >"$work/agent.out" 2>&1 &
  agent_pid=$!
  listening 11211 "$agent_pid" "$work/agent.out" netlab-agent || return 1
  saw="netlab-agent on 0.0.0.0:11211 in the namespace (pid $agent_pid)"
}

start() {
  # netlab start sends to the address EC2 gives at the start: any of those moto hands out (198.18.100.10-254), all
  # of them local here, checked one by one before it runs.
  local_only $(seq -f '198.18.100.%g' 10 254) || { saw="$(tail -n 1 "$work/start.log")"; return 1; }
  local status=0
  timeout 120 "$netlab" start --instance "$instance" --region "$region" --timeout 60 >"$work/start.out" 2>&1 || status=$?
  cat "$work/start.out"
  [[ $status -eq 0 ]] || { saw="netlab start exited $status: $(tail -n 1 "$work/start.out")"; return 1; }
  local new_ip
  new_ip=$(sed -n 's/^.* is up at \([0-9.]*\) after .*$/\1/p' "$work/start.out")
  local_only "$new_ip" || { saw="$new_ip is not local"; return 1; }
  [[ -n "$new_ip" && "$new_ip" != "$public_ip" ]] || { saw="no new public address (was $public_ip, now ${new_ip:-none})"; return 1; }
  timeout 60 "$netlab" status --region "$region" --json >"$work/status2.json" || { saw="netlab status failed"; return 1; }
  local verdict
  verdict=$("$python" - "$work/status2.json" "$instance" "$new_ip" "$launched" 2>&1 <<'EOF'
import datetime, json, sys
doc, wanted, ip, first = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
host = next(i for i in doc["instances"] if i["id"] == wanted)
when = lambda text: datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
if host["state"] != "running" or host["publicIp"] != ip or not when(host["launchTime"]) > when(first):
    sys.exit(f"netlab status says {host}: wanted running at {ip}, launched at this start (after the first launch, {first})")
EOF
) || { saw="after the start: $verdict"; return 1; }
  saw="netlab start: $instance running at a new address $new_ip (was $public_ip), the agent answered there; status counts its ceiling from this start"
  public_ip=$new_ip
}

down() {
  local status=0
  own_tmp timeout 300 "$netlab" down --yes --region "$region" >"$work/down.out" 2>&1 || status=$?
  cat "$work/down.out"
  [[ $status -eq 0 ]] || { saw="netlab down exited $status: $(grep -m1 -E '❌|NOT clean|failed' "$work/down.out" || tail -n 1 "$work/down.out")"; return 1; }
  saw="$(tail -n 1 "$work/down.out")"
}

gone() {
  "$python" tests/aws/check_lab.py gone || { saw="$(grep -m1 FAIL "$work/gone.log")"; return 1; }
  saw="no NetLabCloud stack, no lab instance (terminated), no VPC but the default, no internet gateway, no key pair or its private key"
}

step emulator emulator
step bootstrap bootstrap
step up up
step ec2-host ec2_host
step status status
step stop stop
step agent agent_up
step start start
step down down
step gone gone
echo "rehearse-aws: all steps passed in $((SECONDS - total_start)) s (moto $moto_pin, network namespace with loopback only)"

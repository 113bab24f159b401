#!/usr/bin/env bash
# The agent as a small cloud host starts it, each start fresh and followed at once by netlab connect (issue 20):
#   arm64  the linux-arm64 agent (Graviton, t4g) under qemu-aarch64-static, with an arm64 Debian root for its libraries;
#   x64    the linux-x64 agent held to a t3.micro's baseline with no CPU credits left: 20% of one CPU (2 vCPUs at 10%).
# Both are the binary the stack ships (self-contained, single file, ReadyToRun; published as infra's AgentBinary does).
# Each start has a new data dir (a new certificate) and a free port; netlab connect (13 exercises) starts the moment
# the agent prints Ready, and the start passes with 13/13 and no Error in the agent's log. One line per start, then a
# summary per platform.
#
# Usage: scripts/rehearse-arm64.sh [--arm64-starts N] [--x64-starts N] [--x64-cpu PERCENT] [--netlab FILE] [--keep-wx]
#   --arm64-starts  fresh starts under qemu (20, as issue 20 asks); 0 skips them
#   --x64-starts    fresh throttled starts of the x64 agent (5: the control, which never failed); 0 skips them
#   --x64-cpu       the x64 agent's share of one CPU, in percent (20)
#   --netlab FILE   the netlab to run (a netlab.dll, run with dotnet, or an executable); default: built here, Release
#   --keep-wx       leave .NET's W^X on under qemu, to see what it does there (below)
# Exit status: 0 when every start passed; 1 when one failed; 2 when a prerequisite is missing (qemu-user-static,
# debootstrap for the first arm64 root, a cgroup or systemd to throttle with).
#
# The arm64 root: Debian bookworm's runtime libraries for .NET (libc6, libgcc-s1, libstdc++6, libssl3, libicu72,
# zlib1g and what they depend on), downloaded by debootstrap --download-only and unpacked with dpkg-deb -x, never by
# adding arm64 to this machine's dpkg architectures. It is made once (about 40 s) and cached as a tarball in
# .build/boot/ (or $NETLAB_ROOTFS_CACHE), named with a hash of the package list, as the boot rehearsal caches its
# root; the mirror is $NETLAB_DEBIAN_MIRROR, else the machine's own Debian mirror, else deb.debian.org.
#
# W^X under qemu: .NET writes new code through a second, writable mapping of its executable memory. qemu-user finds
# code that changed only by watching writes to the pages it translated, so it never sees those writes and can run an
# old translation of memory .NET has written again. Issue 20's silent 500s were that: the DI resolver routing calls
# to build the route table, compiled in the background, ran code other than its own (NullReferenceException), and DI
# keeps a compiled resolver for good. .NET turns W^X off itself where it knows the emulator cannot follow it
# (Rosetta); under qemu it cannot tell, so the rehearsal does, with DOTNET_EnableWriteXorExecute=0 for qemu only.
# Real arm64 hardware follows the second mapping, and the deployed agent keeps W^X.
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) stops the script too

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly repo suite=bookworm
readonly arm64_packages=(libc6 libgcc-s1 libstdc++6 libssl3 libicu72 zlib1g)
readonly ready_timeout=90 connect_timeout=120

arm64_starts=20 x64_starts=5 x64_cpu=20 netlab="" keep_wx=0
usage() { sed -n '10,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
number() { [[ "$2" =~ ^[0-9]+$ ]] || { echo "rehearse-arm64: $1: '$2' is not a number" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --arm64-starts) number "$1" "${2:-}"; arm64_starts=$2; shift 2 ;;
    --x64-starts) number "$1" "${2:-}"; x64_starts=$2; shift 2 ;;
    --x64-cpu) number "$1" "${2:-}"; x64_cpu=$2; shift 2 ;;
    --netlab) netlab=${2:?--netlab needs a file}; shift 2 ;;
    --keep-wx) keep_wx=1; shift ;;
    *) usage ;;
  esac
done
(( x64_cpu >= 1 && x64_cpu <= 100 )) || { echo "rehearse-arm64: --x64-cpu: give a percentage from 1 to 100" >&2; exit 2; }

for tool in dotnet jq; do
  command -v "$tool" >/dev/null || { echo "rehearse-arm64: needs $tool (scripts/install-tools.sh installs it)" >&2; exit 2; }
done
if (( arm64_starts > 0 )) && ! command -v qemu-aarch64-static >/dev/null; then
  echo "rehearse-arm64: needs qemu-aarch64-static: apt-get install qemu-user-static (scripts/install-tools.sh does)" >&2
  exit 2
fi

work=$(mktemp -d -t netlab-rehearse-arm64-XXXXXX)
agent_pid="" cgroup=""
cleanup() {
  [[ -n "$agent_pid" ]] && kill -KILL "$agent_pid" 2>/dev/null
  [[ -n "$cgroup" ]] && rmdir "$cgroup" 2>/dev/null
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
seconds() { printf '%d.%d' $(( $1 / 1000 )) $(( $1 % 1000 / 100 )); }

# --- the arm64 root -------------------------------------------------------------------------------------------------

mirror() {
  if [[ -n "${NETLAB_DEBIAN_MIRROR:-}" ]]; then echo "$NETLAB_DEBIAN_MIRROR"; return; fi
  local uri
  uri=$(cat /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null \
    | sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' -e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\(http[^[:space:]]*\).*/\2/p' \
    | grep -m1 '/debian/\{0,1\}$' || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

# Unpacks each listed package and what it depends on (as far as the download holds them) into $2.
unpack_closure() {
  local archives=$1 root=$2 package deb
  local -a queue=("${arm64_packages[@]}")
  local -A seen=()
  while [[ ${#queue[@]} -gt 0 ]]; do
    package=${queue[0]}; queue=("${queue[@]:1}")
    [[ -n "${seen[$package]:-}" ]] && continue
    seen[$package]=1
    deb=$(compgen -G "$archives/${package}_*_arm64.deb" | head -1 || true)
    [[ -z "$deb" ]] && deb=$(compgen -G "$archives/${package}_*_all.deb" | head -1 || true)
    [[ -z "$deb" ]] && { echo "rehearse-arm64: debootstrap downloaded no $package" >&2; return 1; }
    dpkg-deb -x "$deb" "$root"
    # "libgcc-s1 (>= 3.0), libc6 | libc6.1" -> libgcc-s1 libc6 (the first of alternatives)
    while read -r dep; do [[ -n "$dep" ]] && queue+=("$dep"); done < <(dpkg-deb -f "$deb" Depends Pre-Depends \
      | sed -e 's/^[A-Za-z-]*: //' | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/[[:space:]]//g')
  done
}

arm64_tarball() {
  local cache=${NETLAB_ROOTFS_CACHE:-$repo/.build/boot} list key tarball
  list=$(IFS=,; echo "${arm64_packages[*]}")
  key=$(printf '%s' "$suite arm64 runtime-libraries $list" | sha256sum | cut -c1-12)
  tarball=$cache/$suite-arm64-$key.tar.gz
  mkdir -p "$cache"
  (
    flock -w 1200 9 || { echo "rehearse-arm64: another run holds $cache/.arm64.lock" >&2; exit 1; }
    [[ -f "$tarball" ]] && exit 0
    command -v debootstrap >/dev/null || { echo "rehearse-arm64: needs debootstrap to make the arm64 root once: apt-get install debootstrap" >&2; exit 2; }
    local make=$work/make-root site
    site=$(mirror)
    echo "rehearse-arm64: making the arm64 root once ($list from $site; cached as $tarball)" >&2
    timeout 900 debootstrap --arch=arm64 --variant=minbase --download-only --include="$list" "$suite" "$make/download" "$site" \
      > "$work/debootstrap.log" 2>&1 || { echo "rehearse-arm64: debootstrap failed:" >&2; tail -20 "$work/debootstrap.log" >&2; exit 1; }
    mkdir -p "$make/root"
    unpack_closure "$make/download/var/cache/apt/archives" "$make/root"
    rm -rf "$make/root/usr/share" # documentation only: the libraries are under lib/ and usr/lib/
    tar -C "$make/root" --numeric-owner -czf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    rm -rf "$make"
  ) 9>"$cache/.arm64.lock"
  echo "$tarball"
}

# --- building -------------------------------------------------------------------------------------------------------

# The agent as infra/NetLab.Infra/Host/AgentBinary.cs publishes it for the stack.
publish_agent() {
  local rid=$1 out=$repo/.build/agent/$1/publish t0
  t0=$(now_ms)
  timeout 600 dotnet publish "$repo/agent/NetLab.Agent/NetLab.Agent.csproj" -c Release -r "$rid" --self-contained \
    -p:PublishSingleFile=true -p:PublishReadyToRun=true -p:DebugType=none -o "$out" --nologo -v quiet >&2
  echo "rehearse-arm64: published the agent for $rid in $(( ($(now_ms) - t0) / 1000 )) s" >&2
  echo "$out/netlab-agent"
}

netlab_command() {
  if [[ -z "$netlab" ]]; then
    timeout 600 dotnet build "$repo/cli/NetLab.Cli/NetLab.Cli.csproj" -c Release -o "$repo/.build/rehearse/netlab" --nologo -v quiet >&2
    netlab=$repo/.build/rehearse/netlab/netlab.dll
  fi
  [[ -f "$netlab" ]] || { echo "rehearse-arm64: no netlab at $netlab" >&2; exit 2; }
  if [[ "$netlab" == *.dll ]]; then echo "dotnet $netlab"; else echo "$netlab"; fi
}

# --- the throttle ---------------------------------------------------------------------------------------------------

# Sets launcher_x64 to a command prefix that runs its command with x64_cpu% of one CPU: a cgroup of its own (v2
# cpu.max, or v1 cpu.cfs_quota_us), else a systemd scope (CPUQuota); returns 1 when none works here.
throttle() {
  local quota=$(( x64_cpu * 1000 )) period=100000 v2=/sys/fs/cgroup v1=/sys/fs/cgroup/cpu
  if [[ -f $v2/cgroup.controllers ]] && grep -qw cpu $v2/cgroup.controllers \
    && { grep -qw cpu $v2/cgroup.subtree_control || echo +cpu > $v2/cgroup.subtree_control; } 2>/dev/null \
    && mkdir "$v2/netlab-rehearsal-$$" 2>/dev/null; then
    cgroup=$v2/netlab-rehearsal-$$
    if echo "$quota $period" > "$cgroup/cpu.max"; then
      launcher_x64=(bash -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cgroup")
      throttled_by="cgroup v2 cpu.max $quota $period"
      return 0
    fi
    rmdir "$cgroup"; cgroup=""
  fi
  if [[ -f $v1/cpu.cfs_quota_us ]] && mkdir "$v1/netlab-rehearsal-$$" 2>/dev/null; then
    cgroup=$v1/netlab-rehearsal-$$
    if echo "$period" > "$cgroup/cpu.cfs_period_us" && echo "$quota" > "$cgroup/cpu.cfs_quota_us"; then
      launcher_x64=(bash -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cgroup")
      throttled_by="cgroup v1 cpu.cfs_quota_us $quota per $period"
      return 0
    fi
    rmdir "$cgroup"; cgroup=""
  fi
  if [[ "$(systemctl is-system-running 2>/dev/null || true)" =~ ^(running|degraded)$ ]]; then
    launcher_x64=(systemd-run --scope --quiet -p "CPUQuota=${x64_cpu}%" --)
    throttled_by="systemd-run --scope -p CPUQuota=${x64_cpu}%"
    return 0
  fi
  return 1
}

# --- one fresh start ------------------------------------------------------------------------------------------------

declare -a ready_ms=() connect_ms=()
passed=0

stop_agent() {
  local pid=$agent_pid i
  [[ -z "$pid" ]] && return
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  agent_pid=""
}

# fresh_start LABEL N OF AGENT LAUNCHER...: starts the agent on a new data dir and port, runs netlab connect the moment
# it is ready, stops it, and prints one line.
fresh_start() {
  local label=$1 n=$2 of=$3 agent=$4
  shift 4
  local data=$work/$label-$n t0 t1 t2 t3 port="" verdict="" count errors
  mkdir -p "$data"
  : > "$data/agent.log"
  t0=$(now_ms)
  "$@" "$agent" --bind 127.0.0.1 --port 0 --data-dir "$data/agent" >> "$data/agent.log" 2>&1 &
  agent_pid=$!
  until grep -q '^Ready' "$data/agent.log"; do
    if ! kill -0 "$agent_pid" 2>/dev/null; then verdict="the agent exited before it was ready"; break; fi
    if (( $(now_ms) - t0 > ready_timeout * 1000 )); then verdict="not ready within ${ready_timeout} s"; break; fi
    sleep 0.05
  done
  t1=$(now_ms)
  if [[ -z "$verdict" ]]; then
    port=$(sed -n 's/^netlab-agent .* listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$data/agent.log")
    # shellcheck disable=SC2086 # netlab_cmd is "dotnet FILE" or one executable
    timeout "$connect_timeout" $netlab_cmd connect 127.0.0.1 --port "$port" --json --known-hosts "$data/known_hosts" \
      > "$data/connect.json" 2> "$data/connect.err" || true
  fi
  t2=$(now_ms)
  stop_agent
  t3=$(now_ms)
  ready_ms+=($(( t1 - t0 ))); connect_ms+=($(( t2 - t1 )))

  if [[ -z "$verdict" ]]; then
    count=$(jq -r 'if .schema == "netlab.error/1" then "stopped" else "\(.passed)/\(.passed + .failed)" end' "$data/connect.json" 2>/dev/null || echo "no report")
    if [[ "$count" == stopped ]]; then
      verdict="netlab connect stopped before the exercises: $(jq -r '.error' "$data/connect.json" | cut -c1-200)"
    elif [[ "$count" == "no report" ]]; then
      verdict="no report from netlab connect: $(cat "$data/connect.json" "$data/connect.err" | tr '\n' ' ' | cut -c1-300)"
    elif [[ "$count" != "13/13" ]]; then
      verdict="$count: $(jq -r '[.exercises[] | select(.passed | not) | "\(.id): \((.error // .got // "?") | tostring | .[0:90])"] | join("; ")' "$data/connect.json")"
    fi
  fi
  errors=$(grep -cE '^(fail|crit): ' "$data/agent.log" || true)
  if [[ -z "$verdict" && "$errors" -gt 0 ]]; then verdict="13/13, but the agent logged $errors error(s)"; fi

  local times
  times="ready $(seconds $(( t1 - t0 ))) s  connect $(seconds $(( t2 - t1 ))) s  stop $(seconds $(( t3 - t2 ))) s"
  if [[ -z "$verdict" ]]; then
    passed=$(( passed + 1 ))
    printf 'PASS %-5s %2d/%d  %s  13/13\n' "$label" "$n" "$of" "$times"
  else
    printf 'FAIL %-5s %2d/%d  %s  %s\n' "$label" "$n" "$of" "$times" "$verdict"
    # The agent's first error, whole (with its stack trace), or the end of its output.
    if [[ "$errors" -gt 0 ]]; then
      sed -n '/^\(fail\|crit\): /,/^[a-z]\{4\}: /p' "$data/agent.log" | head -16 | sed 's/^/    /'
    elif grep -qE '^[a-z]{4}: ' "$data/agent.log"; then
      grep -E -A1 '^[a-z]{4}: ' "$data/agent.log" | tail -6 | sed 's/^/    /' # its last log entries
    else
      echo "    (the agent logged nothing)"
    fi
  fi
}

# min-max and median of the list, in seconds
spread() {
  local sorted
  mapfile -t sorted < <(printf '%s\n' "$@" | sort -n)
  echo "$(seconds "${sorted[0]}")-$(seconds "${sorted[-1]}") s, median $(seconds "${sorted[$(( ${#sorted[@]} / 2 ))]}") s"
}

# rehearse LABEL STARTS AGENT WHAT LAUNCHER...
rehearse() {
  local label=$1 starts=$2 agent=$3 what=$4 i t0
  shift 4
  passed=0 ready_ms=() connect_ms=()
  t0=$(now_ms)
  for i in $(seq "$starts"); do
    fresh_start "$label" "$i" "$starts" "$agent" "$@"
  done
  echo "rehearse-arm64: $what: $passed/$starts fresh starts passed 13/13 (ready $(spread "${ready_ms[@]}"); connect $(spread "${connect_ms[@]}")) in $(( ($(now_ms) - t0) / 1000 )) s"
  [[ $passed -eq $starts ]]
}

# --- the rehearsal --------------------------------------------------------------------------------------------------

status=0
if (( x64_starts > 0 )) && ! throttle; then
  echo "rehearse-arm64: cannot hold the x64 agent to ${x64_cpu}% of a CPU here: no writable cgroup cpu controller (v2 cpu.max or v1 cpu.cfs_quota_us) and no systemd; run as root, or --x64-starts 0" >&2
  exit 2
fi

netlab_cmd=$(netlab_command)
if (( arm64_starts > 0 )); then
  tarball=$(arm64_tarball)
  mkdir -p "$work/arm64-root"
  tar -C "$work/arm64-root" -xzf "$tarball"
  arm64_agent=$(publish_agent linux-arm64)
  wx=(DOTNET_EnableWriteXorExecute=0)
  (( keep_wx )) && wx=()
  rehearse arm64 "$arm64_starts" "$arm64_agent" "linux-arm64 under $(qemu-aarch64-static --version | head -1 | cut -d' ' -f1-3)$( (( keep_wx )) && echo ', W^X kept')" \
    env "${wx[@]}" qemu-aarch64-static -L "$work/arm64-root" || status=1
fi
if (( x64_starts > 0 )); then
  x64_agent=$(publish_agent linux-x64)
  rehearse x64 "$x64_starts" "$x64_agent" "linux-x64 at ${x64_cpu}% of a CPU ($throttled_by)" "${launcher_x64[@]}" || status=1
fi
exit $status

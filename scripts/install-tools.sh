#!/usr/bin/env bash
# Installs the classic clients the lab and its tests drive, when missing (Debian/Ubuntu).
# Usage: scripts/install-tools.sh [extra-package ...]
set -euo pipefail

declare -A command_of=(
  [ncat]=ncat [netcat-openbsd]=nc [telnet]=telnet [openssl]=openssl
  [curl]=curl [wget]=wget [socat]=socat [iproute2]=ip [nftables]=nft [systemd]=systemd-analyze [nghttp2-client]=h2load
  [systemd-container]=systemd-nspawn [debootstrap]=debootstrap [chromium]=chromium
  [qemu-user-static]=qemu-aarch64-static [jq]=jq [tshark]=tshark
)
missing=()
# systemd-container and debootstrap: the boot rehearsal (a Debian root booted with systemd-nspawn).
# wine64: the Windows build rehearsed under Wine (its binary is /usr/lib/wine/wine64, not on PATH: checked by dpkg).
# chromium: the browser tests (headless, driven by PuppeteerSharp; Debian's own build, never a downloaded one).
# tshark: Wireshark's reader, which must open what /capture and --pcap write (issue 22).
# qemu-user-static and jq: scripts/rehearse-arm64.sh (the linux-arm64 agent under qemu-aarch64-static; netlab's JSON read).
for package in ncat netcat-openbsd telnet openssl curl wget socat iproute2 nftables systemd nghttp2-client systemd-container debootstrap chromium wine64 qemu-user-static jq tshark "$@"; do
  if [[ -n "${command_of[$package]:-}" ]]; then
    command -v "${command_of[$package]}" >/dev/null 2>&1 && continue
  else
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" && continue
  fi
  missing+=("$package")
done

# netcat-openbsd must be the nc (netcat-traditional has other flags).
if command -v nc >/dev/null 2>&1 && ! nc -h 2>&1 | grep -q -- "-q seconds\|-N"; then
  missing+=(netcat-openbsd)
fi

# AWS's CloudFormation linter (cfn-lint) and the AWS emulator moto 5.2.1 (scripts/rehearse-aws.sh), both Python: used
# where the machine has them (python3 on PATH), else installed into .build/aws-tools, a virtual environment of the repository's.
aws_tools="$(cd "$(dirname "$0")/.." && pwd)/.build/aws-tools"
python_packages=()
if [[ ${NETLAB_SKIP_AWS_TOOLS:-} == 1 ]]; then
  :  # ./test.sh --fast: no test it runs uses them
elif ! command -v cfn-lint >/dev/null 2>&1 && [[ ! -x "$aws_tools/bin/cfn-lint" ]]; then
  python_packages+=("cfn-lint==1.51.0")
fi
has_moto() { "$1" -c 'import sys, moto.server; sys.exit(moto.__version__ != "5.2.1")' >/dev/null 2>&1; }
if [[ ${NETLAB_SKIP_AWS_TOOLS:-} != 1 ]] && ! has_moto python3 && ! has_moto "$aws_tools/bin/python3"; then
  python_packages+=("moto[server]==5.2.1")
fi
if [[ ${#python_packages[@]} -gt 0 ]] && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi

install_python_packages() {
  [[ ${#python_packages[@]} -eq 0 ]] && return 0
  echo "install-tools: installing ${python_packages[*]} into $aws_tools" >&2
  [[ -x "$aws_tools/bin/pip" ]] || python3 -m venv "$aws_tools"
  "$aws_tools/bin/pip" install --quiet --disable-pip-version-check "${python_packages[@]}"
}

if [[ ${#missing[@]} -eq 0 ]]; then
  install_python_packages
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-tools: missing ${missing[*]}, and this is not a Debian-like system: install them with your package manager." >&2
  exit 1
fi

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "install-tools: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_python_packages

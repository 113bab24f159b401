#!/usr/bin/env bash
# Installs the classic clients the lab and its tests drive, when missing (Debian/Ubuntu).
# Usage: scripts/install-tools.sh [extra-package ...]
set -euo pipefail

declare -A command_of=(
  [ncat]=ncat [netcat-openbsd]=nc [telnet]=telnet [openssl]=openssl
  [curl]=curl [wget]=wget [socat]=socat [iproute2]=ip [nftables]=nft [systemd]=systemd-analyze [nghttp2-client]=h2load
  [systemd-container]=systemd-nspawn [debootstrap]=debootstrap
)
missing=()
# systemd-container and debootstrap: the boot rehearsal (a Debian root booted with systemd-nspawn).
for package in ncat netcat-openbsd telnet openssl curl wget socat iproute2 nftables systemd nghttp2-client systemd-container debootstrap "$@"; do
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

[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-tools: missing ${missing[*]}, and this is not a Debian-like system: install them with your package manager." >&2
  exit 1
fi

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "install-tools: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Makes docs/report.png, the picture of `netlab lab --report FILE.html` in README.md and docs/cli.md: builds netlab,
# runs the whole lab against its in-process agent on 127.0.0.1 with the report written into a temporary folder, and
# photographs the page with Debian's headless Chromium (scripts/install-tools.sh installs it; nothing downloads a
# browser). Chromium's background services are off, and the page itself loads nothing: the picture is made without the
# network.
# Usage: scripts/screenshot-report.sh [--height PIXELS] [--out FILE.png]     (1280 px wide; default 2300 px tall)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
height=2300
out="$repo/docs/report.png"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --height) height="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "screenshot-report.sh: unknown argument '$1'; e.g. --height 2300 or --out docs/report.png" >&2; exit 2 ;;
  esac
done

browser="$(command -v chromium || true)"
if [[ -z "$browser" ]]; then
  echo "screenshot-report.sh: chromium is not installed; run scripts/install-tools.sh (or apt-get install chromium)" >&2
  exit 2
fi

scratch="$(mktemp -d -t netlab-report-shot-XXXXXX)"
trap 'rm -rf "$scratch"' EXIT

echo "screenshot-report.sh: building netlab (Release)"
dotnet build "$repo/cli/NetLab.Cli" -c Release -nologo -v quiet >"$scratch/build.log" 2>&1 || { cat "$scratch/build.log" >&2; exit 1; }

echo "screenshot-report.sh: netlab lab --report $scratch/lab.html"
dotnet "$repo/cli/NetLab.Cli/bin/Release/net10.0/netlab.dll" lab --report "$scratch/lab.html" >"$scratch/lab.log" 2>&1 \
  || { cat "$scratch/lab.log" >&2; echo "screenshot-report.sh: the lab did not pass; the picture would show failures" >&2; exit 1; }

echo "screenshot-report.sh: headless Chromium, 1280x$height, into $out"
mkdir -p "$(dirname "$out")"
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --disable-background-networking --disable-component-update --disable-sync --no-first-run \
  --user-data-dir="$scratch/profile" --force-device-scale-factor=1 \
  --window-size="1280,$height" --screenshot="$out" "file://$scratch/lab.html" >"$scratch/chromium.log" 2>&1 \
  || { cat "$scratch/chromium.log" >&2; exit 1; }
[[ -s "$out" ]] || { cat "$scratch/chromium.log" >&2; echo "screenshot-report.sh: Chromium wrote no picture" >&2; exit 1; }
echo "screenshot-report.sh: wrote $out ($(stat -c %s "$out") bytes)"

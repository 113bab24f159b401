#!/usr/bin/env bash
# Checks the relative links of every Markdown file in the repository: the target file exists and a #anchor
# matches a heading of the target (GitHub's slugs). Prints each broken link; exit 1 when there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files --cached --others --exclude-standard '*.md' | python3 -c '
import os, re, sys
def slugs(path):
    out, seen, fence = set(), {}, False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"): fence = not fence
        m = None if fence else re.match(r"#{1,6} +(.*?)#*\s*$", line)
        if not m: continue
        text = re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", m.group(1)).lower()
        slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
        n = seen.get(slug, 0); seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out
bad = 0
for src in sys.stdin.read().split():
    fence = False
    for no, line in enumerate(open(src, encoding="utf-8"), 1):
        if line.startswith("```"): fence = not fence
        if fence: continue
        for target in re.findall(r"\]\(([^)\s]+)\)", re.sub(r"`[^`]*`", "", line)):
            if re.match(r"[a-z]+:", target): continue
            path, _, anchor = target.partition("#")
            full = os.path.normpath(os.path.join(os.path.dirname(src), path)) if path else src
            if not os.path.exists(full):
                print(f"{src}:{no}: {target}: no such file"); bad += 1
            elif anchor and (not full.endswith(".md") or anchor not in slugs(full)):
                print(f"{src}:{no}: {target}: no heading #{anchor} in {full}"); bad += 1
sys.exit(1 if bad else 0)
'

#!/usr/bin/env bash
# Findings of two builds on the same projects: "findings identical (N)" or the first lines of the difference.
# Usage: bash bench/compare.sh OLD_BIN NEW_BIN DIR [DIR...]   (compares findings, fingerprints, errors, checklist)
set -uo pipefail
[ $# -ge 3 ] || { echo "usage: bash bench/compare.sh OLD_BIN NEW_BIN PROJECT_DIR [...]" >&2; exit 2; }
old=$1 new=$2; shift 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
summary='let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);for(const f of r.findings)console.log([f.ruleId,f.location.file,f.location.line,f.location.column,f.message,f.fingerprint,JSON.stringify(f.related)].join(" | "));console.log("suppressed",r.suppressed.length);console.log("errors",JSON.stringify(r.errors));console.log("skipped",JSON.stringify(r.skipped));console.log("checklist",JSON.stringify(r.checklist.map(c=>c.status)))})'
status=0
for dir in "$@"; do
  name=$(basename "$dir")
  node "$old" "$dir" --ecosystem laravel -f json --fail-on never 2>/dev/null | node -e "$summary" > "$tmp/old" || echo "$name: old build failed"
  node "$new" "$dir" --ecosystem laravel -f json --fail-on never 2>/dev/null | node -e "$summary" > "$tmp/new" || echo "$name: new build failed"
  if cmp -s "$tmp/old" "$tmp/new"; then echo "$name: findings identical ($(grep -c ' | ' "$tmp/new"))"
  else
    echo "$name: DIFFERENT ($(diff "$tmp/old" "$tmp/new" | grep -c '^<') lines only in the old build, $(diff "$tmp/old" "$tmp/new" | grep -c '^>') only in the new)"
    diff "$tmp/old" "$tmp/new" | sed -n 1,10p; status=1
  fi
done
exit $status

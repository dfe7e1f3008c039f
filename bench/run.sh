#!/usr/bin/env bash
# Benchmark: statelint vs the seed's grep audit on the same project, in the same run.
# Prints median wall time over N runs (after one warm-up), the ratio, and peak RSS.
# Usage: bash bench/run.sh DIR [DIR...]   (N=7 by default; set RUNS=...)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-7}
[ $# -gt 0 ] || { echo "usage: bash bench/run.sh PROJECT_DIR [...]" >&2; exit 2; }

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure() { # measure DIR CMD... -> "wall_ms rss_kb"
  local dir=$1; shift
  (cd "$dir" && "$@" >/dev/null 2>&1) || true   # warm-up (page cache, JIT-free start)
  local walls=() rss=0
  for _ in $(seq "$runs"); do
    local out
    local tf; tf=$(mktemp)
    (cd "$dir" && /usr/bin/time -o "$tf" -f '%e %M' "$@" >/dev/null 2>&1) || true
    out=$(tail -1 "$tf"); rm -f "$tf"
    walls+=("$(awk '{printf "%d", $1*1000}' <<<"$out")")
    local r; r=$(awk '{print $2}' <<<"$out"); [ "$r" -gt "$rss" ] && rss=$r
  done
  printf '%s %s\n' "$(printf '%s\n' "${walls[@]}" | median)" "$rss"
}

printf '%-28s %6s %12s %12s %8s %14s %10s\n' project files grep_ms statelint_ms ratio statelint_MB findings
for dir in "$@"; do
  dir=$(cd "$dir" && pwd)
  files=$(find "$dir" -name '*.php' -not -path '*/vendor/*' | wc -l)
  read -r g_ms _ < <(measure "$dir" bash "$here/bench/grep-audit.sh")
  read -r s_ms s_kb < <(measure "$dir" node "$here/bin/statelint.js" . --ecosystem laravel --format json -o /dev/null --fail-on never)
  findings=$(node "$here/bin/statelint.js" "$dir" --ecosystem laravel --format json --fail-on never | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(r.findings.length+"/"+r.errors.length+"err")})')
  ratio=$(awk -v a="$s_ms" -v b="$g_ms" 'BEGIN{printf "%.2fx", (b>0?a/b:0)}')
  printf '%-28s %6s %12s %12s %8s %14s %10s\n' "$(basename "$dir")" "$files" "$g_ms" "$s_ms" "$ratio" "$((s_kb/1024))" "$findings"
done

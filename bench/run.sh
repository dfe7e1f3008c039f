#!/usr/bin/env bash
# Benchmark: statelint vs the seed's grep audit on the same project, in the same run (issue 10).
# For every app: median wall of statelint and of the grep script (and of PREV_BIN, a previous build, when given),
# measured interleaved (grep, new, prev, grep, new, prev...) so machine load hits them alike; the ratio; peak
# RSS; candidate files and characters parsed (from --timing); and whether the findings equal PREV_BIN's.
# Then, unless STAGED=0, the --staged benchmark (bench/staged.sh) on the first app.
# Usage: bash bench/run.sh DIR [DIR...]   (RUNS=7 by default; PREV_BIN=/path/to/old/bin/statelint.js)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-7}
new_bin="$here/bin/statelint.js"
prev_bin=${PREV_BIN:-}
[ $# -gt 0 ] || { echo "usage: bash bench/run.sh PROJECT_DIR [...]" >&2; exit 2; }

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# once DIR CMD... -> "wall_ms rss_kb" (one timed run)
once() {
  local dir=$1; shift
  local tf; tf=$(mktemp)
  (cd "$dir" && /usr/bin/time -o "$tf" -f '%e %M' "$@" >/dev/null 2>&1) || true
  awk 'END {printf "%d %d\n", $1*1000, $2}' "$tf"; rm -f "$tf"
}
# The bin runs as an executable, as npx and git hooks run it (its /bin/sh line prepares the environment Node starts with).
audit() { local bin=$1; shift; "$bin" . --ecosystem laravel --format json -o /dev/null --fail-on never "$@"; }
export -f audit

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), node $(node -v), RUNS=$runs"
printf '%-14s %6s %8s %10s %7s %8s %10s %12s %9s  %s\n' project php grep_ms statelint_ms ratio RSS_MB candidates parsed_chars prev_ms findings
for dir in "$@"; do
  dir=$(cd "$dir" && pwd)
  files=$(find "$dir" -name '*.php' -not -path '*/vendor/*' | wc -l)
  # warm-up (page cache)
  (cd "$dir" && bash "$here/bench/grep-audit.sh" >/dev/null 2>&1; audit "$new_bin" >/dev/null 2>&1; [ -z "$prev_bin" ] || audit "$prev_bin" >/dev/null 2>&1) || true
  g=() s=() p=() rss=0
  for _ in $(seq "$runs"); do
    read -r ms _ < <(once "$dir" bash "$here/bench/grep-audit.sh"); g+=("$ms")
    read -r ms kb < <(once "$dir" bash -c 'audit "$0"' "$new_bin"); s+=("$ms"); [ "$kb" -gt "$rss" ] && rss=$kb
    if [ -n "$prev_bin" ]; then read -r ms _ < <(once "$dir" bash -c 'audit "$0"' "$prev_bin"); p+=("$ms"); fi
  done
  g_ms=$(printf '%s\n' "${g[@]}" | median); s_ms=$(printf '%s\n' "${s[@]}" | median)
  p_ms=-; [ -z "$prev_bin" ] || p_ms=$(printf '%s\n' "${p[@]}" | median)
  timing=$(cd "$dir" && audit "$new_bin" --timing 2>&1 >/dev/null || true)
  cands=$(awk '/^candidate files \(main pass\)/ {m=$NF} /^index files parsed/ {i=$NF} END {printf "%d+%d", m, i}' <<<"$timing")
  chars=$(awk '/^characters parsed/ {print $NF}' <<<"$timing"); chars=${chars:-0}
  findings="-"
  if [ -n "$prev_bin" ]; then
    # The first line is the verdict ("findings identical (N)" or "DIFFERENT (...)"); sed -n reads the whole output.
    findings=$(bash "$here/bench/compare.sh" "$prev_bin" "$new_bin" "$dir" | sed -n "1s|^$(basename "$dir"): ||p" || true)
  else
    findings=$(node "$new_bin" "$dir" --ecosystem laravel -f json --fail-on never | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).findings.length+" findings"))')
  fi
  ratio=$(awk -v a="$s_ms" -v b="$g_ms" 'BEGIN{printf "%.1fx", (b>0?a/b:0)}')
  printf '%-14s %6s %8s %10s %7s %8s %10s %12s %9s  %s\n' "$(basename "$dir")" "$files" "$g_ms" "$s_ms" "$ratio" "$((rss/1024))" "$cands" "$chars" "$p_ms" "$findings"
done
echo "(candidates: main-pass files + index-pass files parsed; parsed_chars: characters handed to the parser by the runner, config files not included)"
if [ "${STAGED:-1}" != 0 ]; then bash "$here/bench/staged.sh" "$1"; fi

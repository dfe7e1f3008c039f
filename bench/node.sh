#!/usr/bin/env bash
# Benchmark for Node apps: statelint (wall, peak RSS) beside a grep of the same library names, same run.
# Usage: bash bench/node.sh DIR [DIR...]   (RUNS=5 by default). Build first: npm run build.
# The grep is the floor: it reads the same files and finds the library names, without knowing which
# ones are the server's, which options are set or which env files decide them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-5}
[ $# -gt 0 ] || { echo "usage: bash bench/node.sh PROJECT_DIR [...]" >&2; exit 2; }
LIBS='express-session|@fastify/session|koa-generic-session|koa-session|memorystore|express-rate-limit|@fastify/rate-limit|koa-ratelimit|rate-limiter-flexible|@nestjs/throttler|socket\.io|multer|formidable|busboy|express-fileupload|winston|pino|morgan|log4js|bunyan|createWriteStream|node-cron|CronJob|croner|node-schedule|toad-scheduler|@nestjs/schedule|setInterval|sqlite|sequelize|knex|typeorm|lowdb|nedb|new Map\(|new Set\(|lru-cache'

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # DIR CMD... -> "median_wall_ms max_rss_kb median_cpu_ms"
  local dir=$1; shift
  (cd "$dir" && "$@" >/dev/null 2>&1) || true
  local walls=() cpus=() rss=0 tf out r
  for _ in $(seq "$runs"); do
    tf=$(mktemp)
    (cd "$dir" && /usr/bin/time -o "$tf" -f '%e %M %U %S' "$@" >/dev/null 2>&1) || true
    out=$(tail -1 "$tf"); rm -f "$tf"
    walls+=("$(awk '{printf "%d", $1*1000}' <<<"$out")")
    cpus+=("$(awk '{printf "%d", ($3+$4)*1000}' <<<"$out")")
    r=$(awk '{print $2}' <<<"$out"); [ "$r" -gt "$rss" ] && rss=$r
  done
  printf '%s %s %s\n' "$(printf '%s\n' "${walls[@]}" | median)" "$rss" "$(printf '%s\n' "${cpus[@]}" | median)"
}
grep_audit() { grep -rEn --include='*.js' --include='*.mjs' --include='*.cjs' --include='*.ts' --include='*.tsx' --exclude-dir=node_modules --exclude-dir=.git --exclude-dir=dist "$LIBS" . || true; }
export -f grep_audit; export LIBS

# Wall times depend on the machine's load (other processes on the same cores): the load average is printed,
# and the CPU time (user+sys) of statelint beside its wall time.
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg); node $(node --version); RUNS=$runs"
printf '%-26s %6s %8s %9s %12s %12s %11s %7s %13s\n' project files grep_ms grep_MB statelint_ms statelint_cpu statelint_MB ratio findings
for dir in "$@"; do
  dir=$(cd "$dir" && pwd)
  files=$(find "$dir" \( -name node_modules -o -name .git \) -prune -o -type f \( -name '*.ts' -o -name '*.tsx' -o -name '*.js' -o -name '*.mjs' -o -name '*.cjs' \) -print | wc -l)
  read -r g_ms g_kb _ < <(measure "$dir" bash -c grep_audit)
  # the bin runs as an executable, as npx and git hooks run it (its /bin/sh line prepares the environment Node starts with)
  read -r s_ms s_kb s_cpu < <(measure "$dir" "$here/bin/statelint.js" . --format json -o /dev/null --fail-on never)
  findings=$("$here/bin/statelint.js" "$dir" --format json --fail-on never | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(r.findings.length+"/"+r.errors.length+"err/"+r.summary.filesScanned+"scan")})')
  ratio=$(awk -v a="$s_ms" -v b="$g_ms" 'BEGIN{printf "%.1fx", (b>0?a/b:0)}')
  printf '%-26s %6s %8s %9s %12s %12s %11s %7s %13s\n' "$(basename "$dir")" "$files" "$g_ms" "$((g_kb/1024))" "$s_ms" "$s_cpu" "$((s_kb/1024))" "$ratio" "$findings"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# A Laravel-only audit never loads the compiler: test/node/lazy-load.test.ts checks the module cache.

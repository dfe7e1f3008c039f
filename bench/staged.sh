#!/usr/bin/env bash
# The --staged benchmark (issue 8: one changed file in a 6,000-file app <= 0.25 s): a temporary git repo holding
# a copy of APP_DIR plus generated controllers up to 6,000+ PHP files (1 in 20 stores an upload), one controller
# changed and staged; `statelint --staged` timed beside the full audit, median of RUNS, interleaved.
# Cases: a changed controller with no upload code (edited seconds before `git add`, and edited in the same second,
# when git's racy-clean rule makes statelint hash it), and one the upload rule checks (its project index is built).
# Usage: bash bench/staged.sh APP_DIR   (RUNS=7; TOTAL=6000 PHP files)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-7}
total=${TOTAL:-6000}
bin="$here/bin/statelint.js"
app=$(cd "$1" && pwd)
repo=$(mktemp -d); trap 'rm -rf "$repo"' EXIT
cp -r "$app/." "$repo/"; rm -rf "$repo/.git"
have=$(find "$repo" -name '*.php' -not -path '*/vendor/*' | wc -l)
mkdir -p "$repo/app/Http/Controllers/Generated"
for i in $(seq 1 $((total > have ? total - have : 0))); do
  if [ $((i % 20)) -eq 0 ]; then body="\$path = \$request->file('f')->store('gen$i', 's3');"; else body="\$n = $i;"; fi
  printf '<?php\nnamespace App\\Http\\Controllers\\Generated;\nuse Illuminate\\Http\\Request;\nclass Gen%dController\n{\n    public function store(Request $request)\n    {\n        %s\n        return response()->json([\x27n\x27 => %d]);\n    }\n}\n' "$i" "$body" "$i" > "$repo/app/Http/Controllers/Generated/Gen${i}Controller.php"
done
# Files older than the index that stages them, as in a checkout made before the day's work (a file changed in the
# second its index was written is "racily clean": git, and statelint, must then compare its content).
find "$repo" -path "$repo/.git" -prune -o -type f -exec touch -d '-1 hour' {} +
git -C "$repo" init -q && git -C "$repo" add -A && git -C "$repo" -c user.name=bench -c user.email=bench@localhost commit -qm base
php=$(git -C "$repo" ls-files '*.php' | wc -l)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# The bin runs as an executable, as a git hook runs it (its /bin/sh line prepares the environment Node starts with).
once() { local tf; tf=$(mktemp); (cd "$repo" && /usr/bin/time -o "$tf" -f '%e %M' "$bin" "$@" --ecosystem laravel -f json -o /dev/null --fail-on never >/dev/null 2>&1) || true; awk 'END {printf "%d\n", $1*1000}' "$tf"; rm -f "$tf"; }
stage() { # stage a change to $1 (a comment line appended), edited a few seconds before `git add` as a developer does
  printf '\n// bench edit %s\n' "$RANDOM" >> "$repo/$1"; touch -d '-3 seconds' "$repo/$1"; git -C "$repo" add "$1"
}
stage_now() { # the same, edited and staged in the same second (a formatter run by the hook, lint-staged): racily clean
  printf '\n// bench edit %s\n' "$RANDOM" >> "$repo/$1"; git -C "$repo" add "$1"
}
plain=app/Http/Controllers/Generated/Gen1Controller.php
upload=app/Http/Controllers/Generated/Gen20Controller.php
once . >/dev/null; stage "$plain"; once --staged >/dev/null
full=() s1=() s3=()
for _ in $(seq "$runs"); do
  full+=("$(once .)")
  git -C "$repo" reset -q; stage "$plain"; s1+=("$(once --staged)")
  git -C "$repo" reset -q; stage_now "$plain"; s3+=("$(once --staged)")
done
# Once only, under a guard: the upload index then reads every app file the staged way (stat data or a hash each).
git -C "$repo" reset -q; stage "$upload"
s2=$(tf=$(mktemp); (cd "$repo" && /usr/bin/time -o "$tf" -f '%e' timeout 600 "$bin" --staged --ecosystem laravel -f json -o /dev/null --fail-on never >/dev/null 2>&1) || true; awk 'END {printf "%d", $1*1000}' "$tf"; rm -f "$tf")
echo "# --staged in a git repo of $php PHP files ($(basename "$app") + generated controllers), RUNS=$runs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-58s %8s\n' case median_ms
printf '%-58s %8s\n' "full audit" "$(printf '%s\n' "${full[@]}" | median)"
printf '%-58s %8s\n' "--staged, one controller with no upload code" "$(printf '%s\n' "${s1[@]}" | median)"
printf '%-58s %8s\n' "  the same, edited in the second it was staged (hashed)" "$(printf '%s\n' "${s3[@]}" | median)"
printf '%-58s %8s\n' "--staged, one upload controller (upload index built; 1 run)" "$s2"

#!/bin/sh
# statelint deploy gate: audit the release, then prove on the staging nodes that sessions survive a
# node switch (`statelint live`). The deploy fails when either fails. Both always run, so one failed
# gate shows every problem.
#
#   STAGING_NODES="https://10.0.1.11 https://10.0.1.12" examples/pre-deploy.sh [project-folder]
#
# Environment:
#   STAGING_NODES         two or more node URLs (space or comma separated). Each must reach ONE node
#                         (its own address or port), not the load balancer.
#   STATELINT_AUDIT_ARGS  extra audit flags, e.g. "--baseline statelint-baseline.json --dotenv .env.staging"
#   STATELINT_LIVE_ARGS   extra live flags, e.g. "--login-path /login --auth-path /me --logout-path /logout";
#                         for a Laravel app add the project folder (". --login-path ...") so APP_KEY, the
#                         cookie name and the session Redis come from its config
#   STATELINT             how to start statelint (default: node_modules/.bin/statelint, else statelint
#                         on PATH, else npx --no-install statelint)
#
# Exit status: 0 = both passed; 1 = findings (audit or live); 2 = statelint could not run a check
# (bad flags, no app found, a node or store not reachable).
set -u

project=${1:-.}
if [ -z "${STATELINT:-}" ]; then
  if [ -x node_modules/.bin/statelint ]; then STATELINT=node_modules/.bin/statelint
  elif command -v statelint >/dev/null 2>&1; then STATELINT=statelint
  else STATELINT="npx --no-install statelint"; fi
fi

echo "pre-deploy: statelint audit $project" >&2
# shellcheck disable=SC2086 # STATELINT and *_ARGS are word lists on purpose
$STATELINT audit "$project" ${STATELINT_AUDIT_ARGS:-}
audit=$?

nodes=$(printf '%s' "${STAGING_NODES:-}" | tr ',' ' ')
set --
for node in $nodes; do set -- "$@" --node "$node"; done
if [ $# -lt 4 ]; then
  echo "pre-deploy: STAGING_NODES must name at least two staging nodes (got: '${STAGING_NODES:-}')" >&2
  live=2
else
  echo "pre-deploy: statelint live $*" >&2
  # shellcheck disable=SC2086
  $STATELINT live "$@" ${STATELINT_LIVE_ARGS:-}
  live=$?
fi

if [ "$audit" -eq 0 ] && [ "$live" -eq 0 ]; then
  echo "pre-deploy: passed (audit and live)" >&2
  exit 0
fi
echo "pre-deploy: FAILED (audit exit $audit, live exit $live): deploy stopped" >&2
if [ "$audit" -ge 2 ] || [ "$live" -ge 2 ]; then exit 2; fi
exit 1

#!/usr/bin/env bash
# make run PROFILE=services: the services profile on this machine, with demo data.
# Starts the stand-ins that are not running (Azurite, cosmosdb-server), prepares
# the site (database, migrations, stores, demo data, admin: scripts/prepare_site.py),
# gathers the static files, then runs a Celery worker with beat and gunicorn
# (DEBUG off; WhiteNoise serves the static files). Ctrl-C, or either process
# stopping, stops everything this script started.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/stand-ins.sh

export POLYGLOT_PROFILE=services
BIN=.venv/bin
PORT=${PORT:-8000}
GROUPS_STARTED=()

# The worker and the server each lead a process group of their own, so stopping
# reaches every process they started: a worker stopped while starting can leave
# its beat process behind otherwise.
start_in_own_group() {  # command...
  setsid "$@" &
  GROUPS_STARTED+=($!)
}

stop_all() {
  # Deaf to further signals (make passes its own on): cleanup must finish.
  trap '' INT TERM
  trap - EXIT
  echo "Stopping the worker and the web server (up to 20 s)..." >&2
  local group alive
  # Up to 20 s for a warm shutdown, asking again each second: a process forked after the
  # first request (a worker's beat, when the stop came while it started) hears the next.
  for _ in $(seq 1 20); do
    alive=0
    for group in "${GROUPS_STARTED[@]}"; do kill -TERM -- "-$group" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 1
  done
  for group in "${GROUPS_STARTED[@]}"; do kill -KILL -- "-$group" 2>/dev/null; done
  stop_stand_ins
}
trap stop_all EXIT
trap 'exit 130' INT TERM

echo "== Servers and stand-ins"
start_stand_ins || exit 1
check_servers || exit 1

echo "== Database, stores, demo data, admin"
$BIN/python scripts/prepare_site.py || exit 1
$BIN/python manage.py collectstatic --noinput --verbosity 0 || exit 1

echo "== A Celery worker with beat"
start_in_own_group $BIN/celery -A polyglot_site worker --beat --loglevel=info

echo "== Serving the shop at http://127.0.0.1:$PORT/ (Ctrl-C stops everything)"
# --no-control-socket: two gunicorns on one machine would share ~/.gunicorn/.
start_in_own_group $BIN/gunicorn polyglot_site.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 \
  --no-control-socket --access-logfile -

wait -n
echo "The worker or the web server stopped; stopping the rest." >&2
exit 1

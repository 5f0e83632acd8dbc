#!/usr/bin/env bash
# make test: the embedded profile's tests, then the services profile's tests
# against PostgreSQL, Redis and RabbitMQ on 127.0.0.1 and the stand-ins this
# script starts. Under CI=true a missing server fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/stand-ins.sh
trap stop_stand_ins EXIT

PY=.venv/bin/python
status=0

echo "== Starting the local stand-ins"
start_stand_ins || status=1
check_servers || status=1
if [ "$status" -ne 0 ] && [ "${CI:-}" = "true" ]; then
  echo "A service the tests need is missing; under CI=true that is a failure." >&2
  exit 1
fi

export POLYGLOT_DATA_DIR
POLYGLOT_DATA_DIR=$(mktemp -d -t polyglot-test-data-XXXXXX)
trap 'stop_stand_ins; rm -rf "$POLYGLOT_DATA_DIR"' EXIT

echo "== Tests in the embedded profile"
POLYGLOT_PROFILE=embedded $PY -m pytest -m "not services" "$@" || status=1

echo "== Tests in the services profile (PostgreSQL, RabbitMQ, Celery, Azurite, cosmosdb-server)"
POLYGLOT_PROFILE=services $PY -m pytest -m services "$@" || status=1

exit $status

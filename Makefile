# The two commands of the README: `make run` and `make test`. Both set up
# everything they need on a fresh clone (Python 3.11, Node 20, the registries).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PROFILE ?= embedded

.PHONY: run run-embedded run-services test install install-node install-browser migrate worker lint clean help

help:
	@echo "make run    - the site on the embedded profile with demo data, at http://127.0.0.1:$(PORT)/"
	@echo "make run PROFILE=services - the same on PostgreSQL, Redis, RabbitMQ and the stand-ins, with a worker and beat"
	@echo "make test   - install, start the local stand-ins, run every test"
	@echo "make bench  - every benchmark; writes bench/results.json and the README's table"
	@echo "make worker - a Celery worker with beat (services profile)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pinned requirements change.
$(VENV)/.installed: requirements/base.txt requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --progress-bar off -r requirements/dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed

install-node: node_modules/.installed

# Debian's Chromium for the browser tests (tests/browser): Playwright cannot download its own
# browser here. Installed with apt-get when running as root; otherwise the browser tests
# skip (and fail under CI=true) naming what is missing.
CHROMIUM_EXECUTABLE ?= /usr/bin/chromium
install-browser:
	@test -x $(CHROMIUM_EXECUTABLE) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "No $(CHROMIUM_EXECUTABLE): install Debian's chromium for the browser tests." >&2; fi; }

run: run-$(PROFILE)

run-embedded: install
	POLYGLOT_PROFILE=embedded $(BIN)/python manage.py migrate --noinput
	POLYGLOT_PROFILE=embedded $(BIN)/python manage.py stores init
	@# An index left by an older version of the site is rebuilt from SQL (the demo's few products take a moment).
	POLYGLOT_PROFILE=embedded $(BIN)/python manage.py search_index rebuild
	POLYGLOT_PROFILE=embedded $(BIN)/python manage.py seed_demo --admin
	@echo "Serving the shop at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	POLYGLOT_PROFILE=embedded $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Stand-ins, database, migrations, stores, demo data, an admin from DJANGO_SUPERUSER_*,
# a worker with beat and gunicorn; Ctrl-C stops them all (scripts/run-services.sh).
run-services: install install-node
	PORT=$(PORT) bash scripts/run-services.sh

run-%:
	@echo "make run knows PROFILE=embedded (the default) and PROFILE=services; azure runs from the Docker image." >&2
	@exit 2

test: install install-node install-browser
	bash scripts/test.sh

# One worker with the periodic sweeper (beat) in the same process. With several
# workers, give one of them the beat (or run `celery -A polyglot_site beat` once).
# Beat keeps its schedule in the profile's data folder (CELERY_BEAT_SCHEDULE_FILENAME).
# Every benchmark, one after the other (run it on a quiet machine): bench/results.json,
# bench/results.md and the README's table.
bench: install install-node
	$(BIN)/python -m bench.report

worker: install
	POLYGLOT_PROFILE=$${POLYGLOT_PROFILE:-services} $(BIN)/celery -A polyglot_site worker --beat --loglevel=info

clean:
	rm -rf $(VENV) node_modules var staticfiles .pytest_cache

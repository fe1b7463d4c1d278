# Tributary: every target prepares the same environment (see plugins/tributary/environment.py):
# WAREHOUSE_URL if set, else an embedded Postgres under .local/; LAKE_URL if set, else .local/lake.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CLI := $(PY) -m tributary.cli
DAG ?=
CONF ?=
DATE ?=
ARGS ?=
ONLY ?=
VERBOSE ?=
PYTEST_ARGS ?= -n 2

.PHONY: help setup test-tools demo test airflow api docs run dbt manifest bench lint stop clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found. Tributary needs Python 3.11: install it or run make PYTHON=/path/to/python3.11" >&2; exit 2; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "error: Tributary needs Python 3.11, and $(PYTHON) is " + sys.version.split()[0] + ": run make PYTHON=/path/to/python3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(PY) -m pip check
	@touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the pinned requirements (once)

demo: setup  ## every pipeline end to end on the sample data; logs in .local/logs/ (VERBOSE=1: on screen too)
	@$(PY) -m include.demo --verbose '$(VERBOSE)'

test-tools:  ## Debian packages the tests drive: Chromium (browser tests), redis-server (Celery broker)
	@missing=""; test -x /usr/bin/chromium || missing="chromium chromium-driver"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "error: the tests need: sudo apt-get install $$missing" >&2; exit 2; fi; fi

test: setup test-tools  ## the whole suite: DAG integrity, unit, integration, dbt build and unit tests
	$(CLI) test $(PYTEST_ARGS)

airflow: setup  ## Airflow 3 standalone: UI on localhost:8080, scheduler, DAG processor, triggerer
	$(CLI) airflow

api: setup  ## the HTTP API alone on 127.0.0.1:8090 (API_PORT, API_HOST); needs TRIBUTARY_API_TOKEN
	$(CLI) api

docs: setup  ## generate the dbt docs site and serve it on localhost:8081
	$(CLI) docs

run: setup  ## one DAG run: make run DAG=<dag_id> CONF='<json>' [DATE=YYYY-MM-DD] [VERBOSE=1]; a task table, logs in .local/logs/
	@test -n "$(DAG)" || { echo "usage: make run DAG=<dag_id> [CONF='<json>'] [DATE=YYYY-MM-DD] [VERBOSE=1]" >&2; exit 2; }
	@$(CLI) run --dag '$(DAG)' --conf '$(CONF)' --date '$(DATE)' --verbose '$(VERBOSE)'

dbt: setup  ## dbt with the project's profile: make dbt ARGS='build --select polio'
	$(CLI) dbt $(ARGS)

manifest: setup  ## dbt parse: rebuild the manifest cosmos renders DAGs from
	$(CLI) manifest

bench: setup  ## run every benchmark in bench/ (or ONLY=<name>) and rewrite bench/RESULTS.md
	$(PY) -m bench $(ONLY)

lint: setup  ## ruff on the Python code
	$(VENV)/bin/ruff check plugins dags tests bench include

stop:  ## stop the embedded Postgres
	@test -x $(PY) && $(CLI) stop || true

clean: stop  ## remove .venv, .local and build output
	rm -rf $(VENV) .local dbt/target dbt/logs

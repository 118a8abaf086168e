# Retorno — the ways in. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first Python >= 3.11 on the PATH.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$p && break; done)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
SCALE ?= small

.PHONY: help run test test-sqlite test-postgres lint bench messages clean

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(PY):
	@test -n "$(PYTHON)" || { echo "Retorno necesita Python 3.11 o más nuevo."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

run: $(INSTALLED) ## migrate, load the demo when empty, serve on http://127.0.0.1:8000 (HOST/PORT override)
	$(PY) -m app migrate
	$(PY) -m app demo --if-empty
	$(PY) -m app serve

test: test-sqlite test-postgres ## the whole suite on SQLite, then on PostgreSQL

test-sqlite: $(INSTALLED)
	TEST_DATABASE=sqlite $(PY) -m pytest

test-postgres: $(INSTALLED)
	TEST_DATABASE=postgres $(PY) -m pytest

lint: $(INSTALLED) ## ruff
	$(PY) -m ruff check app tests bench

bench: $(INSTALLED) ## benchmarks: make bench SCALE=small|large → bench/results.json
	$(PY) -m bench --scale $(SCALE)

messages: $(INSTALLED) ## extract translatable strings to app/locale/messages.pot
	$(VENV)/bin/pybabel extract --no-location -F babel.cfg -o app/locale/messages.pot .

clean: ## remove the virtualenv and local data (var/)
	rm -rf $(VENV) var

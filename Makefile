# Accord: every job a developer or CI runs, from a clean clone on a fresh machine.
#   make demo   - create .venv, install, run the whole demo on the embedded default store
#   make test   - install system packages (PostgreSQL, Java), create .venv, lint, typecheck, test
#   make lint | typecheck | bench | lock | clean

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?= -n 2

.PHONY: demo test lint typecheck unit bench lock system-deps venv clean

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@# Bytecode once, at install: where PYTHONDONTWRITEBYTECODE is set (as on our CI
	@# machines) every process would otherwise compile pandas, Splink and the rest anew.
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null || true
	touch $(STAMP)

# PostgreSQL runs in the test suite (started by the suite itself, on a throwaway data
# directory and port), and so does a local Spark session, which needs Java; install
# them only when they are missing.
system-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "Installing PostgreSQL (needed by the test suite)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql postgresql-contrib >/dev/null; \
	fi
	@if ! command -v java >/dev/null 2>&1; then \
	  echo "Installing Java (Spark, for the linkage engine test)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; \
	fi

lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: venv
	$(BIN)/mypy

unit: venv system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: system-deps lint typecheck unit

demo: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

bench: venv system-deps
	set -e; for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b; done

lock: venv
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra postgres --extra spark --python-version 3.11 \
	  --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) demo-output .mypy_cache .ruff_cache .pytest_cache .hypothesis

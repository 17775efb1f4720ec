# Accord: every job a developer or CI runs, from a clean clone on a fresh machine.
#   make demo   - create .venv and the portal's assets, install, run the whole demo on the
#                 embedded default store
#   make test   - install system packages (PostgreSQL, Java, Chromium, Node.js), create .venv
#                 and the portal's assets, lint, typecheck, test
#   make lint | typecheck | assets | bench | lock | clean

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ASSETS := node_modules/.installed
PYTEST_ARGS ?= -n 3 --dist loadscope --no-loadscope-reorder --durations=25

.PHONY: demo test lint typecheck unit bytecode bench lock system-deps node venv assets clean

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
# directory and port), and so does a local Spark session, which needs Java, and a
# headless Chromium; the portal's assets need Node.js and npm. Whatever is missing is
# installed by one apt-get (one index update, not one a package).
system-deps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql postgresql-contrib"; \
	command -v java >/dev/null 2>&1 || missing="$$missing openjdk-17-jre-headless"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing$$missing (the suite's PostgreSQL, Spark, browser; the portal's assets)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# The portal serves GOV.UK Frontend from the node (no CDN), pinned in package-lock.json to
# the release govuk-frontend-jinja's macros track; the browser tests inject axe-core from
# the same folder. Node.js comes from apt when it is missing; npm ci runs again only when
# package.json or its lock changes.
node:
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "Installing Node.js and npm (the portal's GOV.UK Frontend assets)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; \
	fi

assets: $(ASSETS)

$(ASSETS): package.json package-lock.json | node
	npm ci --no-audit --no-fund --loglevel=error
	touch $(ASSETS)

lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: venv
	$(BIN)/mypy

# Our own bytecode too, before each run (only what changed is compiled again): the suite
# starts hundreds of Python processes (nodes, their workers, the CLI), and where
# PYTHONDONTWRITEBYTECODE is set each would compile the whole package first, seconds each.
bytecode: venv
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m compileall -q -j 0 src tests benchmarks >/dev/null

unit: venv system-deps assets bytecode
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Lint and typecheck run beside the tests (they take a core for half a minute while the
# suite, which waits on its servers and browser, leaves one free); any failure fails.
# The system packages and the virtual environment install side by side (apt and pip
# each wait on downloads); then lint, typecheck and the tests.
test:
	$(MAKE) --no-print-directory -j2 system-deps venv
	$(MAKE) --no-print-directory -j3 lint typecheck unit

demo: venv assets bytecode
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

bench: venv system-deps
	set -e; for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b; done

lock: venv
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra postgres --extra spark --python-version 3.11 \
	  --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) node_modules demo-output test-artifacts .mypy_cache .ruff_cache .pytest_cache .hypothesis

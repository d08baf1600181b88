# dexbot — every target installs what it needs first, so `make run` / `make test` work on a fresh clone.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.PHONY: setup run test lint fmt bench contracts lock clean-data system-deps

setup: $(PY_STAMP) $(NPM_STAMP)

$(PY_STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@node_modules/.bin/anvil --version >/dev/null || { echo "anvil did not install (optional platform package missing?)"; exit 1; }
	@touch $@

# PostgreSQL server binaries for the store's PostgreSQL tests, Prometheus (server and promtool) for the
# metrics integration test, tmux for the TUI smoke test (Debian packages; skipped where present).
system-deps:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	    else echo "note: PostgreSQL server not installed; its tests will be skipped"; fi; }
	@{ command -v prometheus && command -v promtool; } >/dev/null || \
	  { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	    else echo "note: Prometheus not installed; its integration test will be skipped"; fi; }
	@command -v tmux >/dev/null || \
	  { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null; \
	    else echo "note: tmux not installed; the TUI smoke test will be skipped"; fi; }

run: setup
	$(BIN)/dexbot run

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

fmt: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: setup system-deps lint
	$(BIN)/pytest -q

bench: setup
	$(BIN)/python -m bench

contracts: $(NPM_STAMP)
	node scripts/compile-contracts.mjs

# Re-resolve the Python lock (names, versions and hashes only) after changing pyproject.toml.
lock: setup
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 --no-header -o requirements.lock

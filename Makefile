# raqib — `make demo` and `make test` set everything up on a fresh machine (Python 3.11+, make, Node).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAPIENT_STAMP := raqib/sensors/sapient/generated/.stamp
ARGS ?=
PYTEST_ARGS ?=

.PHONY: demo test setup lint bench ui browser clean help

help:
	@echo "make demo   play the seed scenario live with the operator's screen (ARGS=\"--speed 20\")"
	@echo "make test   set everything up and run the whole test suite"
	@echo "make lint   ruff and mypy;  make bench   the benchmarks in bench/"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

$(SAPIENT_STAMP): $(STAMP) $(wildcard raqib/sensors/sapient/proto/*.proto raqib/sensors/sapient/proto/*/*.proto) raqib/sensors/sapient/build.py
	$(BIN)/python -m raqib.sensors.sapient.build
	touch $@

# The browser UI: built from the committed lock file when the bundle is missing or stale
# (web/build.sh decides).
ui:
	bash web/build.sh

setup: $(STAMP) $(SAPIENT_STAMP) ui

# Debian's Chromium drives the browser tests (Playwright never downloads a browser here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

demo: setup
	$(BIN)/raqib demo $(ARGS)

test: setup browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check raqib tests bench
	$(BIN)/ruff format --check raqib tests bench
	$(BIN)/mypy raqib

# Every benchmark, in its quick form where it has one (each prints its own figures).
bench: setup browser
	@for script in bench/bench_*.py; do \
		quick=$$(grep -q -- '"--quick"' $$script && echo --quick); \
		echo "== $$script $$quick"; $(BIN)/python $$script $$quick || exit 1; \
	done

clean:
	rm -rf $(VENV) raqib/sensors/sapient/generated raqib/server/static web/node_modules test-output

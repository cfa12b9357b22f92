# The README's two commands: `make demo` and `make test`. For developers: `make check` (lint,
# format and types, as CI runs it) and `make test-fast` (the suite without the slow tests).
PYTHON ?= $(shell command -v python3.12 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test test-fast check lint docs bench bench-model bench-compare bench-sweep bench-app clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "hlmsim needs Python 3.12+ (see .python-version)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e .
	$(BIN)/python -m hlmsim.warmup
	touch $@

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

demo: $(STAMP)
	$(BIN)/hlmsim compare default --out results/compare-default
	@echo "Report: $(CURDIR)/results/compare-default/report.html"

# The browser test drives Debian's Chromium (never a downloaded browser): install it if missing.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	else echo "The browser test needs Debian's chromium: run 'apt-get install chromium' as root"; exit 1; fi; \
	$$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y chromium fonts-liberation fonts-dejavu-core

# Everything, the slow tests (browser, full pattern runs, process pools, Dask) included: CI's run.
# pytest-xdist spreads the test files over the cores (one file per worker, so that a file's
# module fixtures run once); `pytest FILE` alone runs in one process.
PYTEST_PAR := -n auto --dist loadfile
test: $(DEV_STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest $(PYTEST_PAR)

# The edit loop: skips the tests marked `slow` (and so needs no browser).
test-fast: $(DEV_STAMP)
	$(BIN)/python -m pytest $(PYTEST_PAR) -m "not slow"

# What CI checks before the tests: lint, formatting, and the types of the model core (mypy's
# files and settings are in pyproject.toml's [tool.mypy]).
check: $(DEV_STAMP)
	$(BIN)/ruff check hlmsim tests benchmarks
	$(BIN)/ruff format --check hlmsim tests benchmarks
	$(BIN)/mypy

lint: $(DEV_STAMP)
	$(BIN)/ruff check hlmsim tests benchmarks

docs: $(STAMP)
	$(BIN)/python -m hlmsim.docs_gen

# Benchmarks (minutes each on 2 cores; figures in results/bench_*.json). `bench` runs the three
# one after the other, even under `make -j`, so that they do not slow each other down.
BENCH_MODEL := $(BIN)/python benchmarks/bench_model.py
BENCH_COMPARE := $(BIN)/python benchmarks/bench_compare.py
BENCH_SWEEP := $(BIN)/python benchmarks/bench_sweep.py

bench: $(STAMP)
	$(BENCH_MODEL)
	$(BENCH_COMPARE)
	$(BENCH_SWEEP)

bench-model: $(STAMP)
	$(BENCH_MODEL)

bench-compare: $(STAMP)
	$(BENCH_COMPARE)

bench-sweep: $(STAMP)
	$(BENCH_SWEEP)

# The classroom app under load (issue 15): needs Debian's Chromium and the dev tools (Playwright).
bench-app: $(DEV_STAMP) $(CHROMIUM)
	$(BIN)/python benchmarks/bench_app.py

clean:
	rm -rf $(VENV) build *.egg-info

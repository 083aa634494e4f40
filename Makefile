# Two entry points for a fresh clone with only Python 3.11+ and pip:
#   make report  - set up .venv, then rebuild every notebook, chart and the HTML report
#   make test    - set up .venv, then lint (ruff), type-check (mypy) and run the whole test suite (unit tests + nbval)
#   make unit    - the unit tests alone: no nbval, no browser, nothing marked slow (no build of the real notebooks)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup report test unit validate bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/scomm build

validate: $(STAMP)
	$(BIN)/scomm validate

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest -o addopts="-p no:cacheprovider" -m "not slow" --ignore=tests/test_report_browser.py tests

bench: $(STAMP)
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/rebuild.py
	$(BIN)/python benchmarks/enforcement.py
	$(BIN)/python benchmarks/models.py
	$(BIN)/python benchmarks/analyses.py

clean:
	rm -rf $(VENV) build

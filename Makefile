# Two entry points for a fresh clone with only Python 3.11+ and pip:
#   make report  - set up .venv, then rebuild every notebook, chart and the HTML report
#   make test    - set up .venv, then lint (ruff), type-check (mypy) and run the whole test suite (unit tests + nbval)
#   make unit    - the unit tests alone: no nbval, no browser, nothing marked slow (no build of the real notebooks)
# Set-up installs requirements/lock.txt (every package, direct and transitive, pinned with its hashes)
# with uv, itself installed by pip from requirements/uv.txt (pinned, hashed); where uv cannot be had,
# pip installs the same lock. `make lock` writes the lock again after a pin in pyproject.toml changed.
# The lock is complete, so it installs with --no-deps. It leaves out rfc3987-syntax (and lark, its only
# use), an optional format checker of jsonschema that jupyter-events asks for: importing it builds a
# grammar, 1.65 s in every process that imports nbformat (the build, the tests), for a format
# ("iri") that no notebook, schema or event here checks.
# Every installed module is compiled to bytecode at install time (uv --compile-bytecode; pip does it by
# default), and so is the package's own source: where PYTHONDONTWRITEBYTECODE is set, as in many container
# images, Python would otherwise compile pandas, scipy, statsmodels, matplotlib and Jupyter from source in
# every process (each kernel, build and test worker): about 2 s of every fresh process's start.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt
# Tests run on every core (pytest-xdist); a test file, or a notebook's cells, stay together on one worker.
PARALLEL := -n auto --dist loadscope
# The test runs keep pytest's rewritten test modules (and the package's bytecode) in __pycache__/, even where
# PYTHONDONTWRITEBYTECODE is set: otherwise every worker rewrites all 85 test modules again (about 1 s each).
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest
QUIET_PIP := --quiet --disable-pip-version-check --no-warn-script-location

.PHONY: setup report test unit validate bench lock clean

setup: $(STAMP)

$(STAMP): pyproject.toml $(LOCK) requirements/uv.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	if $(BIN)/python -m pip install $(QUIET_PIP) --require-hashes -r requirements/uv.txt 2>/dev/null; then \
	  $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --require-hashes --no-deps -r $(LOCK) && \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e . ; \
	else \
	  echo "make setup: uv not available; installing with pip (slower)"; \
	  $(BIN)/python -m pip install $(QUIET_PIP) --require-hashes --no-deps -r $(LOCK) && \
	  $(BIN)/python -m pip install $(QUIET_PIP) --no-deps --no-build-isolation -e . ; \
	fi
	$(BIN)/python -m compileall -q src/scomm
	touch $(STAMP)

lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml requirements/build.in --extra test --generate-hashes \
	  --python-version 3.11 --universal --custom-compile-command "make lock" \
	  --no-emit-package rfc3987-syntax --no-emit-package lark -q -o $(LOCK)
	$(BIN)/uv pip compile requirements/uv.in --generate-hashes --python-version 3.11 --universal \
	  --custom-compile-command "make lock" -q -o requirements/uv.txt

report: $(STAMP)
	$(BIN)/scomm build

validate: $(STAMP)
	$(BIN)/scomm validate

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(PYTEST) $(PARALLEL)

unit: $(STAMP)
	$(PYTEST) -o addopts="-p no:cacheprovider" $(PARALLEL) -m "not slow" --ignore=tests/test_report_browser.py tests

bench: $(STAMP)
	$(BIN)/python benchmarks/rebuild.py
	$(BIN)/python benchmarks/scaling.py
	$(BIN)/python benchmarks/enforcement.py
	$(BIN)/python benchmarks/fresh_clone.py
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/models.py
	$(BIN)/python benchmarks/analyses.py

clean:
	rm -rf $(VENV) build

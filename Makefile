# voicecoach: `make demo` scores the bundled samples; `make test` runs the whole suite.
# Both create .venv/ when missing and install what they need (system libraries too,
# where apt is usable; otherwise they print the command to run).

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	&& echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint clean system-deps system-deps-test

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "voicecoach needs Python 3.11 or newer (python3.11+ not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev,voice]'
	@touch $@

system-deps:
	@sh scripts/system-deps.sh runtime

system-deps-test:
	@sh scripts/system-deps.sh test

demo: system-deps $(VENV)/.installed
	$(BIN)/python -m voicecoach.demo

test: system-deps-test $(VENV)/.installed
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed
	$(BIN)/ruff check voicecoach tests bench

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache

# voicecoach: `make demo` scores the bundled samples; `make check` lints, type-checks and runs
# the fast tests; `make test` runs the whole suite. Each creates .venv/ when missing and
# installs what it needs (system libraries too, where apt is usable; otherwise it prints the
# command to run).

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && echo $$p && break; done 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
FAST := not audio and not browser and not slow

.PHONY: demo check test lint train clean system-deps system-deps-test

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "voicecoach needs Python 3.11 or newer (python3.11+ not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev,voice,cluster]'
	@touch $@

system-deps:
	@sh scripts/system-deps.sh runtime

system-deps-test:
	@sh scripts/system-deps.sh test

demo: system-deps $(VENV)/.installed
	$(BIN)/python samples/demo.py

lint: $(VENV)/.installed
	$(BIN)/ruff check voicecoach tests bench samples training
	$(BIN)/ruff format --check voicecoach tests bench samples training
	$(BIN)/mypy voicecoach

check: lint
	$(BIN)/python -m pytest -q -m "$(FAST)"

test: system-deps-test $(VENV)/.installed
	$(BIN)/python -m pytest -q

# Rebuild the judge's shipped weights from training/data (about 50 minutes on 2 cores), then
# its figures and model card. Installs the train extra (PyTorch and transformers) first.
train: $(VENV)/.installed
	$(PIP) install -e '.[dev,voice,train]'
	cd training && ../$(BIN)/python train.py
	$(BIN)/python bench/judge_quality.py --json training/.cache/quality.json
	$(BIN)/python bench/judge_speed.py --json training/.cache/speed.json
	$(BIN)/python training/card.py voicecoach/judge/model training/.cache/quality.json \
		training/.cache/speed.json

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache

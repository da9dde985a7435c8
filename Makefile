# `make build` and `make test` are all a newcomer needs: each sets up .venv first.
# Building needs voicecoach alone; the test and lint tools are installed for `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BUILT := $(VENV)/.installed-build
TESTED := $(VENV)/.installed-test

.PHONY: build test test-fast lint docs bench listen stops clean catalogues

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BUILT): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $(BUILT)

$(TESTED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,dev,piper,docs]'
	@touch $(TESTED) $(BUILT)

build: $(BUILT)
	$(BIN)/voicecoach build scripts/routine.yaml

test: $(TESTED)
	$(BIN)/python -m pytest

# the loop while you work: everything but audio decoding, browsers, Piper and listening
test-fast: $(TESTED)
	$(BIN)/python -m pytest -m 'not slow' -q

lint: $(TESTED)
	$(BIN)/ruff check voicecoach tests bench docs/hooks.py
	$(BIN)/ruff format --check voicecoach tests bench docs/hooks.py
	$(BIN)/mypy

# the documentation site, into site/ (open site/index.html); --strict fails on any warning
# the language catalogues: voicecoach.pot from the message table; each .po checked
# (every message, the English placeholders, CLDR's plural forms, nothing fuzzy), compiled
catalogues: $(TESTED)
	$(BIN)/python -m voicecoach.language.compiling

docs: $(TESTED)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

bench: $(TESTED)
	$(BIN)/python -m bench.bench
	$(BIN)/python -m bench.serve
	$(BIN)/python -m bench.workouts
	$(BIN)/python -m bench.squad
	$(BIN)/python -m bench.languages
	$(BIN)/python -m bench.listening
	$(BIN)/python -m bench.intelligibility --every 3

listen: $(TESTED)
	$(BIN)/python -m bench.listening
	$(BIN)/python -m bench.intelligibility --every 3

stops: $(BUILT)
	$(BIN)/python -m bench.stops

clean:
	rm -rf $(VENV) output/leg-workout-for-runners.* .pytest_cache site

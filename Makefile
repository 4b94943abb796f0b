# Two commands matter: `make site` and `make test` (see README). Both work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
TSTAMP := $(VENV)/.test-installed-$(shell cat pyproject.toml tests/browser/package.json 2>/dev/null | sha1sum | cut -c1-12)

.PHONY: site test unit bench lint clean serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	bash scripts/setup-system.sh
	$(BIN)/pip install -q -e .
	touch $@

$(TSTAMP): $(STAMP)
	bash scripts/setup-system.sh libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils chromium
	$(BIN)/pip install -q -e '.[test]'
	bash scripts/vendor-axe.sh
	touch $@

site: $(STAMP)
	$(BIN)/mkdocs build --strict

serve: $(STAMP)
	$(BIN)/mkdocs serve

test: $(TSTAMP)
	$(BIN)/python -m pytest -q

unit: $(TSTAMP)
	$(BIN)/python -m pytest -q tests/unit

lint: $(TSTAMP)
	$(BIN)/ruff check plugins
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python -m bench.run

clean:
	rm -rf site .cache tests/artifacts

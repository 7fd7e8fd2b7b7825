# The two commands of the README: `make run` builds the warehouse, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INBOX ?= data/samples
PORT ?= 3000
STAMP := $(VENV)/.installed

.PHONY: install run test lint lint-fix ui bench samples corpus clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ingest.dbt_manifest  # dbt's parse of the project, ahead (parsed again at start only if a model changes)
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)  ## build the warehouse from the PDFs in INBOX (default: the bundled samples)
	$(PY) -m orchestration.build --inbox $(INBOX)

test: $(STAMP)  ## the whole test suite
	$(PY) -m pytest

lint: $(STAMP)  ## ruff (lint and format), sqlfluff on the dbt SQL, mypy on extract/; settings in pyproject.toml and dbt_project/.sqlfluff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cd dbt_project && ../$(VENV)/bin/sqlfluff lint . --processes 2
	$(VENV)/bin/mypy

lint-fix: $(STAMP)  ## apply the fixers: ruff's safe fixes and formatter, sqlfluff fix (review the diff)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	cd dbt_project && ../$(VENV)/bin/sqlfluff fix . --processes 2

ui: $(STAMP)  ## the Dagster UI on http://localhost:PORT (default 3000); its sensors watch INBOX (settings checked first)
	home=$$($(PY) -m orchestration.instance) && GENT_INBOX=$(abspath $(INBOX)) DAGSTER_HOME=$$home \
		$(VENV)/bin/dagster dev -m orchestration.definitions -p $(PORT)

samples: $(STAMP)  ## re-render the sample PDFs from the text dumps
	$(PY) tools/render_samples.py

corpus: $(STAMP)  ## re-render tests/corpus (needs chromium, libreoffice, weasyprint: see README)
	$(PY) tools/render_html.py --check

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf warehouse/build warehouse/raw warehouse/gent.duckdb warehouse/export warehouse/report

# The README's two commands are `make run` and `make test`; the rest are for developers.
SHELL := /bin/bash
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PYTHON ?= python3
WEB_PORT ?= 5000
export PATH := $(BIN):$(PATH)
export FLASK_APP := wsgi
export WEB_PORT

.PHONY: run test test-fast lint fmt translations i18n-extract bench-eligibility bench-pdf bench-pages bench-rush bench-payroll clean

$(BIN)/python:
	scripts/install-system.sh run
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	scripts/install-system.sh run
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	scripts/install-system.sh test
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

translations: $(VENV)/.run-deps
	@pybabel --quiet compile -d translations

## run: the portal, a worker and beat on SQLite and the embedded broker, with demo data
run: export PORTAL_ENV = development
run: translations
	flask db upgrade
	flask seed-demo
	@echo
	@echo "  Awrach portal: open http://127.0.0.1:$(WEB_PORT)/  (Ctrl-C stops everything)"
	@echo
	honcho -f Procfile.dev start

## test: the whole suite on PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or throwaway ones),
## spread over TEST_PROCESSES processes (a test file stays in one)
TEST_PROCESSES ?= 2
test: $(VENV)/.dev-deps translations
	scripts/with-test-services.sh pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

## test-fast: unit tests on SQLite with eager tasks
test-fast: export CELERY_EAGER = 1
test-fast: $(VENV)/.dev-deps translations
	env -u DATABASE_URL -u REDIS_URL pytest -m "not integration and not browser and not e2e" $(PYTEST_ARGS)

lint: $(VENV)/.dev-deps
	ruff check .
	ruff format --check .
	lint-imports

fmt: $(VENV)/.dev-deps
	ruff check --fix .
	ruff format .

## i18n-extract: refresh the message template and the catalogs after changing strings
i18n-extract: $(VENV)/.run-deps
	pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -k N_plural:1,2 --no-location --sort-output \
		--project "Awrach portal" -o translations/messages.pot portal tasks templates
	pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

## bench-pdf: agreement renders against a one-paragraph page, memory, 1 vs 2 workers (by hand)
bench-pdf: $(VENV)/.dev-deps translations
	mkdir -p build
	scripts/with-test-services.sh python bench/pdf.py

## bench-pages: pages against a fortunes baseline at 1,000 and 100,000 applications (by hand)
bench-pages: $(VENV)/.dev-deps translations
	scripts/install-system.sh bench
	@mkdir -p build
	DATABASE_URL=$${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} python bench/pages.py

## bench-eligibility: submit → report through HTTP against a baseline (by hand, not in CI)
bench-eligibility: $(VENV)/.dev-deps translations
	@mkdir -p build
	scripts/with-test-services.sh python bench/eligibility.py

## bench-rush: the closing-hour rush, 500 applicants submitting at once, 1–2 web and worker processes (by hand)
bench-rush: $(VENV)/.dev-deps translations
	scripts/install-system.sh bench
	@mkdir -p build
	DATABASE_URL=$${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} python bench/rush.py

## bench-payroll: a region's month of payroll files, 3,800 workers, against COPY of as many rows (by hand)
bench-payroll: $(VENV)/.dev-deps translations
	@mkdir -p build
	DATABASE_URL=$${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} python bench/payroll.py

clean:
	rm -rf $(VENV) instance .pytest_cache build

# The recommendation tracker. `make run` serves it with demo data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export TEST_POSTGRES_URL
# Two workers: the suite waits on databases, servers and the browser as much as on the CPU. They steal work from
# each other (--dist worksteal), so neither idles at the end: the SQLite leg took 725 s instead of 798 s.
PYTEST_WORKERS ?= 2
# The tests' temporary files (SQLite databases, uploads, backups) in memory when /dev/shm is there and writable:
# SQLite's fsync on every commit is the slow part of the tests that commit for real.
TEST_TMP ?= $(shell if [ -d /dev/shm ] && [ -w /dev/shm ]; then echo /dev/shm; else $(PYTHON) -c 'import tempfile; print(tempfile.gettempdir())'; fi)

.PHONY: help venv install run test test-sqlite test-postgres lint bench bench-load bench-growth bench-direct assets translations clean

help:
	@echo "make run      serve the app on http://127.0.0.1:8000 with an SQLite database and demo data"
	@echo "make test     run every test against SQLite and PostgreSQL"
	@echo "make install  create the environment and migrate the database (for deployments)"
	@echo "make lint     ruff and mypy (settings in pyproject.toml [tool.mypy])"
	@echo "make bench    benchmarks (bench/run.py): page latency, report and export time at demo scales 1 and 10"
	@echo "make bench-load    load run (bench/load.py): mixed workload on SQLite, PostgreSQL, 2 processes; PASS/FAIL per target"
	@echo "make bench-growth  cost growth (bench/load.py growth): the same pages at demo scales 1, 10 and 50"
	@echo "make bench-direct  the dashboard's and national recommendation page's direct work (bench/direct.py), scale 50"
	@echo "make assets   rebuild the vendored GOV.UK Frontend and htmx files in static/ (needs npm)"
	@echo "make translations [LOCALE=cy]  extract interface text to translations/messages.pot, update and compile"
	@echo "              every translations/<locale>/LC_MESSAGES/messages.po (LOCALE= starts a new language)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

venv: $(STAMP)

install: $(STAMP)
	$(BIN)/tracker db upgrade

run: $(STAMP)
	$(BIN)/tracker setup --demo
	$(BIN)/tracker serve

test: $(STAMP)
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite: $(STAMP)
	$(BIN)/ruff check src tests migrations bench
	$(BIN)/mypy
	TRACKER_TEST_DB=sqlite $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --basetemp=$(TEST_TMP)/tracker-tests-sqlite

# The browser tests (tests/e2e) check what a browser shows (markup, styles, scripts, the keyboard), which does not
# depend on the database: they run in the SQLite leg only, unless E2E=1 (make test-postgres E2E=1).
# A test that reaches no database at all is deselected in this leg (tests/support/database.py, TRACKER_ALL_TESTS=1).
E2E ?=
comma := ,
POSTGRES_LEG_ARGS := $(if $(E2E),,--ignore=tests/e2e)

test-postgres: $(STAMP)
	@if $(BIN)/python -c "import sys, sqlalchemy as sa; e = sa.create_engine(sys.argv[1]); e.connect().close()" "$(TEST_POSTGRES_URL)" 2>/dev/null; then \
		echo "The PostgreSQL leg runs every test that reaches a database$(if $(E2E),,$(comma) but the browser tests (E2E=1 runs them too)); the others ran in the SQLite leg (TRACKER_ALL_TESTS=1 runs them here too)"; \
		TRACKER_TEST_DB=postgresql $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal $(POSTGRES_LEG_ARGS) --basetemp=$(TEST_TMP)/tracker-tests-postgresql; \
	elif [ -n "$$TRACKER_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL is required (TRACKER_REQUIRE_POSTGRES) but cannot be reached at $(TEST_POSTGRES_URL)"; exit 1; \
	else \
		echo ""; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!!! SKIPPED: the PostgreSQL leg of the test suite. No server answers at $(TEST_POSTGRES_URL)."; \
		echo "!!! Start one (or set TEST_POSTGRES_URL) to run the suite against PostgreSQL too."; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi

bench: $(STAMP)
	$(BIN)/python bench/run.py

# LOAD_SECONDS (60), LOAD_CONCURRENCY (8), LOAD_SCALE (10), LOAD_SETUPS, ANCHOR_REQUESTS; LOAD_SMOKE=1 for a short run.
bench-load: $(STAMP)
	$(BIN)/python bench/load.py load

# GROWTH_SCALES (1,10,50), GROWTH_DATABASES (sqlite; or sqlite,postgresql), GROWTH_PASSES (4), ANCHOR_REQUESTS.
bench-growth: $(STAMP)
	$(BIN)/python bench/load.py growth

# DIRECT_SCALE (50), DIRECT_RUNS (30); ARGS="--profile" for a cProfile, ARGS="--save-html DIR" for the pages.
bench-direct: $(STAMP)
	$(BIN)/python bench/direct.py $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests migrations bench
	$(BIN)/ruff format --check src tests migrations bench
	$(BIN)/mypy

assets:
	bash frontend/build.sh

# Interface text: English in the code is the source; each language is translations/<locale>/LC_MESSAGES/messages.po.
# The app reads the .po files itself at start-up (the .mo files compiled here only make that quicker).
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k NC_:1c,2 --add-location=file --sort-output \
		--project="Stalking recommendations tracker" --version="" --msgid-bugs-address="" \
		-o translations/messages.pot src templates
	@if [ -n "$(LOCALE)" ] && [ ! -f translations/$(LOCALE)/LC_MESSAGES/messages.po ]; then \
		$(BIN)/pybabel init -i translations/messages.pot -d translations -l $(LOCALE); \
	fi
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel update -i translations/messages.pot -d translations --width=120 && \
		$(BIN)/pybabel compile -d translations --statistics && \
		$(BIN)/python -m tracker.translation_review; \
	else \
		echo "No translations yet: 'make translations LOCALE=cy' starts the Welsh one."; \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache

# Partner Hub — two commands on a fresh machine:
#   make run    set everything up and serve on http://127.0.0.1:5000 (HUB_PORT to change)
#   make test   set everything up and run the whole suite: lint, the SQLite pass, the
#               PostgreSQL pass, then the browser tests beside the server tests (each
#               pass prints its wall time)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HUB_PORT ?= 5000
# The demo program's time zone (hub/dates.py): the day its ledger lines are dated, and the
# zone of times for people who have not chosen one. Only `make run` sets it.
HUB_TIMEZONE ?= America/Chicago
HUB_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Unit and integration tests run on pytest-xdist workers, each on a database of its own;
# the browser tests and the tests that start real servers run in one process of their
# own each (see docs/testing.md).
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist worksteal
export HUB_PORT
# Compiled modules and pytest's rewritten test modules are cached in __pycache__ (git-ignored):
# with PYTHONDONTWRITEBYTECODE set, as on some machines, every test process would compile
# and rewrite all of them again (~8 s of CPU per process, five or more processes).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test setup db lint format test-sqlite test-e2e test-postgres test-postgres-pass test-servers bench clean

setup: $(VENV)/.stamp-deps static/vendor/.stamp

$(VENV)/.stamp-deps: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.stamp: node_modules/.stamp scripts/vendor.mjs
	node scripts/vendor.mjs
	touch $@

db: setup
	$(FLASK) hub upgrade
	@if $(FLASK) hub is-empty; then $(FLASK) hub seed-demo; fi

run: db
	HUB_TIMEZONE=$(HUB_TIMEZONE) $(FLASK) hub serve --port $(HUB_PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint test-sqlite test-postgres-pass
	@# The browser tests (SQLite, Chromium) and the server tests (PostgreSQL, Redis, real
	@# server processes) share nothing and mostly wait on what they drive, so they run side
	@# by side; the browser tests' output follows the server tests'.
	@log=$$(mktemp); \
	$(MAKE) --no-print-directory test-e2e > $$log 2>&1 & browser=$$!; \
	$(MAKE) --no-print-directory test-servers; servers=$$?; \
	wait $$browser; browsed=$$?; \
	echo "---- browser tests (run beside the server tests) ----"; cat $$log; rm -f $$log; \
	exit $$(( servers || browsed ))

# Each pass names itself (HUB_PASS) and its start (HUB_PASS_STARTED); tests/conftest.py
# prints "== <pass>: N s" just above pytest's summary, which stays the last line.
PASS = HUB_PASS_STARTED=$$(date +%s) HUB_PASS

# SQLite: everything but the browser tests and the tests that start real servers.
test-sqlite: setup
	HUB_TEST_DATABASE_URL= $(PASS)="sqlite pass" \
		$(BIN)/pytest $(XDIST) -m "not e2e and not servers" $(PYTEST_ARGS)

# Browser tests, once, against what `make run` serves (SQLite): two workers, each with
# its own live server, SQLite file and Chromium; a module's tests stay on one worker
# (--dist loadfile), so its signed-in people and fixtures are made once.
E2E_WORKERS ?= 2
test-e2e: setup
	HUB_TEST_DATABASE_URL= $(PASS)="browser tests" \
		$(BIN)/pytest -n $(E2E_WORKERS) --dist loadfile -m e2e $(PYTEST_ARGS)

# PostgreSQL (what production runs): everything but the browser tests; then, in one
# process, the tests that start real servers (several processes behind Redis, a killed
# server, the benchmarks at a tiny scale). `make test` runs the two separately (the
# server tests beside the browser tests); `make test-postgres` runs both, one after the other.
PG_ENV = HUB_TEST_DATABASE_URL=$(HUB_TEST_POSTGRES_URL)
PG_UP = $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(subst +psycopg,,$(HUB_TEST_POSTGRES_URL))', connect_timeout=3).close()" 2>/dev/null
PG_DOWN = if [ "$$HUB_REQUIRE_SERVICES" = "1" ]; then \
		echo "PostgreSQL is required (HUB_REQUIRE_SERVICES=1) but $(HUB_TEST_POSTGRES_URL) is not reachable"; exit 1; \
	else \
		echo "PostgreSQL not reachable at $(HUB_TEST_POSTGRES_URL): skipping $(1)"; \
	fi

test-postgres: test-postgres-pass test-servers

test-postgres-pass: setup
	@if $(PG_UP); then \
		echo '$(PG_ENV) $(BIN)/pytest $(XDIST) -m "not e2e and not servers" $(PYTEST_ARGS)'; \
		$(PG_ENV) $(PASS)="postgresql pass" \
			$(BIN)/pytest $(XDIST) -m "not e2e and not servers" $(PYTEST_ARGS); \
	else $(call PG_DOWN,the PostgreSQL pass); fi

# The server tests print their slowest eight (--durations): they wait on real processes,
# and a step that waits out its timeout instead of being answered shows up there.
test-servers: setup
	@if $(PG_UP); then \
		echo '$(PG_ENV) $(BIN)/pytest -m servers --durations=8 $(PYTEST_ARGS)'; \
		$(PG_ENV) $(PASS)="server tests (postgresql)" $(BIN)/pytest -m servers --durations=8 $(PYTEST_ARGS); \
	else $(call PG_DOWN,the tests that start real servers); fi

# The benchmarks, on SQLite and (when it answers) PostgreSQL: the load test and each page
# against its floor (bench, bench/floor.py), then each feature area's own at scale.
bench: setup
	@if $(PG_UP); then backends="sqlite postgresql"; both=--both; \
	else echo "PostgreSQL not reachable at $(HUB_TEST_POSTGRES_URL): SQLite only"; \
		backends=sqlite; both=; fi; \
	set -e; \
	$(BIN)/python -m bench $$both; \
	$(BIN)/python -m bench.coop --backends $$backends; \
	$(BIN)/python -m bench.learning --backends $$backends; \
	$(BIN)/python -m bench.ideas --backends $$backends; \
	$(BIN)/python -m bench.studio

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache

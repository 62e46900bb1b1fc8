# Two commands: `make run` and `make test`. Everything else is a convenience.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1:8000

.PHONY: run test install lint bench migrate worker seed clean ci

$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed: run 'make run PYTHON=python3.11' (or install it: apt-get install -y python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

## make run: install, migrate SQLite, load the demo centre, print the logins, serve with the task worker
run: seed
	@echo "Starting the background task worker and the web server on http://$(HOST) (Ctrl-C stops both)"
	@$(PY) manage.py db_worker --interval 1 --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST)

worker: install
	$(PY) manage.py db_worker

## make test: the whole suite (set DATABASE_URL=postgres://... to run it on PostgreSQL)
test: install
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

## make bench: performance budgets from the issues (not part of make test)
bench: install
	@for script in tests/benchmarks/bench_*.py; do \
	  echo "== $$script"; DJANGO_SETTINGS_MODULE=config.settings.test $(PY) $$script || exit 1; \
	done

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache

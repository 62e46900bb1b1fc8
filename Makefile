# Two commands: `make run` and `make test`. Everything else is a convenience.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1:8000

.PHONY: run test install lint bench migrate worker seed clean ci

$(VENV)/.installed: pyproject.toml requirements.lock
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
	@echo "Starting the background task worker and the web server on http://$(HOST)"
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py db_worker --interval 1 >/dev/null 2>&1 & \
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

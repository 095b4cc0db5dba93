# motcua — two commands: `make run` serves the product, `make test` passes the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install data browser lint format lock bench clean help audit

help:
	@echo "make run    — cài đặt, nạp dữ liệu và chạy http://$(HOST):$(PORT) (SQLite)"
	@echo "make test   — cài đặt và chạy toàn bộ kiểm thử (kể cả trình duyệt)"
	@echo "make bench  — chạy các phép đo hiệu năng trong bench/"

$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "motcua needs Python 3.11 (Django 5.2 LTS); set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@mkdir -p var/static
	@touch $@

install: $(VENV)/.installed

# Reference data: idempotent, so it runs on every `make run`.
data: install
	MOTCUA_EMBEDDED=1 $(MANAGE) migrate --no-input -v 0
	MOTCUA_EMBEDDED=1 $(MANAGE) createcachetable
	MOTCUA_EMBEDDED=1 $(MANAGE) load_calendar
	MOTCUA_EMBEDDED=1 $(MANAGE) load_places
	MOTCUA_EMBEDDED=1 $(MANAGE) import_catalog
	MOTCUA_EMBEDDED=1 $(MANAGE) load_forms
	MOTCUA_EMBEDDED=1 $(MANAGE) demo_accounts
	MOTCUA_EMBEDDED=1 $(MANAGE) signing init
	MOTCUA_EMBEDDED=1 $(MANAGE) demo --dossiers 3000 --seed 1 --if-empty
	MOTCUA_EMBEDDED=1 $(MANAGE) foryou load
	MOTCUA_EMBEDDED=1 $(MANAGE) foryou demo

run: data
	@echo "motcua: http://$(HOST):$(PORT)/  (quản trị: http://$(HOST):$(PORT)/quan-tri/)"
	@# One background worker for the periodic jobs (delivery, index, payments…), stopped with the server;
	@# started once the server answers, since some jobs call the shipped sandboxes over HTTP.
	@# The shipped sandboxes are reached at the address the server listens on.
	@export MOTCUA_PUBLIC_BASE_URL=http://$(HOST):$(PORT); trap 'kill 0' EXIT; \
	  ($(BIN)/python scripts/wait_for_http.py http://$(HOST):$(PORT)/healthz 120; \
	  MOTCUA_EMBEDDED=1 $(MANAGE) worker) & \
	  MOTCUA_EMBEDDED=1 MOTCUA_INSECURE_HTTP=1 $(MANAGE) runserver $(HOST):$(PORT)

browser:
	@scripts/ensure-system-packages.sh

# The SQLite test database is a file, so concurrency tests (threads) run on SQLite too.
test: install browser
	@mkdir -p var/static
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	MOTCUA_EMBEDDED=1 $(MANAGE) makemigrations --check --dry-run -v 0 || (echo "Missing migrations: run makemigrations" && exit 1)
	MOTCUA_TEST_SQLITE=$${MOTCUA_TEST_SQLITE:-var/test.sqlite3} $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock: install
	$(BIN)/pip install --quiet uv==0.13.9
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock
	@# pip's hash-checking mode treats a dependency asked for with extras (weasyprint's fonttools[woff]) as
	@# unpinned unless the lock names the extras too; without it pip may pick a newer, unhashed release.
	sed -i 's/^fonttools==/fonttools[woff]==/' requirements.lock

bench: install
	$(BIN)/python -m bench

# Dependency audit (pip-audit, requirements.lock): fails on a known vulnerability; prints
# "NOT CHECKED: advisory database unreachable" and passes where PyPI/OSV cannot be reached.
audit: install
	$(BIN)/python scripts/audit_dependencies.py

clean:
	rm -rf $(VENV) var

# The front door. `make run` and `make test` do all set-up on a fresh machine (Python 3.11+).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Development settings for local commands; production sets its own environment.
DEV_ENV := DEBUG=1

.PHONY: run serve test lint format migrate demo superuser worker worker-fetch worker-match beat messages \
        bench bench-match bench-money bench-signals bench-ingest bench-export bench-load bench-scale \
        bench-sitemap bench-warm-start bench-web bench-xlsx profile-ingest clean

$(BIN)/activate:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

migrate: $(VENV)/.installed
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(DEV_ENV) $(BIN)/python manage.py load_demo_data

run: demo
	@echo "Serving http://$(HOST):$(PORT)/  (admin: make superuser, then /admin/)"
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

superuser: migrate
	$(DEV_ENV) $(BIN)/python manage.py createsuperuser

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(VENV)/.installed-dev lint
	$(DEV_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

messages: $(VENV)/.installed-dev
	$(DEV_ENV) $(BIN)/python manage.py makemessages -l ko --no-location --no-obsolete --ignore=.venv --ignore=bench
	$(DEV_ENV) $(BIN)/python manage.py compilemessages -l ko --ignore=.venv

# Production web server: gunicorn with tracker/gunicorn.conf.py (workers, threads, timeouts and
# FORWARDED_ALLOW_IPS from the environment). Needs the production environment (SECRET_KEY, ...),
# `manage.py migrate` and `manage.py collectstatic --noinput` first; see README "Deployment".
serve: $(VENV)/.installed
	$(BIN)/gunicorn -c tracker/gunicorn.conf.py tracker.wsgi

# Celery: one worker per queue so slow sites never starve matching (needs REDIS_URL).
worker-fetch: $(VENV)/.installed
	$(BIN)/celery -A tracker worker -Q fetch -n fetch@%h --concurrency 8 --loglevel INFO

worker-match: $(VENV)/.installed
	$(BIN)/celery -A tracker worker -Q match -n match@%h --loglevel INFO

worker: $(VENV)/.installed
	$(BIN)/celery -A tracker worker -Q fetch,match --loglevel INFO

beat: $(VENV)/.installed
	$(BIN)/celery -A tracker beat --loglevel INFO

bench: bench-match bench-money bench-signals bench-ingest bench-export bench-load bench-sitemap bench-web

bench-match: $(VENV)/.installed-dev
	$(BIN)/python bench/bench_match.py

bench-money: $(VENV)/.installed-dev
	$(BIN)/python bench/bench_money.py

bench-signals: $(VENV)/.installed-dev
	$(BIN)/python bench/bench_signals.py

bench-ingest: $(VENV)/.installed-dev
	$(DEV_ENV) $(BIN)/python bench/bench_ingest.py

bench-scale: $(VENV)/.installed-dev
	$(DEV_ENV) $(BIN)/python bench/bench_scale.py

bench-export: $(VENV)/.installed-dev
	$(DEV_ENV) $(BIN)/python bench/bench_export.py

# 60 s at 100 connections against gunicorn (DEBUG=0) on loopback; needs PostgreSQL.
bench-xlsx: $(VENV)/.installed-dev
	$(BIN)/python bench/bench_xlsx.py

bench-load: $(VENV)/.installed-dev
	$(BIN)/python bench/bench_load.py

# Each public page against a trivial view on one gunicorn (DEBUG=0), 50 connections for 30 s each:
# req/s, p50/p95/p99, errors and the ratios to the trivial view; needs PostgreSQL (Redis if set).
bench-web: $(VENV)/.installed-dev
	$(BIN)/python bench/bench_web.py

# Where the time per ingested article goes, stage by stage, in one process.
profile-ingest: $(VENV)/.installed-dev
	$(BIN)/python bench/profile_ingest.py

# A fresh web process's first front page with and without gunicorn's warm start, on the
# bench-scale database (seeded by make bench-scale).
bench-warm-start: $(VENV)/.installed-dev
	$(BIN)/python bench/bench_warm_start.py

bench-sitemap: $(VENV)/.installed-dev
	$(DEV_ENV) $(BIN)/python bench/bench_sitemap.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

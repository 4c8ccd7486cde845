# Divan: `make run` runs the whole stack with demo data, `make test` runs the test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HUB_PORT ?= 3000
export HUB_PORT
# The hub serves the pages and proxies /api/ to the API on its own origin (one origin for the
# browser: the session cookie and CSRF), so the browser's links start with the hub's address.
export HUB_URL ?= http://127.0.0.1:$(HUB_PORT)
export DIVAN_API_URL ?= http://127.0.0.1:$(PORT)
# the stream process (live updates); the hub passes /api/stream/ to it
export STREAM_PORT ?= 8001
export DIVAN_STREAM_URL ?= http://127.0.0.1:$(STREAM_PORT)
# where browsers reach Divan: the local store's upload and download links start with it (unset,
# with the address each request reached)
export SITE_URL ?= $(HUB_URL)
HUB_SOURCES := $(shell find web/src web/next.config.ts web/tsconfig.json web/stream-proxy.mjs -type f 2>/dev/null)
# Two test processes by default (pytest-xdist); PYTEST_ARGS="-n 0 -k bans" runs in one.
PYTEST_ARGS ?= -n 2
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test lint format check migrations prod-check promtool bench bench-events bench-feeds bench-notifications bench-uploads bench-hub bench-live bench-inprocess clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed web/.next/BUILD_ID
	@mkdir -p .run
	$(BIN)/python manage.py ensure_db
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Divan is starting (Ctrl-C stops web, worker, beat, events, stream, mail and the hub):"
	@echo "    Hub       $(HUB_URL)/"
	@echo "    API       http://127.0.0.1:$(PORT)/api/communities/v1/"
	@echo "    API docs  http://127.0.0.1:$(PORT)/api/docs/"
	@echo "    Admin     http://127.0.0.1:$(PORT)/admin/"
	@echo "    Health    http://127.0.0.1:$(PORT)/readyz   Metrics http://127.0.0.1:$(PORT)/metrics"
	@echo "    Stream    $(HUB_URL)/api/stream/ (live updates, served by the stream process on :$(STREAM_PORT))"
	@echo "    Mail      every mail Divan sends: the 'mail |' lines below, and .run/mail/*.eml"
	@echo ""
	$(BIN)/honcho start --port $(PORT)

test: $(VENV)/.installed-dev web/node_modules/.installed
	scripts/apt-ensure chromium=chromium  # the API docs test drives it headless
	$(BIN)/pytest $(PYTEST_ARGS)
	cd web && DIVAN_PYTHON=$(CURDIR)/$(BIN)/python npm test  # the hub: units and the API contract
	cd web && DIVAN_PYTHON=$(CURDIR)/$(BIN)/python npm run test:e2e  # the hub in Chromium

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

web/.next/BUILD_ID: web/node_modules/.installed $(HUB_SOURCES)
	cd web && NEXT_TELEMETRY_DISABLED=1 npx next build

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemigrations --check --dry-run

check: lint migrations test

# Production as far as this machine can prove it without Docker: the compose files, the image,
# the healthcheck and the settings (tests/test_deployment_files.py), then Django's deploy checks
# under config.settings.prod with a throwaway secret (README, Running Divan for real).
prod-check: $(VENV)/.installed-dev
	$(BIN)/pytest -n 0 tests/test_deployment_files.py
	DJANGO_SETTINGS_MODULE=config.settings.prod DJANGO_ALLOWED_HOSTS=divan.example \
	  DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))') \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

promtool:
	scripts/install-promtool

clean:
	rm -rf $(VENV) .run web/node_modules web/.next

# Divan over HTTP (gunicorn, wrk) beside this machine's limits, then events (outbox, dispatch,
# a consumer, commit to search), then feeds (fan-out, post to feed, reads, rescoring, memory),
# then notifications (watched groups' rows, commit to inbox), then uploads (presign, the local
# store's upload throughput, memory), then the stream process (idle connections, memory,
# publish-to-client latency and messages per second beside a minimal SSE endpoint), then the
# hub's landing page JavaScript against its 200 KB budget; see README, Performance.
bench: $(VENV)/.installed-dev web/.next/BUILD_ID
	scripts/apt-ensure wrk=wrk pgbench=postgresql-client
	$(BIN)/python -m bench
	$(BIN)/python -m bench --events
	$(BIN)/python -m bench --feeds
	$(BIN)/python -m bench --notifications
	$(BIN)/python -m bench --uploads
	$(BIN)/python -m bench --live
	$(BIN)/python -m bench --hub
	cd web && node scripts/bundle-size.mjs

bench-hub: $(VENV)/.installed-dev web/.next/BUILD_ID
	scripts/apt-ensure wrk=wrk
	$(BIN)/python -m bench --hub
	cd web && node scripts/bundle-size.mjs

bench-events: $(VENV)/.installed-dev
	$(BIN)/python -m bench --events

bench-feeds: $(VENV)/.installed-dev
	scripts/apt-ensure wrk=wrk
	$(BIN)/python -m bench --feeds

bench-notifications: $(VENV)/.installed-dev
	$(BIN)/python -m bench --notifications

bench-uploads: $(VENV)/.installed-dev
	scripts/apt-ensure wrk=wrk
	$(BIN)/python -m bench --uploads

bench-live: $(VENV)/.installed-dev
	$(BIN)/python -m bench --live

# The older in-process figures: latency and queries per request through the test client.
bench-inprocess: $(VENV)/.installed-dev
	$(BIN)/python -m bench --in-process

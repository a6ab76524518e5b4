# Tenantly CRM. Every target installs what it needs from the project's own files.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
PY := .venv/bin/python

.PHONY: run test lint e2e bench stop reset install syslibs deps frontend assets chromium messages

run: install  ## Run the platform on embedded defaults (PostgreSQL, Redis, Celery, ASGI) with a demo company
	$(PY) -m config.run

test: install chromium  ## Run the whole test suite (unit, isolation, API, browser)
	$(PY) -m pytest

lint: deps  ## ruff (check, format), the import contracts (floors, no circles) and the type check
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
	.venv/bin/lint-imports
	SKIP_PG_EXTRA_VALIDATION=true DATABASE_URL=postgres://typecheck@127.0.0.1:1/none \
		REDIS_URL=redis://127.0.0.1:1/0 .venv/bin/mypy

e2e: install chromium  ## Only the browser tests
	$(PY) -m pytest tests/e2e

bench: install  ## Print the benchmark figures (long: three runs load 1,000,000 contacts)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(PY) bench/provisioning.py
	$(PY) bench/contacts_list.py
	$(PY) bench/deals_list.py
	$(PY) bench/analytics.py
	$(PY) bench/goals.py
	$(PY) bench/contact_card.py
	$(PY) bench/portal_orders.py
	$(PY) bench/stripe_webhooks.py
	$(PY) bench/telephony.py
	$(PY) bench/import_contacts.py
	$(PY) bench/search.py
	$(PY) bench/live_updates.py
	$(PY) bench/asgi_servers.py

stop:  ## Stop the embedded PostgreSQL and Redis
	$(PY) -m config.embedded stop

reset:  ## Stop the embedded servers and delete their data
	$(PY) -m config.embedded reset

install: syslibs deps assets  ## System libraries, Python packages, frontend build, translations, static files

syslibs:  ## Pango and fonts for WeasyPrint (invoice PDFs)
	@ldconfig -p | grep -q libpangoft2-1.0 && fc-list | grep -qi dejavu || (apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null)

deps:  ## Python packages from uv.lock into .venv
	@command -v uv >/dev/null || python3 -m pip install --quiet "uv==0.13.9"
	uv sync --frozen --quiet

frontend/node_modules: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch frontend/node_modules

frontend: frontend/node_modules  ## Build the design system's assets with Vite
	cd frontend && npm run --silent build -- --logLevel warn

messages: deps  ## Compile translations
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext >/dev/null)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=frontend/node_modules -v 0

assets: frontend messages
	$(PY) manage.py collectstatic --noinput -v 0

chromium:  ## Debian's Chromium for the browser tests
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

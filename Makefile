# `make run` serves the site with demo content; `make test` runs the suite.
# Both set themselves up on a fresh machine (Python 3.11, pip, make).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: install run test cluster-test lint format migrate demo clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# The player's hls.js comes from npm when Node.js is present (the page falls
# back to the browser's own HLS without it); so do ESLint and its configs
# (devDependencies, installed even where NODE_ENV=production).
node_modules/.installed: package.json package-lock.json
	npm ci --include=dev --no-audit --no-fund --loglevel=error
	touch $@

HAVE_NODE := $(shell command -v node)
HAVE_NPM := $(shell command -v npm)

install: $(VENV)/.installed $(if $(HAVE_NPM),node_modules/.installed)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops the web process and the worker)"
	$(VENV)/bin/honcho --procfile Procfile.dev start --port $(PORT)

# Tests keep their files (SQLite test database, filesystem broker) apart from
# `make run`'s, so a running demo and a test run never consume each other's jobs.
# The player's unit tests (tests/js, Node's own runner) first, when Node is here.
test: install
	$(if $(HAVE_NODE),node --test tests/js/*.test.js,@echo "Node.js missing: skipping the player's unit tests (tests/js)")
	VOD_VAR_DIR=$${VOD_VAR_DIR:-$(CURDIR)/var/test} $(VENV)/bin/pytest

# The production shape on this host (deploy/cluster/cluster_test.py): needs
# PostgreSQL server binaries, redis-server, nginx and Chromium; a few minutes.
cluster-test: install
	$(PY) deploy/cluster/cluster_test.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(if $(HAVE_NPM),npm run --silent lint,@echo "npm missing: skipping ESLint on the player")

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var staticfiles node_modules

# The project's single entry point. `make run` and `make test` work on a fresh clone
# with only Python 3.11, make and git.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000
WORKER_THREADS ?= 4

.PHONY: run test install migrate web worker doctor browser translations clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/flask db upgrade

run: migrate
	$(BIN)/python -m standins.runner --host $(HOST) --port $(PORT)

# The production processes (see the README's deployment section): any number of `web` and
# `worker` processes on any machines; `doctor` checks the configuration first.
web: migrate
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

worker: migrate
	$(BIN)/flask worker --workers $(WORKER_THREADS)

doctor: install
	$(BIN)/flask doctor

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium through Playwright (never `playwright install`).
# Installed here when we are root and it is missing; otherwise those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
	      || echo "Chromium could not be installed: browser tests will be skipped"; \
	  else echo "Chromium is not installed: browser tests will be skipped"; fi; }

# Refresh the Spanish/English catalogs after changing texts, then fill in the new Spanish entries.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --add-location=file --sort-by-file \
	  --project=dropi-ecomdrop-connector --version=0.1.0 -w 100 -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -w 100 \
	  --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d app/translations

clean:
	rm -rf $(VENV) .pytest_cache

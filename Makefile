# Houqin — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < requirements/lock.txt | cut -d' ' -f1)
export PYTHONPATH := $(CURDIR)
export DJANGO_SETTINGS_MODULE := houqin.settings

.PHONY: run test install lint format check pytest pytest-postgres messages lock bench clean

install: $(STAMP)

$(STAMP): requirements/lock.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Houqin needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/lock.txt
	rm -f $(VENV)/.installed-*
	touch $@

## make run: the app on SQLite with the demo school, web server and task worker at http://127.0.0.1:8000
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py sync_roles
	$(BIN)/python manage.py seed_demo
	@echo "Houqin runs at http://127.0.0.1:8000 — log in with an account above (Ctrl-C stops it)."
	bash scripts/run.sh

## make test: lint, checks, migrations check, the whole suite (SQLite; PostgreSQL too when
## HOUQIN_TEST_DATABASE_URL is set; browser journeys when /usr/bin/chromium exists)
test: install lint check pytest pytest-postgres

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check:
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	HOUQIN_ENV=production SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-key-but-long-enough-0123456789 \
	  ALLOWED_HOSTS=houqin.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python scripts/check_translations.py

pytest:
	$(BIN)/pytest -n 2 -q

pytest-postgres:
	@if [ -n "$$HOUQIN_TEST_DATABASE_URL" ]; then \
	  echo "== the suite again on PostgreSQL ($$HOUQIN_TEST_DATABASE_URL)"; \
	  DATABASE_URL="$$HOUQIN_TEST_DATABASE_URL" $(BIN)/pytest -n 2 -q -m "not e2e"; \
	else echo "HOUQIN_TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

## make messages: refresh the English catalogue after changing user-facing text
messages: install
	$(BIN)/python manage.py makemessages -l en --no-obsolete --no-location -i ".venv/*" -i "bench/*" -i "var/*"
	$(BIN)/python manage.py makemessages -d djangojs -l en --no-obsolete --no-location -i ".venv/*" -i "houqin/static/vendor/*" -i "var/*"
	$(BIN)/python manage.py compilemessages -i .venv

lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^pip==' > requirements/lock.txt

bench: install
	$(BIN)/python bench/generate.py --help

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

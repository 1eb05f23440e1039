# Liquida: `make run` serves the demo, `make test` runs the suite.
VENV    := .venv
PY      := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app app
STAMP   := $(VENV)/.installed-stamp
HOST    ?= 127.0.0.1
PORT    ?= 5000
LINT_DB := $(CURDIR)/instance/lint-check.db

.PHONY: run test lint install translations messages clean serve bench

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(VENV)/bin/pybabel compile -d translations

# gunicorn, one Celery worker and beat (services/jobs/launcher.py; a local Redis, started if installed, else jobs run inline).
# The demo is served over plain http on this machine: cookies without the Secure flag (browsers other than
# Chromium would not send them back over http). Anything else gets Secure cookies unless told otherwise.
run: install
	$(FLASK) db upgrade
	$(FLASK) seed demo
	SESSION_COOKIE_SECURE=$${SESSION_COOKIE_SECURE:-0} REMEMBER_COOKIE_SECURE=$${REMEMBER_COOKIE_SECURE:-0} \
		$(PY) -m services.jobs.launcher --bind $(HOST):$(PORT)

serve: install
	$(FLASK) run --host $(HOST) --port $(PORT) --debug

test: install lint
	$(PY) -m pytest $(PYTEST_ARGS)

# Lint gate: ruff (rules in pyproject.toml), and the models agree with the migrations on a scratch database.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	mkdir -p instance && rm -f $(LINT_DB)
	DATABASE_URL=sqlite:///$(LINT_DB) $(FLASK) db upgrade 2>$(LINT_DB).log || (cat $(LINT_DB).log; exit 1)
	DATABASE_URL=sqlite:///$(LINT_DB) $(FLASK) db check 2>$(LINT_DB).log || (cat $(LINT_DB).log; exit 1)
	rm -f $(LINT_DB) $(LINT_DB).log

# Catalogs sorted by msgid, without source locations or a dated template: branches that add strings
# merge without conflicts. The template is a scratch file.
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		-o instance/messages.pot .
	$(VENV)/bin/pybabel update -N --no-wrap --ignore-obsolete --ignore-pot-creation-date -i instance/messages.pot -d translations

bench: install
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) instance/liquida.db*

# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make run    create .venv, install, migrate, load demo data on first run, serve on http://127.0.0.1:5000
#   make test   create .venv if needed and run the whole test suite
# The interpreter .venv is made from (only when .venv does not exist yet; remove .venv to change it): the
# operating system's /usr/bin/python3 when it is 3.11+ and can make a venv, else python3 from PATH; or PYTHON=….
# Why: on our test machine Debian's python3 needed ~11 % less CPU per request than pyenv's default build
# (shared libpython, no --enable-optimizations): docs/benchmarks.md, session 6.
PYTHON ?= $(shell /usr/bin/python3 -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 \
	&& echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app contracts_app

.PHONY: run test install translations extract-messages migrate demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations

# Compiled catalogues (.mo) are build products, made from the .po files on every install.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d contracts_app/translations

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o contracts_app/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i contracts_app/translations/messages.pot -d contracts_app/translations --no-fuzzy-matching --ignore-obsolete

migrate: install
	$(FLASK) db upgrade
	$(FLASK) rules load-thresholds

demo: migrate
	$(FLASK) demo load

run: demo
	@echo "Serving on http://127.0.0.1:5000  (stop with Ctrl+C)"
	CONTRACTS_ENV=$${CONTRACTS_ENV:-development} CONTRACTS_SCHEDULER_IN_PROCESS=$${CONTRACTS_SCHEDULER_IN_PROCESS:-1} \
		$(FLASK) run --host 127.0.0.1 --port 5000

# pytest's exit code 5 (no tests collected) is a failure too.
test: install
	@rc=0; $(BIN)/python -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

bench: install
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis

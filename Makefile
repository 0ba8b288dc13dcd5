PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
STAMP := $(VENV)/.installed

.PHONY: run test lint clean bench bench-imports bench-reminders mutate translations

# The benchmark (bench/README.md): BENCH_SCALE=1 for the full district; BENCH_ARGS=--reuse
# to skip loading an existing BENCH_DB.
BENCH_SCALE ?= 0.01
BENCH_DB ?= hp_bench_small
BENCH_ARGS ?=

# The demo runs with the development keys and dev: logins; a server started without APP_ENV
# is production and refuses both.
run: export APP_ENV ?= development
# The demo refreshes badges and challenges inside each check-in: no worker to start beside it.
run: export GAMIFICATION_INLINE ?= true
run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo ""
	@echo "Serving the demo district on http://127.0.0.1:5000  (staff console: http://127.0.0.1:5000/console/, API docs: http://127.0.0.1:5000/api/docs)"
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m bench.run --db $(BENCH_DB) --scale $(BENCH_SCALE) $(BENCH_ARGS)

# The import benchmark (bench/README.md, "Imports"): 100,000 attendance rows, first and again,
# in a database of its own; BENCH_IMPORT_ARGS='--format xlsx' for the Excel workbook.
BENCH_IMPORT_DB ?= hp_bench_import
BENCH_IMPORT_ARGS ?=

bench-imports: $(STAMP)
	$(BIN)/python -m bench.imports --db $(BENCH_IMPORT_DB) $(BENCH_IMPORT_ARGS)

# The reminder benchmark (bench/README.md, "Reminders"): 10,000 due reminders planned and sent
# to a fake WeChat on loopback.
bench-reminders: $(STAMP)
	$(BIN)/python -m bench.reminders $(BENCH_REMINDER_ARGS)

# Mutation testing of the money and privacy rules ([tool.mutmut] in pyproject.toml) on
# PostgreSQL, where the check-in's hot path runs. MUTATE_ARGS narrows it to some mutants,
# e.g. MUTATE_ARGS='"points.chain*"'; `.venv/bin/mutmut browse` shows the survivors.
MUTATE_ARGS ?=

mutate: $(STAMP)
	@test -n "$(TEST_DATABASE_URL)" || { echo "set TEST_DATABASE_URL to a PostgreSQL database"; exit 1; }
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/mutmut run $(MUTATE_ARGS)
	$(BIN)/mutmut results

# Words people read (core/i18n.py): extract the English messages, merge them into the Chinese
# catalog (translate what is new or fuzzy in messages.po), compile the .mo that is committed.
TRANSLATIONS := core/translations
PYBABEL := $(BIN)/pybabel
PACKAGES := core identity points events catalog gamification reminders stats privacy me imports merging console

translations: $(STAMP)
	$(PYBABEL) extract -F babel.cfg -k _l --no-location --sort-output \
		--project health-points -o $(TRANSLATIONS)/messages.pot $(PACKAGES)
	$(PYBABEL) update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
		--no-wrap --ignore-obsolete --no-fuzzy-matching
	$(PYBABEL) compile --statistics -d $(TRANSLATIONS)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) instance .pytest_cache mutants

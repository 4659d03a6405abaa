# wengu: two commands, `make run` and `make test`, on a fresh machine with python3 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint eval sample install install-test translations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
	$(MAKE) -s translations
install-test: $(VENV)/.installed-test
	$(MAKE) -s translations

translations: | $(BIN)/python
	@$(BIN)/pybabel compile -f -d app/translations > /dev/null 2> $(VENV)/babel.log || { cat $(VENV)/babel.log; exit 1; }

run: install
	$(BIN)/wengu db upgrade
	$(BIN)/wengu serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check app cards tests bench migrations
	$(BIN)/mypy

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

eval: install
	@if [ -d ../shared/extraction/notes ]; then \
	  $(BIN)/python bench/eval_authors.py; \
	else echo "make eval: ../shared/extraction is absent, nothing to score"; fi

# The keep rate of a fixed sample of 100 corpus cards, against the marks in bench/sample_marks.tsv.
sample: install
	@$(BIN)/python bench/sample.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Refresh the message catalogs after changing UI strings (then translate app/translations/*/messages.po).
messages: | $(BIN)/python
	$(BIN)/pybabel -q extract -F babel.cfg -k _ -k n_:1,2 -k N_ -k lazy_gettext -o app/translations/messages.pot .
	$(BIN)/pybabel -q update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

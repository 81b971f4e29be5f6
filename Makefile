# `make run` starts the sandbox shop (its own database under data/sandbox); `make test` runs every test.
# Both create .venv with Python 3.13. `make clean` removes .venv, the sandbox's data and the benches' cached databases,
# never a real shop's (nor bench results).
# `make screenshots` writes PNGs of the web pages to docs/screenshots/ for README.
# `make lint` runs ruff (its rules and `ruff format --check`) and mypy over the shop's packages and bench/; CI runs it first.
# `make lock` pins the container's dependencies in requirements.lock.
# `make messages` writes the translation template telegram/locales/messages.pot (not committed).
# `make bench` runs every benchmark on SQLite and PostgreSQL (if it answers at SHOPKEEPER_BENCH_PG), prints one
# table and writes bench/results/<time>.json (not committed); `make bench BENCH_ARGS=--quick` checks they all work.
PYTHON_VERSION := $(shell cat .python-version)
PYTHON ?= $(shell command -v python$(PYTHON_VERSION) 2>/dev/null || (command -v pyenv >/dev/null && echo "$$(pyenv root)/versions/$$(pyenv versions --bare | grep -E '^$(PYTHON_VERSION)(\.[0-9]+)?$$' | tail -n 1)/bin/python"))
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint bench messages lock venv clean screenshots

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x "$(PYTHON)" || { echo "Python $(PYTHON_VERSION) not found: install it (pyenv install $(PYTHON_VERSION)) or set PYTHON=/path/to/python$(PYTHON_VERSION)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/shopkeeper sandbox

test: $(STAMP)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# The rules and the checker's settings are in pyproject.toml ([tool.ruff], [tool.mypy]); each tool runs even when another failed.
LINTED := actors storage telegram webui bench
lint: $(STAMP)
	@status=0; \
	$(VENV)/bin/ruff check $(LINTED) || status=1; \
	$(VENV)/bin/ruff format --check $(LINTED) || status=1; \
	$(VENV)/bin/mypy $(LINTED) || status=1; \
	exit $$status

bench: $(STAMP)
	$(VENV)/bin/python -m bench $(BENCH_ARGS)

# PNGs of the web app's main pages with demo sales, for README (a sandbox of its own in a temporary directory;
# needs Debian's chromium, as the browser tests do).
screenshots: $(STAMP)
	$(VENV)/bin/python -m tests.support.screenshots docs/screenshots

# Keywords and the extraction method are in babel.cfg (tests/test_translations.py reads it too).
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg --project Shopkeeper --no-wrap -o telegram/locales/messages.pot .

# requirements.lock pins, with hashes, what the Dockerfile installs: the runtime dependencies and the
# setuptools that builds the package. Regenerate it after changing pyproject.toml's dependencies.
lock: $(STAMP)
	$(VENV)/bin/python -m pip install --quiet uv
	echo "setuptools>=69" | $(VENV)/bin/uv pip compile pyproject.toml - --universal --python-version $(PYTHON_VERSION) \
		--generate-hashes --index-url https://pypi.org/simple --custom-compile-command "make lock" --quiet -o requirements.lock

clean:
	rm -rf $(VENV) data/sandbox data/makemigrations.db .pytest_cache bench/cache

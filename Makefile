# The course's two commands: `make run` and `make test`. Both build .venv/ from
# Pipfile.lock first when it is missing or older than the lock.
# Windows (no make): see README.md, "Windows".

PYTHON ?= python3
PIPENV_VERSION := 2026.10.3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.synced
# `make run` uses the demo profile unless CHAPTER05_PROFILE says otherwise;
# `make test` always uses ci.
CHAPTER05_PROFILE ?= demo
export CHAPTER05_PROFILE

.PHONY: help env run site test lab lint outputs canary translations check-graphviz check-browser clean clean-env

help:
	@echo "make run    execute every notebook headless (profile: $(CHAPTER05_PROFILE)), then make site"
	@echo "make site   the course site in English and Chinese: build/site/index.html, build/site/zh_CN/"
	@echo "make test   unit tests + nbval over every notebook's twin at the ci profile"
	@echo "make lab    open JupyterLab on notebooks/"
	@echo "make lint   ruff over the package, tests and notebooks"
	@echo "make env    only build .venv/ from Pipfile.lock"
	@echo "make outputs  (maintainers) re-execute the notebooks at ci into their twins in tests/notebooks/"
	@echo "make canary   (maintainers) the course on the newest releases, no lock: build/canary.md"
	@echo "make translations  the Chinese edition: catalogs updated from the English, notebooks/zh_CN/ rewritten"

env: $(STAMP)

$(STAMP): Pipfile.lock pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; ok = (3, 11) <= v < (3, 14); \
	sys.exit(0 if ok else f"Python {v[0]}.{v[1]} found; the course needs 3.11-3.13 (TPOT 1.1). Run: make PYTHON=python3.11 ...")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create $(VENV): on Debian/Ubuntu run 'sudo apt-get install python3-venv', then retry."; exit 1; }
	$(PY) -m pip install --quiet --disable-pip-version-check "pipenv==$(PIPENV_VERSION)"
	PIPENV_VENV_IN_PROJECT=1 PIPENV_VERBOSITY=-1 PIPENV_NOSPIN=1 $(PY) -m pipenv sync --dev
	@touch $@

# graph.visualize() needs Graphviz's `dot`, the browser test Debian's Chromium: installed here
# when the machine allows it (root or password-less sudo with apt-get; Homebrew for Graphviz),
# else one line says how (a missing Chromium only skips the browser test).
check-graphviz:
	@$(PYTHON) tools/system_programs.py dot

check-browser:
	@$(PYTHON) tools/system_programs.py chromium

# `make run`: every notebook executed afresh at $(CHAPTER05_PROFILE), then both sites.
run: $(STAMP) check-graphviz
	rm -rf build/.jupyter_cache/$(CHAPTER05_PROFILE)
	@$(MAKE) --no-print-directory site

# The course site (Sphinx with docs/conf.py over the repository; myst-nb, sphinx-book-theme;
# built offline), in English in build/site/ and in Chinese in build/site/zh_CN/. myst-nb executes
# each notebook in its own folder at $(CHAPTER05_PROFILE) and keeps its outputs in
# build/.jupyter_cache/$(CHAPTER05_PROFILE)/: a notebook runs again only when its code changed,
# and the Chinese site reuses the outputs. Open build/site/index.html.
SPHINX = $(PY) -m sphinx -b html -c docs -E -W --keep-going
site: $(STAMP) check-graphviz
	$(SPHINX) -d build/doctrees/en . build/site
	$(SPHINX) -d build/doctrees/zh_CN -D language=zh_CN . build/site/zh_CN

test: $(STAMP) check-graphviz check-browser
	CHAPTER05_PROFILE=ci $(PY) -m pytest

# The instructor's layout: notebook 04 with the dashboard's task stream, progress and worker memory
# docked beside it, and the Dask sidebar connected to the course's cluster once it starts (through
# the Jupyter server's proxy). jupyter-config/ holds the course's JupyterLab settings and the
# "instructor" workspace, imported afresh on every `make lab` into build/ (the layout starts clean).
lab: $(STAMP)
	@export JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter-config$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	  JUPYTERLAB_WORKSPACES_DIR="$(CURDIR)/build/jupyterlab-workspaces" && \
	$(BIN)/jupyter lab workspaces import jupyter-config/instructor.jupyterlab-workspace >/dev/null && \
	echo "JupyterLab: the instructor's layout (jupyter-config/); Ctrl-C twice to stop" && \
	$(BIN)/jupyter lab notebooks --LabApp.default_url=/lab/workspaces/instructor

lint: $(STAMP)
	$(BIN)/ruff check chapter05_helpers tests tools benchmarks notebooks docs/conf.py binder noxfile.py
	$(BIN)/ruff format --check chapter05_helpers tests tools benchmarks notebooks docs/conf.py binder noxfile.py

clean:
	rm -rf build .pytest_cache

clean-env:
	rm -rf $(VENV)

# Maintainers: re-execute the notebooks at the ci profile into their twins under tests/notebooks/
# (the outputs nbval compares against; notebooks/ stays clean). `make outputs NB=notebooks/01_*.ipynb`
NB ?=
outputs: $(STAMP) check-graphviz
	CHAPTER05_PROFILE=ci $(PY) tools/run_notebooks.py --store $(NB)

# Maintainers, on demand (never inside `make test`): noxfile.py's session, in .nox/canary, with the
# newest release of every package pyproject.toml declares (no lock): the unit and claim tests and
# every notebook at ci; the versions against the lock and what failed go to build/canary.md.
canary: $(STAMP) check-graphviz
	$(BIN)/nox -f noxfile.py -s canary

# The Chinese edition (tools/translations.py; CONTRIBUTING.md, "Translating"): the English pages'
# messages extracted afresh with the site's Sphinx configuration (nothing executed), merged into
# the catalogs in locale/zh_CN/LC_MESSAGES/ and the helpers' catalog, then the Chinese notebooks
# in notebooks/zh_CN/ rewritten from the English notebooks and the catalogs. Run it after an
# English change and after editing a catalog; it prints what is left to translate.
translations: $(STAMP)
	$(PY) tools/translations.py

# The two commands of the README: `make serve` and `make test`. Both set up what they need first;
# setup is idempotent and takes well under a second once done. Conventions: CONTRIBUTING.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PYTHON := $(VENV)/bin/python
MKDOCS := $(VENV)/bin/mkdocs
PYTHON_STAMP := $(VENV)/.requirements-installed
NODE_STAMP := node_modules/.package-lock.json

# Reproducible builds: the sitemap's date comes from the last commit, not from today.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
# mkdocs-material prints a notice about MkDocs 2 on every build; it is not about this project.
export NO_MKDOCS_2_WARNING := 1

# How many processes work at once (pytest-xdist, figure scripts, notebooks, the PDF's languages): one
# setting, read by course/site_facts.py's jobs(). `make test JOBS=1` runs everything in one process.
export JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# `make serve LANGUAGE=en` serves the English site; each language is its own MkDocs build, from the
# configuration course/site_facts.py's config_file() names (tests/test_hooks_site_facts.py holds CONFIG to it).
LANGUAGE ?= zh
CONFIG := $(if $(filter zh,$(LANGUAGE)),mkdocs.yml,mkdocs.$(LANGUAGE).yml)

.PHONY: help setup setup-build serve write build pdf test test-fast outputs versions measure bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

setup-build: $(PYTHON_STAMP) $(NODE_STAMP) ## install what the build needs: the Python and Node packages

setup: setup-build ## also install what the tests need: the system packages (CJK fonts, Chromium)
	@scripts/system-packages.sh

$(PYTHON_STAMP): requirements.txt pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

serve: setup-build ## build, serve at http://127.0.0.1:8000 and rebuild on every change (LANGUAGE=en for English)
	$(MKDOCS) serve -f $(CONFIG) --strict --dev-addr 127.0.0.1:8000 --livereload

write: setup-build ## writer mode: serve one language (LANGUAGE=zh) without drawing figures
	WRITER_MODE=1 $(MKDOCS) serve -f $(CONFIG) --dev-addr 127.0.0.1:8000 --livereload

build: setup ## build the static site, every language, into site/ (strict: a warning is an error), and its PDF edition
	$(PYTHON) scripts/build_site.py --site-dir site
	$(PYTHON) scripts/build_pdf.py --site-dir site

pdf: setup ## print the PDF edition of each language from the built site (site/pdf/, site/en/pdf/)
	test -d site || $(PYTHON) scripts/build_site.py --site-dir site
	$(PYTHON) scripts/build_pdf.py --site-dir site

# Two processes (pytest-xdist): one runs the browser tests, the other the rest, file by file
# (course/pytest_parallel.py).
test: setup ## run every test: page code blocks, snippets, hooks, the strict build, the workflows
	$(PYTHON) -m pytest -n $(JOBS) --dist loadfile --no-loadscope-reorder

# The loop while writing: the pages' blocks and the unit tests, without the site build (a test that
# uses it is marked `build` by tests/conftest.py), so without a browser, without Jupyter kernels, and
# without the runs of every page under another CPU capability (`every_page`).
test-fast: setup-build ## run the pages' code blocks and the unit tests: no site build, no browser, no notebooks
	$(PYTHON) -m pytest -n $(JOBS) --dist loadfile --no-loadscope-reorder -m "not build and not jupyter and not every_page"

outputs: setup ## rewrite the outputs shown under code blocks with what the code prints, then show the diff
	-$(PYTHON) -m pytest docs --update-outputs -q
	git --no-pager diff --stat -- docs

# `make versions VERSIONS_ARGS="--only 2.14.1"` runs one release; the scheduled workflow adds
# --newest --index-url ... --check. Only the standard library runs here; each release has its own venv.
VERSIONS_ARGS ?=
versions: ## run every page's code blocks under each torch of versions/torch-versions.toml (downloads them into .venvs/); record versions/torch-versions.json
	python3 scripts/torch_versions.py $(VERSIONS_ARGS)

measure: setup-build ## time derivatives and measure checkpointing's memory on this machine; save the data the figures are drawn from
	$(PYTHON) snippets/cost/measure_cost.py
	$(PYTHON) snippets/checkpointing/measure_memory.py

bench: setup ## time builds, the writer's loop and the tests; weigh pages (gzip); Lighthouse
	$(PYTHON) scripts/bench_build.py
	$(PYTHON) scripts/bench_pages.py site --write-table

clean: ## remove the build and the caches (not the installed packages: .venv/, node_modules/, and the torch releases of make versions in .venvs/)
	rm -rf site .cache

# The whole project runs from a virtual environment in .venv, made on first use.
# `make help` lists the targets.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# the test and lint tools on top (requirements-dev.txt); `make report` needs only the first
DEV_INSTALLED := $(VENV)/.installed-dev
DATA := data/synthetic_cohort.csv
# Not reports/ itself: running the notebooks by hand (and nbval) writes to reports/notebooks
REPORT_DIR := reports/synthetic_cohort
# JupyterLab refuses to start as root unless told; containers and CI machines often are root
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

.DEFAULT_GOAL := help
.PHONY: help report test bench lab notebooks data lint freeze clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): requirements.txt pyproject.toml jupyter/overrides.json
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed ($(PYTHON) is older); try: make PYTHON=python3.12"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@# JupyterLab settings for this project: no news or update checks, no extension manager
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $(INSTALLED)

$(DEV_INSTALLED): $(INSTALLED) requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(DEV_INSTALLED)

report: $(INSTALLED) ## Run the whole collection on the bundled synthetic cohort into reports/synthetic_cohort/
	$(PY) -m ivig_helpers run --data $(DATA) --out $(REPORT_DIR)

# pytest-xdist runs the tests on a worker per core and one more (-n auto, see conftest.py), each
# test file on one worker (loadscope), so a file's reports are made once; reports several files
# read are shared (tests/conftest.py).
# --no-loadscope-reorder: files go out in the order conftest.py gives them, slowest first.
# compileall: the kernels of the runs then load the package compiled, even where
# PYTHONDONTWRITEBYTECODE is set.
test: $(DEV_INSTALLED) ## Run every test: package, doctests, notebooks (papermill and nbval)
	$(PY) -m compileall -q ivig_helpers
	$(PY) -m pytest -n auto --dist loadscope --no-loadscope-reorder

bench: $(INSTALLED) ## Time the collection and the helpers, bundled and at 10^5 and 10^6 patients
	$(PY) benchmarks/bench.py

lab: $(INSTALLED) ## Open JupyterLab on the notebooks
	$(VENV)/bin/jupyter lab $(LAB_FLAGS) notebooks/

notebooks: $(INSTALLED) ## Re-execute the committed notebooks in place on the bundled cohort
	$(PY) -m ivig_helpers refresh-notebooks

data: $(INSTALLED) ## Regenerate the bundled synthetic cohort (byte-identical when nothing changed)
	$(PY) -m ivig_helpers synthesize --out $(DATA)

lint: $(DEV_INSTALLED) ## Lint the package, tests and notebooks with ruff
	$(VENV)/bin/ruff check conftest.py ivig_helpers tests notebooks

freeze: $(INSTALLED) ## Print the exact versions installed (to refresh the requirement files)
	$(PY) -m pip freeze --exclude-editable

clean: ## Remove the virtual environment and the reports
	rm -rf $(VENV) reports

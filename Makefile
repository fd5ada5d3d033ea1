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
.PHONY: help report test bench lab notebooks data lint freeze clean pool

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

# What a coordinator does with the reports centres send (README, "Pooling several centres"),
# on stand-ins: the bundled cohort and two generated centres, each run with disclosure control
# on as a centre would before sharing; only their released aggregates are pooled.
POOL_DIR := reports/pooled_example
pool: $(INSTALLED) ## Pool three shareable reports (bundled + two generated centres) into reports/pooled_example/
	mkdir -p $(POOL_DIR)/centres
	$(PY) -m ivig_helpers synthesize --n 90 --seed 11 --out $(POOL_DIR)/centres/centre_b.csv
	$(PY) -m ivig_helpers synthesize --n 45 --seed 12 --missing-followup 0.1 --out $(POOL_DIR)/centres/centre_c.csv
	$(PY) -m ivig_helpers run --data $(DATA) --out $(POOL_DIR)/centre_a --param min_cell_count=5
	$(PY) -m ivig_helpers run --data $(POOL_DIR)/centres/centre_b.csv --out $(POOL_DIR)/centre_b --param min_cell_count=5
	$(PY) -m ivig_helpers run --data $(POOL_DIR)/centres/centre_c.csv --out $(POOL_DIR)/centre_c --param min_cell_count=5
	$(PY) -m ivig_helpers pool $(POOL_DIR)/centre_a $(POOL_DIR)/centre_b $(POOL_DIR)/centre_c --out $(POOL_DIR)/pooled --with-published

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

# The two commands: `make demo` (the whole grading routine, end to end) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
ARTIFACTS ?= artifacts
PYTEST_ARGS ?=
WORKERS ?= 2

.PHONY: demo test typecheck serve bench setup clean golden

setup:
	@./scripts/bootstrap.sh

demo: setup
	@$(PY) -m betyg_harness.demo --artifacts $(ARTIFACTS)/demo

# --timeout: a hung test fails alone instead of stalling the run (the slowest take about a minute).
# --html: artifacts/report.html links (not embeds) the screenshots, traces, golden diffs and drift
# reports of failures. --dist loadgroup needs pytest<9.2 with pytest-xdist 3.8 (the plugin fails
# its tests otherwise: pytest-dev/pytest-xdist#1386).
TIMEOUT ?= 600
test: setup
	@mkdir -p $(ARTIFACTS)
	$(PY) -m pytest -n $(WORKERS) --dist loadgroup --timeout=$(TIMEOUT) \
	  --junitxml=$(ARTIFACTS)/junit.xml --html=$(ARTIFACTS)/report.html \
	  --output=$(ARTIFACTS)/playwright --tracing=retain-on-failure --screenshot=only-on-failure \
	  $(PYTEST_ARGS)

# mypy on the package as installed ([tool.mypy] in pyproject.toml; `make test` runs it too, in
# tests/unit/test_hygiene.py). Extra mypy options: make typecheck MYPY_ARGS=--no-incremental
MYPY_ARGS ?=
typecheck: setup
	@$(PY) scripts/typecheck.py $(MYPY_ARGS)

# Accept the current look of the catalogue and the screens as the golden images (tests/golden/):
# after an intended change to a page or the PDF. Look at the new images before committing them.
golden: setup
	$(PY) -m pytest -n $(WORKERS) --dist loadgroup --update-golden -k visual tests/visual $(PYTEST_ARGS)

serve: setup
	@$(PY) -m betyg_harness.serve

BENCH_ARGS ?=
bench: setup
	@$(PY) bench/run.py --json $(ARTIFACTS)/bench.json $(BENCH_ARGS)

clean:
	rm -rf $(ARTIFACTS) .pytest_cache .mypy_cache

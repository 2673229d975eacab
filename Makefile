# learndyn — quick start: `make demo`, then `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-slow docs docs-serve check-wheel bench bench-startup bench-scale bench-reference compare-reference compare-nonlinear-reference compare-stage3-reference install clean

$(STAMP): pyproject.toml examples/bring_your_own/pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,docs]"
	# a user's own package (not part of learndyn), found through its entry point by the tests
	$(PY) -m pip install -q --no-deps -e examples/bring_your_own
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/learndyn run integrate-leaky --out runs/integrate-leaky --force
	@echo ""
	@echo "figures: $(CURDIR)/runs/integrate-leaky/figures/"
	@echo "report:  $(CURDIR)/runs/integrate-leaky/report.html"

test: $(STAMP)
	.ci/install-chromium
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q -n 2 --dist worksteal

# the documentation site (site/): every tutorial in docs/tutorials/ is executed; --strict turns a
# broken link, a missing page or a failing API reference into an error
docs: $(STAMP)
	MPLBACKEND=Agg $(VENV)/bin/mkdocs build --strict

docs-serve: $(STAMP)
	LEARNDYN_DOCS_EXECUTE=false $(VENV)/bin/mkdocs serve

# the wheel and sdist (python -m build), installed in a fresh venv without the repository
check-wheel: $(STAMP)
	.ci/check-wheel $(PY)

# the slow reproductions, each leaving a JSON record under docs/reproductions/ (index.md lists the
# latest of each); compiled at XLA's default optimisation level (3), as users run them.
# A subset: make test-slow TESTS="tests/test_slow_lrnn.py"
TESTS ?=
test-slow: $(STAMP)
	XLA_FLAGS="--xla_backend_optimization_level=3 $(XLA_FLAGS)" $(PY) -m pytest -q -m slow -n 2 --dist loadscope \
	  --record-reproductions docs/reproductions $(TESTS)

bench: $(STAMP)
	$(PY) benchmarks/bench_integrate.py

# `learndyn --help` / `list` start-up, fresh processes (section "CLI start-up" of benchmarks/RESULTS.md)
bench-startup: $(STAMP)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(PY) benchmarks/bench_startup.py

DEVICE ?= cpu
bench-scale: $(STAMP)
	$(PY) benchmarks/bench_scale.py --device $(DEVICE)

# side by side with the reference implementation of Ger & Barak: needs a local snapshot of
# github:yoavger/closed_loop_rnn_learning_dynamics (REFERENCE_REPO) and a Python with torch
# (REFERENCE_PYTHON: torch, numpy, scipy, scikit-learn, matplotlib, seaborn — what its notebooks
# import); the reference code is read at run time, never copied into learndyn
bench-reference: $(STAMP)
	LEARNDYN_REFERENCE_REPO=$(REFERENCE_REPO) LEARNDYN_REFERENCE_PYTHON=$(REFERENCE_PYTHON) \
	  $(PY) benchmarks/bench_closed_loop.py

# tracking: ω1 acquisition and the recurrent pair, reference vs learndyn over seeds (≈ 30 min)
compare-reference: $(STAMP)
	LEARNDYN_REFERENCE_REPO=$(REFERENCE_REPO) LEARNDYN_REFERENCE_PYTHON=$(REFERENCE_PYTHON) \
	  $(PY) benchmarks/compare_tracking_reference.py --seeds 8 --epochs 800

# non-linear controller, closed vs open loop, with the notebook's init: item 9 over seeds (≈ 15 min)
compare-nonlinear-reference: $(STAMP)
	LEARNDYN_REFERENCE_REPO=$(REFERENCE_REPO) LEARNDYN_REFERENCE_PYTHON=$(REFERENCE_PYTHON) \
	  $(PY) benchmarks/compare_nonlinear_reference.py --seeds 5

# rank-one stage 3: P_eff by plain σ-GD vs the full model, reference cells beside learndyn (≈ 10 min)
compare-stage3-reference: $(STAMP)
	LEARNDYN_REFERENCE_REPO=$(REFERENCE_REPO) LEARNDYN_REFERENCE_PYTHON=$(REFERENCE_PYTHON) \
	  $(PY) benchmarks/compare_stage3_reference.py --seeds 5

clean:
	rm -rf $(VENV) runs .pytest_cache site

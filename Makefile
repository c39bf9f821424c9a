# KubeOrch: `make run` serves the product (embedded default), `make test` runs every check.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(shell scripts/find-python)
UV := $(UV_PYTHON) -m uv
PY := .venv/bin/python
PORT ?= 8000

.PHONY: run test test-cluster install frontend lint bench

install:
	@$(UV) --version >/dev/null 2>&1 || $(UV_PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --quiet

frontend:
	@if [ -f frontend/package.json ]; then scripts/build-frontend; fi

run: install frontend
	$(PY) manage.py serve --port $(PORT)

lint: install
	.venv/bin/ruff check .
	.venv/bin/mypy

test: install frontend
	scripts/with-services scripts/test-all

# The cluster-layer tests against a real cluster: KUBEORCH_TEST_KUBECONFIG=path make test-cluster
test-cluster: install
	@test -n "$$KUBEORCH_TEST_KUBECONFIG" || { echo "set KUBEORCH_TEST_KUBECONFIG=path"; exit 2; }
	scripts/with-services .venv/bin/pytest -m cluster tests/cluster

bench: install
	scripts/with-services bash -c 'for b in bench/[!_]*.py; do $(PY) -m bench.$$(basename $$b .py); done'

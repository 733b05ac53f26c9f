# Two commands set everything up on a fresh machine: `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTHON ?= python3
VAR := $(or $(DEID_VAR),$(CURDIR)/var)
export DAGSTER_HOME ?= $(VAR)/dagster
# Two threads on two cores collapse as soon as anything else runs (see ENVIRONMENT.md).
export OMP_NUM_THREADS ?= 1

.PHONY: install demo test ui mlflow-ui lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Nothing else runs during the demo, so torch may use both cores.
demo: $(STAMP)
	OMP_NUM_THREADS=2 $(BIN)/deid demo

test: $(STAMP)
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg check defs
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/pytest -q

ui: $(STAMP)
	$(BIN)/deid demo-corpus --defaults
	$(BIN)/deid dagster-home
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000 -w workspace.yaml

# One worker, and none of MLflow 3's GenAI job runners (seven more processes): about 0.5 GB.
mlflow-ui: $(STAMP)
	mkdir -p $(VAR)/mlflow
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false $(BIN)/mlflow ui --host 127.0.0.1 --port 5000 --workers 1 \
	  --backend-store-uri "$${DEID_MLFLOW_URI:-sqlite:///$(VAR)/mlflow/mlflow.db}" \
	  --default-artifact-root "$(VAR)/mlflow/artifacts"

lint: $(STAMP)
	$(BIN)/ruff check deid_platform deid_platform_tests benchmarks
	$(BIN)/ruff format --check deid_platform deid_platform_tests benchmarks

clean:
	rm -rf var data/demo

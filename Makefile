# InstaInstru discovery service. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PGVECTOR := $(VENV)/.pgvector-portable
MODEL := var/models/all-MiniLM-L6-v2/model.int8.onnx
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test install lint lock model browser monitoring-tools screenshots setup seed bench eval load fuzz faults probes clean-db replica

run: install model ## set up if needed and serve on http://127.0.0.1:8000
	$(PY) -m cli serve

test: lint model browser monitoring-tools ## lint, format check and mypy, then the whole suite (unit, integration, API, browser)
	$(PY) -m pytest

install: $(STAMP) $(PGVECTOR)

lint: install ## ruff (lint, format check) and mypy, as configured in pyproject.toml; pre-commit runs the same
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# Exactly what CI tested: every package, direct or transitive, at the version and hash of the lockfiles
# (the installers first, then the rest, torch being the CPU build that lies on disk), then the project
# itself without dependencies. After changing a dependency in pyproject.toml, run `make lock`.
$(STAMP): pyproject.toml requirements.lock requirements/tools.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes --no-deps -r requirements/tools.lock
	$(PY) -m pip install -q --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

# The wheel's vector.so uses AVX-512 and dies with SIGILL on CPUs without it: rebuild it portably.
$(PGVECTOR): $(STAMP) requirements/build-pgvector.sh
	requirements/build-pgvector.sh $$($(PY) -c 'import pgserver, pathlib; print(pathlib.Path(pgserver.__file__).parent / "pginstall/bin/pg_config")')
	touch $@

UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28 $(if $(wildcard /opt/wheels),--find-links /opt/wheels)

lock: ## re-resolve requirements.lock and requirements/tools.lock (hashes for every package) from pyproject.toml
	$(UV_COMPILE) requirements/tools.in -o requirements/tools.lock
	$(UV_COMPILE) pyproject.toml --extra export --extra dev --override requirements/overrides.txt \
		--constraint requirements/tools.lock -o requirements.lock

model: install $(MODEL)

# The browser tests drive Debian's Chromium with Playwright (Playwright's own download is unreachable).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# promtool (config and alert-rule checks) and the Prometheus server the monitoring tests start: Debian's package.
monitoring-tools:
	@command -v promtool >/dev/null && command -v prometheus >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus)

$(MODEL):
	$(PY) -m index.export_onnx

screenshots: install model browser ## refresh docs/screenshots from the browser tests
	SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest tests/e2e

setup: install model ## migrate and seed without serving
	$(PY) -m cli setup

seed: install ## seed demo data: make seed N=10000
	$(PY) -m cli seed --instructors $(or $(N),2000)

# The 100k database takes about 16 minutes the first time (2 cores: seeding ~6, embedding ~10); later runs reuse it.
BENCH_SIZES ?= 1000 10000 100000
bench: install model browser ## parse, embedding, search and page benchmarks (builds the 1k, 10k and 100k databases once)
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(PY) -m bench.bench_parse
	$(PY) -m bench.bench_embed
	$(PY) -m bench.bench_search --sizes $(BENCH_SIZES)
	$(PY) -m bench.bench_hnsw --sizes $(BENCH_SIZES)
	$(PY) -m bench.bench_page

eval: install model ## relevance report: parser sets, the judged search set graded by its rubric, the older qrels set
	$(PY) -m eval parse
	$(PY) -m eval parse --set holdout
	$(PY) -m eval parse --set holdout2
	$(PY) -m eval parse --set holdout3
	$(PY) -m eval snapshot --world --system current
	$(PY) -m eval.rubric grade --responses var/judged/responses/current.jsonl --split dev
	$(PY) -m eval.rubric grade --responses var/judged/responses/current.jsonl --split test
	$(PY) -m eval search --fail-below cp_contract@10=1.0

load: install model ## locust mix at 10k instructors, 1 and 2 workers; CSVs in var/load/
	$(PY) -m bench.bench_load --instructors 10000 --workers 1 2 --users 40 --seconds 45

fuzz: install model ## long schemathesis pass over every operation; summary in var/fuzz/summary.json
	FUZZ_EXAMPLES=200 $(PY) -m pytest tests/api/test_fuzz.py -p no:warnings

faults: install model ## scripted Redis stop, Postgres restart, two processes sharing Redis; var/faults/summary.json
	$(PY) -m bench.faults.run_faults

probes: install model ## scripted probes of the outside review's findings (login flood, 1 MB 422s, races, ...); var/faults/probes.json
	$(PY) -m bench.faults.probes

replica: install ## a streaming standby of the development database (var/pgdata-replica); prints its DATABASE_READ_URL
	$(PY) -m core.embedded_replica

# Destructive: names the database and its tier first; production needs CONFIRM_PRODUCTION=<database name>
# (and, on a terminal, the name typed again). Every run is appended to AUDIT_LOG.
clean-db: install ## drop the database (the embedded one is recreated and reseeded by make run)
	$(PY) -m cli clean-db $(if $(CONFIRM_PRODUCTION),--confirm-production $(CONFIRM_PRODUCTION))

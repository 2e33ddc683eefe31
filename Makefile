# `make run`: set up and open the chat on seeds/. `make test`: set up and run every test.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PORT    ?= 8501
PYTEST_ARGS ?=

.PHONY: setup run test test-fast browser clean-index

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --upgrade pip
	$(VENV)/bin/pip install -r requirements.txt
	touch $@

run: setup
	$(PY) -m qa ingest seeds/
	$(VENV)/bin/streamlit run ui/app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

browser:
	@command -v chromium >/dev/null || scripts/install-chromium.sh

test: setup browser
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

clean-index:
	rm -rf index/* && touch index/.gitkeep

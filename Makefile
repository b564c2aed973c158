# Two commands: `make run` and `make test`. Each bootstraps a fresh machine on its own.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
DEBS    := postgresql chromium fonts-noto-cjk default-jre-headless libpango-1.0-0 libpangoft2-1.0-0
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: run test lint system-deps venv demo bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the tests need (PostgreSQL server, Chromium, CJK fonts, a JDK for PySpark); installed only as root
# and only when missing, so a developer without root still gets a clear skip-free failure message.
system-deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages:$$missing (run as root, or install them)"; exit 1; fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: system-deps $(STAMP) lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The seed policies are 2022 and 2025 documents: the demo evaluates them as of a date they are in
# force (override with HUIQI_AS_OF=YYYY-MM-DD; unset means today).
run: $(STAMP)
	HUIQI_SCHEDULER_MINUTES=$${HUIQI_SCHEDULER_MINUTES:-5} HUIQI_AS_OF=$${HUIQI_AS_OF:-2025-06-01} $(BIN)/huiqi demo-up --host $(HOST) --port $(PORT)

bench: $(STAMP)
	$(BIN)/python bench/match.py

clean:
	rm -rf $(VENV) var artifacts

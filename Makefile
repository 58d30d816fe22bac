# dudao — set-up, demo, tests, benchmarks. `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
APT_PACKAGES := chromium fonts-noto-cjk fonts-liberation2 fontconfig poppler-utils libreoffice-writer-nogui faketime postgresql-client python3-uno
DEMO_HOST ?= 127.0.0.1:8000
# A resident LibreOffice beside the web server (PDFs in ≈0.2 s instead of ≈1 s; docs/adr/0005), stopped
# with it. When the address is taken (already running) it says so and the web server uses that one.
WITH_PDF_SERVER = $(BIN)/dudao pdf-server & pdf_server=$$!; trap 'kill $$pdf_server 2>/dev/null' EXIT;

.PHONY: install system-packages demo serve serve-prod test lint test-sqlite test-pg test-e2e test-future spark-test bench clean

install: system-packages $(VENV)/.installed

# Debian packages the product and the tests need: browser, CJK and metric-compatible Latin fonts
# (fonts-liberation2 stands in for Times New Roman/Arial in PDFs), PDF tools, LibreOffice, faketime. Idempotent.
system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  echo "installing system packages:$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(VENV)/.installed: requirements/dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

demo: install
	$(BIN)/dudao migrate --noinput -v0
	$(BIN)/dudao load-reference
	$(BIN)/dudao demo-data --scale small --seed 1 --if-empty
	$(BIN)/dudao demo-logins
	@echo "督导平台演示站点: http://$(DEMO_HOST)/  (Ctrl+C 停止)"
	$(WITH_PDF_SERVER) DUDAO_DEBUG=0 $(BIN)/dudao runserver --insecure $(DEMO_HOST)

serve: install
	$(WITH_PDF_SERVER) DUDAO_DEBUG=0 $(BIN)/dudao runserver --insecure $(DEMO_HOST)

# Production on one machine (issue 8 §5): gunicorn serves pages and static files itself (WhiteNoise), no
# proxy needed. Keys come from the environment; without an HTTPS proxy give gunicorn the certificate
# (DUDAO_TLS_CERT/DUDAO_TLS_KEY) or, on a closed network only, set DUDAO_SSL_REDIRECT=0.
SERVE_PROD_HOST ?= 127.0.0.1:8000
GUNICORN_WORKERS ?= 2
serve-prod: install
	@if [ -z "$$DUDAO_SECRET_KEY" ] || [ -z "$$DUDAO_PII_KEY" ]; then \
	  echo "make serve-prod: 请先设置环境变量 DUDAO_SECRET_KEY 和 DUDAO_PII_KEY(各至少 50 个字符的随机值)," >&2; \
	  echo "  例如 export DUDAO_SECRET_KEY=\$$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')" >&2; \
	  echo "  另可设置 DATABASE_URL(默认 SQLite var/dudao.sqlite3)、DUDAO_ALLOWED_HOSTS、DUDAO_TLS_CERT/DUDAO_TLS_KEY。" >&2; \
	  exit 1; fi
	DUDAO_ENV=production $(BIN)/dudao check --deploy --fail-level ERROR
	DUDAO_ENV=production $(BIN)/dudao collectstatic --noinput -v0
	@echo "督导平台(生产模式): http://$(SERVE_PROD_HOST)/  (Ctrl+C 停止)"
	$(WITH_PDF_SERVER) DUDAO_ENV=production $(BIN)/gunicorn dudao.wsgi --bind $(SERVE_PROD_HOST) --workers $(GUNICORN_WORKERS) \
	  --access-logfile - $${DUDAO_TLS_CERT:+--certfile "$$DUDAO_TLS_CERT" --keyfile "$$DUDAO_TLS_KEY"}

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test-sqlite: install
	$(BIN)/pytest -q -m "not e2e" -p xdist -n 2

# PostgreSQL: CI has one at 127.0.0.1:5432; started here when installed but down.
test-pg: install
	@if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v pg_ctlcluster >/dev/null; then \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start || true; sleep 2; fi
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m "not e2e" -p xdist -n 2; \
	else echo "PostgreSQL not reachable at 127.0.0.1:5432: PostgreSQL run skipped"; fi

test-e2e: install
	$(BIN)/pytest -q -m e2e

# The suite must not depend on the machine's date (issue 7): tests run on a frozen clock (tests/clock.py);
# this runs a slice that computes deadlines, card validity and documents with the system clock faked
# to future dates, so anything escaping the frozen clock (a subprocess, a module constant) shows here.
FUTURE_DATES ?= 2027-06-01 2028-02-01
FUTURE_SLICE ?= tests/renewals tests/people tests/workdays tests/supervision/test_pages_admin.py \
	tests/supervision/test_pages_tasks.py tests/documents tests/notifications tests/test_system_packages.py
test-future: install
	@for d in $(FUTURE_DATES); do \
	  echo "faked system clock: $$d 10:00:00"; \
	  faketime "$$d 10:00:00" $(BIN)/pytest -q -m "not e2e" -p xdist -n 2 $(FUTURE_SLICE) || exit 1; \
	done

test: lint test-sqlite test-pg test-e2e test-future

# The data-comparison SQL on Spark (issue 13 item 4; docs/scale.md): the DuckDB ↔ Spark comparison test needs
# a Java runtime (Debian openjdk-17-jre-headless) and pyspark (the `spark` extra, ≈ 400 MB), neither in the
# default install nor in `make test` (there the comparison is skipped with a message).
spark-test: install
	@command -v java >/dev/null || { echo "spark-test: 需要 Java(Debian 软件包 openjdk-17-jre-headless)" >&2; exit 1; }
	$(BIN)/python -m pip install -q 'pyspark>=4.0,<5'
	PYSPARK_PYTHON=$(BIN)/python $(BIN)/pytest -q -rs tests/analytics/test_scan_engines.py

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var/*.sqlite3*

# surveyapp: `make run` and `make test` work on a fresh machine with only python3 and make.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM := /usr/bin/chromium

.DEFAULT_GOAL := help
TOKEN_FILE ?= surveyapp.env
ARGS ?= --help
# `make run` and `make cli` read the tokens `make token` made (a token already in the environment wins).
WITH_TOKENS = set -a; if [ -f "$(abspath $(TOKEN_FILE))" ]; then . "$(abspath $(TOKEN_FILE))"; fi; set +a;
.PHONY: help setup token run cli test test-fast bench bench-scale lint browser r rclone oidc deploy-tools image demo translations \
	docs docs-cog clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# The venv's Python is Debian's /usr/bin/python3 where it is 3.11 or newer: what the image runs (bookworm's 3.11).
# Debian builds it with profile-guided and link-time optimisation, so the tests take about a tenth less CPU on it
# than on a default pyenv build. Elsewhere uv takes the first Python 3.11 or newer it finds.
VENV_PYTHON ?= $(shell /usr/bin/python3 -c 'import sys; print(sys.executable if sys.version_info >= (3, 11) else "")' \
	2>/dev/null)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet $(if $(VENV_PYTHON),--python $(VENV_PYTHON))
	@touch $@

setup: $(VENV)/.synced ## install the locked dependencies into .venv

browser: ## install Debian's chromium (browser tests, the report's PDF) and poppler-utils (reading the PDF back), when missing
	@if [ ! -x $(CHROMIUM) ] || ! command -v pdftotext >/dev/null; then \
		echo "installing chromium and poppler-utils (Debian packages) for the browser and PDF tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	fi

# R reads the exported SPSS and Stata files in the tests (tests/exports/test_export_analysts.py), as an analyst would.
r: ## install Debian's R and haven (the tests read the exports in R), when missing
	@if ! command -v Rscript >/dev/null || ! Rscript -e 'library(haven)' >/dev/null 2>&1; then \
		echo "installing r-base-core and r-cran-haven (Debian packages) for the tests that read the exports in R"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			r-base-core r-cran-haven >/dev/null; \
	fi

# The container image (Containerfile) and the systemd unit (deploy/) are checked by the tests with the real tools:
# podman builds and runs the image (tests/test_container.py), systemd-analyze verifies the unit (tests/test_deploy.py).
deploy-tools: ## install podman, runc and mmdebstrap (the image) and systemd (its unit checker), when missing
	@if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v mmdebstrap >/dev/null \
			|| ! command -v systemd-analyze >/dev/null; then \
		echo "installing podman, runc, mmdebstrap and systemd (Debian packages) for the image and the unit's tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			podman runc mmdebstrap systemd >/dev/null; \
	fi

# No image registry is reached here, so the base is made from Debian packages: mmdebstrap writes a bookworm root
# (python3, its venv module, CA certificates, and this machine's CA bundle so that uv can reach PyPI through a
# TLS-inspecting proxy) once into .cache/image/ (one to three minutes); `podman import` turns it into IMAGE_BASE.
# Delete .cache/image/ to take Debian's updates. podman runs with deploy/podman/containers.conf (runc, explicit
# ulimits). The build reads and fills uv's cache on this machine (`make setup` filled it with the same locked
# wheels), so the image's dependencies are not downloaded again; nothing of the cache ends up in the image.
IMAGE ?= localhost/surveyapp:latest
IMAGE_BASE := localhost/surveyapp-base:bookworm
IMAGE_CACHE := .cache/image
PODMAN := CONTAINERS_CONF=$(abspath deploy/podman/containers.conf) podman
$(IMAGE_CACHE)/base-bookworm.tar:
	@mkdir -p $(IMAGE_CACHE)
	mmdebstrap --quiet --format=tar --variant=minbase --include=python3,python3-venv,ca-certificates \
		--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		--customize-hook='copy-in /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs' \
		bookworm $@.part
	@mv $@.part $@

image: deploy-tools $(UV) $(IMAGE_CACHE)/base-bookworm.tar ## build the container image IMAGE (its base from Debian packages, cached in .cache/image/)
	@if ! $(PODMAN) image exists $(IMAGE_BASE) || [ $(IMAGE_CACHE)/base-bookworm.tar -nt $(IMAGE_CACHE)/imported ]; then \
		$(PODMAN) import --quiet --change 'CMD ["python3"]' $(IMAGE_CACHE)/base-bookworm.tar $(IMAGE_BASE) >/dev/null \
			&& touch $(IMAGE_CACHE)/imported; fi
	@mkdir -p "$$($(UV) cache dir)"
	$(PODMAN) build --quiet --format docker --build-arg BASE=$(IMAGE_BASE) --build-arg UV_VERSION=$(UV_VERSION) \
		--volume "$$($(UV) cache dir)":/root/.cache/uv --tag $(IMAGE) --file Containerfile . >/dev/null
	@# Each build that changes the code leaves the previous image untagged, with its own copy of the 900 MB .venv.
	@$(PODMAN) image prune --force --filter label=org.opencontainers.image.title=surveyapp >/dev/null
	@echo "built $(IMAGE): $$($(PODMAN) image inspect --format '{{.Size}}' $(IMAGE) | numfmt --to=si --round=nearest)B"

# rclone sends backups off the machine (SURVEYAPP_BACKUP_REMOTE); the tests send them to a local folder with it.
rclone: ## install Debian's rclone (backups sent off the machine, and their tests), when missing
	@if ! command -v rclone >/dev/null; then \
		echo "installing rclone (Debian package) for backups sent off the machine and their tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rclone >/dev/null; \
	fi

# The sign-in tests start a real OpenID provider on loopback: node-oidc-provider (OpenID Certified), run under Node
# from Debian's packages, its exact versions locked in tests/oidc/package-lock.json (npm ci).
OIDC_MODULES := tests/oidc/node_modules/.package-lock.json
$(OIDC_MODULES): tests/oidc/package.json tests/oidc/package-lock.json
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		echo "installing nodejs and npm (Debian packages) for the test OpenID provider"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	fi
	cd tests/oidc && npm ci --no-audit --no-fund --silent

oidc: $(OIDC_MODULES) ## install Node.js (Debian) and the test OpenID provider (tests/oidc, npm ci), when missing

token: setup ## make the admin, analyst and staff tokens once, into surveyapp.env (make run and make cli read it)
	@$(PY) -m surveyapp.auth.tokenfile $(TOKEN_FILE)

run: setup ## start the service (default http://127.0.0.1:8000, data in ./data)
	@$(WITH_TOKENS) $(VENV)/bin/surveyapp serve --host $(HOST) --port $(PORT)

# The service's address for the CLI follows PORT and HOST, as `make run` does, unless SURVEYAPP_URL is set.
cli: setup ## run a surveyapp command with the tokens, e.g. make cli ARGS="export --waves all --format sav --out all.sav"
	@$(WITH_TOKENS) SURVEYAPP_URL="$${SURVEYAPP_URL:-http://$(HOST):$(PORT)}" $(VENV)/bin/surveyapp $(ARGS)

# An invented data set (the 2019 baseline, spring and autumn 2026 with a few hundred families each) loaded once
# into data/demo, its own folder with its own tokens, then served as "demo data" (surveyapp/cli/demo.py).
demo: setup ## load an invented data set into data/demo (once) and serve it, every page marked "demo data"
	@$(VENV)/bin/surveyapp demo --host $(HOST) --port $(PORT)

# Tests run on two workers (pytest-xdist); `loadscope` keeps each module on one worker, in order, so a module's
# servers and written report are made once, and the modules go out in conftest.py's order (longest first).
# Python writes its bytecode caches for the run even where PYTHONDONTWRITEBYTECODE is set: each `surveyapp`
# subprocess the tests start would otherwise compile its ~2,000 imported modules again. `make test` measures coverage (pyproject.toml); `make test-fast` does not.
TEST_WORKERS ?= 2
PYTEST = env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

test: setup browser r rclone deploy-tools oidc ## run every test, with coverage
	$(PYTEST)

test-fast: setup rclone oidc ## run the tests that are neither slow nor need a browser or R (make test runs them all)
	$(PYTEST) --no-cov --hypothesis-profile=fast -m "not browser and not slow and not r"

bench: setup ## run the benchmarks and print their figures
	$(PY) -m bench

# Analytics over 10,000,000 stored responses and start-up over 1,000,000 (bench/scale.py). The data are
# generated once into data/bench-scale/ (about 4.5 GB, 10 minutes) and reused. Not part of `make bench` or CI.
bench-scale: setup ## analytics over 10 million stored responses and start-up over a million (generated once)
	$(PY) -m bench.scale

# The form's words are gettext catalogues (surveyapp/web/locale/<lang>/LC_MESSAGES/messages.po); Babel extracts
# t("...") from the web package's Python and templates (babel.cfg), updates every catalogue and compiles the .mo
# files the service reads; the findings pages' own words likewise in surveyapp/findings/locale. New messages come out untranslated: tests/form/test_translations.py fails until they are.
LOCALE := surveyapp/web/locale
FINDINGS_LOCALE := surveyapp/findings/locale
translations: setup ## extract the form's messages, update every language's catalogue, compile them (Babel)
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k t --no-location --sort-output --omit-header -w 120 -o $(LOCALE)/messages.pot .
	$(VENV)/bin/pybabel -q update -i $(LOCALE)/messages.pot -d $(LOCALE) -w 120 --ignore-pot-creation-date
	$(VENV)/bin/pybabel compile -d $(LOCALE) --statistics
	$(VENV)/bin/pybabel -q extract -F $(FINDINGS_LOCALE)/../babel.cfg -k t --no-location --sort-output --omit-header -w 120 -o $(FINDINGS_LOCALE)/messages.pot .
	for lang in en_easy pl ro ur; do [ -f $(FINDINGS_LOCALE)/$$lang/LC_MESSAGES/messages.po ] || \
		$(VENV)/bin/pybabel -q init -i $(FINDINGS_LOCALE)/messages.pot -d $(FINDINGS_LOCALE) -l $$lang -w 120; done
	$(VENV)/bin/pybabel -q update -i $(FINDINGS_LOCALE)/messages.pot -d $(FINDINGS_LOCALE) -w 120 --ignore-pot-creation-date
	$(VENV)/bin/pybabel compile -d $(FINDINGS_LOCALE) --statistics

lint: setup ## ruff, mypy (strict) and the import contracts
	$(VENV)/bin/ruff check surveyapp waves analytics tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The docs site (MkDocs with Material, mkdocs.yml): --strict fails on any warning, a broken link or anchor and a
# page left out of the nav included. The settings and CLI references in it are generated from the code by cog;
# `make docs-cog` writes them again after a setting or a command changes (tests/docs/test_docs.py fails until then).
COGGED := docs/operations/settings.md docs/analysts/cli.md deploy/surveyapp.env.example
docs: setup ## build the docs site into site/ (mkdocs build --strict: warnings, broken links and anchors fail it)
	$(VENV)/bin/mkdocs build --strict  # not --quiet: it hides the warnings, and then --strict passes them
	@echo "docs built: site/index.html"

docs-cog: setup ## regenerate the settings and CLI references in docs/ from the code (cog)
	$(VENV)/bin/cog -r $(COGGED)

clean: ## remove the virtual environments (keeps ./data)
	rm -rf $(VENV) $(TOOLS)

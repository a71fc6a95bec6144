# Shared by the layers' Makefiles, which `sam build` runs (BuildMethod: makefile): no Docker and
# no python3.12 needed. pip fetches the Lambda platform's wheels (arm64, CPython 3.12); both
# manylinux tags are required, or pip quietly falls back to old Pillow/pillow-heif releases.
PYTHON ?= python3
PYTHON312 ?= python3.12
# Lambda's filesystem is read-only: without shipped .pyc every cold start compiles the sources.
# CPython 3.12 (the runtime) makes them; unchecked-hash ignores the mtimes that zipping changes.
COMPILE = if $(PYTHON312) -c "" 2>/dev/null; then \
	$(PYTHON312) -m compileall -q -j 0 --invalidation-mode unchecked-hash "$(ARTIFACTS_DIR)"; \
	else echo "note: no python3.12, so no .pyc: Lambda will compile the sources at each cold start"; fi

PIP = $(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile -t "$(ARTIFACTS_DIR)/python" \
	--platform manylinux_2_28_aarch64 --platform manylinux2014_aarch64 \
	--implementation cp --python-version 3.12 --only-binary=:all:

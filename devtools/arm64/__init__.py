"""The built artifact run on Lambda's own platform (aarch64, CPython 3.13), without Docker.

runtime.py makes the emulated execution environment and starts the function in it; runtime_api.py
is the Lambda Runtime API it polls; bootstrap.py, probe.py and floor.py run inside it.
`make arm64-test` (tests/test_arm64.py) and `make cold-start` (bench/cold_deployed.py) use them.
"""

#!/usr/bin/env bash
# Builds and runs every test:
#   1. the dev build: core, C-API, C, install/packaging, config, metrics, bindings (Go, Java, C#,
#      Python), simulator, Go gateway end to end, Redis shared state;
#   2. the core, C-API and C tests again under ThreadSanitizer, and under AddressSanitizer +
#      UndefinedBehaviorSanitizer (LeakSanitizer included);
#   3. the libFuzzer harnesses for a bounded time (scripts/fuzz.sh);
#   4. the ABI check against the committed baseline (scripts/abi-check.sh).
# Usage: scripts/test.sh            (LLMR_FUZZ_SECONDS, default 20 s per harness)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
need_packages "${BUILD_PACKAGES[@]}" libgtest-dev binutils python3-pytest \
  junit5 mono-mcs mono-runtime swig python3-prometheus-client libhiredis-dev redis-server \
  redis-sentinel stunnel4 openssl \
  clang libclang-rt-14-dev abigail-tools python3-setuptools python3-wheel python3-venv
# The Python binding's tests parse the metrics with prometheus_client in the interpreter CMake
# finds (python3 on PATH), which may not be Debian's.
python3 -c 'import prometheus_client' 2>/dev/null || python3 -m pip install -q prometheus_client
# The Go gateway's broken-stream test drives it with the official openai Python SDK.
python3 -c 'import openai' 2>/dev/null || python3 -m pip install -q openai
start=$SECONDS
step() { echo; echo "==> $* ($((SECONDS - start)) s so far)"; }

step "dev build and all tests"
cmake --preset dev -DLLMR_WITH_REDIS=ON >/dev/null
cmake --build --preset dev
ctest --preset dev -j2

step "ThreadSanitizer: core, C-API and C tests"
cmake --preset tsan -DLLMR_WITH_REDIS=ON >/dev/null
cmake --build --preset tsan
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest --preset tsan -j2 -L "^(core|capi|c)$"

step "AddressSanitizer + UndefinedBehaviorSanitizer: core, C-API and C tests"
cmake --preset asan -DLLMR_WITH_REDIS=ON >/dev/null
cmake --build --preset asan
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1" \
  ctest --preset asan -j2 -L "^(core|capi|c)$"

step "fuzzing"
bash scripts/fuzz.sh "${LLMR_FUZZ_SECONDS:-20}"

step "ABI check"
bash scripts/abi-check.sh

echo
echo "==> all tests passed in $((SECONDS - start)) s"

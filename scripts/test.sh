#!/usr/bin/env bash
# Builds and runs every test: the dev build (core, C ABI, install and packaging tests, bindings
# whose toolchains are present), then the core, C-API and C tests again under ThreadSanitizer and under
# AddressSanitizer + UndefinedBehaviorSanitizer. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
need_packages "${BUILD_PACKAGES[@]}" libgtest-dev binutils python3-pytest \
  junit5 mono-mcs mono-runtime swig python3-prometheus-client
start=$SECONDS

echo "==> dev build and tests"
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev -j2

echo "==> ThreadSanitizer: core and C tests"
cmake --preset tsan >/dev/null
cmake --build --preset tsan
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest --preset tsan -j2 -L "^(core|capi|c)$"

echo "==> AddressSanitizer + UndefinedBehaviorSanitizer: core and C tests"
cmake --preset asan >/dev/null
cmake --build --preset asan
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1" \
  ctest --preset asan -j2 -L "^(core|capi|c)$"

echo "==> all tests passed in $((SECONDS - start)) s"

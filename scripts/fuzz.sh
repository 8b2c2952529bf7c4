#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, -fsanitize=fuzzer,address,undefined) and runs each for a
# bounded time, starting from the seed corpus committed under fuzz/corpus/<harness>/ (which also
# holds the inputs of crashes already fixed, so every run replays them first).
# Usage: scripts/fuzz.sh [SECONDS_PER_HARNESS]   (default 30)
# Environment: LLMR_FUZZ_BUILD_DIR (default build/fuzz), LLMR_FUZZ_JOBS (parallel fuzzing
# processes per harness, default 1).
# A crash stops the run, leaves the input in $LLMR_FUZZ_BUILD_DIR/artifacts/ and prints how to
# reproduce it; a fixed crash becomes a seed here and a regression test in tests/capi.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
clang_version=14  # Debian 12's clang; libclang-rt-N-dev holds libFuzzer and the sanitizers
need_packages "${BUILD_PACKAGES[@]}" clang "libclang-rt-$clang_version-dev"

seconds=${1:-30}
build=${LLMR_FUZZ_BUILD_DIR:-build/fuzz}
jobs=${LLMR_FUZZ_JOBS:-1}
start=$SECONDS

echo "==> building the fuzzers in $build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DLLMR_BUILD_FUZZ=ON \
  -DLLMR_BUILD_TESTS=OFF -DLLMR_BUILD_EXAMPLES=OFF -DLLMR_BUILD_BENCH=OFF >/dev/null
harnesses=(fuzz_c_api fuzz_config)
cmake --build "$build" --target "${harnesses[@]}"

mkdir -p "$build/artifacts"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
for harness in "${harnesses[@]}"; do
  seeds="fuzz/corpus/$harness"
  corpus="$build/corpus/$harness"  # grows across local runs; the seeds stay as committed
  mkdir -p "$corpus"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
           -artifact_prefix="$build/artifacts/$harness-")
  [ -f "fuzz/$harness.dict" ] && options+=(-dict="fuzz/$harness.dict")
  [ "$jobs" -gt 1 ] && options+=(-fork="$jobs")
  echo "==> $harness for ${seconds}s (seeds: $(find "$seeds" -type f | wc -l) files)"
  if ! "$build/fuzz/$harness" "${options[@]}" "$corpus" "$seeds" >"$build/$harness.log" 2>&1; then
    tail -n 60 "$build/$harness.log"
    echo "fuzz: $harness failed; reproduce with:" >&2
    for crash in "$build/artifacts/$harness-"*; do
      [ -f "$crash" ] && echo "  $build/fuzz/$harness $crash" >&2
    done
    exit 1
  fi
  grep -E '^(stat::number_of_executed_units|stat::new_units_added|Done)' "$build/$harness.log" |
    sed 's/^/    /'
  grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$build/$harness.log" | tail -n 1 | sed 's/^/    /'
done
echo "==> fuzzing passed in $((SECONDS - start)) s"

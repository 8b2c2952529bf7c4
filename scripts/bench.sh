#!/usr/bin/env bash
# Benchmarks: Google Benchmark over the C ABI (pick, pick + report, fallbacks, threads), then
# instruction counts per pick under callgrind. Usage: scripts/bench.sh [benchmark filter]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
need_packages "${BUILD_PACKAGES[@]}" libbenchmark-dev valgrind
cmake --preset bench >/dev/null
cmake --build --preset bench
filter="${1:-.}"
./build/bench/bench/bench_pick --benchmark_filter="$filter" --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_min_time=0.2
echo
echo "==> instructions per pick (valgrind --tool=callgrind; 200000 picks, minus a 0-pick run)"
printf '%-16s %6s %12s %12s\n' strategy n "pick+cancel" "pick+report"
count() {  # strategy n iterations mode
  valgrind --tool=callgrind --callgrind-out-file=/dev/null ./build/bench/bench/pick_loop "$@" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for strategy in round_robin weighted weighted_random latency availability least_loaded peak_ewma cost; do
  for n in 8 64; do
    base=$(count "$strategy" "$n" 0)
    cancel=$(count "$strategy" "$n" 200000)
    report=$(count "$strategy" "$n" 200000 report)
    printf '%-16s %6s %12s %12s\n' "$strategy" "$n" \
      "$(( (cancel - base) / 200000 ))" "$(( (report - base) / 200000 ))"
  done
done

#!/usr/bin/env bash
# The main job: build llmroute and its simulator (release), and run the outage-and-recovery
# scenario with the seed's naive router beside llmroute. Prints the tables and writes the chart.
# Usage: scripts/demo.sh [scenario.json] [--compare list]
#        scripts/demo.sh --matrix   every strategy on every shipped scenario: a Markdown table
#                                   and build/matrix.svg (tools/sim/README.md, Strategy matrix)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
need_packages "${BUILD_PACKAGES[@]}"
cmake --preset release -DLLMR_BUILD_TESTS=OFF -DLLMR_BUILD_BINDINGS=OFF -DLLMR_WITH_REDIS=ON >/dev/null
cmake --build --preset release --target llmroute-sim
echo
if [[ "${1:-}" == "--matrix" ]]; then
  exec ./build/release/tools/sim/llmroute-sim --matrix tools/sim/scenarios/*.json \
    --svg build/matrix.svg
fi
scenario="${1:-tools/sim/scenarios/outage-and-recovery.json}"
compare="${2:-naive,round_robin,peak_ewma}"
chart="build/$(basename "$scenario" .json).svg"
./build/release/tools/sim/llmroute-sim "$scenario" --compare "$compare" --svg "$chart"

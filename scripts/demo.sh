#!/usr/bin/env bash
# The main job: build llmroute and its simulator (release), and run the outage-and-recovery
# scenario with the seed's naive router beside llmroute. Prints the tables and writes the chart.
# Usage: scripts/demo.sh [scenario.json | shipped scenario name] [comparison list]
#        (without a list: naive,round_robin,peak_ewma; the quota, long-tail and stalled-streams
#        scenarios compare their own runs with and without quota routing, hedging or the stall
#        timeouts)
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
# A bare name is a shipped scenario: scripts/demo.sh daily-cap
if [[ ! -f "$scenario" && -f "tools/sim/scenarios/$scenario.json" ]]; then
  scenario="tools/sim/scenarios/$scenario.json"
fi
chart="build/$(basename "$scenario" .json).svg"
if [[ -n "${2:-}" ]]; then
  compare=(--compare "$2")
elif grep -q '"engine_sim"' "$scenario"; then
  compare=()  # shared-prefix: engine replicas, its own list (no naive router there)
elif grep -qE 'quota-blind|/hedged|/stall-timeouts' "$scenario"; then
  compare=()  # quota-headers, daily-cap, long-tail, stalled-streams: their own list (with and without
              # quota routing, hedging or the stall timeouts)
else
  compare=(--compare naive,round_robin,peak_ewma)
fi
./build/release/tools/sim/llmroute-sim "$scenario" "${compare[@]}" --svg "$chart"

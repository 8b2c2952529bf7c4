#!/usr/bin/env bash
# The main job: build llmroute (release) and run the outage demo. Usage: scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
need_packages "${BUILD_PACKAGES[@]}"
cmake --preset release >/dev/null
cmake --build --preset release --target outage_demo
echo
./build/release/examples/outage_demo

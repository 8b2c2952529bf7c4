#!/usr/bin/env bash
# Records the ABI of the library as built now: abi/llmroute-<version>.abi (abidw, from a -g build
# of libllmroute.so). Run it deliberately: when a release is cut (its baseline joins the others of
# its major version), and after an intended break, together with the SONAME bump (the project's
# major version). scripts/abi-check.sh then holds every later build to these baselines.
# Usage: scripts/abi-update.sh [BUILD_DIR]   (default: builds build/abi)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
need_packages "${BUILD_PACKAGES[@]}" abigail-tools
source scripts/abi-lib.sh
abi_build "${1:-}"

baseline="abi/llmroute-$ABI_VERSION.abi"
mkdir -p abi
# Source locations stay (abidiff's --headers-dir2 needs them to tell public types from private
# ones: without them every change is filtered out); the build maps them relative to the tree.
abidw --headers-dir "${ABI_HEADER_DIRS[0]}" --headers-dir "${ABI_HEADER_DIRS[1]}" \
  --drop-private-types --no-corpus-path --no-comp-dir-path \
  --out-file "$baseline" "$ABI_LIBRARY"
functions=$(grep -c '<elf-symbol name=.llmr_.*type=.func-type' "$baseline" || true)
echo "==> wrote $baseline ($functions exported functions, SONAME libllmroute.so.$ABI_MAJOR)"
echo "    check it with scripts/abi-check.sh and commit it."

#!/usr/bin/env bash
# ABI stability check: the library as built now against every committed baseline of its major
# version (abi/llmroute-<major>.*.abi), with abidiff, plus the exported-symbol list check of
# tests/install. Fails on
#  - an incompatible change (abidiff exit bit 8: a function or type removed or changed in a way
#    that breaks existing binaries), and
#  - any other ABI change (bit 4) except the append-only ones abi/README.md allows: new
#    functions, new enumerators, members appended to a struct that starts with struct_size.
# An intended break bumps the project's major version (the SONAME) and records a new baseline
# with scripts/abi-update.sh; this script then checks against that one.
# Usage: scripts/abi-check.sh [BUILD_DIR]   (a -g build; default: builds build/abi)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
need_packages "${BUILD_PACKAGES[@]}" abigail-tools binutils
source scripts/abi-lib.sh
abi_build "${1:-}"

shopt -s nullglob
baselines=(abi/llmroute-"$ABI_MAJOR".*.abi)
if [ ${#baselines[@]} -eq 0 ]; then
  echo "abi-check: no baseline for ABI major $ABI_MAJOR in abi/ (libllmroute.so.$ABI_MAJOR)." >&2
  echo "  After an intended break (major version bumped), record it: scripts/abi-update.sh" >&2
  exit 1
fi

headers=(--headers-dir2 "${ABI_HEADER_DIRS[0]}" --headers-dir2 "${ABI_HEADER_DIRS[1]}")
failed=0
for baseline in "${baselines[@]}"; do
  echo "==> abidiff $baseline $ABI_LIBRARY"
  # Policy run: added functions and appended struct members are filtered out; anything left
  # is a change the policy does not allow.
  set +e
  abidiff --no-default-suppression --no-added-syms --suppressions "$ABI_SUPPRESSIONS" \
    "${headers[@]}" --drop-private-types --fail-no-debug-info "$baseline" "$ABI_LIBRARY" \
    >"$ABI_BUILD_DIR/abidiff.policy.txt" 2>&1
  rc=$?
  set -e
  if (( rc & 3 )); then
    cat "$ABI_BUILD_DIR/abidiff.policy.txt"
    echo "abi-check: abidiff failed to run (exit $rc)" >&2
    exit 1
  fi
  if (( rc & 8 )); then
    cat "$ABI_BUILD_DIR/abidiff.policy.txt"
    echo "abi-check: INCOMPATIBLE ABI change against $baseline (abidiff exit $rc)." >&2
    failed=1
  elif (( rc & 4 )); then
    cat "$ABI_BUILD_DIR/abidiff.policy.txt"
    echo "abi-check: ABI change against $baseline that is not append-only (abidiff exit $rc)." >&2
    failed=1
  else
    # Allowed: show what was appended, for the record.
    abidiff --no-default-suppression --suppressions "$ABI_SUPPRESSIONS" "${headers[@]}" \
      --drop-private-types "$baseline" "$ABI_LIBRARY" | sed -n 's/^Functions changes summary: /  functions: /p;s/^Variables changes summary: /  variables: /p' || true
    echo "  compatible with $baseline"
  fi
done

echo "==> exported symbols (tests/install/exported_symbols.cmake)"
cmake -DLIBRARY="$ABI_LIBRARY" -DHEADER=include/llmroute/llmroute.h -DNM="$(command -v nm)" \
  -DREADELF="$(command -v readelf)" -DSONAME="libllmroute.so.$ABI_MAJOR" \
  -DVERSION_NODE="LLMROUTE_$ABI_MAJOR.0" -P tests/install/exported_symbols.cmake

if [ "$failed" -ne 0 ]; then
  echo "abi-check: FAILED. If the break is intended, bump the major version in CMakeLists.txt" >&2
  echo "  (the SONAME follows) and record the new baseline with scripts/abi-update.sh." >&2
  exit 1
fi
echo "==> ABI check passed"

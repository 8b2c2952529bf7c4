#!/bin/sh
# Installs llmroute from a build tree into a scratch prefix and builds the Go example against it
# with nothing but pkg-config, then runs it. Usage: install_test.sh BUILD_DIR SCRATCH_DIR
set -eu
build=$1
scratch=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$scratch"
mkdir -p "$scratch"
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
pc=$(dirname "$(find "$scratch/prefix" -name llmroute.pc | head -n 1)")
libdir=$(dirname "$(find "$scratch/prefix" -name 'libllmroute.so.*' | head -n 1)")
cd "$here/example"
# Only PKG_CONFIG_PATH points at llmroute; a private GOCACHE so that no cached build of the
# binding (made against another tree) is reused.
PKG_CONFIG_PATH="$pc" GOCACHE="$scratch/gocache" GOFLAGS=-mod=mod GOTOOLCHAIN=local GOPROXY=off \
  go build -o "$scratch/example" .
LD_LIBRARY_PATH="$libdir" "$scratch/example"

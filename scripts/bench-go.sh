#!/usr/bin/env bash
# The Go benchmarks in one `go test -bench` run: llmroute's binding beside sony/gobreaker + a round
# robin, go-kratos' selector (p2c+ewma, random), a cgo no-op pair (the floor) and, when
# LLMR_SEEDROUTER_DIR names its module, the seed router. The peers are fetched through the Go
# module proxy here (bench/go/go.mod and go.sum pin them; nothing is vendored). Prints the raw
# output, then the median of each row over the runs.
#   scripts/bench-go.sh [count [benchmark regex]]       defaults: 5 and 'Peers'
#   LLMR_SEEDROUTER_DIR=<seed module> scripts/bench-go.sh 5 .
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
count="${1:-5}"
filter="${2:-Peers}"
cmake --preset bench >/dev/null
cmake --build --preset bench --target llmroute
B=$root/build/bench
out=$B/bindings/go
mkdir -p "$out"

# The module file of this run: go.mod with absolute replaces, plus the seed router when given.
sed "s|=> ../../bindings/go/llmroute|=> $root/bindings/go/llmroute|" bench/go/go.mod >"$out/bench-run.mod"
cp bench/go/go.sum "$out/bench-run.sum"
tags=()
if [ -n "${LLMR_SEEDROUTER_DIR:-}" ]; then
  seed=$(cd "$LLMR_SEEDROUTER_DIR" && pwd)
  printf '\nrequire seedrouter v0.0.0\n\nreplace seedrouter => %s\n' "$seed" >>"$out/bench-run.mod"
  tags=(-tags seedrouter)
fi

export PKG_CONFIG_PATH=$B/bindings/go/pkgconfig CGO_ENABLED=1 CGO_LDFLAGS=-L$B LD_LIBRARY_PATH=$B \
  GOTOOLCHAIN=local GOFLAGS=-mod=mod
cd bench/go
go mod download -modfile="$out/bench-run.mod"
go test -modfile="$out/bench-run.mod" "${tags[@]}" -run '^$' -bench "$filter" -benchmem \
  -count "$count" . | tee "$out/bench-go.txt"

echo
echo "==> medians over $count runs (ns/op wall, cpu-ns/op: CPU time of the calling thread, or of"
echo "    the process for the parallel rows; allocs/op)"
awk '
  /^Benchmark/ {
    name = $1; sub(/-[0-9]+$/, "", name)
    for (i = 3; i < NF; i++) {
      if ($(i + 1) == "ns/op") ns[name] = ns[name] " " $i
      if ($(i + 1) == "cpu-ns/op") cpu[name] = cpu[name] " " $i
      if ($(i + 1) == "allocs/op") allocs[name] = $i
    }
    if (!(name in seen)) { seen[name] = 1; order[++n] = name }
  }
  function median(list,    v, k, m, i, j, t) {
    k = split(list, v, " ")
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    if (k == 0) return "-"
    return (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
  }
  END {
    printf "%-58s %10s %10s %7s\n", "benchmark", "ns/op", "cpu-ns/op", "allocs"
    for (i = 1; i <= n; i++) {
      name = order[i]
      printf "%-58s %10s %10s %7s\n", name, median(ns[name]), median(cpu[name]), allocs[name]
    }
  }' "$out/bench-go.txt"

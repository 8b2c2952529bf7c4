#!/usr/bin/env bash
# The gateway's overhead: the same load straight to a fake upstream, through a plain
# httputil.ReverseProxy, and through go-gateway (access log off, then on), in one run, on
# 127.0.0.1 only. Bounded: ROUNDS x 3 targets x DURATION of closed-loop load, then RATE requests
# per second for DURATION against each. Prints one line per run; the README keeps the figures.
#
#   examples/go-gateway/bench/run.sh                  # after cmake --build --preset dev (or release)
#   BUILD=build/release CONNS=32 DURATION=5s ROUNDS=3 RATE=300 examples/go-gateway/bench/run.sh
#
# LOAD=wrk drives the closed-loop runs with wrk (Debian: apt-get install wrk) instead of the Go
# load generator, whose own CPU competes with the targets on a small machine. Not run by the
# tests (its figures are timings).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build/dev}
[[ $build = /* ]] || build=$root/$build
conns=${CONNS:-32}
duration=${DURATION:-5s}
rounds=${ROUNDS:-3}
rate=${RATE:-300}
loader=${LOAD:-go}
base=${PORT_BASE:-19100}
lib=$(dirname "$(find "$build" -name 'libllmroute.so' -print -quit)")
[[ -n $lib && -f $build/examples/go-gateway/pkgconfig/llmroute.pc ]] ||
  { echo "no llmroute build in $build (cmake --preset dev && cmake --build --preset dev)" >&2; exit 1; }
export PKG_CONFIG_PATH=$build/examples/go-gateway/pkgconfig CGO_ENABLED=1 LD_LIBRARY_PATH=$lib \
  GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

(cd "$here" && go build -o "$tmp/go-gateway" . && go build -o "$tmp/bench" ./bench)
up=127.0.0.1:$((base + 1)); px=127.0.0.1:$((base + 2)); gw=127.0.0.1:$((base + 3)); gwlog=127.0.0.1:$((base + 4))
cat > "$tmp/gateway.json" <<JSON
{"_gateway": {"upstreams": {"up": {"base_url": "http://$up/v1"}}},
 "router_settings": {"strategy": "round_robin"},
 "deployments": [{"name": "up", "models": ["gpt-4o-mini"]}]}
JSON
"$tmp/bench" upstream -listen "$up" 2>"$tmp/upstream.log" & pids+=($!)
"$tmp/bench" proxy -listen "$px" -target "http://$up" 2>"$tmp/proxy.log" & pids+=($!)
"$tmp/go-gateway" -config "$tmp/gateway.json" -listen "$gw" -access-log=false 2>"$tmp/gw.log" & pids+=($!)
"$tmp/go-gateway" -config "$tmp/gateway.json" -listen "$gwlog" 2>"$tmp/gw-access.log" & pids+=($!)
for addr in "$up" "$px" "$gw" "$gwlog"; do
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null && break; sleep 0.1; done
done

cat > "$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}'
LUA
[[ $loader = go ]] || command -v wrk >/dev/null || { echo "LOAD=wrk: wrk is not installed" >&2; exit 1; }
# CPU time a process used, in clock ticks (utime + stime of /proc/PID/stat).
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
# run LABEL URL PID [load flags]: the load, then the CPU that PID (the target) spent per request,
# which the machine's other work does not inflate as much as it does the throughput.
run() {
  local label=$1 url=$2 pid=$3 before after out n
  shift 3
  before=$(ticks "$pid")
  if [[ $loader = wrk && $# -eq 0 ]]; then
    out=$(wrk -t2 -c"$conns" -d"$duration" --latency -s "$tmp/post.lua" "$url")
    n=$(awk '/requests in/ {print $1}' <<<"$out")
    out=$(awk -v l="$label" '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +90%/ {p90=$2} /^ +99%/ {p99=$2}
      /Non-2xx/ {bad=$NF} END {printf "%-22s %8.0f rps  p50 %9s  p90 %9s  p99 %9s  (wrk, non-2xx %d)", l, r, p50, p90, p99, bad}' <<<"$out")
  else
    out=$("$tmp/bench" load -label "$label" -url "$url" -c "$conns" -d "$duration" "$@")
    n=$(sed -E 's/.*\(([0-9]+) requests.*/\1/' <<<"$out")
  fi
  after=$(ticks "$pid")
  echo "$out  cpu $(( (after - before) * 1000000 / hz / (n > 0 ? n : 1) )) us/request"
}
echo "go $(go env GOVERSION), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)," \
  "$conns connections, $duration per run, closed loop by $loader; cpu: the target process's (direct: the upstream's)"
echo "closed loop:"
for _ in $(seq "$rounds"); do
  run "direct" "http://$up/v1/chat/completions" "${pids[0]}"
  run "httputil.ReverseProxy" "http://$px/v1/chat/completions" "${pids[1]}"
  run "go-gateway" "http://$gw/v1/chat/completions" "${pids[2]}"
  run "go-gateway+access log" "http://$gwlog/v1/chat/completions" "${pids[3]}"
done
echo "fixed rate, $rate requests/s:"
run "direct" "http://$up/v1/chat/completions" "${pids[0]}" -rate "$rate"
run "httputil.ReverseProxy" "http://$px/v1/chat/completions" "${pids[1]}" -rate "$rate"
run "go-gateway" "http://$gw/v1/chat/completions" "${pids[2]}" -rate "$rate"
run "go-gateway+access log" "http://$gwlog/v1/chat/completions" "${pids[3]}" -rate "$rate"

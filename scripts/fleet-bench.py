#!/usr/bin/env python3
"""The measured cost of the fleet shared state (docs/fleet.md, "Measured cost").

For each fleet size (2, 4, 8, 16 by default) it starts one redis-server on 127.0.0.1 and that many
gateway instances (processes of tests/redis/fleet_bench_instance.cpp, each with a router of its
own), all picking at a fixed rate for a fixed time, and reports:

  - Redis commands per second (INFO stats total_commands_processed, over the run);
  - CPU per instance (getrusage of each process over the run, picks and the sync thread);
  - sync lag: for each breaker trip instance 0 makes, when every other instance sees it open
    (p50 and p99 over all trips and instances);
  - rpm and tpm overshoot: what the fleet admitted against rpm_limit / tpm_limit and against
    the documented bound rpm_limit + (N - 1) x batch (the run is shorter than the 60 s window).

A benchmark, not a test: it prints figures and asserts nothing. The machine's load shows in them.

usage: scripts/fleet-bench.py [--build build/dev] [--sizes 2,4,8,16] [--seconds 12] [--rate 50]
"""

import argparse
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_info(port, section):
    """INFO <section> as a dict (the reply is one bulk string: $<length>, then the text)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(("INFO %s\r\n" % section).encode())
        data = b""
        while b"\r\n" not in data:
            data += s.recv(65536)
        header, _, text = data.partition(b"\r\n")
        length = int(header[1:])
        while len(text) < length:
            text += s.recv(65536)
    fields = {}
    for line in text.decode(errors="replace").splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            fields[k] = v
    return fields


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, math.ceil(p / 100.0 * len(values)) - 1))
    return values[k]


def run(size, args, instance_bin, redis_server):
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="llmroute-fleet-bench-")
    redis = subprocess.Popen([redis_server, "--port", str(port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", "--dir", tmp],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(500):
            try:
                redis_info(port, "server")
                break
            except OSError:
                time.sleep(0.02)
        url = "redis://127.0.0.1:%d" % port
        start_ms = int(time.time() * 1000) + 1500 + 100 * size  # after every router connected
        procs = [subprocess.Popen(
            [instance_bin, url, "bench:", str(i), str(start_ms), str(args.seconds), str(args.rate),
             str(args.rpm), str(args.tpm), str(args.trips), str(args.trip_gap_ms),
             str(args.sync_interval_ms)], stdout=subprocess.PIPE, text=True)
            for i in range(size)]
        while time.time() * 1000 < start_ms:
            time.sleep(0.01)
        before = int(redis_info(port, "stats")["total_commands_processed"])
        t0 = time.time()
        time.sleep(args.seconds)
        after = int(redis_info(port, "stats")["total_commands_processed"])
        elapsed = time.time() - t0
        results = []
        for p in procs:
            out, _ = p.communicate(timeout=60)
            if p.returncode != 0:
                raise RuntimeError("an instance failed: %r" % out)
            results.append(json.loads(out.strip().splitlines()[-1]))
        redis_cpu = None
        try:
            with open("/proc/%d/stat" % redis.pid) as f:
                stat = f.read().split()
            redis_cpu = (int(stat[13]) + int(stat[14])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    finally:
        redis.kill()
        redis.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    tripped = results[0]["tripped_at"]
    lags = []
    missed = 0
    for r in results[1:]:
        for k, seen in enumerate(r["seen_at"]):
            if tripped[k] == 0:
                continue
            if seen == 0:
                missed += 1
            else:
                lags.append(max(0, seen - tripped[k]))
    batch = max(1, int(math.floor(args.rpm * args.rate_batch)))
    bound = args.rpm + (size - 1) * batch
    rpm_admitted = sum(r["rpm_admitted"] for r in results)
    tokens = 100 * sum(r["tpm_calls"] for r in results)
    cpu = [r["cpu_s"] / args.seconds * 100 for r in results]
    return {
        "instances": size,
        "redis_cmds_per_s": (after - before) / elapsed,
        "redis_cpu_pct": None if redis_cpu is None else redis_cpu / (args.seconds + 1.5) * 100,
        "cpu_pct_mean": sum(cpu) / len(cpu),
        "cpu_pct_max": max(cpu),
        "lag_p50_ms": percentile(lags, 50),
        "lag_p99_ms": percentile(lags, 99),
        "lag_samples": len(lags),
        "lag_missed": missed,
        "rpm_admitted": rpm_admitted,
        "rpm_bound": bound,
        "tpm_admitted": tokens,
        "picks_per_s": sum(r["picks"] for r in results) / args.seconds,
        "sync_failures": sum(r["sync_failures"] for r in results),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default="build/dev")
    parser.add_argument("--sizes", default="2,4,8,16")
    parser.add_argument("--seconds", type=int, default=12)
    parser.add_argument("--rate", type=float, default=50, help="ticks per second per instance")
    parser.add_argument("--rpm", type=int, default=600)
    parser.add_argument("--tpm", type=int, default=60000)
    parser.add_argument("--trips", type=int, default=10)
    parser.add_argument("--trip-gap-ms", type=int, default=1000)
    parser.add_argument("--sync-interval-ms", type=int, default=1000)
    parser.add_argument("--rate-batch", type=float, default=0.05,
                        help="the routers' default; only used for the bound")
    parser.add_argument("--json", action="store_true", help="print JSON lines, not a table")
    args = parser.parse_args()
    instance_bin = os.path.join(args.build, "tests", "redis", "redis_fleet_bench_instance")
    if not os.access(instance_bin, os.X_OK):
        sys.exit("%s not found: build it (cmake --build --preset dev --target "
                 "redis_fleet_bench_instance)" % instance_bin)
    redis_server = shutil.which("redis-server") or sys.exit("redis-server not found")
    if args.trips * args.trip_gap_ms + 1000 > args.seconds * 1000:
        sys.exit("the trips do not fit in --seconds")
    if not args.json:
        print("| instances | Redis cmd/s | Redis CPU | CPU per instance (mean / max) | "
              "trip lag p50 / p99 | rpm admitted (limit %d) / bound | tpm admitted (limit %d) |"
              % (args.rpm, args.tpm))
        print("|---|---|---|---|---|---|---|")
    for size in [int(s) for s in args.sizes.split(",")]:
        r = run(size, args, instance_bin, redis_server)
        if args.json:
            print(json.dumps(r), flush=True)
            continue
        print("| %d | %.0f | %s | %.1f%% / %.1f%% | %.0f / %.0f ms%s | %d / %d | %d |" % (
            size, r["redis_cmds_per_s"],
            "?" if r["redis_cpu_pct"] is None else "%.1f%%" % r["redis_cpu_pct"],
            r["cpu_pct_mean"], r["cpu_pct_max"], r["lag_p50_ms"], r["lag_p99_ms"],
            "" if r["lag_missed"] == 0 else " (%d not seen)" % r["lag_missed"],
            r["rpm_admitted"], r["rpm_bound"], r["tpm_admitted"]), flush=True)


if __name__ == "__main__":
    main()

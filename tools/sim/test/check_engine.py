#!/usr/bin/env python3
"""CTest sim.engine: the engine scenario (shared-prefix.json) runs, shortened, with every run of
its comparison; the router's counts agree with the simulation's; the chart is well-formed; the
same seed gives the same figures; the prefix-aware run hits the KV cache more than round robin
and has the lower TTFT p90 (simulated time, deterministic); bad input is rejected with the
JSON path or the run's name.

usage: check_engine.py LLMROUTE_SIM SCENARIO WORKDIR
"""
import json
import os
import subprocess
import sys
import xml.dom.minidom


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(args, expect=0):
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=280)
    if proc.returncode != expect:
        print(proc.stdout)
        fail("%s exited with %d (expected %d)" % (" ".join(args), proc.returncode, expect))
    return proc.stdout


def main():
    sim, scenario, workdir = sys.argv[1:4]
    os.makedirs(workdir, exist_ok=True)
    svg = os.path.join(workdir, "shared-prefix.svg")
    out1 = os.path.join(workdir, "engine.1.json")
    out2 = os.path.join(workdir, "engine.2.json")
    short = ["--duration", "90"]
    print(run([sim, scenario, "--svg", svg, "--json", out1] + short))
    xml.dom.minidom.parse(svg)
    with open(out1) as f:
        doc = json.load(f)
    runs = {r["run"]: r for r in doc["runs"]}
    for name in ("round_robin", "least_loaded", "round_robin+session", "engine_aware"):
        if name not in runs:
            fail("the comparison lacks " + name)
    for name, r in runs.items():
        if not r["consistent"] or r["pick_failures"] != 0:
            fail(name + ": inconsistent counts or failed picks")
        if r["requests"] <= 0 or r["load_reports"] <= 0:
            fail(name + ": no requests counted or no load reported")
        if not 0 <= r["cache_hit_rate"] <= 1 or r["cached_tokens"] > r["prompt_tokens"]:
            fail(name + ": hit rate out of range")
        if sum(r["replica_requests"]) != r["all_requests"]:
            fail(name + ": the replicas' requests do not add up")
    rr, ea = runs["round_robin"], runs["engine_aware"]
    if not ea["cache_hit_rate"] > rr["cache_hit_rate"]:
        fail("engine_aware hits the cache no more than round_robin")
    if not ea["ttft_p90_ms"] < rr["ttft_p90_ms"]:
        fail("engine_aware's TTFT p90 is not below round_robin's")
    # Every run sees the same sessions.
    if len({r["sessions"] for r in runs.values()}) != 1:
        fail("the runs saw different sessions")
    print(run([sim, scenario, "--no-svg", "--json", out2, "--quiet"] + short))
    with open(out2) as f:
        if json.load(f) != doc:
            fail("two runs with the same seed differ")

    # Errors: an unknown run, an unknown field, a bad engine value.
    out = run([sim, scenario, "--strategy", "fastest"] + short, expect=2)
    if "unknown strategy 'fastest'" not in out:
        fail("unknown run not reported: " + out)
    with open(scenario) as f:
        bad_doc = json.load(f)
    bad = os.path.join(workdir, "bad-engine.json")
    bad_doc["engine_sim"]["engine"]["kv_block"] = 1
    with open(bad, "w") as f:
        json.dump(bad_doc, f)
    out = run([sim, bad], expect=1)
    if "$.engine_sim.engine.kv_block: unknown field" not in out:
        fail("unknown field not reported: " + out)
    del bad_doc["engine_sim"]["engine"]["kv_block"]
    bad_doc["engine_sim"]["engine"]["kv_blocks"] = 20
    with open(bad, "w") as f:
        json.dump(bad_doc, f)
    out = run([sim, bad], expect=1)
    if "does not fit in engine.kv_blocks" not in out:
        fail("a cache too small for the workload not reported: " + out)
    print("PASS")


if __name__ == "__main__":
    main()

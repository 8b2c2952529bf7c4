#!/usr/bin/env python3
"""CTest sim.stalls: the stalled-streams scenario loads, and the client's stall timeouts
(llmr_call_options.first_byte_timeout_ms / idle_timeout_ms, the "/stall-timeouts" runs) change
what a stall does to a request: without them every stall hangs until the client's overall
timeout (before the first byte: then retried; after it: a truncated answer); with them a stall
before the first byte fails over, one after it ends the request with an explicit stalled error,
and nothing hangs. Counts of outcomes only, on simulated time; bad stall fields are rejected
with their JSON path.

usage: check_stalls.py LLMROUTE_SIM SCENARIO WORKDIR
"""
import json
import os
import subprocess
import sys


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(args, expect=0):
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=240)
    if proc.returncode != expect:
        print(proc.stdout)
        fail("%s exited with %d (expected %d)" % (" ".join(args), proc.returncode, expect))
    return proc.stdout


def check(cond, message):
    if not cond:
        fail(message)


def main():
    sim, scenario, workdir = sys.argv[1:4]
    os.makedirs(workdir, exist_ok=True)
    out = os.path.join(workdir, "stalled-streams.json")
    text = run([sim, scenario, "--compare",
                "round_robin,round_robin/stall-timeouts,peak_ewma/stall-timeouts",
                "--no-svg", "--json", out, "--no-progress"])
    print(text)
    with open(out) as f:
        runs = {r["run"]: r for r in json.load(f)["runs"]}
    plain, timed = runs["round_robin"], runs["round_robin/stall-timeouts"]
    steered = runs["peak_ewma/stall-timeouts"]
    for r in (plain, timed, steered):
        check(r["consistent"], r["run"] + ": the router's counts disagree with the simulation's")
        check(r["stalls_before_first_byte"] > 0 and r["stalls_mid_stream"] > 0,
              r["run"] + ": the scenario produced no stalls of both kinds")

    # Without the stall timeouts every stall waits for the overall timeout.
    check(plain["hung"] == plain["stalls_before_first_byte"],
          "without stall timeouts, every stall before the first byte should hang: %d of %d"
          % (plain["hung"], plain["stalls_before_first_byte"]))
    check(plain["truncated"] == plain["stalls_mid_stream"],
          "without stall timeouts, every mid-stream stall should end truncated at the timeout")
    check(plain["stall_failovers"] == 0 and plain["stalled_endings"] == 0,
          "without stall timeouts there is no stall failover or stalled ending")

    # With them nothing hangs: a stall before the first byte fails over (a healthy but slow first
    # byte may be cut too), one after it ends explicitly.
    check(timed["hung"] == 0 and timed["truncated"] == 0,
          "with stall timeouts nothing should hang or be truncated silently: %d hung, %d truncated"
          % (timed["hung"], timed["truncated"]))
    check(timed["stall_failovers"] >= timed["stalls_before_first_byte"],
          "every stall before the first byte should fail over")
    check(timed["stalled_endings"] == timed["stalls_mid_stream"],
          "every mid-stream stall should end with a stalled error")
    # A committed stall is not retried: each one is a failed request in both runs.
    check(plain["failed"] >= plain["truncated"] and timed["failed"] >= timed["stalled_endings"],
          "a stall after the first byte must fail its request (no retry after commit)")
    # The stalls reach the router as timeouts: a strategy that uses them (peak_ewma) sends the
    # stalling deployment fewer requests than round robin, which ignores them.
    def share(r, name):
        return next(d["attempts"] for d in r["deployments"] if d["name"] == name) / r["attempts"]
    check(share(steered, "flaky-pool") < share(timed, "flaky-pool") / 2,
          "peak_ewma should move traffic away from the stalling flaky-pool: %.3f vs %.3f"
          % (share(steered, "flaky-pool"), share(timed, "flaky-pool")))

    # Bad input: a stall rate beyond 1 and a negative stall timeout, reported with their path.
    with open(scenario) as f:
        doc = json.load(f)
    bad = os.path.join(workdir, "bad-stalls.json")
    doc["upstreams"]["flaky-pool"]["events"][0]["stall_mid_stream_rate"] = 1.5
    with open(bad, "w") as f:
        json.dump(doc, f)
    out = run([sim, bad, "--no-svg"], expect=1)
    check("stall_mid_stream_rate: must be in 0..1" in out, "a bad stall rate is not reported: " + out)
    doc["upstreams"]["flaky-pool"]["events"][0]["stall_mid_stream_rate"] = 0.04
    doc["client"]["idle_timeout_ms"] = -1
    with open(bad, "w") as f:
        json.dump(doc, f)
    out = run([sim, bad, "--no-svg"], expect=1)
    check("$.client.idle_timeout_ms: must be in" in out, "a negative idle timeout is not reported: " + out)
    print("PASS")


if __name__ == "__main__":
    main()

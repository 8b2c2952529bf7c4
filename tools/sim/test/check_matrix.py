#!/usr/bin/env python3
"""CTest sim.matrix: every llmroute strategy on every shipped scenario (llmroute-sim --matrix),
on the scenarios' own seeds and on seeds 1-4, must keep the rules of tools/sim/README.md
("Strategy matrix"):

  - no strategy fails more requests than round_robin on the same scenario and seed, plus a
    tolerance of max(10, 1% of the requests);
  - no strategy trips breakers more than 2 x round_robin's trips (at least 2) there;

except a strategy the scenario lists in its "matrix_exceptions", with the reason. An exception
that no seed needs is an error too, so that the list cannot go stale. The rule check itself is
tested first on made-up figures.

usage: check_matrix.py LLMROUTE_SIM SCENARIO_DIR WORKDIR
"""
import glob
import json
import os
import subprocess
import sys
import xml.dom.minidom

SEEDS = [None, 1, 2, 3, 4]  # None: each scenario's own seed


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def failure_tolerance(requests):
    return max(10, requests // 100)


def trip_limit(round_robin_trips):
    return 2 * max(round_robin_trips, 1)


def broken_rules(scenario):
    """[(strategy, why)] for every run of one scenario's matrix that breaks a rule."""
    runs = {r["strategy"]: r for r in scenario["runs"]}
    if "round_robin" not in runs:
        raise ValueError(scenario["scenario"] + ": the matrix has no round_robin run")
    rr = runs["round_robin"]
    broken = []
    for name, r in runs.items():
        allowed = rr["failed"] + failure_tolerance(r["requests"])
        if r["failed"] > allowed:
            broken.append((name, "%d failed requests > round_robin's %d + %d" %
                           (r["failed"], rr["failed"], allowed - rr["failed"])))
        if r["trips"] > trip_limit(rr["trips"]):
            broken.append((name, "%d breaker trips > 2 x round_robin's %d" % (r["trips"], rr["trips"])))
    return broken


def self_test():
    def run(strategy, failed, trips, requests=1000):
        return {"strategy": strategy, "failed": failed, "trips": trips, "requests": requests}
    ok = {"scenario": "s", "runs": [run("round_robin", 3, 4), run("a", 13, 8), run("b", 0, 0)]}
    if broken_rules(ok):
        fail("self-test: figures within the rules reported broken: %s" % broken_rules(ok))
    bad = {"scenario": "s", "runs": [run("round_robin", 3, 4), run("a", 14, 9), run("b", 0, 0)]}
    got = sorted(why.split()[1] + " " + name for name, why in broken_rules(bad))
    if got != ["breaker a", "failed a"]:
        fail("self-test: broken rules not found: %s" % broken_rules(bad))
    # Zero trips for round_robin still allows 2; 1% of 5000 requests is 50.
    edge = {"scenario": "s", "runs": [run("round_robin", 0, 0, 5000), run("a", 50, 2, 5000),
                                      run("b", 51, 3, 5000)]}
    if sorted(name for name, _ in broken_rules(edge)) != ["b", "b"]:
        fail("self-test: edge cases: %s" % broken_rules(edge))
    print("self-test: ok")


def main():
    sim, scenario_dir, workdir = sys.argv[1:4]
    os.makedirs(workdir, exist_ok=True)
    self_test()
    scenarios = sorted(glob.glob(os.path.join(scenario_dir, "*.json")))
    needed = {}  # (scenario, strategy) -> seeds on which an exception was needed
    problems = []
    for seed in SEEDS:
        out = os.path.join(workdir, "matrix-%s.json" % (seed if seed is not None else "own"))
        svg = os.path.join(workdir, "matrix.svg")
        args = [sim, "--matrix"] + scenarios + ["--json", out]
        args += ["--svg", svg] if seed is None else ["--no-svg", "--seed", str(seed)]
        proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=600)
        if proc.returncode != 0:
            print(proc.stdout)
            fail("%s exited with %d" % (" ".join(args), proc.returncode))
        with open(out) as f:
            matrix = json.load(f)
        if seed is None:
            xml.dom.minidom.parse(svg)  # the chart is well-formed
        strategies = None
        for sc in matrix["scenarios"]:
            names = [r["strategy"] for r in sc["runs"]]
            if strategies is None:
                strategies = names
            if names != strategies or len(names) < 9 or "engine_aware" not in names:
                fail("%s: not every strategy ran: %s" % (sc["scenario"], names))
            if not all(r["consistent"] for r in sc["runs"]):
                fail("%s: the router's counts disagree with the simulation" % sc["scenario"])
            for name, why in broken_rules(sc):
                where = "%s, seed %d, %s: %s" % (sc["scenario"], sc["seed"], name, why)
                if name in sc["matrix_exceptions"]:
                    needed.setdefault((sc["scenario"], name), []).append(sc["seed"])
                    print("exception (the scenario says why): " + where)
                else:
                    problems.append(where)
    for path in scenarios:
        with open(path) as f:
            doc = json.load(f)
        for name in doc.get("matrix_exceptions", {}):
            if name.startswith("_"):
                continue
            if (doc["name"], name) not in needed:
                problems.append("%s: the exception for %s is not needed on any seed: remove it" %
                                (doc["name"], name))
    if problems:
        fail("rules broken:\n  " + "\n  ".join(problems))
    print("PASS")


if __name__ == "__main__":
    main()

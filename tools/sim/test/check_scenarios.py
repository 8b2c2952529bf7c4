#!/usr/bin/env python3
"""CTest sim.scenarios: every shipped scenario runs (with its own comparison and with every
strategy), the router's own counts agree with the simulation's, the chart is well-formed, the
same seed gives the same result and bad input is rejected with a useful message.

usage: check_scenarios.py LLMROUTE_SIM SCENARIO_DIR WORKDIR
"""
import glob
import json
import os
import subprocess
import sys
import xml.dom.minidom

ALL = "naive,llmroute,round_robin,weighted,weighted_random,latency,availability,least_loaded,peak_ewma,cost"


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


def main():
    sim, scenario_dir, workdir = sys.argv[1:4]
    os.makedirs(workdir, exist_ok=True)
    scenarios = sorted(glob.glob(os.path.join(scenario_dir, "*.json")))
    # Engine scenarios ("engine_sim": replicas of a self-hosted engine) have runs and figures of
    # their own: check_engine.py (sim.engine) checks them.
    scenarios = [s for s in scenarios if "engine_sim" not in json.load(open(s))]
    names = [os.path.basename(s)[:-5] for s in scenarios]
    for required in ("outage-and-recovery", "brown-out", "429-storm", "cost-vs-latency"):
        if required not in names:
            fail("scenario %s is missing" % required)

    for path in scenarios:
        name = os.path.basename(path)[:-5]
        svg = os.path.join(workdir, name + ".svg")
        out1 = os.path.join(workdir, name + ".1.json")
        out2 = os.path.join(workdir, name + ".2.json")
        text = run([sim, path, "--svg", svg, "--json", out1, "--no-progress"])
        print(text)
        xml.dom.minidom.parse(svg)
        # Every strategy, on the same scenario; the router's statistics must agree with the
        # simulator's own count of attempts (exit status 3 otherwise).
        run([sim, path, "--compare", ALL, "--no-svg", "--json", out2, "--no-progress", "--quiet"])
        with open(out2) as f:
            if not all(r["consistent"] for r in json.load(f)["runs"]):
                fail(name + ": inconsistent counts")
        # Determinism: the same seed twice gives the same summary.
        run([sim, path, "--no-svg", "--json", out2, "--no-progress", "--quiet"])
        with open(out1) as a, open(out2) as b:
            if json.load(a) != json.load(b):
                fail(name + ": two runs with the same seed differ")
        print("%s: ok" % name)

    # Errors: unknown strategy, unknown field, a configuration the library rejects.
    out = run([sim, scenarios[0], "--strategy", "fastest"], expect=2)
    if "unknown strategy 'fastest'" not in out:
        fail("unknown strategy not reported: " + out)
    bad = os.path.join(workdir, "bad.json")
    with open(scenarios[0]) as f:
        doc = json.load(f)
    doc["requests"]["rate_per_sec"] = 3
    with open(bad, "w") as f:
        json.dump(doc, f)
    out = run([sim, bad], expect=1)
    if "$.requests.rate_per_sec: unknown field" not in out:
        fail("unknown field not reported: " + out)
    del doc["requests"]["rate_per_sec"]
    doc["config"]["deployments"][0]["weight"] = 0
    with open(bad, "w") as f:
        json.dump(doc, f)
    out = run([sim, bad], expect=1)
    if "$.config.deployments[0].weight" not in out:
        fail("the library's configuration error is not reported with its path: " + out)
    # A matrix exception must name an llmroute strategy and give the reason.
    del doc["config"]["deployments"][0]["weight"]
    doc["matrix_exceptions"] = {"fastest": "no such strategy"}
    with open(bad, "w") as f:
        json.dump(doc, f)
    out = run([sim, bad], expect=1)
    if "$.matrix_exceptions.fastest: not an llmroute strategy" not in out:
        fail("a bad matrix exception is not reported with its path: " + out)
    doc["matrix_exceptions"] = {"cost": ""}
    with open(bad, "w") as f:
        json.dump(doc, f)
    out = run([sim, bad], expect=1)
    if "$.matrix_exceptions.cost: needs the reason" not in out:
        fail("a matrix exception without a reason is not reported: " + out)
    # --matrix takes llmroute strategies only.
    out = run([sim, "--matrix", scenarios[0], "--compare", "naive,round_robin", "--no-svg"],
              expect=2)
    if "--matrix runs llmroute strategies only" not in out:
        fail("--matrix with naive not rejected: " + out)
    print("PASS")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""CTest sim.outage: runs the outage scenario with the naive router beside llmroute and checks
the summary and the chart.

usage: check_outage.py LLMROUTE_SIM SCENARIO.json WORKDIR
"""
import json
import os
import subprocess
import sys
import xml.dom.minidom


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def main():
    sim, scenario, workdir = sys.argv[1:4]
    os.makedirs(workdir, exist_ok=True)
    svg = os.path.join(workdir, "outage.svg")
    summary = os.path.join(workdir, "outage.json")
    for path in (svg, summary):
        if os.path.exists(path):
            os.remove(path)
    cmd = [sim, scenario, "--compare", "naive,round_robin,peak_ewma", "--svg", svg,
           "--json", summary, "--no-progress"]
    print("$ " + " ".join(cmd))
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=240)
    print(proc.stdout)
    if proc.returncode != 0:
        fail("llmroute-sim exited with %d" % proc.returncode)
    for needle in ("naive (seed)", "round_robin", "side by side", "chart: " + svg):
        if needle not in proc.stdout:
            fail("the output lacks %r" % needle)

    with open(summary) as f:
        data = json.load(f)
    runs = {r["run"]: r for r in data["runs"]}
    naive = runs["naive"]
    bucket_s = data["bucket_s"]

    # The deployment the scenario takes down first, and when it heals.
    outage = next(e for e in data["events"] if e["fault"])
    victim = outage["deployment"]
    healed_s = outage["to_s"]
    victim_index = data["deployments"].index(victim)
    print("outaged deployment: %s, healed at %.0f s" % (victim, healed_s))

    def share_after(run, start_s):
        first = int(start_s / bucket_s)
        mine = sum(run["deployments"][victim_index]["bucket_attempts"][first:])
        total = sum(sum(d["bucket_attempts"][first:]) for d in run["deployments"])
        return mine / total if total else 0.0

    for name in ("round_robin", "peak_ewma"):
        run = runs[name]
        if not run["consistent"]:
            fail("%s: the router's pick counts disagree with the simulation" % name)
        # llmroute's failures < naive's, and hardly any at all while healthy deployments exist.
        if not run["failed"] < naive["failed"]:
            fail("%s failed %d requests, the naive router %d" % (name, run["failed"], naive["failed"]))
        if run["failed"] > 0.01 * run["requests"]:
            fail("%s failed %d of %d requests" % (name, run["failed"], run["requests"]))
        # Round robin keeps offering it traffic, so its breaker opens during the outage and
        # closes after it (peak_ewma mostly starves it instead: its failures count as slow calls).
        trans = [t for t in run["transitions"] if t["deployment"] == victim]
        opened = [t for t in trans if t["to"] == "open" and outage["from_s"] <= t["t_s"] <= healed_s]
        closed = [t for t in trans if t["to"] == "closed" and t["t_s"] >= healed_s]
        if name == "round_robin" and (not opened or not closed):
            fail("%s: %s's breaker did not open during the outage and close after it: %s"
                 % (name, victim, trans))
        # The outaged deployment regains its share after recovery (a third would be fair; the
        # window starts once the longest cooldown has surely passed).
        share = share_after(run, healed_s + 25)
        print("%s: %s's share after %.0f s: %.1f%%" % (name, victim, healed_s + 25, 100 * share))
        if share < 0.15:
            fail("%s: %s regained only %.1f%% of the traffic after recovery" % (name, victim, 100 * share))

    # The seed's defect, for contrast: the naive router never takes it back.
    naive_share = share_after(naive, healed_s + 25)
    print("naive: %s's share after %.0f s: %.1f%%" % (victim, healed_s + 25, 100 * naive_share))
    if naive_share != 0.0:
        fail("the naive router took %s back, which the seed cannot do" % victim)

    # The chart exists and is well-formed XML with an <svg> root naming every run.
    if not os.path.exists(svg) or os.path.getsize(svg) == 0:
        fail("no chart at " + svg)
    try:
        doc = xml.dom.minidom.parse(svg)
    except Exception as e:  # noqa: BLE001 - any parse error fails the test
        fail("the chart is not well-formed XML: %s" % e)
    root = doc.documentElement
    if root.tagName != "svg" or root.getAttribute("xmlns") != "http://www.w3.org/2000/svg":
        fail("the chart's root is not an SVG element")
    texts = " ".join(t.firstChild.data for t in doc.getElementsByTagName("text") if t.firstChild)
    for label in ("naive (seed)", "round_robin", "peak_ewma", victim):
        if label not in texts:
            fail("the chart does not mention %r" % label)
    print("PASS")


if __name__ == "__main__":
    main()

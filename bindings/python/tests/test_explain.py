"""Router.explain(): a dry-run pick that lists every candidate, says why some are filtered, and
predicts the pick without making it."""

import json
import math

import pytest

import llmroute
from llmroute import BreakerState, Outcome, Override, Status, Strategy


def test_explain_predicts_the_pick_and_says_why_others_are_filtered(make_router):
    r = make_router(strategy="round_robin")
    for name in "abc":
        r.add_deployment(name, ["m"])
    r.set_override("c", Override.FORCE_OPEN)
    for _ in range(4):
        e = r.explain("m")
        assert isinstance(e, llmroute.Explanation)
        assert (e.status, e.strategy, e.approximate, e.model) == (
            Status.OK, Strategy.ROUND_ROBIN, False, "m")
        assert [c.deployment for c in e.candidates] == ["a", "b", "c"]
        c = e.candidates[2]
        assert (c.filtered, c.reason, c.rank, c.override_mode) == (
            True, "forced open", -1, Override.FORCE_OPEN)
        assert math.isnan(c.score)
        assert e.candidates[e.picked_index].picked
        assert e.candidates[e.picked_index].deployment == e.picked
        assert json.loads(e.json)["picked"] == e.picked
        p = r.pick("m")
        assert p.deployment == e.picked  # explaining did not move the rotation
        r.cancel(p)
    assert r.health("a").picks + r.health("b").picks == 4  # explain issued no ticket


def test_explain_with_options_and_nothing_eligible(make_router):
    r = make_router()
    r.add_deployment("eu", ["m"], tags=["eu"])
    r.add_deployment("us", ["m"], tags=["us"])
    e = r.explain("m", required_tags=["eu"])
    assert e.picked == "eu"
    assert e.candidates[1].reason == "missing a required tag"
    e = r.explain("m", exclude=["eu", "us"])
    assert e.status == Status.NO_PROVIDER and e.picked is None and e.picked_index == -1
    assert [c.reason for c in e.candidates] == ["excluded", "excluded"]


def test_explain_scores_by_latency(make_router):
    r = make_router(strategy="latency")
    r.add_deployment("fast", ["m"])
    r.add_deployment("slow", ["m"])
    for name, latency in (("fast", 100.0), ("slow", 900.0)):
        while True:
            p = r.pick("m")
            if p.deployment == name:
                r.report(p, Outcome.SUCCESS, latency_ms=latency)
                break
            r.cancel(p)
    e = r.explain("m")
    assert e.score_kind == "latency_x_load_ms"
    assert [c.score for c in e.candidates] == [100.0, 900.0]
    assert [c.rank for c in e.candidates] == [0, 1]
    assert e.candidates[0].state == BreakerState.CLOSED and e.picked == "fast"


def test_explain_bad_input(make_router):
    r = make_router()
    r.add_deployment("a", ["m"])
    with pytest.raises(llmroute.UnknownModelError, match="'nope'"):
        r.explain("nope")
    with pytest.raises(llmroute.InvalidArgumentError, match="expected token"):
        r.explain("m", expected_input_tokens=-1)


def _sample(r, name, latency_ms):
    while True:
        p = r.pick("m")
        if p.deployment == name:
            r.report(p, Outcome.SUCCESS, latency_ms=latency_ms)
            return
        r.cancel(p)


def test_pick_with_deadline_skips_slow_deployments_and_flags_the_fallback(make_router):
    r = make_router()
    r.add_deployment("fast", ["m"])
    r.add_deployment("slow", ["m"])
    _sample(r, "fast", 200.0)
    _sample(r, "slow", 900.0)
    for _ in range(6):
        p = r.pick("m", deadline_ms=500)
        assert (p.deployment, p.deadline_unmet) == ("fast", False)
        r.cancel(p)
        p = r.pick("m", deadline_ms=100)
        assert (p.deployment, p.deadline_unmet) == ("fast", True)  # none fits: the fastest
        r.cancel(p)
    e = r.explain("m", deadline_ms=500)
    assert e.candidates[1].reason == "expected latency above deadline_ms"
    assert not e.deadline_unmet
    assert r.explain("m", deadline_ms=100).deadline_unmet
    with pytest.raises(llmroute.InvalidArgumentError, match="deadline_ms"):
        r.pick("m", deadline_ms=-1)

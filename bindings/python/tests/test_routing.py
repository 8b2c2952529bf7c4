"""Routing through the binding: deployments, aliases, globs, strategies, Pick and Health."""

import collections

import pytest

import llmroute
from llmroute import BreakerState, Outcome, Override, Strategy


def picks(router, model, n, **kwargs):
    out = []
    for _ in range(n):
        p = router.pick(model, **kwargs)
        out.append(p.deployment)
        router.cancel(p)
    return out


def test_pick_copies_strings_and_reports_by_pick_or_ticket(make_router):
    r = make_router()
    r.add_deployment("a", ["gpt-4o"], tags=["eu", "zdr"])
    p = r.pick("gpt-4o")
    assert isinstance(p, llmroute.Pick) and isinstance(p.deployment, str)
    assert (p.deployment, p.model, p.tier, p.is_probe, p.is_panic) == (
        "a", "gpt-4o", 0, False, False)
    assert p.ticket > 0
    r.report(p.ticket, Outcome.SUCCESS, latency_ms=200.0, ttft_ms=40.0, input_tokens=10,
             output_tokens=20)
    r.remove_deployment("a")
    r.close()
    # The strings outlive the ticket, the deployment and the router.
    assert (p.deployment, p.model) == ("a", "gpt-4o")


def test_round_robin_is_a_rotation(make_router):
    r = make_router(strategy="round_robin")
    for name in "abc":
        r.add_deployment(name, ["m"], weight=5 if name == "b" else 1)
    names = picks(r, "m", 30)
    assert collections.Counter(names) == {"a": 10, "b": 10, "c": 10}
    assert all(names[i] == names[i + 3] for i in range(27))


def test_weighted_gives_exact_proportions(make_router):
    r = make_router(strategy=Strategy.WEIGHTED)
    r.add_deployment("light", ["m"], weight=1)
    r.add_deployment("heavy", ["m"], weight=3)
    assert collections.Counter(picks(r, "m", 400)) == {"light": 100, "heavy": 300}


def test_model_strategy_and_aliases_and_globs(make_router):
    r = make_router()
    r.add_deployment("azure", ["gpt-4o*"], weight=1)
    r.add_deployment("openai", ["gpt-4o", "o1"], weight=3)
    r.set_alias("smart", "gpt-4o")
    p = r.pick("smart")
    assert p.model == "gpt-4o"
    r.cancel(p)
    assert set(picks(r, "gpt-4o-mini", 10)) == {"azure"}  # only the glob serves it
    r.set_model_strategy("gpt-4o", Strategy.WEIGHTED)
    assert collections.Counter(picks(r, "smart", 40)) == {"azure": 10, "openai": 30}
    r.set_model_strategy("gpt-4o", Strategy.DEFAULT)
    r.remove_alias("smart")
    with pytest.raises(llmroute.UnknownModelError):
        r.pick("smart")


def test_update_keeps_health_and_remove_keeps_tickets(make_router):
    r = make_router()
    r.add_deployment("a", ["m"], weight=2)
    r.report(r.pick("m"), Outcome.SERVER_ERROR)
    outstanding = r.pick("m")
    r.update_deployment("a", ["m", "n"], weight=7, tier=2, tags=["eu"])
    h = r.health("a")
    assert (h.weight, h.tier, h.failures, h.in_flight, h.picks) == (7, 2, 1, 1, 2)
    r.cancel(r.pick("n"))
    r.remove_deployment("a")
    with pytest.raises(llmroute.UnknownModelError):
        r.pick("m")
    r.report(outstanding, Outcome.SUCCESS)  # still valid after the removal
    assert r.health_list() == []


def test_health_fields(make_router):
    r = make_router(strategy="latency")
    r.add_deployment("a", ["m"], weight=3, tier=1)
    r.add_deployment("b", ["m"])
    h = r.health("a")
    assert isinstance(h, llmroute.Health)
    assert (h.name, h.state, h.override_mode, h.eligible, h.ewma_latency_ms, h.weight, h.tier) == (
        "a", BreakerState.CLOSED, Override.AUTO, True, None, 3, 1)
    p = r.pick("m")
    r.report(p, Outcome.SUCCESS, latency_ms=250.0)
    h = r.health(p.deployment)
    assert h.ewma_latency_ms == pytest.approx(250.0) and h.successes == 1
    assert [x.name for x in r.health_list()] == ["a", "b"]
    with pytest.raises(AttributeError):
        h.picks = 3  # frozen


def test_many_routers_are_independent(make_router):
    routers = [make_router() for _ in range(20)]
    for i, r in enumerate(routers):
        r.add_deployment("d%d" % i, ["m"])
    for i, r in enumerate(routers):
        assert picks(r, "m", 2) == ["d%d" % i] * 2


def test_session_affinity_keeps_a_key_on_one_deployment(make_router):
    r = make_router()
    for name in "abcd":
        r.add_deployment(name, ["m"])
    homes = {}
    for key in ["conv-%d" % i for i in range(40)] + [b"raw-bytes-key", "clé-ü"]:
        chosen = set(picks(r, "m", 5, affinity_key=key))
        assert len(chosen) == 1, key
        homes[key] = chosen.pop()
    assert len(set(homes.values())) > 1  # keys spread over the deployments
    with pytest.raises(llmroute.InvalidArgumentError):
        r.pick("m", affinity_key="a\0b")


def test_required_tags(make_router):
    r = make_router()
    r.add_deployment("us", ["m"], tags=["us"])
    r.add_deployment("eu", ["m"], tags=["eu", "zdr"])
    r.add_deployment("eu-plain", ["m"], tags=["eu"])
    assert set(picks(r, "m", 20, required_tags=["eu", "zdr"])) == {"eu"}
    assert set(picks(r, "m", 20, required_tags="eu")) == {"eu", "eu-plain"}


def test_cost_strategy_and_price_cap(make_router):
    r = make_router(strategy=Strategy.COST)
    r.add_deployment("cheap", ["m"], cost_per_million_input=0.5, cost_per_million_output=1.5)
    r.add_deployment("dear", ["m"], cost_per_million_input=5.0, cost_per_million_output=15.0)
    r.add_deployment("unpriced", ["m"])
    assert set(picks(r, "m", 10)) == {"cheap"}
    assert set(picks(r, "m", 10, exclude=["cheap"])) == {"dear"}  # unpriced come last
    # 1M input + 1M output tokens cost 2.0 at "cheap" and 20.0 at "dear".
    assert set(picks(r, "m", 5, expected_input_tokens=1_000_000,
                     expected_output_tokens=1_000_000, max_price=10.0)) == {"cheap"}
    with pytest.raises(llmroute.NoProviderError):
        r.pick("m", exclude=["cheap"], expected_input_tokens=1_000_000,
               expected_output_tokens=1_000_000, max_price=10.0)


@pytest.mark.parametrize("strategy", [s for s in Strategy if s != Strategy.DEFAULT])
def test_every_strategy_routes(make_router, strategy):
    r = make_router(strategy=strategy, slow_start_window_ms=0, tier_overprovisioning_factor=1.4,
                    peak_ewma_decay_ms=10_000, peak_ewma_failure_penalty=10.0,
                    affinity_load_factor=1.25)
    r.add_deployment("a", ["m"], weight=2, cost_per_million_input=1, cost_per_million_output=1)
    r.add_deployment("b", ["m"], weight=1, cost_per_million_input=1, cost_per_million_output=1)
    for _ in range(50):
        p = r.pick("m")
        r.report(p, Outcome.SUCCESS, latency_ms=100 if p.deployment == "a" else 120)
    h = r.health_list()
    assert sum(x.picks for x in h) == 50 and sum(x.in_flight for x in h) == 0

"""JSON configurations: Router.from_config / from_config_file, apply_config (hot reload) and
validate_config, with ConfigError naming the JSON path of what was rejected."""

import copy
import json
import os
import pathlib

import pytest

import llmroute
from llmroute import BreakerState, EventKind, Outcome, Status

from conftest import HERE

pytestmark = pytest.mark.skipif(
    "llmr_router_create_from_config" in llmroute._native.missing_functions,
    reason="the library under test has no configuration API")

EXAMPLE = HERE.parents[2] / "examples" / "config.json"


@pytest.fixture
def example_text():
    if not EXAMPLE.is_file():
        pytest.fail("the example configuration is not at %s" % EXAMPLE)
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def example(example_text):
    return json.loads(example_text)


@pytest.fixture
def routers(clock, rng):
    """routers(factory, *args, **kwargs): a router made by a Router classmethod on the fake clock
    and random source, closed afterwards."""
    made = []

    def make(factory, *args, **kwargs):
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("random", rng)
        r = factory(*args, **kwargs)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def shape(router):
    """What a configuration determines about the deployments, in order."""
    return [(h.name, h.weight, h.tier) for h in router.health_list()]


def expected_shape(config):
    return [(d["name"], d.get("weight", 1), d.get("tier", 0)) for d in config["deployments"]]


def models_in_order(candidates):
    seen = []
    for c in candidates:
        if not seen or seen[-1] != c.model:
            seen.append(c.model)
    return seen


def check_example_routing(router, config):
    assert shape(router) == expected_shape(config)
    # Aliases, one level.
    for alias, model in config["aliases"].items():
        if alias.startswith("_"):
            continue
        p = router.pick(alias)
        assert p.model == model, alias
        router.cancel(p)
    # The general fallback chain, after the model's own deployments.
    assert models_in_order(router.fallbacks("gpt-4o")) == [
        "gpt-4o", "claude-3-5-sonnet", "gpt-4o-mini"]
    # Transitively, each model once: claude -> gpt-4o -> (claude), gpt-4o-mini.
    assert models_in_order(router.fallbacks("claude-3-5-sonnet")) == [
        "claude-3-5-sonnet", "gpt-4o", "gpt-4o-mini"]
    # Globs and tags.
    p = router.pick("llama-3.1-70b", required_tags=["self-hosted"])
    assert p.deployment == "vllm-llama"
    router.cancel(p)
    p = router.pick("gpt-4o", required_tags=["eu"])
    assert p.deployment == "azure-eu-gpt4o"
    router.cancel(p)


def test_example_config_round_trip(routers, example_text, example):
    # The example passes the lint in every form the binding takes.
    assert llmroute.validate_config(example_text) is None
    assert llmroute.validate_config(example_text.encode("utf-8")) is None
    assert llmroute.validate_config(example) is None

    from_file = routers(llmroute.Router.from_config_file, EXAMPLE)
    from_str_path = routers(llmroute.Router.from_config_file, str(EXAMPLE))
    from_bytes_path = routers(llmroute.Router.from_config_file, os.fsencode(EXAMPLE))
    from_text = routers(llmroute.Router.from_config, example_text)
    from_dict = routers(llmroute.Router.from_config, example)
    # A dict that went through JSON and back is the same configuration.
    from_round_trip = routers(llmroute.Router.from_config, json.loads(json.dumps(example)))
    for r in (from_file, from_str_path, from_bytes_path, from_text, from_dict, from_round_trip):
        assert isinstance(r, llmroute.Router) and not r.closed
        check_example_routing(r, example)
        s = r.stats()
        assert (s.configs_applied, s.configs_rejected) == (1, 0)
        assert [d.name for d in s.deployments] == [d["name"] for d in example["deployments"]]

    # Applying the same file again keeps every deployment and changes nothing.
    events = []
    from_file.set_event_listener(events.append)
    from_file.apply_config_file(EXAMPLE)
    from_file.apply_config(example)
    assert [e.kind for e in events] == [EventKind.CONFIG_APPLIED] * 2
    assert [(e.added, e.removed, e.kept_count) for e in events] == [((), (), 6)] * 2
    assert [e.config_generation for e in events] == [2, 3]
    check_example_routing(from_file, example)
    assert from_file.stats().configs_applied == 3


def test_base_options_fill_in_what_the_configuration_leaves_out(routers, clock):
    config = {"deployments": [{"name": "a", "models": ["m"]}, {"name": "b", "models": ["m"]}],
              "router_settings": {"breaker": {"consecutive_failures": 3, "jitter": 0}}}
    # The configuration's settings win (3 failures, not 2); the base supplies the cooldown.
    r = routers(llmroute.Router.from_config, config, breaker_consecutive_failures=2,
                breaker_cooldown_base_ms=1234)
    for i in range(3):
        assert r.health("a").state == BreakerState.CLOSED, i
        r.report(r.pick("m", exclude=["b"]), Outcome.SERVER_ERROR)
    h = r.health("a")
    assert (h.state, h.trips, h.cooldown_remaining_ms) == (BreakerState.OPEN, 1, 1234)
    # The clock given as a base option drives the cooldown.
    clock.advance_ms(1234)
    p = r.pick("m", exclude=["b"])
    assert p.deployment == "a" and p.is_probe
    r.report(p, Outcome.SUCCESS)
    assert r.health("a").state == BreakerState.CLOSED


def test_bad_base_options(example):
    settings = {"deployments": [{"name": "a", "models": ["m"]}],
                "router_settings": {"breaker": {"cooldown_base_ms": 1000}}}
    # Base options that clash with the configuration's settings: a configuration error.
    with pytest.raises(llmroute.ConfigError) as info:
        llmroute.Router.from_config(settings, breaker_cooldown_max_ms=500)
    # Named at the setting the configuration gives, with the base option it conflicts with.
    assert info.value.path == "$.router_settings.breaker.cooldown_base_ms"
    assert "breaker.cooldown_max_ms (500)" in info.value.message
    # Bad base options alone: as for Router().
    with pytest.raises(llmroute.InvalidArgumentError) as info:
        llmroute.Router.from_config({"deployments": []}, breaker_jitter=5.0)
    assert "breaker_jitter" in info.value.message
    with pytest.raises(TypeError):
        llmroute.Router.from_config(example, no_such_option=1)


def rejected(call, *args):
    with pytest.raises(llmroute.ConfigError) as info:
        call(*args)
    e = info.value
    assert e.status == Status.CONFIG and isinstance(e.status, Status)
    assert e.status_name == "LLMR_ERR_CONFIG"
    assert isinstance(e, llmroute.LlmrouteError) and isinstance(e, ValueError)
    assert e.message.startswith(e.path + ": "), e.message
    return e


def bad_configs(example):
    """(configuration, the JSON path its error names)."""
    out = []

    c = copy.deepcopy(example)
    c["deployments"][2]["weight"] = 0
    out.append((c, "$.deployments[2].weight"))

    # Valid additions before the error: nothing of them may be applied.
    c = copy.deepcopy(example)
    c["deployments"].append({"name": "new-one", "models": ["gpt-4o"]})
    c["aliases"]["gpt-4"] = "gpt-4o-mini"
    c["aliases"]["it's"] = 4
    out.append((c, "$.aliases['it\\'s']"))

    c = copy.deepcopy(example)
    c["deployments"][0]["wieght"] = 2
    out.append((c, "$.deployments[0].wieght"))

    c = copy.deepcopy(example)
    c["deployments"][1]["name"] = c["deployments"][0]["name"]
    out.append((c, "$.deployments[1].name"))

    c = copy.deepcopy(example)
    c["fallbacks"]["gpt-4o"] = ["claude-3-5-sonnet", "gpt-4o"]
    out.append((c, "$.fallbacks['gpt-4o'][1]"))

    c = copy.deepcopy(example)
    c["router_settings"]["strategy"] = "fastest"
    out.append((c, "$.router_settings.strategy"))
    return out


def test_a_rejected_configuration_raises_config_error_naming_the_path(routers, example):
    for config, path in bad_configs(example):
        e = rejected(llmroute.validate_config, config)
        assert e.path == path, e.message
        e = rejected(llmroute.Router.from_config, config)
        assert e.path == path, e.message
        e = rejected(llmroute.validate_config, json.dumps(config))
        assert e.path == path, e.message
    assert rejected(llmroute.validate_config, '{"deployments": [').path.startswith("$")
    assert rejected(llmroute.validate_config, b"").path == "$"
    assert rejected(llmroute.validate_config, "[]").path == "$"


def test_a_rejected_reload_leaves_the_router_unchanged(routers, example, clock):
    r = routers(llmroute.Router.from_config, example)
    # Some state: traffic on every deployment, one ticket in flight.
    for _ in range(12):
        p = r.pick("gpt-4o")
        r.report(p, Outcome.SUCCESS, latency_ms=200)
    in_flight = r.pick("claude-3-5-sonnet")
    before = r.health_list()
    before_fallbacks = r.fallbacks("gpt-4o")
    events = []
    r.set_event_listener(events.append)

    bad = bad_configs(example)
    # A reload may not change a router setting other than the strategy: rejected as a whole.
    c = copy.deepcopy(example)
    c["deployments"].append({"name": "new-one", "models": ["gpt-4o"]})
    c["router_settings"]["breaker"]["cooldown_base_ms"] = 1000
    bad.append((c, "$.router_settings.breaker.cooldown_base_ms"))
    for config, path in bad:
        e = rejected(r.apply_config, config)
        assert e.path == path, e.message

    assert r.health_list() == before
    assert r.fallbacks("gpt-4o") == before_fallbacks
    with pytest.raises(llmroute.NotFoundError):
        r.health("new-one")
    check_example_routing(r, example)
    r.report(in_flight, Outcome.SUCCESS)  # the ticket is still good
    s = r.stats()
    assert (s.configs_applied, s.configs_rejected) == (1, len(bad))
    # Each rejection was told to the listener with the same message, applying nothing.
    assert [e.kind for e in events] == [EventKind.CONFIG_REJECTED] * len(bad)
    for event, (_, path) in zip(events, bad):
        assert event.message.startswith(path + ": "), event.message
    assert {e.config_generation for e in events} == {1}


def test_a_file_that_cannot_be_read_is_a_config_error(routers, tmp_path, example):
    missing = tmp_path / "missing.json"
    e = rejected(llmroute.Router.from_config_file, missing)
    assert e.path == "$" and str(missing) in e.message
    r = routers(llmroute.Router.from_config, example)
    e = rejected(r.apply_config_file, missing)
    assert e.path == "$"
    bad = tmp_path / "bad.json"
    bad.write_text('{"deployments": [{"name": "a", "models": ["m"], "weight": -1}]}')
    assert rejected(r.apply_config_file, bad).path == "$.deployments[0].weight"
    assert rejected(llmroute.Router.from_config_file, bad).path == "$.deployments[0].weight"
    check_example_routing(r, example)


def test_reload_keeps_the_health_of_kept_deployments(routers, clock):
    settings = {"breaker": {"jitter": 0}}
    first = {"router_settings": settings, "deployments": [
        {"name": "a", "models": ["m"]},
        {"name": "b", "models": ["m"]},
        {"name": "c", "models": ["m"], "tier": 1}]}
    r = routers(llmroute.Router.from_config, first)
    # "a" trips; "b" gets latency samples; a ticket on "b" is in flight over the reload.
    for _ in range(5):
        r.report(r.pick("m", exclude=["b", "c"]), Outcome.SERVER_ERROR, latency_ms=50)
    for _ in range(3):
        r.report(r.pick("m", exclude=["a", "c"]), Outcome.SUCCESS, latency_ms=100)
    on_b = r.pick("m", exclude=["a", "c"])
    assert on_b.deployment == "b"
    a_before = r.health("a")
    assert (a_before.state, a_before.trips, a_before.cooldown_remaining_ms) == (
        BreakerState.OPEN, 1, 5000)

    events = []
    r.set_event_listener(events.append)
    second = {"router_settings": settings, "deployments": [
        {"name": "d", "models": ["m"]},
        {"name": "a", "models": ["m", "n"], "weight": 3},
        {"name": "c", "models": ["m"], "tier": 1}]}
    r.apply_config(second)

    [event] = events
    assert event.kind == EventKind.CONFIG_APPLIED
    assert (event.added, event.removed, event.kept_count, event.config_generation) == (
        ("d",), ("b",), 2, 2)
    a = r.health("a")
    # Kept: the breaker, its cooldown and the counts; the new weight.
    assert (a.state, a.trips, a.failures, a.cooldown_remaining_ms, a.eligible) == (
        BreakerState.OPEN, 1, 5, 5000, False)
    assert a.weight == 3
    # Added: fresh. Removed: gone, though its ticket is still good.
    d = r.health("d")
    assert (d.state, d.picks, d.ewma_latency_ms, d.eligible) == (BreakerState.CLOSED, 0, None,
                                                                 True)
    with pytest.raises(llmroute.NotFoundError):
        r.health("b")
    p = r.pick("m", exclude=["c"])
    assert p.deployment == "d"
    r.cancel(p)
    r.report(on_b, Outcome.SUCCESS, latency_ms=100)
    with pytest.raises(llmroute.TicketDoneError):
        r.report(on_b, Outcome.SUCCESS)
    # Lifetime statistics of the kept deployment survive too.
    sa = r.stats().deployment("a")
    assert (sa.server_errors, sa.breaker_opened, sa.state) == (5, 1, BreakerState.OPEN)
    # The new models serve at once; "a" recovers through a probe after its cooldown.
    with pytest.raises(llmroute.NoProviderError):
        r.pick("n")
    clock.advance_ms(5000)
    p = r.pick("n")
    assert (p.deployment, p.is_probe) == ("a", True)
    r.report(p, Outcome.SUCCESS)
    assert r.health("a").state == BreakerState.CLOSED


def test_reload_may_change_the_strategy_and_returns_to_the_creation_one(routers):
    config = {"router_settings": {"strategy": "weighted"},
              "deployments": [{"name": "a", "models": ["m"], "weight": 3},
                              {"name": "b", "models": ["m"]}]}
    r = routers(llmroute.Router.from_config, config, strategy="round_robin")

    def shares(n=40):
        seen = [r.pick("m") for _ in range(n)]
        for p in seen:
            r.cancel(p)
        return sum(p.deployment == "a" for p in seen)

    assert shares() == 30  # weighted, 3:1 exactly
    del config["router_settings"]
    r.apply_config(config)
    assert shares() == 20  # back to the base strategy: round robin


def test_config_argument_types(example, tmp_path):
    with pytest.raises(TypeError):
        llmroute.validate_config(42)
    with pytest.raises(TypeError):
        llmroute.Router.from_config(None)
    with pytest.raises(ValueError):  # NaN is not JSON
        llmroute.validate_config({"router_settings": {"breaker": {"jitter": float("nan")}}})
    # Strict JSON only: not even the non-standard NaN Python's json would accept.
    e = rejected(llmroute.validate_config, '{"router_settings": {"breaker": {"jitter": NaN}}}')
    assert e.path.startswith("$")
    # "infinity" is the spelling of an infinite overprovisioning factor.
    llmroute.validate_config({"router_settings": {"tier_overprovisioning_factor": "infinity"},
                              "deployments": []})
    with pytest.raises(llmroute.InvalidArgumentError):
        llmroute.Router.from_config_file(str(tmp_path / "a\0b.json"))
    # A str path is a file name, never JSON text.
    e = rejected(llmroute.Router.from_config_file, "{}")
    assert e.path == "$" and "cannot open" in e.message
    # pathlib works as any os.PathLike.
    path = tmp_path / "c.json"
    path.write_text(json.dumps(example))
    with llmroute.Router.from_config_file(pathlib.Path(path)) as r:
        assert shape(r) == expected_shape(example)
        r.close()
        with pytest.raises(llmroute.InvalidArgumentError):
            r.apply_config(example)

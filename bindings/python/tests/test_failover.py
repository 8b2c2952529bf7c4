"""Outage and recovery through the injected clock: no sleeping anywhere."""

import pytest

import llmroute
from llmroute import AllOpenPolicy, BreakerState, Outcome, Override, Status, Strategy

JITTER = 0.1
BASE_MS = 5000


def fail_until_open(router, name, model, outcome=Outcome.SERVER_ERROR, times=5):
    for i in range(times):
        p = router.pick(model, exclude=[d.name for d in router.health_list() if d.name != name])
        assert p.deployment == name
        router.report(p, outcome, latency_ms=30)
        expected = BreakerState.OPEN if i == times - 1 else BreakerState.CLOSED
        assert router.health(name).state == expected, "after %d failures" % (i + 1)


def test_outage_failover_and_probe_recovery(make_router, clock):
    r = make_router(strategy=Strategy.ROUND_ROBIN)
    r.add_deployment("a", ["gpt-4o"])
    r.add_deployment("b", ["gpt-4o"])

    # Five consecutive server errors trip "a" (the default breaker_consecutive_failures).
    fail_until_open(r, "a", "gpt-4o")
    h = r.health("a")
    # (consecutive_failures after a trip is not specified by the header: not checked.)
    assert (h.trips, h.failures, h.eligible, h.in_flight) == (1, 5, False, 0)
    cooldown = h.cooldown_remaining_ms
    assert BASE_MS * (1 - JITTER) <= cooldown <= BASE_MS * (1 + JITTER)

    # While it cools down, every pick avoids it and the fallbacks omit it.
    for _ in range(50):
        p = r.pick("gpt-4o")
        assert p.deployment == "b" and not p.is_probe
        r.report(p, Outcome.SUCCESS, latency_ms=80)
    assert r.fallbacks("gpt-4o") == [("b", "gpt-4o")]
    with pytest.raises(llmroute.NoProviderError) as info:
        r.pick("gpt-4o", exclude=["b"])
    assert info.value.status == Status.NO_PROVIDER
    assert 0 < info.value.retry_after_ms <= cooldown

    # Just before the end of the cooldown it is still open ...
    clock.advance_ms(cooldown - 1)
    assert r.health("a").state == BreakerState.OPEN
    with pytest.raises(llmroute.NoProviderError) as info:
        r.pick("gpt-4o", exclude=["b"])
    assert 1 <= info.value.retry_after_ms <= 2  # 1 ms and a jittered fraction are left
    # ... after it, half-open: exactly one probe is admitted at a time.
    clock.advance_ms(2)
    assert r.health("a").state == BreakerState.HALF_OPEN
    probe = r.pick("gpt-4o", exclude=["b"])
    assert probe.deployment == "a" and probe.is_probe
    with pytest.raises(llmroute.NoProviderError):
        r.pick("gpt-4o", exclude=["b"])  # the only probe permit is taken
    others = [r.pick("gpt-4o") for _ in range(10)]
    assert {p.deployment for p in others} == {"b"}
    for p in others:
        r.cancel(p)

    # The probe succeeds: closed again, and traffic rotates over both.
    r.report(probe, Outcome.SUCCESS, latency_ms=50)
    h = r.health("a")
    assert (h.state, h.consecutive_failures, h.eligible, h.in_flight) == (
        BreakerState.CLOSED, 0, True, 0)
    names = []
    for _ in range(20):
        p = r.pick("gpt-4o")
        names.append(p.deployment)
        r.report(p, Outcome.SUCCESS, latency_ms=50)
    assert names.count("a") == names.count("b") == 10


def test_failed_probe_reopens_with_a_doubled_cooldown(make_router, clock):
    r = make_router(breaker_jitter=0.0)
    r.add_deployment("a", ["m"])
    r.add_deployment("b", ["m"])
    fail_until_open(r, "a", "m")
    assert r.health("a").cooldown_remaining_ms == BASE_MS
    clock.advance_ms(BASE_MS)
    probe = r.pick("m", exclude=["b"])
    assert probe.is_probe
    r.report(probe, Outcome.TIMEOUT)
    h = r.health("a")
    assert (h.state, h.trips, h.cooldown_remaining_ms) == (BreakerState.OPEN, 2, 2 * BASE_MS)


def test_request_faults_do_not_trip(make_router):
    r = make_router()
    r.add_deployment("a", ["m"])
    for outcome in [Outcome.BAD_REQUEST, Outcome.CONTEXT_WINDOW_EXCEEDED,
                    Outcome.CONTENT_POLICY] * 4:
        r.report(r.pick("m"), outcome)
    h = r.health("a")
    assert (h.state, h.failures, h.request_errors, h.successes) == (BreakerState.CLOSED, 0, 12, 0)


def test_rate_limit_retry_after_sets_the_cooldown(make_router, clock):
    r = make_router(breaker_cooldown_max_ms=60_000)
    r.add_deployment("a", ["m"])
    r.add_deployment("b", ["m"])
    p = r.pick("m", exclude=["b"])
    r.report(p, Outcome.RATE_LIMITED, retry_after_ms=20_000)
    h = r.health("a")
    assert h.state == BreakerState.OPEN
    assert 20_000 * (1 - JITTER) <= h.cooldown_remaining_ms <= 20_000 * (1 + JITTER)
    clock.advance_ms(h.cooldown_remaining_ms + 1)
    # The provider's own deadline has passed: back in fully, without a half-open probe.
    assert r.health("a").state == BreakerState.CLOSED
    assert not r.pick("m", exclude=["b"]).is_probe


def test_all_open_fail_fast_and_panic(make_router, clock):
    for policy in (AllOpenPolicy.FAIL_FAST, AllOpenPolicy.PANIC):
        r = make_router(all_open_policy=policy, breaker_jitter=0.0)
        r.add_deployment("a", ["m"])
        r.add_deployment("b", ["m"])
        fail_until_open(r, "a", "m")
        clock.advance_ms(1000)
        fail_until_open(r, "b", "m")  # b's cooldown ends 1 s after a's
        if policy == AllOpenPolicy.FAIL_FAST:
            with pytest.raises(llmroute.NoProviderError) as info:
                r.pick("m")
            assert info.value.retry_after_ms == BASE_MS - 1000
            assert "m" in info.value.message
        else:
            p = r.pick("m")
            assert p.is_panic and p.deployment == "a"
            r.cancel(p)


def test_forced_open_everywhere_never_recovers_by_itself(make_router):
    r = make_router()
    r.add_deployment("a", ["m"])
    r.set_override("a", Override.FORCE_OPEN)
    assert r.health("a").override_mode == Override.FORCE_OPEN
    with pytest.raises(llmroute.NoProviderError) as info:
        r.pick("m")
    assert info.value.retry_after_ms == -1
    r.set_override("a", "auto")
    r.cancel(r.pick("m"))


def test_forced_closed_stays_eligible(make_router):
    r = make_router()
    r.add_deployment("a", ["m"])
    r.set_override("a", Override.FORCE_CLOSED)
    for _ in range(10):
        r.report(r.pick("m"), Outcome.SERVER_ERROR)
    h = r.health("a")
    assert h.eligible and h.failures == 10


def test_fallback_chain_and_exclusion(make_router):
    r = make_router()
    r.add_deployment("azure", ["gpt-4o"])
    r.add_deployment("openai", ["gpt-4o", "gpt-4o-mini"])
    r.add_deployment("anthropic", ["claude-*"])
    r.set_fallbacks("gpt-4o", ["claude-sonnet", "gpt-4o-mini"])
    chain = r.fallbacks("gpt-4o", exclude=["azure"])
    assert chain[0] == ("openai", "gpt-4o")
    assert ("anthropic", "claude-sonnet") in chain and ("openai", "gpt-4o-mini") in chain
    assert all(c.deployment != "azure" for c in chain)
    assert chain.index(("anthropic", "claude-sonnet")) < chain.index(("openai", "gpt-4o-mini"))
    r.set_fallbacks("gpt-4o", [])
    assert {c.deployment for c in r.fallbacks("gpt-4o")} == {"azure", "openai"}


def test_tiers(make_router, clock):
    r = make_router(breaker_jitter=0.0)
    r.add_deployment("primary", ["m"], tier=0)
    r.add_deployment("backup", ["m"], tier=1)
    for _ in range(10):
        p = r.pick("m")
        assert (p.deployment, p.tier) == ("primary", 0)
        r.report(p, Outcome.SUCCESS)
    fail_until_open(r, "primary", "m")
    p = r.pick("m")
    assert (p.deployment, p.tier) == ("backup", 1)
    r.cancel(p)

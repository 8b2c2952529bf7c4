"""Announced provider quotas through Router.report(quota_*=...): a used-up count keeps the
deployment out until its reset, a far-reset 429 is a quota exhaustion (its own event, no probe),
Health shows the counts, and bad values raise InvalidArgumentError naming the field. All on the
fake clock."""

import pytest

import llmroute
from llmroute import EventKind, Outcome

HOUR_MS = 3600 * 1000


def report_on(router, name, **report):
    """Picks "m" until it lands on ``name`` and reports ``report`` for it."""
    for _ in range(100):
        p = router.pick("m")
        if p.deployment == name:
            router.report(p, **report)
            return
        router.cancel(p)
    pytest.fail("%s was never picked" % name)


def picks(router, n):
    seen = []
    for _ in range(n):
        p = router.pick("m")
        seen.append(p.deployment)
        router.cancel(p)
    return seen


def test_used_up_quota_and_daily_cap(make_router, clock):
    router = make_router()
    router.add_deployment("a", "m")
    router.add_deployment("b", "m")
    events = []
    router.set_event_listener(events.append)

    report_on(router, "a", outcome=Outcome.SUCCESS, quota_remaining_requests=0,
              quota_requests_reset_ms=2000)
    h = router.health("a")
    assert not h.eligible
    assert (h.quota_remaining_requests, h.quota_remaining_tokens, h.quota_requests_reset_ms) == \
        (0, None, 2000)
    assert picks(router, 20) == ["b"] * 20
    clock.advance_ms(2000)
    assert router.health("a").eligible
    assert router.health("a").quota_remaining_requests is None

    # A daily cap: the 429's reset is hours away, beyond the 60 s horizon.
    report_on(router, "b", outcome=Outcome.RATE_LIMITED, quota_remaining_requests=0,
              quota_requests_reset_ms=5 * HOUR_MS)
    quota_events = [e for e in events if e.kind == EventKind.QUOTA_EXHAUSTED]
    assert [(e.deployment, e.cooldown_ms) for e in quota_events] == [("b", 5 * HOUR_MS)]
    assert llmroute.event_kind_str(EventKind.QUOTA_EXHAUSTED) == "quota_exhausted"
    clock.advance_ms(HOUR_MS)  # far past the breaker's longest cooldown: still no probe of b
    assert picks(router, 20) == ["a"] * 20
    hb = router.health("b")
    assert hb.state == llmroute.BreakerState.CLOSED
    assert (hb.quota_exhaustions, hb.quota_exhausted_ms) == (1, 4 * HOUR_MS)
    assert 'llmroute_deployment_quota_exhaustions_total{deployment="b"} 1' in router.metrics_text()
    clock.advance_ms(4 * HOUR_MS)
    assert "b" in picks(router, 20)


@pytest.mark.parametrize("field,value", [
    ("quota_remaining_requests", -2),
    ("quota_remaining_tokens", 10**16),
    ("quota_requests_reset_ms", -1),
    ("quota_tokens_reset_ms", 400 * 24 * HOUR_MS),
])
def test_bad_quota_values_name_the_field(make_router, field, value):
    router = make_router()
    router.add_deployment("a", "m")
    p = router.pick("m")
    with pytest.raises(llmroute.InvalidArgumentError, match=field):
        router.report(p, Outcome.SUCCESS, **{field: value})
    h = router.health("a")
    assert h.quota_remaining_requests is None and h.successes == 0 and h.in_flight == 1
    router.report(p, Outcome.SUCCESS)  # the ticket stayed live
    # The thread's reused report struct does not carry the rejected values into the next report.
    p = router.pick("m")
    router.report(p, Outcome.SUCCESS)
    assert router.health("a").quota_remaining_requests is None


def test_quota_options_are_checked_and_the_horizon_applies(make_router):
    with pytest.raises(llmroute.InvalidArgumentError, match="quota_headroom_routing"):
        make_router(quota_headroom_routing=2)
    router = make_router(quota_horizon_ms=1000)
    router.add_deployment("a", "m")
    router.add_deployment("b", "m")
    # 2 s is beyond a 1 s horizon: an exhaustion, where the default horizon would see a burst.
    report_on(router, "a", outcome=Outcome.RATE_LIMITED, quota_remaining_requests=0,
              quota_requests_reset_ms=2000)
    assert router.health("a").quota_exhaustions == 1

"""Priority classes and a deployment's reserve (add_deployment(reserve=...), pick(priority=...),
call(priority=...)): the default class is refused (RateLimitedError with retry_after_ms) once
only the reserve is left, a higher class uses it, the window's rollover frees it, and bad input
raises InvalidArgumentError naming the field. All on the fake clock."""

import math

import pytest

import llmroute


def admitted(router, priority=None):
    """How many picks of "m" at ``priority`` succeed in a row (each reported at once)."""
    n = 0
    while n < 100:
        try:
            p = router.pick("m", priority=priority)
        except llmroute.RateLimitedError:
            break
        router.report(p, llmroute.Outcome.SUCCESS)
        n += 1
    return n


def test_reserve_keeps_the_last_share_for_higher_classes(make_router, clock):
    router = make_router()
    router.add_deployment("a", "m", rpm_limit=10, reserve=[(1, 0.2)])
    assert admitted(router) == 8  # the default class, 2
    with pytest.raises(llmroute.RateLimitedError) as refused:
        router.pick("m", priority=3)
    assert refused.value.retry_after_ms == 60000
    assert admitted(router, 1) == 2
    clock.advance_ms(60000)
    assert admitted(router, 2) == 8
    assert admitted(router, 0) == 2
    assert ('llmroute_pick_refusals_total{priority="3",reason="reserve"} 1'
            in router.metrics_text())


def test_nested_levels_and_the_in_flight_reserve(make_router):
    router = make_router()
    router.add_deployment("a", "m", max_in_flight=4, reserve=[(0, 0.25), (1, 0.5)])
    held = [router.pick("m", priority=2), router.pick("m", priority=2)]
    with pytest.raises(llmroute.RateLimitedError):
        router.pick("m", priority=2)
    held.append(router.pick("m", priority=1))
    with pytest.raises(llmroute.RateLimitedError):
        router.pick("m", priority=1)
    held.append(router.pick("m", priority=0))
    for p in held:
        router.cancel(p)


@pytest.mark.parametrize("reserve, field", [
    ([(1, 1.5)], "reserve[0].share"),
    ([(1, math.nan)], "reserve[0].share"),
    ([(3, 0.1)], "reserve[0].priority"),
    ([(1, 0.1), (0, 0.2)], "reserve[1].priority"),
    ([(0, 0.3), (1, 0.2)], "reserve[1].share"),
])
def test_bad_reserves_name_the_field_and_add_nothing(make_router, reserve, field):
    router = make_router()
    with pytest.raises(llmroute.InvalidArgumentError, match=field.replace("[", r"\[")):
        router.add_deployment("a", "m", rpm_limit=10, reserve=reserve)
    with pytest.raises(llmroute.UnknownModelError):
        router.pick("m")


@pytest.mark.parametrize("priority", [-1, 4])
def test_bad_priorities_name_the_field(make_router, priority):
    router = make_router()
    router.add_deployment("a", "m")
    with pytest.raises(llmroute.InvalidArgumentError, match="priority"):
        router.pick("m", priority=priority)

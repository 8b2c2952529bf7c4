"""The clock and random callbacks: kept alive by the Router (a collected CFUNCTYPE object that C
still calls crashes the process), and exceptions inside them never cross the C frames."""

import gc
import logging
import threading
import weakref

import pytest

import llmroute
from llmroute import BreakerState, Outcome, Strategy

from conftest import START_NS, FakeClock, SplitMix64


def slow_pick(router, model="m"):
    """A pick that takes the path reading the clock (excluding something forces it)."""
    p = router.pick(model, exclude=["nobody"])
    router.report(p, Outcome.SUCCESS, latency_ms=10)
    return p


def make_router_with_temporary_callbacks(calls):
    """The callables exist only inside the Router once this returns."""
    state = {"now": START_NS, "seed": 7}

    def clock():
        calls["clock"] += 1
        state["now"] += 1000
        return state["now"]

    def rand():
        calls["random"] += 1
        state["seed"] = (state["seed"] * 6364136223846793005 + 1442695040888963407) % 2**64
        return state["seed"]

    r = llmroute.Router(strategy=Strategy.WEIGHTED_RANDOM, clock=clock, random=rand)
    r.add_deployment("a", ["m"], weight=1)
    r.add_deployment("b", ["m"], weight=2)
    return r, weakref.ref(clock), weakref.ref(rand)


def test_gc_while_the_router_holds_callbacks_does_not_crash():
    calls = {"clock": 0, "random": 0}
    r, clock_ref, rand_ref = make_router_with_temporary_callbacks(calls)
    for round_ in range(20):
        gc.collect()
        assert clock_ref() is not None and rand_ref() is not None
        # Garbage that the collector has to walk while the callbacks are in use.
        junk = [[object()] * 10 for _ in range(1000)]
        del junk
        for _ in range(50):
            slow_pick(r)
    assert calls["clock"] > 0 and calls["random"] > 0
    h = r.health_list()
    assert sum(x.picks for x in h) == 1000 and sum(x.in_flight for x in h) == 0
    r.close()
    del r
    gc.collect()
    # Once the native router is gone, the callbacks are released (no leak).
    assert clock_ref() is None and rand_ref() is None


def test_gc_inside_a_callback_does_not_crash():
    collected = []

    def clock():
        collected.append(gc.collect())
        return START_NS + len(collected)

    r = llmroute.Router(clock=clock, random=SplitMix64(3))
    del clock
    r.add_deployment("a", ["m"])
    for _ in range(30):
        slow_pick(r)
    assert collected
    r.close()


def test_routers_dropped_without_close_are_destroyed_safely():
    calls = {"clock": 0, "random": 0}
    for _ in range(50):
        r, clock_ref, _ = make_router_with_temporary_callbacks(calls)
        slow_pick(r)
        del r  # the GC safety net closes it: the native router goes before its callbacks
        gc.collect()
        assert clock_ref() is None
    # And routers that die inside a reference cycle.
    for _ in range(20):
        r, clock_ref, _ = make_router_with_temporary_callbacks(calls)
        r.cycle = r
        slow_pick(r)
        del r
        gc.collect()
        assert clock_ref() is None


def test_gc_while_other_threads_call_through_callbacks():
    calls = {"clock": 0, "random": 0}
    r, clock_ref, _ = make_router_with_temporary_callbacks(calls)
    stop = threading.Event()
    errors = []

    def collector():
        while not stop.is_set():
            gc.collect()

    def worker():
        try:
            for _ in range(500):
                slow_pick(r)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    c = threading.Thread(target=collector)
    c.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    c.join()
    assert errors == []
    assert sum(h.in_flight for h in r.health_list()) == 0
    r.close()


def test_a_raising_clock_is_logged_and_time_does_not_jump(caplog):
    clock = FakeClock()
    broken = {"on": False}

    def flaky_clock():
        if broken["on"]:
            raise RuntimeError("clock exploded")
        return clock()

    r = llmroute.Router(clock=flaky_clock, random=SplitMix64(1), breaker_jitter=0.0)
    r.add_deployment("a", ["m"])
    r.add_deployment("b", ["m"])
    for _ in range(5):
        r.report(r.pick("m", exclude=["b"]), Outcome.SERVER_ERROR)
    assert r.health("a").cooldown_remaining_ms == 5000

    broken["on"] = True
    clock.advance_ms(10_000)  # invisible to the router while the clock raises
    with caplog.at_level(logging.ERROR, logger="llmroute"):
        for _ in range(10):
            p = r.pick("m", exclude=["nobody"])
            assert p.deployment == "b"
            r.report(p, Outcome.SUCCESS)
        h = r.health("a")
    # The last good time was used: neither 0 (which would end every cooldown or break them)
    # nor the hidden advance.
    assert h.state == BreakerState.OPEN and h.cooldown_remaining_ms == 5000
    assert r.callback_errors >= 10
    records = [rec for rec in caplog.records if rec.name == "llmroute"]
    assert records and "clock exploded" in caplog.text
    # Throttled: the 1st, 2nd, 4th, 8th, ... failure are logged, not every one.
    assert len(records) < r.callback_errors

    broken["on"] = False  # the clock is back: time moves on
    assert r.health("a").state == BreakerState.HALF_OPEN
    r.close()


@pytest.mark.parametrize("bad_value", ["soon", 1.5, None, 2**70, -2**64])
def test_a_clock_returning_garbage_is_treated_as_failing(caplog, bad_value):
    values = iter([START_NS] * 3)

    def clock():
        return next(values, bad_value)

    r = llmroute.Router(clock=clock)
    r.add_deployment("a", ["m"])
    with caplog.at_level(logging.ERROR, logger="llmroute"):
        for _ in range(10):
            slow_pick(r)
    assert r.callback_errors > 0
    assert r.health("a").successes == 10
    r.close()


def test_a_raising_random_source_falls_back(caplog):
    def rand():
        raise ValueError("no entropy today")

    r = llmroute.Router(strategy=Strategy.WEIGHTED_RANDOM, random=rand)
    r.add_deployment("a", ["m"], weight=1)
    r.add_deployment("b", ["m"], weight=1)
    with caplog.at_level(logging.ERROR, logger="llmroute"):
        seen = {r.pick("m").deployment for _ in range(200)}
    assert seen == {"a", "b"}  # the fallback is still random
    assert r.callback_errors > 0 and "no entropy today" in caplog.text
    r.close()


def test_a_callback_calling_back_into_llmroute_is_refused(caplog):
    holder = {}
    outcomes = []

    def clock():
        try:
            holder["router"].pick("m")
        except llmroute.CallbackReentryError as e:
            outcomes.append(e)
            raise
        return START_NS

    r = llmroute.Router(clock=clock)
    holder["router"] = r
    r.add_deployment("a", ["m"])
    with caplog.at_level(logging.ERROR, logger="llmroute"):
        p = r.pick("m", exclude=["nobody"])  # no deadlock, no crash
    r.report(p, Outcome.SUCCESS)
    assert outcomes and r.callback_errors > 0
    h = r.health("a")
    assert (h.picks, h.successes, h.in_flight) == (1, 1, 0)  # the inner pick never happened
    r.close()


def test_keyboard_interrupt_in_a_callback_is_reraised_after_the_call():
    state = {"interrupt": False}

    def clock():
        if state["interrupt"]:
            state["interrupt"] = False
            raise KeyboardInterrupt
        return START_NS

    r = llmroute.Router(clock=clock)
    r.add_deployment("a", ["m"])
    state["interrupt"] = True
    with pytest.raises(KeyboardInterrupt):
        r.pick("m", exclude=["nobody"])
    h = r.health("a")
    assert h.in_flight == 0  # the ticket the interrupted pick got was given back
    slow_pick(r)  # and the router goes on working
    assert r.health("a").successes == 1
    r.close()

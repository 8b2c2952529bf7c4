"""Router.call(): Python adapters drive failover; exceptions inside adapters become error
outcomes; adapters survive garbage collection while the router holds them."""

import gc
import logging
import threading
import weakref

import pytest

import llmroute
from llmroute import AttemptResult, BreakerState, FallbackKind, Outcome, Status

from conftest import FakeClock, SplitMix64

pytestmark = pytest.mark.skipif(
    "llmr_router_call" in llmroute._native.missing_functions,
    reason="the library under test has no llmr_router_call")


class Scripted:
    """An adapter answering from a script of outcomes (the last one repeats)."""

    def __init__(self, name, outcomes=(Outcome.SUCCESS,), clock=None, took_ms=10):
        self.name = name
        self.outcomes = list(outcomes)
        self.seen = []
        self.released = 0
        self.clock = clock
        self.took_ms = took_ms

    def invoke(self, attempt):
        self.seen.append((attempt.deployment, attempt.model, attempt.request, attempt.attempt,
                          attempt.timeout_ms))
        if self.clock is not None:
            self.clock.advance_ms(self.took_ms)
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if outcome == Outcome.SUCCESS:
            attempt.set_response(b"answer from " + self.name.encode())
        return AttemptResult(outcome=outcome, latency_ms=self.took_ms, input_tokens=3,
                             output_tokens=5)

    def release(self):
        self.released += 1


@pytest.fixture
def env():
    clock = FakeClock()

    def sleep(ns):
        clock.now_ns += ns

    kwargs = dict(clock=clock, random=SplitMix64(5), sleep=sleep, breaker_jitter=0.0,
                  retry_budget_max_tokens=1000)
    routers = []

    def make(**more):
        r = llmroute.Router(**{**kwargs, **more})
        routers.append(r)
        return r

    yield clock, make
    for r in routers:
        r.close()


def test_adapters_drive_failover(env):
    clock, make = env
    r = make()
    r.add_deployment("primary", ["m"], tier=0)
    r.add_deployment("backup", ["m"], tier=1)
    primary = Scripted("primary", [Outcome.SERVER_ERROR], clock)
    backup = Scripted("backup", [Outcome.SUCCESS], clock)
    r.set_adapter("primary", primary)
    r.set_adapter("backup", backup)

    report = r.call("m", b"the request")
    assert report.status == Status.OK and report.final_outcome == Outcome.SUCCESS
    assert (report.deployment, report.model, report.response) == ("backup", "m",
                                                                 b"answer from backup")
    assert [(a.deployment, a.outcome) for a in report.attempts] == [
        ("primary", Outcome.SERVER_ERROR), ("backup", Outcome.SUCCESS)]
    assert not any(a.adapter_failed for a in report.attempts)
    assert primary.seen[0][:4] == ("primary", "m", b"the request", 1)
    assert backup.seen[0][:4] == ("backup", "m", b"the request", 2)

    # Four more failing calls trip the primary; then calls go straight to the backup.
    for _ in range(4):
        r.call("m", b"x")
    assert r.health("primary").state == BreakerState.OPEN
    report = r.call("m", b"x")
    assert [a.deployment for a in report.attempts] == ["backup"]
    h = r.health("backup")
    assert (h.successes, h.in_flight) == (6, 0)


def test_an_exception_in_an_adapter_is_an_error_outcome(env, caplog):
    clock, make = env
    r = make()
    r.add_deployment("broken", ["m"], tier=0)
    r.add_deployment("fine", ["m"], tier=1)

    def broken(attempt):
        raise RuntimeError("adapter bug")

    r.set_adapter("broken", broken)
    r.set_adapter("fine", Scripted("fine"))
    with caplog.at_level(logging.ERROR, logger="llmroute"):
        report = r.call("m", b"x")
    assert report.deployment == "fine"
    first = report.attempts[0]
    assert (first.deployment, first.outcome, first.adapter_failed) == (
        "broken", Outcome.CONNECTION_ERROR, True)
    assert r.adapter_errors == 1 and "adapter bug" in caplog.text
    assert r.health("broken").failures == 1

    # Unusable return values count the same way.
    r.set_adapter("broken", lambda attempt: object())
    with caplog.at_level(logging.ERROR, logger="llmroute"):
        report = r.call("m", b"x")
    assert report.attempts[0].adapter_failed and report.deployment == "fine"


def test_the_adapters_exception_is_the_cause_of_the_calls_error(env):
    clock, make = env
    r = make()
    r.add_deployment("a", ["m"], tier=0)
    r.add_deployment("b", ["m"], tier=1)
    raised = []

    def broken(attempt):
        e = ValueError("bad JSON from %s" % attempt.deployment)
        raised.append(e)
        raise e

    r.set_adapter("a", broken)
    r.set_adapter("b", broken)
    with pytest.raises(llmroute.UpstreamError) as info:
        r.call("m", b"x")
    assert len(raised) >= 2  # every attempt raised; the last one is the cause
    assert info.value.__cause__ is raised[-1]
    assert str(info.value.__cause__) == "bad JSON from %s" % info.value.report.deployment
    assert all(a.adapter_failed for a in info.value.report.attempts)

    # A failure of the provider, not of the adapter: no cause.
    r.set_adapter("a", Scripted("a", [Outcome.BAD_REQUEST]))
    r.set_adapter("b", Scripted("b", [Outcome.BAD_REQUEST]))
    with pytest.raises(llmroute.UpstreamError) as info:
        r.call("m", b"x")
    assert info.value.__cause__ is None

    # An adapter that raised once and then a successful fallback: the call succeeds.
    r.set_adapter("a", broken)
    r.set_adapter("b", Scripted("b"))
    assert r.call("m", b"x").deployment == "b"


def test_a_nested_call_keeps_its_own_cause(env):
    """An adapter that itself calls (another router) keeps the causes apart."""
    clock, make = env
    inner, outer = make(), make()
    inner.add_deployment("i", ["m"])
    inner.set_adapter("i", lambda attempt: (_ for _ in ()).throw(KeyError("inner")))
    outer.add_deployment("o", ["m"])
    seen = []

    def outer_adapter(attempt):
        with pytest.raises(llmroute.UpstreamError) as info:
            inner.call("m", b"x", max_attempts=1)
        seen.append(info.value.__cause__)
        raise RuntimeError("outer")

    outer.set_adapter("o", outer_adapter)
    with pytest.raises(llmroute.UpstreamError) as info:
        outer.call("m", b"x", max_attempts=1)
    assert isinstance(seen[0], KeyError) and seen[0].args == ("inner",)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert info.value.__cause__.args == ("outer",)


def test_every_attempt_failing_raises_upstream_with_the_report(env):
    clock, make = env
    r = make()
    r.add_deployment("a", ["m"])
    r.set_adapter("a", Scripted("a", [Outcome.BAD_REQUEST]))
    with pytest.raises(llmroute.UpstreamError) as info:
        r.call("m", b"x")
    e = info.value
    assert e.status == Status.UPSTREAM and e.message
    assert e.report is not None and e.report.final_outcome == Outcome.BAD_REQUEST
    assert len(e.report.attempts) == 1  # the request's fault: not retried
    with pytest.raises(llmroute.UnknownModelError):
        r.call("nothing-serves-this", b"x")


def test_context_window_fallback_chain(env):
    clock, make = env
    r = make()
    r.add_deployment("short", ["m"])
    r.add_deployment("long", ["m-long"])
    r.set_fallbacks("m", ["m-long"], kind=FallbackKind.CONTEXT_WINDOW)
    r.set_adapter("short", Scripted("short", [Outcome.CONTEXT_WINDOW_EXCEEDED]))
    r.set_adapter("long", Scripted("long"))
    report = r.call("m", b"a very long prompt")
    assert (report.deployment, report.model, report.used_fallback) == ("long", "m-long", True)


def test_attempt_arguments_and_lifetime(env):
    clock, make = env
    r = make()
    r.add_deployment("a", ["m"])
    kept = []

    def adapter(attempt):
        kept.append(attempt)
        assert attempt.check() == Status.OK
        return Outcome.SUCCESS

    r.set_adapter("a", adapter)
    r.call("m", "text is sent as UTF-8 ✓", attempt_timeout_ms=500)
    assert kept[0].request == "text is sent as UTF-8 ✓".encode()
    assert kept[0].timeout_ms == 500
    r.call("m")
    assert kept[1].request == b"" and kept[1].timeout_ms is None
    with pytest.raises(llmroute.LlmrouteError):
        kept[0].set_response(b"too late")  # the attempt is over


def test_cancel_stops_the_call(env):
    clock, make = env
    r = make()
    r.add_deployment("a", ["m"])
    r.add_deployment("b", ["m"])
    with llmroute.Cancel() as cancel:
        checks = []

        def adapter(attempt):
            cancel.trigger()
            checks.append(attempt.check())
            return Outcome.SERVER_ERROR

        r.set_adapter("a", adapter)
        r.set_adapter("b", adapter)
        with pytest.raises(llmroute.CancelledError) as info:
            r.call("m", b"x", cancel=cancel)
    assert checks == [Status.CANCELLED]  # no further attempt started
    assert info.value.report is not None and len(info.value.report.attempts) == 1


def test_deadline(env):
    clock, make = env
    r = make()
    r.add_deployment("a", ["m"])
    r.add_deployment("b", ["m"])
    slow = Scripted("slow", [Outcome.TIMEOUT], clock, took_ms=1500)
    r.set_adapter("a", slow)
    r.set_adapter("b", slow)
    with pytest.raises(llmroute.DeadlineExceededError) as info:
        r.call("m", b"x", deadline_ms=1000)
    assert slow.seen[0][4] == 1000  # the attempt was told the time left
    assert len(info.value.report.attempts) == 1


def test_adapters_are_kept_alive_and_released_once(env):
    clock, make = env
    r = make()
    r.add_deployment("a", ["m"])
    r.add_deployment("b", ["m"])

    def attach(name):
        adapter = Scripted(name)
        r.set_adapter(name, adapter)  # the router holds the only reference
        return weakref.ref(adapter)

    ref_a, ref_b = attach("a"), attach("b")
    for _ in range(20):
        gc.collect()
        r.call("m", b"x")
    a = ref_a()
    assert a is not None and len(a.seen) > 0 and a.released == 0
    del a
    r.set_adapter("a", None)  # detached: released, and then collectable
    gc.collect()
    assert ref_a() is None
    b = ref_b()
    r.remove_deployment("b")
    assert b.released == 1
    del b
    gc.collect()
    assert ref_b() is None

    # Replacing an adapter releases the old one; closing the router releases the rest.
    r.add_deployment("c", ["m"])
    first, second = Scripted("c1"), Scripted("c2")
    r.set_adapter("c", first)
    r.set_adapter("c", second)
    r.call("m", b"x")
    assert first.released == 1 and second.released == 0
    r.close()
    assert second.released == 1


def test_gc_during_calls_from_many_threads(env):
    clock, make = env
    r = make(clock=None, random=None, sleep=None)
    for name in ("a", "b", "c"):
        r.add_deployment(name, ["m"])
        r.set_adapter(name, Scripted(name, [Outcome.SUCCESS, Outcome.SUCCESS, Outcome.BAD_REQUEST]))
    stop = threading.Event()
    errors = []
    counts = []

    def collector():
        while not stop.is_set():
            gc.collect()

    def worker():
        n = 0
        try:
            for _ in range(300):
                try:
                    r.call("m", b"x", backoff_base_ms=1, backoff_max_ms=1)
                except llmroute.UpstreamError:
                    pass
                n += 1
        except Exception as e:  # pragma: no cover
            errors.append(e)
        counts.append(n)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    c = threading.Thread(target=collector)
    c.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    c.join()
    assert errors == [] and sum(counts) == 8 * 300
    health = r.health_list()
    assert sum(h.in_flight for h in health) == 0
    assert all(h.picks == h.successes + h.failures + h.request_errors + h.cancels for h in health)


def test_keyboard_interrupt_in_an_adapter_is_reraised_after_the_call(env):
    clock, make = env
    r = make()
    r.add_deployment("a", ["m"])

    invoked = []

    def adapter(attempt):
        invoked.append(attempt.attempt)
        raise KeyboardInterrupt

    r.set_adapter("a", adapter)
    with pytest.raises(KeyboardInterrupt):
        r.call("m", b"x")
    assert invoked == [1]  # retries after the interrupt do not run the adapter again
    assert r.health("a").in_flight == 0  # and nothing is left to raise
    r.set_adapter("a", Scripted("a"))
    assert r.call("m", b"x").status == Status.OK


def test_a_raising_sleep_does_not_wait(env, caplog):
    clock, make = env

    def sleep(ns):
        raise OSError("no sleeping")

    r = make(sleep=sleep)
    r.add_deployment("a", ["m"], tier=0)
    r.add_deployment("b", ["m"], tier=1)
    r.set_adapter("a", Scripted("a", [Outcome.SERVER_ERROR]))
    r.set_adapter("b", Scripted("b"))
    with caplog.at_level(logging.ERROR, logger="llmroute"):
        report = r.call("m", b"x", backoff_base_ms=100)
    assert report.deployment == "b"
    assert "no sleeping" in caplog.text and r.callback_errors >= 1


def test_rate_limits_at_pick(env):
    clock, make = env
    r = make()
    r.add_deployment("a", ["m"], max_in_flight=1)
    p = r.pick("m")
    with pytest.raises(llmroute.RateLimitedError) as info:
        r.pick("m")
    assert info.value.status == Status.RATE_LIMITED
    assert isinstance(info.value, llmroute.RetryAfterError)
    r.cancel(p)
    r.cancel(r.pick("m"))

    r.add_deployment("b", ["n"], rpm_limit=2)
    r.cancel(r.pick("n"))
    r.cancel(r.pick("n"))
    with pytest.raises(llmroute.RateLimitedError) as info:
        r.pick("n")
    assert 0 < info.value.retry_after_ms <= 60_000
    clock.advance_ms(60_001)
    r.cancel(r.pick("n"))

"""Router.set_event_listener(): breaker and reload events as Event dataclasses, delivered on the
calling thread; the listener's exceptions never cross into C; its CFUNCTYPE and the callable
live as long as the router needs them."""

import gc
import json
import logging
import threading
import weakref

import pytest

import llmroute
from llmroute import BreakerState, Event, EventKind, Outcome

pytestmark = pytest.mark.skipif(
    "llmr_router_set_event_listener" in llmroute._native.missing_functions,
    reason="the library under test has no event API")

CONFIG = {"router_settings": {"breaker": {"jitter": 0}},
          "deployments": [{"name": "a", "models": ["m"]}, {"name": "b", "models": ["m"]}]}


class Recorder:
    """A listener recording (event, thread id)."""

    def __init__(self):
        self.seen = []
        self.lock = threading.Lock()

    def __call__(self, event):
        with self.lock:
            self.seen.append((event, threading.get_ident()))

    @property
    def events(self):
        return [e for e, _ in self.seen]

    def of(self, kind):
        return [e for e in self.events if e.kind == kind]


@pytest.fixture
def router(clock, rng):
    r = llmroute.Router.from_config(CONFIG, clock=clock, random=rng)
    yield r
    r.close()


def trip(router, name, other="b"):
    for _ in range(5):
        p = router.pick("m", exclude=[other])
        assert p.deployment == name
        router.report(p, Outcome.SERVER_ERROR)


def in_thread(fn):
    """Runs fn on a new thread; returns (its result, the thread's id)."""
    box = {}

    def run():
        box["ident"] = threading.get_ident()
        try:
            box["result"] = fn()
        except BaseException as e:  # pragma: no cover - re-raised below
            box["error"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box.get("result"), box["ident"]


def test_breaker_events_fire_on_the_calling_thread(router, clock):
    rec = Recorder()
    router.set_event_listener(rec)
    main = threading.get_ident()

    trip(router, "a")  # on this thread
    assert len(rec.seen) == 1
    event, ident = rec.seen[0]
    assert isinstance(event, Event) and ident == main
    assert event == Event(kind=EventKind.BREAKER, deployment="a",
                          from_state=BreakerState.CLOSED, to_state=BreakerState.OPEN,
                          cooldown_ms=5000)
    assert isinstance(event.kind, EventKind) and isinstance(event.to_state, BreakerState)

    # After the cooldown, the pick that admits the probe and the report that closes the breaker
    # run on a worker thread: so do their events.
    clock.advance_ms(5000)

    def recover():
        p = router.pick("m", exclude=["b"])
        assert p.is_probe
        router.report(p, Outcome.SUCCESS)

    _, worker = in_thread(recover)
    assert worker != main
    assert [(e.deployment, e.from_state, e.to_state, ident) for e, ident in rec.seen[1:]] == [
        ("a", BreakerState.OPEN, BreakerState.HALF_OPEN, worker),
        ("a", BreakerState.HALF_OPEN, BreakerState.CLOSED, worker)]

    # A failed probe opens it again, with a doubled cooldown.
    trip(router, "a")
    clock.advance_ms(5000)
    p = router.pick("m", exclude=["b"])
    router.report(p, Outcome.TIMEOUT)
    last = rec.events[-1]
    assert (last.from_state, last.to_state, last.cooldown_ms) == (
        BreakerState.HALF_OPEN, BreakerState.OPEN, 10000)


def test_reload_events_fire_on_the_calling_thread(router, tmp_path):
    rec = Recorder()
    router.set_event_listener(rec)
    new = {"router_settings": CONFIG["router_settings"],
           "deployments": [{"name": "c", "models": ["m"]}, {"name": "a", "models": ["m"]},
                           {"name": "d", "models": ["m"]}]}
    _, worker = in_thread(lambda: router.apply_config(new))
    [(event, ident)] = rec.seen
    assert ident == worker
    assert event == Event(kind=EventKind.CONFIG_APPLIED, added=("c", "d"), removed=("b",),
                          kept_count=1, config_generation=2)

    def reject():
        with pytest.raises(llmroute.ConfigError) as info:
            router.apply_config({"deployments": [{"name": "a", "models": ["m"], "tier": -1}]})
        return info.value

    error, worker = in_thread(reject)
    event, ident = rec.seen[-1]
    assert ident == worker
    assert event.kind == EventKind.CONFIG_REJECTED
    assert event.message == error.message and error.path == "$.deployments[0].tier"
    assert event.config_generation == 2
    assert (event.deployment, event.added, event.removed) == (None, (), ())
    # Also from a file, on this thread.
    path = tmp_path / "config.json"
    path.write_text(json.dumps(CONFIG))
    router.apply_config_file(path)
    event, ident = rec.seen[-1]
    assert (event.kind, event.added, event.removed, event.kept_count, ident) == (
        EventKind.CONFIG_APPLIED, ("b",), ("c", "d"), 1, threading.get_ident())


def test_events_from_many_threads_each_on_its_own(clock, rng):
    names = ["d%d" % i for i in range(6)]
    config = {"router_settings": {"breaker": {"jitter": 0}},
              "deployments": [{"name": n, "models": ["m"]} for n in names]}
    with llmroute.Router.from_config(config, clock=clock, random=rng) as r:
        rec = Recorder()
        r.set_event_listener(rec)
        barrier = threading.Barrier(len(names))
        idents = {}

        def fail(name):
            idents[name] = threading.get_ident()
            barrier.wait()
            for _ in range(5):
                p = r.pick("m", exclude=[n for n in names if n != name])
                r.report(p, Outcome.SERVER_ERROR)

        threads = [threading.Thread(target=fail, args=(n,)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(e.deployment for e in rec.events) == names
        for event, ident in rec.seen:
            assert event.to_state == BreakerState.OPEN
            assert ident == idents[event.deployment]


def test_an_exception_in_the_listener_is_logged_not_raised(router, caplog):
    calls = []

    def listener(event):
        calls.append(event)
        raise RuntimeError("listener exploded")

    router.set_event_listener(listener)
    with caplog.at_level(logging.ERROR, logger="llmroute"):
        trip(router, "a")  # the report that trips does not raise
        router.apply_config(CONFIG)  # nor does a reload
        with pytest.raises(llmroute.ConfigError):  # a rejection raises its own error only
            router.apply_config({"deployments": 1})
    assert [e.kind for e in calls] == [EventKind.BREAKER, EventKind.CONFIG_APPLIED,
                                       EventKind.CONFIG_REJECTED]
    assert router.event_listener_errors == 3
    assert "listener exploded" in caplog.text
    assert all(rec.name == "llmroute" for rec in caplog.records)
    # The router went on: the trip and the reload took effect.
    h = router.health("a")
    assert (h.state, h.trips) == (BreakerState.OPEN, 1)
    assert router.stats().configs_applied == 2


def test_keyboard_interrupt_in_the_listener_is_raised_after_the_call(router):
    def listener(event):
        raise KeyboardInterrupt

    router.set_event_listener(listener)
    with pytest.raises(KeyboardInterrupt):
        trip(router, "a")
    # The report completed before the interrupt was raised.
    h = router.health("a")
    assert (h.state, h.failures, h.in_flight) == (BreakerState.OPEN, 5, 0)
    router.set_event_listener(None)
    router.report(router.pick("m"), Outcome.SUCCESS)  # nothing left pending


def test_the_listener_may_call_the_router(router):
    seen = []

    def listener(event):
        if event.kind == EventKind.BREAKER:
            seen.append((router.health(event.deployment).state,
                         router.stats().deployment(event.deployment).breaker_opened))
        elif event.kind == EventKind.CONFIG_APPLIED:
            for name in event.added:  # what a gateway does: adapters for the new deployments
                router.set_adapter(name, lambda attempt: Outcome.SUCCESS)
            seen.append(sorted(h.name for h in router.health_list()))

    router.set_event_listener(listener)
    trip(router, "a")
    assert seen == [(BreakerState.OPEN, 1)]
    router.apply_config({"deployments": [{"name": "z", "models": ["n"]}],
                         "router_settings": CONFIG["router_settings"]})
    assert seen[-1] == ["z"]
    assert router.call("n").deployment == "z"  # the adapter the listener attached


def test_the_listener_lives_as_long_as_the_router_needs_it(router, clock):
    counts = {"events": 0}

    def install():
        # Both the callable and its wrapper exist only inside the Router once this returns.
        def listener(event):
            counts["events"] += 1
        router.set_event_listener(listener)
        return weakref.ref(listener)

    ref = install()
    gc.collect()
    assert ref() is not None
    trip(router, "a")
    assert counts["events"] == 1

    # Replacing it releases the previous one.
    rec = Recorder()
    router.set_event_listener(rec)
    gc.collect()
    assert ref() is None
    clock.advance_ms(5000)
    router.report(router.pick("m", exclude=["b"]), Outcome.SUCCESS)
    assert counts["events"] == 1 and len(rec.events) == 2

    # None removes it: no more events.
    rec_ref = weakref.ref(rec)
    router.set_event_listener(None)
    del rec
    gc.collect()
    assert rec_ref() is None
    trip(router, "a")
    assert router.health("a").state == BreakerState.OPEN


def test_closing_the_router_releases_the_listener(clock, rng):
    r = llmroute.Router.from_config(CONFIG, clock=clock, random=rng)

    class Listener:
        def __call__(self, event):
            pass

    listener = Listener()
    ref = weakref.ref(listener)
    r.set_event_listener(listener)
    del listener
    gc.collect()
    assert ref() is not None
    r.close()
    gc.collect()
    assert ref() is None


def test_set_event_listener_arguments(router):
    with pytest.raises(TypeError):
        router.set_event_listener("not callable")
    router.set_event_listener(None)  # none set: still fine
    router.close()
    with pytest.raises(llmroute.InvalidArgumentError):
        router.set_event_listener(Recorder())


def test_event_kind_names():
    assert [llmroute.event_kind_str(k) for k in EventKind] == [
        "breaker", "config_applied", "config_rejected", "quota_exhausted",
        "shared_state_failover", "hedge_started"]

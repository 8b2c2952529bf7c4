"""Threads Python did not start: a thread created with pthread_create() (through ctypes, as a C
library or a C extension would) routes, receives events and closes the router. The library's
own thread, the shared state's synchronisation thread, is covered in test_shared_state.py
(another instance's trip arrives there; the GC frees a router there)."""

import ctypes
import logging
import sys
import threading

import pytest

import llmroute
from llmroute import BreakerState, EventKind, Outcome

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="starts a thread with glibc's pthread_create")

CONFIG = {"router_settings": {"breaker": {"jitter": 0, "consecutive_failures": 2}},
          "deployments": [{"name": "a", "models": ["m"]}, {"name": "b", "models": ["m"]}]}

_START = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)


def on_native_thread(fn):
    """Runs ``fn()`` on a thread started by pthread_create(), joins it, and returns (its result
    or exception, the thread's id, the class of threading.current_thread() there)."""
    libc = ctypes.CDLL(None)
    libc.pthread_create.argtypes = [ctypes.POINTER(ctypes.c_ulong), ctypes.c_void_p, _START,
                                    ctypes.c_void_p]
    libc.pthread_join.argtypes = [ctypes.c_ulong, ctypes.c_void_p]
    box = {}

    def body(_arg):
        box["ident"] = threading.get_ident()
        box["thread"] = type(threading.current_thread())
        try:
            box["result"] = fn()
        except BaseException as e:  # judged by the caller
            box["result"] = e
        return None

    start = _START(body)  # referenced until the join below
    thread = ctypes.c_ulong()
    assert libc.pthread_create(ctypes.byref(thread), None, start, None) == 0
    assert libc.pthread_join(thread, None) == 0  # CDLL: the GIL is released while joining
    return box["result"], box["ident"], box["thread"]


@pytest.fixture
def router(clock, rng):
    r = llmroute.Router.from_config(CONFIG, clock=clock, random=rng)
    yield r
    r.close()


def test_events_reach_the_listener_on_a_thread_python_did_not_start(router):
    seen = []

    def listener(event):
        # It may call the router from there too.
        seen.append((event, threading.get_ident(), type(threading.current_thread()),
                     router.health(event.deployment).state))

    router.set_event_listener(listener)

    def trip():
        for _ in range(2):
            router.report(router.pick("m", exclude=["b"]), Outcome.SERVER_ERROR)
        return router.health("a").state

    state, ident, thread_class = on_native_thread(trip)
    assert state == BreakerState.OPEN
    assert thread_class is llmroute._native.FOREIGN_THREAD  # not a threading.Thread
    assert ident != threading.get_ident()
    assert [(e.kind, e.deployment, e.to_state, i, c, s) for e, i, c, s in seen] == [
        (EventKind.BREAKER, "a", BreakerState.OPEN, ident, thread_class, BreakerState.OPEN)]


def test_a_raising_listener_on_a_native_thread_is_logged(router, caplog):
    def listener(event):
        raise RuntimeError("listener bug on a native thread")

    router.set_event_listener(listener)

    def trip():
        for _ in range(2):
            router.report(router.pick("m", exclude=["b"]), Outcome.SERVER_ERROR)

    with caplog.at_level(logging.ERROR, logger="llmroute"):
        result, _, _ = on_native_thread(trip)
    assert result is None  # nothing propagated into the routing calls
    assert router.event_listener_errors == 1
    assert "listener bug on a native thread" in caplog.text


def test_close_on_a_native_thread(router):
    """close() there hands the destruction to a Python thread (llmr_router_destroy joins the
    synchronisation thread, and a thread Python did not start may be that one)."""
    router.add_deployment("c", ["n"])
    result, _, _ = on_native_thread(router.close)
    assert result is None and router.closed
    for t in threading.enumerate():
        if t.name == "llmroute-close":
            t.join(60)
    assert router._lifetime.handle is None
    with pytest.raises(llmroute.ClosedError):
        router.pick("m")

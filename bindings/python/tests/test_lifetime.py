"""The Router's lifetime: close() from any thread while others route, ClosedError afterwards,
and the GC safety net (a Router dropped without close() releases its native router)."""

import gc
import os
import subprocess
import sys
import textwrap
import threading
import time
import weakref

import pytest

import llmroute
from llmroute import AttemptResult, Outcome

from conftest import HERE

ROUNDS = 50
WORKERS = 4
OPS_BEFORE_CLOSE = 20  # every worker has done this many operations before anyone closes
CLOSERS = ("main thread", "a worker", "an adapter", "another thread", "the event listener")


class Recording:
    """An adapter that succeeds, counts its releases, and runs ``hook`` (once set) inside an
    invocation."""

    def __init__(self):
        self.released = 0
        self.hook = None

    def invoke(self, attempt):
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()
        attempt.set_response(b"{}")
        return AttemptResult(Outcome.SUCCESS, latency_ms=1.0)

    def release(self):
        self.released += 1


def wait_until(predicate, what):
    deadline = time.monotonic() + 60
    while not predicate():
        if time.monotonic() > deadline:  # a hang, not a timing assertion
            pytest.fail("gave up waiting for " + what)
        time.sleep(0.001)


def route_until_closed(router, ready, outcome):
    """Picks and reports, picks and cancels, and calls, in turn, until the router is closed.
    ``outcome`` receives (operations done, the exception that ended the loop)."""
    done = 0
    try:
        while True:
            kind = done % 3
            if kind == 0:
                router.report(router.pick("m"), Outcome.SUCCESS, latency_ms=5.0)
            elif kind == 1:
                router.cancel(router.pick("m"))
            else:
                assert router.call("m", b"x").response == b"{}"
            done += 1
            if done == OPS_BEFORE_CLOSE:
                ready.release()
    except BaseException as e:  # what ended the loop is the test's to judge
        outcome.append((done, e))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_close_from_any_thread_while_four_threads_route(round_):
    closer = CLOSERS[round_ % len(CLOSERS)]
    router = llmroute.Router(breaker_consecutive_failures=1000)
    adapters = [Recording(), Recording()]
    for name, adapter in zip(("a", "b"), adapters):
        router.add_deployment(name, ["m"])
        router.set_adapter(name, adapter)
    ready = threading.Semaphore(0)
    outcomes = [[] for _ in range(WORKERS)]
    threads = [threading.Thread(target=route_until_closed, args=(router, ready, outcomes[i]))
               for i in range(WORKERS)]
    for t in threads:
        t.start()
    for _ in range(WORKERS):
        assert ready.acquire(timeout=60)

    if closer == "main thread":
        router.close()
    elif closer == "another thread":
        t = threading.Thread(target=router.close)
        t.start()
        t.join()
    elif closer == "a worker":
        # A fifth thread that routes too and closes the router itself, between two calls.
        def route_then_close():
            router.report(router.pick("m"), Outcome.SUCCESS)
            router.close()
        t = threading.Thread(target=route_then_close)
        t.start()
        t.join()
    elif closer == "an adapter":
        # Inside a call on this very router: the close cannot wait for that call, so the
        # router is destroyed once the last call in progress returns.
        adapters[0].hook = adapters[1].hook = router.close
    else:  # the event listener, run inside the reload that tells it
        router.set_event_listener(lambda event: router.close())
        router.apply_config({"deployments": [{"name": "a", "models": ["m"]},
                                             {"name": "b", "models": ["m"]}]})
    for t in threads:
        t.join(120)
        assert not t.is_alive()

    for done, error in (o[0] for o in outcomes):
        # Each worker routed until the close and then got ClosedError, never anything else.
        assert isinstance(error, llmroute.ClosedError), repr(error)
        assert isinstance(error, llmroute.LlmrouteError)
        assert done >= OPS_BEFORE_CLOSE
    assert router.closed
    with pytest.raises(llmroute.ClosedError):
        router.pick("m")
    with pytest.raises(llmroute.ClosedError):
        router.call("m", b"x")
    assert router._lifetime.in_flight == 0
    assert router._lifetime.handle is None  # destroyed, after the last call returned
    assert [a.released for a in adapters] == [1, 1]
    router.close()  # idempotent


def test_a_call_in_progress_finishes_before_close_returns():
    router = llmroute.Router()
    router.add_deployment("a", ["m"])
    entered, gate = threading.Event(), threading.Event()
    seen = {}
    closed_returned = threading.Event()

    def invoke(attempt):
        entered.set()
        assert gate.wait(60)
        # close() has begun on another thread, and waits for this call.
        seen["close returned while the call ran"] = closed_returned.is_set()
        seen["handle while the call ran"] = router._lifetime.handle is not None
        return Outcome.SUCCESS

    router.set_adapter("a", invoke)
    results = []
    caller = threading.Thread(target=lambda: results.append(router.call("m", b"x")))
    caller.start()
    assert entered.wait(60)

    def close():
        router.close()
        closed_returned.set()

    closer = threading.Thread(target=close)
    closer.start()
    wait_until(lambda: router.closed, "close() to begin")
    with pytest.raises(llmroute.ClosedError):  # a new call is refused at once
        router.pick("m")
    gate.set()
    caller.join(60)
    closer.join(60)
    assert results and results[0].status == llmroute.Status.OK
    assert seen == {"close returned while the call ran": False,
                    "handle while the call ran": True}
    assert closed_returned.is_set() and router._lifetime.handle is None


def test_close_from_inside_an_adapter_destroys_the_router_after_the_call():
    router = llmroute.Router()
    router.add_deployment("a", ["m"])
    adapter = Recording()
    adapter.hook = router.close
    router.set_adapter("a", adapter)
    report = router.call("m", b"x")  # the call that closed the router still completes
    assert report.status == llmroute.Status.OK and report.response == b"{}"
    assert router.closed and router._lifetime.handle is None and adapter.released == 1
    with pytest.raises(llmroute.ClosedError):
        router.call("m", b"x")


def test_every_method_of_a_closed_router_raises_closed_error():
    router = llmroute.Router()
    router.close()
    calls = {
        "add_deployment": ("a", ["m"]), "update_deployment": ("a", ["m"]),
        "remove_deployment": ("a",), "set_alias": ("x", "m"), "remove_alias": ("x",),
        "set_fallbacks": ("m", ["n"]), "set_model_strategy": ("m", "latency"),
        "set_override": ("a", "auto"), "pick": ("m",), "report": (1, "success"),
        "cancel": (1,), "fallbacks": ("m",), "explain": ("m",), "health": ("a",),
        "health_list": (),
        "apply_config": ("{}",), "apply_config_file": ("/nonexistent",),
        "set_event_listener": (None,), "stats": (), "metrics_text": (),
        "shared_state_status": (), "set_adapter": ("a", None), "call": ("m", b"x"),
        "report_load": ("a",), "pick_traced": ("m",),
    }
    public = {name for name in dir(llmroute.Router)
              if not name.startswith("_") and callable(getattr(llmroute.Router, name))
              and name not in ("close", "from_config", "from_config_file")}
    assert public == set(calls)  # a new method needs a line here
    for name, args in calls.items():
        with pytest.raises(llmroute.ClosedError) as info:
            getattr(router, name)(*args)
        assert info.value.status == llmroute.Status.INVALID_ARGUMENT, name
        assert isinstance(info.value, ValueError), name  # like a closed file's


def test_a_router_dropped_without_close_is_destroyed():
    adapter = Recording()
    router = llmroute.Router()
    router.add_deployment("a", ["m"])
    router.set_adapter("a", adapter)
    router.call("m", b"x")
    lifetime = router._lifetime
    del router  # no reference left: the GC safety net destroys the native router at once
    assert lifetime.handle is None and adapter.released == 1


class Harness:
    """Owns a router and gives it bound methods: the clock, an adapter and a listener that
    all reference the harness, hence the router (the usual shape of a test harness or a
    gateway object)."""

    def __init__(self):
        self.now_ns = 10**12
        self.calls = []
        self.router = llmroute.Router(clock=self.clock)
        self.router.add_deployment("a", ["m"])
        self.router.set_adapter("a", self.invoke)
        self.router.set_event_listener(self.on_event)

    def clock(self):
        return self.now_ns

    def invoke(self, attempt):
        self.calls.append(self.router.health("a").in_flight)
        return Outcome.SUCCESS

    def on_event(self, event):
        self.router.stats()


def test_a_router_in_a_reference_cycle_is_collected_and_destroyed():
    """Its clock, adapter and listener reference the router (through the harness): the cycle
    is the collector's to free, and the safety net must not keep the router alive."""
    harness = Harness()
    harness.router.call("m", b"x")
    harness.router.apply_config({"deployments": [{"name": "a", "models": ["m"]}]})  # an event
    refs = [weakref.ref(x) for x in (harness, harness.router)]
    lifetime = harness.router._lifetime
    calls = harness.calls
    del harness
    gc.collect()
    assert [r() for r in refs] == [None, None]
    assert lifetime.handle is None and calls == [1]


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def make_and_drop(i):
    r = llmroute.Router()
    r.add_deployment("a", ["m"])
    if i % 2:
        r.set_adapter("a", lambda attempt: (r, Outcome.SUCCESS)[1])  # a cycle through r
    else:
        r.set_adapter("a", Recording())
    assert r.call("m", b"request").status == llmroute.Status.OK


UNCLOSED = 20000


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc/self/statm")
def test_unclosed_routers_do_not_leak(capsys):
    """20000 routers that each made one call and were dropped without close(), half of them in
    a reference cycle: the resident set stays flat (without the safety net each would keep its
    native router, a few hundred KiB)."""
    for i in range(2000):  # warm up: allocator pools, caches
        make_and_drop(i)
    gc.collect()
    before = rss_bytes()
    for i in range(UNCLOSED):
        make_and_drop(i)
    gc.collect()
    after = rss_bytes()
    with capsys.disabled():
        print("\n%d unclosed routers: RSS %.1f MiB -> %.1f MiB (%+.1f MiB)"
              % (UNCLOSED, before / 2**20, after / 2**20, (after - before) / 2**20))
    assert after - before < 16 * 2**20  # 20000 leaked native routers would be gigabytes


AT_EXIT = textwrap.dedent("""\
    import threading
    import llmroute

    class Adapter:
        def __init__(self, name, gate=None):
            self.name, self.gate = name, gate
        def invoke(self, attempt):
            if self.gate is not None:
                entered.set()
                self.gate.wait()  # never set: a daemon thread stuck in a call at exit
            return llmroute.Outcome.SUCCESS
        def release(self):
            print("released", self.name, flush=True)

    entered = threading.Event()
    idle = llmroute.Router()
    idle.add_deployment("a", ["m"])
    idle.set_adapter("a", Adapter("idle"))
    busy = llmroute.Router()
    busy.add_deployment("a", ["m"])
    busy.set_adapter("a", Adapter("busy", threading.Event()))
    threading.Thread(target=busy.call, args=("m", b"x"), daemon=True).start()
    assert entered.wait(60)
    print("exiting", flush=True)
""")


def test_interpreter_exit_destroys_idle_routers_and_does_not_wait_for_stuck_calls():
    """At exit the safety net destroys the routers still open (their adapters are released),
    except one a daemon thread is stuck in a call on: exit must not hang waiting for it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(HERE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-c", AT_EXIT], env=env, capture_output=True,
                            text=True, timeout=120)  # a hang fails here
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["exiting", "released idle"], result.stderr

"""Router.shared_state_status() and the fleet shared state seen from Python: another instance's
trip arrives as an event on the router's synchronisation thread (the one thread llmroute starts),
where the listener's exceptions are logged too. The Redis tests run against a redis-server the
test starts on the loopback interface, and are skipped without one."""

import logging
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import pytest

import llmroute
from llmroute import BreakerState, EventKind, Outcome

from conftest import HERE

pytestmark = pytest.mark.skipif(
    "llmr_router_shared_state_status" in llmroute._native.missing_functions,
    reason="the library under test has no shared state")

REDIS_SERVER = shutil.which("redis-server")


def test_a_router_without_shared_state():
    with llmroute.Router() as r:
        s = r.shared_state_status()
    assert isinstance(s, llmroute.SharedStateStatus)
    assert s == llmroute.SharedStateStatus(
        enabled=False, connected=False, last_sync_age_ms=None, syncs=0, sync_failures=0,
        connections=0, remote_opens=0, remote_closes=0, last_error="")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_shared(url, **kwargs):
    """A router with a shared state URL, or a skip when the library was built without Redis."""
    try:
        return llmroute.Router(shared_state_url=url, **kwargs)
    except llmroute.InvalidArgumentError as e:
        if "hiredis" in e.message or "without" in e.message:
            pytest.skip("the library was built without the Redis backend: %s" % e.message)
        raise


def test_an_unreachable_redis_is_reported_not_fatal():
    # Nothing listens on this loopback port: the router routes on its own state.
    url = "redis://:secret-password@127.0.0.1:%d" % free_port()
    r = make_shared(url, shared_state_connect_timeout_ms=200)
    try:
        r.add_deployment("a", ["m"])
        r.report(r.pick("m"), Outcome.SUCCESS)
        s = r.shared_state_status()
        assert (s.enabled, s.connected, s.syncs, s.last_sync_age_ms) == (True, False, 0, None)
        assert s.sync_failures >= 1
        assert "127.0.0.1" in s.last_error and "secret-password" not in s.last_error
    finally:
        r.close()


def test_sentinel_and_cluster_urls_are_accepted_and_reported():
    # Nothing listens on these ports: the router starts on local state and says which sentinels
    # or nodes failed.
    url = "redis-sentinel://:secret-password@127.0.0.1:%d,127.0.0.1:%d#gw" % (free_port(),
                                                                              free_port())
    r = make_shared(url, shared_state_connect_timeout_ms=200)
    try:
        s = r.shared_state_status()
        assert (s.enabled, s.connected, s.topology, s.server) == (True, False, 1, "")
        assert "no sentinel of redis-sentinel://:***@127.0.0.1:" in s.last_error
        assert "'gw'" in s.last_error and "secret-password" not in s.last_error
    finally:
        r.close()
    r = make_shared("redis-cluster://127.0.0.1:%d" % free_port(),
                    shared_state_connect_timeout_ms=200)
    try:
        s = r.shared_state_status()
        assert (s.enabled, s.connected, s.topology) == (True, False, 2)
        assert "no node of Redis Cluster redis-cluster://127.0.0.1:" in s.last_error
    finally:
        r.close()
    with pytest.raises(llmroute.InvalidArgumentError) as e:
        llmroute.Router(shared_state_url="redis-sentinel://127.0.0.1:26379")
    assert "the master name is missing" in e.value.message


@pytest.fixture
def redis_url(tmp_path):
    if REDIS_SERVER is None:
        pytest.skip("no redis-server")
    port = free_port()
    # Not the sanitizer runtimes a sanitizer build preloads into the interpreter.
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                    c.sendall(b"PING\r\n")
                    if c.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.skip("redis-server did not start")
            time.sleep(0.05)
        yield "redis://127.0.0.1:%d" % port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()


def wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def fleet(url):
    prefix = "pytest-%s:" % uuid.uuid4().hex
    routers = [make_shared(url, shared_state_key_prefix=prefix, shared_state_sync_interval_ms=10,
                           breaker_jitter=0.0) for _ in range(2)]
    for r in routers:
        r.add_deployment("x", ["m"])
        r.add_deployment("y", ["m"])
    return routers


def test_another_instances_trip_arrives_on_the_sync_thread(redis_url):
    a, b = fleet(redis_url)
    try:
        assert wait_for(lambda: a.shared_state_status().connected
                        and b.shared_state_status().connected)
        seen = []
        b.set_event_listener(lambda e: seen.append((e, threading.get_ident())))
        for _ in range(5):
            a.report(a.pick("m", exclude=["y"]), Outcome.SERVER_ERROR)
        assert a.health("x").state == BreakerState.OPEN
        assert wait_for(lambda: any(e.kind == EventKind.BREAKER and e.deployment == "x"
                                    for e, _ in seen)), "no event on the other instance"
        event, ident = next((e, i) for e, i in seen if e.deployment == "x")
        assert event.to_state == BreakerState.OPEN
        assert ident != threading.get_ident()  # llmroute's synchronisation thread
        assert b.health("x").state == BreakerState.OPEN
        s = b.shared_state_status()
        assert (s.enabled, s.connected, s.topology, s.failovers) == (True, True, 0, 0)
        assert s.server == redis_url[len("redis://"):]  # the one server
        assert s.remote_opens >= 1 and s.syncs >= 1 and s.connections >= 1
        assert s.last_sync_age_ms is not None and s.last_sync_age_ms >= 0
        # Picks on the other instance avoid the deployment now.
        p = b.pick("m")
        assert p.deployment == "y"
        b.cancel(p)
    finally:
        a.close()
        b.close()


def test_a_raising_listener_on_the_sync_thread_is_logged(redis_url, caplog):
    a, b = fleet(redis_url)
    try:
        assert wait_for(lambda: b.shared_state_status().connected)
        calls = []

        def listener(event):
            calls.append(threading.get_ident())
            if len(calls) == 1:
                raise KeyboardInterrupt  # no Python call on that thread to raise it from
            raise RuntimeError("listener exploded on the sync thread")

        b.set_event_listener(listener)
        with caplog.at_level(logging.ERROR, logger="llmroute"):
            for name in ("x", "y"):
                for _ in range(5):
                    a.report(a.pick("m", exclude=["y" if name == "x" else "x"]),
                             Outcome.SERVER_ERROR)
            assert wait_for(lambda: b.event_listener_errors >= 2)
            # Counted first, then logged (on that thread): wait for the records too.
            assert wait_for(lambda: "thread llmroute started" in caplog.text
                            and "listener exploded on the sync thread" in caplog.text)
        assert all(ident != threading.get_ident() for ident in calls)
        # Nothing was left to raise on this thread.
        b.set_event_listener(None)
        assert b.health("x").state == BreakerState.OPEN
    finally:
        a.close()
        b.close()


GC_ON_THE_SYNC_THREAD = textwrap.dedent("""\
    import gc, os, threading, uuid
    import llmroute
    from llmroute import Outcome, _lifetime

    destroyed = threading.Event()
    where = []

    # Record where the GC safety net runs and where the native router is destroyed.
    finalize = _lifetime.RouterLifetime.close_unreferenced
    def close_unreferenced(self):
        where.append("finalized on " + type(threading.current_thread()).__name__)
        finalize(self)
    _lifetime.RouterLifetime.close_unreferenced = close_unreferenced
    destroy = _lifetime._destroy
    def recording_destroy(handle, callbacks):
        destroy(handle, callbacks)
        where.append("destroyed on " + threading.current_thread().name)
        destroyed.set()
    _lifetime._destroy = recording_destroy

    kw = dict(shared_state_url=os.environ["REDIS_URL"], shared_state_sync_interval_ms=10,
              shared_state_key_prefix="pytest-%s:" % uuid.uuid4().hex, breaker_jitter=0.0)
    a, b = llmroute.Router(**kw), llmroute.Router(**kw)
    for r in (a, b):
        r.add_deployment("x", ["m"])
        r.add_deployment("y", ["m"])

    def listener(event):  # on b's synchronisation thread; holds no reference to b
        gc.collect()

    b.set_event_listener(listener)
    b.cycle = b  # only the garbage collector can free it
    gc.disable()
    del b, r
    for _ in range(5):
        a.report(a.pick("m", exclude=["y"]), Outcome.SERVER_ERROR)
    assert destroyed.wait(20), "b was not collected"
    for t in threading.enumerate():  # b's destruction, handed to a Python thread
        if t.name == "llmroute-close":
            t.join(20)
            assert not t.is_alive()
    where.append("a")
    a.close()
    print(where)
""")


def test_a_router_collected_on_its_own_sync_thread_is_destroyed_safely(redis_url):
    """The garbage collector, run by a callback on a router's synchronisation thread, frees
    that very router: destroying it there would join the thread from itself (std::terminate),
    so the GC safety net hands the destruction to a Python thread. In a child process: a
    regression aborts."""
    env = dict(os.environ)
    env["REDIS_URL"] = redis_url
    env["PYTHONPATH"] = str(HERE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-c", GC_ON_THE_SYNC_THREAD], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert ("['finalized on _DummyThread', 'destroyed on llmroute-close', 'a', "
            "'destroyed on MainThread']" in result.stdout), (result.stdout, result.stderr)

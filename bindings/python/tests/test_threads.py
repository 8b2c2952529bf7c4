"""Many Python threads pick and report at once: every ticket is accounted for exactly once."""

import collections
import random
import threading

import pytest

import llmroute
from llmroute import AllOpenPolicy, Outcome, Strategy

from conftest import FakeClock, SplitMix64

THREADS = 8
PER_THREAD = 2000
DEPLOYMENTS = ["d%d" % i for i in range(5)]


def run_threads(router, writer=None):
    counts = collections.Counter()
    lock = threading.Lock()
    errors = []
    barrier = threading.Barrier(THREADS + (1 if writer else 0))
    done = threading.Event()

    def worker(seed):
        rnd = random.Random(seed)
        local = collections.Counter()
        try:
            barrier.wait()
            for _ in range(PER_THREAD):
                try:
                    p = router.pick("gpt-4o")
                except llmroute.NoProviderError:
                    local["no_provider"] += 1
                    continue
                local["picks"] += 1
                local["pick:" + p.deployment] += 1
                x = rnd.random()
                if x < 0.80:
                    router.report(p, Outcome.SUCCESS, latency_ms=rnd.uniform(50, 500),
                                  ttft_ms=rnd.uniform(5, 50), input_tokens=100, output_tokens=10)
                    local["successes"] += 1
                elif x < 0.85:
                    router.report(p.ticket, Outcome.SERVER_ERROR, latency_ms=20)
                    local["failures"] += 1
                elif x < 0.95:
                    router.report(p, Outcome.BAD_REQUEST)
                    local["request_errors"] += 1
                else:
                    router.cancel(p)
                    local["cancels"] += 1
                # A second report of the same ticket never counts.
                if x > 0.99:
                    with pytest.raises(llmroute.TicketDoneError):
                        router.report(p, Outcome.SUCCESS)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        with lock:
            counts.update(local)

    def write():
        barrier.wait()
        i = 0
        while not done.is_set():
            name = DEPLOYMENTS[i % len(DEPLOYMENTS)]
            router.update_deployment(name, ["gpt-4o"], weight=1 + i % 4)
            i += 1

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(THREADS)]
    w = threading.Thread(target=write) if writer else None
    if w:
        w.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    if w:
        w.join()
    assert errors == []
    return counts


@pytest.mark.parametrize("strategy,callbacks,writer", [
    (Strategy.ROUND_ROBIN, True, False),
    (Strategy.WEIGHTED_RANDOM, False, False),
    (Strategy.WEIGHTED, True, True),
    (Strategy.LATENCY, False, True),
    (Strategy.PEAK_EWMA, True, False),
    (Strategy.LEAST_LOADED, False, True),
])
def test_many_threads_pick_and_report(strategy, callbacks, writer):
    kwargs = {}
    if callbacks:
        kwargs = {"clock": FakeClock(), "random": SplitMix64(99)}
    with llmroute.Router(strategy=strategy, all_open_policy=AllOpenPolicy.PANIC, **kwargs) as r:
        for name in DEPLOYMENTS:
            r.add_deployment(name, ["gpt-4o"])
        counts = run_threads(r, writer)
        health = {h.name: h for h in r.health_list()}

    assert counts["picks"] + counts["no_provider"] == THREADS * PER_THREAD
    assert counts["no_provider"] == 0  # the panic policy always routes somewhere
    for name, h in health.items():
        assert h.in_flight == 0, name
        assert h.picks == counts["pick:" + name], name
        assert h.picks == h.successes + h.failures + h.request_errors + h.cancels, name
    total = lambda field: sum(getattr(h, field) for h in health.values())  # noqa: E731
    assert total("picks") == counts["picks"]
    assert total("successes") == counts["successes"]
    assert total("failures") == counts["failures"]
    assert total("request_errors") == counts["request_errors"]
    assert total("cancels") == counts["cancels"]

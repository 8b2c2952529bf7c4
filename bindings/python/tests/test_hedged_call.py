"""Hedged calls: the first attempt is slow on the fake clock; its check() starts the due hedge,
which runs on a thread the library created (ctypes takes the GIL for it), claims the stream with
commit() and wins; the first attempt then sees Status.CANCELLED."""

import math
import threading

import pytest

import llmroute
from llmroute import AttemptResult, Outcome, Status


class Racer:
    def __init__(self, clock):
        self.clock = clock
        self.first_cancelled = 0
        self.hedge_threads = []
        self.caller_thread = None

    def invoke(self, attempt):
        if attempt.is_hedge:
            self.hedge_threads.append(threading.get_ident())
            assert attempt.commit()
            attempt.set_response(b"hedge")
            return AttemptResult(outcome=Outcome.SUCCESS)
        self.caller_thread = threading.get_ident()
        self.clock.advance_ms(60)
        while True:
            status = attempt.check()
            if status == Status.CANCELLED:
                self.first_cancelled += 1
                return AttemptResult(outcome=Outcome.TIMEOUT)
            assert status == Status.OK


def test_the_hedge_wins_on_a_library_thread(make_router, clock):
    r = make_router()
    r.add_deployment("a", ["m"])
    r.add_deployment("b", ["m"])
    racer = Racer(clock)
    r.set_adapter("a", racer)
    r.set_adapter("b", racer)
    report = r.call("m", b"x", hedge_after_ms=50)
    assert report.response == b"hedge"
    assert [(a.hedge, a.cancelled) for a in report.attempts] == [(False, True), (True, False)]
    assert report.attempts[1].committed
    assert racer.first_cancelled == 1
    assert len(racer.hedge_threads) == 1 and racer.hedge_threads[0] != racer.caller_thread
    loser = report.attempts[0].deployment
    assert r.health(loser).failures == 0  # cancelled, not a failure of its deployment
    assert llmroute.EventKind.HEDGE_STARTED == 5


@pytest.mark.parametrize("kwargs, field", [
    (dict(hedge_after_ms=-1), "hedge_after_ms"),
    (dict(hedge_after_quantile=math.nan), "hedge_after_quantile"),
    (dict(max_hedges=5), "max_hedges"),
])
def test_bad_hedge_options_name_the_field(make_router, kwargs, field):
    r = make_router()
    r.add_deployment("a", ["m"])
    r.set_adapter("a", lambda attempt: AttemptResult())
    with pytest.raises(llmroute.InvalidArgumentError, match=field):
        r.call("m", b"x", **kwargs)

"""Stalled streams: an adapter reports each chunk with Attempt.progress() and polls check(); a
missing first byte or a long gap fails over before commit and raises StreamStalledError after."""

import pytest

import llmroute
from llmroute import AttemptResult, Outcome, Status


class Streamer:
    """Streams chunks after the given gaps (ms) on the fake clock, polling every 100 ms; bytes
    reach the client after the first chunk."""

    def __init__(self, clock, *gaps):
        self.clock = clock
        self.gaps = gaps
        self.limits = None

    def invoke(self, attempt):
        self.limits = (attempt.first_byte_timeout_ms, attempt.idle_timeout_ms)
        committed = False
        for gap in self.gaps:
            waited = 0
            while waited < gap:
                step = min(100, gap - waited)
                self.clock.advance_ms(step)
                waited += step
                if attempt.check() == Status.STREAM_STALLED:
                    return AttemptResult(outcome=Outcome.TIMEOUT, committed=committed)
            attempt.progress()
            committed = True
        return AttemptResult(outcome=Outcome.SUCCESS, committed=committed)


def test_stall_fails_over_before_commit_and_raises_after(make_router, clock):
    r = make_router()
    r.add_deployment("a", ["m"])
    r.add_deployment("b", ["m"])
    a = Streamer(clock, 10_000)  # no first byte within 5 s
    r.set_adapter("a", a)
    r.set_adapter("b", Streamer(clock, 10, 10))
    limits = dict(first_byte_timeout_ms=5000, idle_timeout_ms=1000, backoff_base_ms=0)
    for _ in range(2):
        assert r.call("m", b"x", **limits).deployment == "b"
    assert a.limits == (5000, 1000)
    r.set_adapter("a", Streamer(clock, 10, 3000))  # a chunk reaches the client, then a gap
    r.set_adapter("b", Streamer(clock, 10, 3000))
    with pytest.raises(llmroute.StreamStalledError) as e:
        r.call("m", b"x", **limits)
    assert e.value.status == Status.STREAM_STALLED
    assert len(e.value.report.attempts) == 1  # never retried after commit
    with pytest.raises(llmroute.InvalidArgumentError, match="idle_timeout_ms"):
        r.call("m", b"x", idle_timeout_ms=-1)

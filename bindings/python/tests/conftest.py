"""Shared fixtures. The package is imported from the source tree (bindings/python), and the
library from $LLMROUTE_LIBRARY (CTest sets it to the build's libllmroute.so.1) or by SONAME."""

import os
import pathlib
import sys
import threading

import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

# The header the binding must match: the source tree's, or $LLMROUTE_HEADER (an installed one).
HEADER = pathlib.Path(os.environ.get("LLMROUTE_HEADER")
                      or HERE.parents[2] / "include" / "llmroute" / "llmroute.h")

import llmroute  # noqa: E402  (after the sys.path change)

START_NS = 1_000_000_000_000  # far from 0, so that "time 0" bugs do not hide
NS_PER_MS = 1_000_000


class FakeClock:
    """A manual monotonic clock in nanoseconds, safe to read from many threads."""

    def __init__(self, start_ns=START_NS):
        self.now_ns = start_ns
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.now_ns

    def advance_ms(self, ms):
        self.now_ns += int(ms * NS_PER_MS)


class SplitMix64:
    """A deterministic 64-bit random source (splitmix64). The lock keeps the sequence exact
    when many threads draw at once."""

    def __init__(self, seed=1):
        self.state = seed & 0xFFFFFFFFFFFFFFFF
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.state = (self.state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
            z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)


@pytest.fixture
def header_text():
    if not HEADER.is_file():
        pytest.fail("the C header is not at %s; set LLMROUTE_HEADER" % HEADER)
    return HEADER.read_text(encoding="utf-8")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def rng():
    return SplitMix64(12345)


@pytest.fixture
def make_router(clock, rng):
    """make_router(**kwargs): a Router on the fake clock and random source, closed afterwards."""
    routers = []

    def make(**kwargs):
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("random", rng)
        r = llmroute.Router(**kwargs)
        routers.append(r)
        return r

    yield make
    for r in routers:
        r.close()

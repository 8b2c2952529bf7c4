"""Integer enumerations of the C header, one IntEnum per C enum.

The values are the header's values (``include/llmroute/llmroute.h``); the member names are the C
names without their prefix (``LLMR_ERR_TICKET_DONE`` is ``Status.TICKET_DONE``). The C values are
append-only, so a newer 1.x library may hand out a value this module does not know yet: the
binding then passes the plain ``int`` through instead of failing (see ``_coerce``).
tests/test_abi.py parses the header and fails when the two drift apart.
"""

from __future__ import annotations

import enum
from typing import Type, TypeVar, Union

__all__ = ["Status", "Strategy", "Outcome", "BreakerState", "Override", "AllOpenPolicy",
           "FallbackKind", "EventKind"]


class Status(enum.IntEnum):
    """``llmr_status``: the result of every fallible call (prefixes ``LLMR_`` / ``LLMR_ERR_``)."""

    OK = 0
    INVALID_ARGUMENT = -1
    NO_MEMORY = -2
    NOT_FOUND = -3
    ALREADY_EXISTS = -4
    NO_PROVIDER = -5
    UNKNOWN_MODEL = -6
    INVALID_TICKET = -7
    TICKET_DONE = -8
    CAPACITY = -9
    INTERNAL = -10
    BUFFER_TOO_SMALL = -11
    RATE_LIMITED = -12
    DEADLINE_EXCEEDED = -13
    CANCELLED = -14
    UPSTREAM = -15
    CONFIG = -16
    STREAM_STALLED = -18


class Strategy(enum.IntEnum):
    """``llmr_strategy`` (prefix ``LLMR_STRATEGY_``)."""

    DEFAULT = 0
    ROUND_ROBIN = 1
    WEIGHTED = 2
    WEIGHTED_RANDOM = 3
    LATENCY = 4
    AVAILABILITY = 5
    LEAST_LOADED = 6
    PEAK_EWMA = 7
    COST = 8
    ENGINE_AWARE = 9


class Outcome(enum.IntEnum):
    """``llmr_outcome`` (prefix ``LLMR_OUTCOME_``)."""

    SUCCESS = 0
    RATE_LIMITED = 1
    SERVER_ERROR = 2
    TIMEOUT = 3
    CONNECTION_ERROR = 4
    AUTH_ERROR = 5
    BAD_REQUEST = 6
    CONTEXT_WINDOW_EXCEEDED = 7
    CONTENT_POLICY = 8


class BreakerState(enum.IntEnum):
    """``llmr_breaker_state`` (prefix ``LLMR_BREAKER_``)."""

    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2


class Override(enum.IntEnum):
    """``llmr_override`` (prefix ``LLMR_OVERRIDE_``)."""

    AUTO = 0
    FORCE_OPEN = 1
    FORCE_CLOSED = 2


class AllOpenPolicy(enum.IntEnum):
    """``llmr_all_open_policy`` (prefix ``LLMR_ALL_OPEN_``)."""

    FAIL_FAST = 0
    PANIC = 1


class FallbackKind(enum.IntEnum):
    """``llmr_fallback_kind`` (prefix ``LLMR_FALLBACK_``)."""

    GENERAL = 0
    CONTEXT_WINDOW = 1
    CONTENT_POLICY = 2


class EventKind(enum.IntEnum):
    """``llmr_event_kind`` (prefix ``LLMR_EVENT_``): what an Event reports."""

    #: A deployment's breaker changed state.
    BREAKER = 0
    #: A configuration was applied (Router.apply_config and apply_config_file).
    CONFIG_APPLIED = 1
    #: A configuration was rejected; nothing of it was applied.
    CONFIG_REJECTED = 2
    #: A deployment's provider quota is exhausted until a reset beyond quota_horizon_ms:
    #: ``deployment`` gets no pick (and no probe) for ``cooldown_ms``.
    QUOTA_EXHAUSTED = 3
    #: The fleet shared state moved to another Redis server (a Sentinel failover, a cluster
    #: slot's new owner); ``message`` says from where to where.
    SHARED_STATE_FAILOVER = 4
    #: Router.call() started a hedge (``hedge_after_ms``) on ``deployment``; ``message`` says
    #: which hedge of which call after how long.
    HEDGE_STARTED = 5


E = TypeVar("E", bound=enum.IntEnum)


def _coerce(enum_type: Type[E], value: int) -> Union[E, int]:
    """The enum member for a value the library returned, or the plain int for a value appended
    to the header after this binding was written."""
    try:
        return enum_type(value)
    except ValueError:
        return value

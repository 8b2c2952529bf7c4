"""Exceptions: one class per llmr_status, all derived from LlmrouteError.

``LlmrouteError.status`` is the :class:`~llmroute.Status` (or the plain int for a status this
binding does not know yet) and ``.message`` the detail the library gave for the failed call
(``llmr_error_message()``).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Type, Union

from .enums import Status, _coerce

__all__ = [
    "LlmrouteError",
    "InvalidArgumentError",
    "ClosedError",
    "NoMemoryError",
    "NotFoundError",
    "AlreadyExistsError",
    "NoProviderError",
    "UnknownModelError",
    "InvalidTicketError",
    "TicketDoneError",
    "CapacityError",
    "InternalError",
    "BufferTooSmallError",
    "RetryAfterError",
    "RateLimitedError",
    "DeadlineExceededError",
    "CancelledError",
    "UpstreamError",
    "ConfigError",
    "CallbackReentryError",
]


class LlmrouteError(Exception):
    """A call into libllmroute failed.

    ``LlmrouteError(status, message)``; ``status`` is a :class:`Status` (an ``int`` when the
    library returned a value newer than this binding), ``message`` the library's detail.
    """

    def __init__(self, status: Union[Status, int], message: str = "") -> None:
        super().__init__(status, message)
        self.status: Union[Status, int] = _coerce(Status, int(status))
        self.message: str = message
        #: For a failed Router.call(): the CallReport (attempts, final outcome, detail), when
        #: the library produced one.
        self.report: Any = None

    @property
    def status_name(self) -> str:
        """The C name of the status, for example ``"LLMR_ERR_NO_PROVIDER"``."""
        if isinstance(self.status, Status):
            return "LLMR_OK" if self.status == Status.OK else "LLMR_ERR_" + self.status.name
        return "LLMR_ERR_UNRECOGNISED(%d)" % self.status

    def __str__(self) -> str:
        if self.message:
            return "%s: %s" % (self.status_name, self.message)
        return self.status_name

    def __repr__(self) -> str:
        return "%s(%r, %r)" % (type(self).__name__, self.status, self.message)


class InvalidArgumentError(LlmrouteError, ValueError):
    """LLMR_ERR_INVALID_ARGUMENT: NULL, empty, too long, not UTF-8 or out of range. Also raised by
    the binding itself for arguments it cannot pass to C faithfully (a str that cannot be
    encoded as UTF-8, an embedded NUL, an integer outside the C type's range)."""


class ClosedError(InvalidArgumentError):
    """The Router was closed (or is closing): the call did not reach the library. Status
    INVALID_ARGUMENT, what the C API returns for a NULL router; a ValueError like the one a
    closed file raises."""


class NoMemoryError(LlmrouteError, MemoryError):
    """LLMR_ERR_NO_MEMORY."""


class NotFoundError(LlmrouteError, LookupError):
    """LLMR_ERR_NOT_FOUND: the named deployment, alias or model setting does not exist."""


class AlreadyExistsError(LlmrouteError):
    """LLMR_ERR_ALREADY_EXISTS."""


class RetryAfterError(LlmrouteError):
    """Base of the errors that say when to try again: ``retry_after_ms`` (-1: unknown, or never
    by itself)."""

    def __init__(self, status: Union[Status, int], message: str = "",
                 retry_after_ms: int = 0) -> None:
        super().__init__(status, message)
        self.retry_after_ms: int = retry_after_ms

    def __reduce__(self):  # keep retry_after_ms through pickling (multiprocessing)
        return (type(self), (self.status, self.message, self.retry_after_ms))


class NoProviderError(RetryAfterError):
    """LLMR_ERR_NO_PROVIDER: deployments serve the model but none is eligible now.

    ``retry_after_ms`` is the time until the earliest cooldown ends, or -1 when none ends by
    itself (every deployment forced open)."""

    def __init__(self, status: Union[Status, int] = Status.NO_PROVIDER, message: str = "",
                 retry_after_ms: int = 0) -> None:
        super().__init__(status, message, retry_after_ms)


class RateLimitedError(RetryAfterError):
    """LLMR_ERR_RATE_LIMITED: every eligible deployment is at its rpm, tpm or in-flight limit;
    ``retry_after_ms`` says when capacity returns."""

    def __init__(self, status: Union[Status, int] = Status.RATE_LIMITED, message: str = "",
                 retry_after_ms: int = 0) -> None:
        super().__init__(status, message, retry_after_ms)


class UnknownModelError(LlmrouteError, LookupError):
    """LLMR_ERR_UNKNOWN_MODEL: no deployment serves the model at all."""


class InvalidTicketError(LlmrouteError):
    """LLMR_ERR_INVALID_TICKET: the ticket was never issued by this router."""


class TicketDoneError(LlmrouteError):
    """LLMR_ERR_TICKET_DONE: the ticket was already reported or cancelled."""


class CapacityError(LlmrouteError):
    """LLMR_ERR_CAPACITY: a fixed capacity is exhausted."""


class InternalError(LlmrouteError):
    """LLMR_ERR_INTERNAL: please report it with the message."""


class BufferTooSmallError(LlmrouteError):
    """LLMR_ERR_BUFFER_TOO_SMALL."""


class DeadlineExceededError(LlmrouteError, TimeoutError):
    """LLMR_ERR_DEADLINE_EXCEEDED: the call's deadline passed before it succeeded."""


class CancelledError(LlmrouteError):
    """LLMR_ERR_CANCELLED: the call was cancelled through its Cancel."""


class UpstreamError(LlmrouteError):
    """LLMR_ERR_UPSTREAM: the call ended with an upstream failure; ``report.final_outcome`` says
    which."""


class StreamStalledError(LlmrouteError):
    """LLMR_ERR_STREAM_STALLED: a committed stream stalled (no chunk within the call's
    idle_timeout_ms, or no first byte within first_byte_timeout_ms); end the client's stream with
    an error rather than let it look complete."""


class ConfigError(LlmrouteError, ValueError):
    """LLMR_ERR_CONFIG: a configuration was rejected (malformed JSON, an unknown field, a value
    of the wrong type or out of range, a duplicate, a file that cannot be read, or a router
    setting a reload may not change). ``message`` starts with the JSON path of the offending
    value, then the reason: ``"$.deployments[2].weight: must be an integer in 1..1000000 (got
    0)"``; ``path`` is that JSON path alone. Nothing of the configuration was applied."""

    @property
    def path(self) -> str:
        """The JSON path the message starts with (``"$.deployments[2].weight"``,
        ``"$.aliases['gpt-4']"``), or "" when the message has none."""
        m = _JSON_PATH.match(self.message)
        return m.group(1) if m else ""


# The path the library puts before a configuration error: $ then .identifier, [index] or
# ['key'] (quotes and backslashes escaped with a backslash), then ": ".
_JSON_PATH = re.compile(r"(\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\]|\['(?:[^'\\]|\\.)*'\])*): ")


class CallbackReentryError(LlmrouteError, RuntimeError):
    """A clock or random callback called back into llmroute, which the C API forbids (it could
    deadlock, and it would overwrite the thread's error message of the call in progress).
    Raised inside the callback; the callback wrapper logs it and returns its fallback value."""


_BY_STATUS: Dict[int, Type[LlmrouteError]] = {
    Status.INVALID_ARGUMENT: InvalidArgumentError,
    Status.NO_MEMORY: NoMemoryError,
    Status.NOT_FOUND: NotFoundError,
    Status.ALREADY_EXISTS: AlreadyExistsError,
    Status.NO_PROVIDER: NoProviderError,
    Status.UNKNOWN_MODEL: UnknownModelError,
    Status.INVALID_TICKET: InvalidTicketError,
    Status.TICKET_DONE: TicketDoneError,
    Status.CAPACITY: CapacityError,
    Status.INTERNAL: InternalError,
    Status.BUFFER_TOO_SMALL: BufferTooSmallError,
    Status.RATE_LIMITED: RateLimitedError,
    Status.DEADLINE_EXCEEDED: DeadlineExceededError,
    Status.CANCELLED: CancelledError,
    Status.UPSTREAM: UpstreamError,
    Status.CONFIG: ConfigError,
    Status.STREAM_STALLED: StreamStalledError,
}


def error_for(status: int, message: str) -> LlmrouteError:
    """The exception object for a non-OK status."""
    cls = _BY_STATUS.get(status, LlmrouteError)
    return cls(status, message)

"""Execution through provider adapters: the router drives a request (llmr_router_call).

An adapter is a Python object implementing one attempt of a call:

    class OpenAIAdapter:
        def invoke(self, attempt: Attempt) -> AttemptResult: ...
        def release(self) -> None: ...          # optional: the router no longer needs it

or simply a callable ``adapter(attempt)``. invoke() may return an AttemptResult, a bare Outcome
(or its int or name), or None for a success. It runs on the thread that called Router.call().

An exception raised by an adapter never crosses the C frames: the binding catches it, logs it on
the "llmroute" logger (throttled like the clock's) and returns a failure status to the library,
which records the attempt as a connection error with ``adapter_failed`` set, then retries or
falls back as for any connection error. If the call fails in the end, the adapter's exception is
the ``__cause__`` of the error Router.call() raises (the last one, when several attempts
raised), so the traceback shows what went wrong in the adapter. KeyboardInterrupt and
SystemExit are raised again once Router.call() returns.

The CFUNCTYPE objects that C calls are created once per Router and kept until the native router
is destroyed; each adapter is found through an integer key passed as user_data, and the release
callback drops the Python object. So no thunk is ever freed while C may still call it, not even
during the release callback itself. The thunks reach the adapter table through a weak reference
(llmroute._lifetime.weak_thunk): an adapter that references its Router does not keep it alive.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

from . import _native
from ._lifetime import weak_thunk
from .enums import Outcome, Status, _coerce
from .errors import LlmrouteError, error_for

__all__ = ["Attempt", "AttemptResult", "AttemptInfo", "CallReport", "Cancel"]

_logger = logging.getLogger("llmroute")


_text = _native.text
_within = _native.within


class _CallInProgress(threading.local):
    """The exceptions the adapters raised during the Router.call() running on this thread (None
    outside a call). Adapters run on the thread that called Router.call()."""

    adapter_exceptions: Optional[List[BaseException]] = None


current_call = _CallInProgress()


class Attempt:
    """What an adapter's invoke() is given: one attempt of a call. Valid only during invoke()."""

    __slots__ = ("deployment", "model", "request", "attempt", "timeout_ms",
                 "first_byte_timeout_ms", "idle_timeout_ms", "is_hedge", "_context")

    def __init__(self, args: _native.llmr_invoke_args) -> None:
        #: The deployment and model (after aliases and fallbacks) this attempt goes to.
        self.deployment: str = _text(args.deployment) or ""
        self.model: str = _text(args.model) or ""
        #: The request bytes handed to Router.call() (a copy).
        self.request: bytes = (ctypes.string_at(args.request, args.request_len)
                               if args.request and args.request_len else b"")
        #: 1 for the first attempt of the call, 2 for the next, ...
        self.attempt: int = args.attempt
        #: Milliseconds this attempt may take, or None when unlimited; the adapter enforces it.
        self.timeout_ms: Optional[int] = None if args.timeout_ms < 0 else args.timeout_ms
        #: The call's stall limits in ms (0: none), for the adapter's own read timeouts; a
        #: library older than stall detection hands none.
        newer = _within(args, "idle_timeout_ms")
        self.first_byte_timeout_ms: int = args.first_byte_timeout_ms if newer else 0
        self.idle_timeout_ms: int = args.idle_timeout_ms if newer else 0
        #: True when this attempt is a hedge (Router.call's ``hedge_after_ms``): it runs on a
        #: thread the library created, beside the call's first attempt.
        self.is_hedge: bool = bool(args.is_hedge) if _within(args, "is_hedge") else False
        self._context = args.context

    def _ctx(self):
        if self._context is None:
            raise LlmrouteError(Status.INVALID_ARGUMENT,
                                "an Attempt is only valid during its adapter's invoke()")
        return self._context

    def set_response(self, data: Union[bytes, bytearray, memoryview, str]) -> None:
        """Stores the attempt's response (copied; a later call replaces it). The CallReport
        hands out the response of the last attempt that set one."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        data = bytes(data)
        status = _native.require("llmr_call_set_response")(self._ctx(), data, len(data))
        if status:
            raise error_for(status, _text(_native.lib.llmr_error_message()) or "")

    def check(self) -> Union[Status, int]:
        """Status.OK while the call may go on, Status.CANCELLED once its Cancel was triggered,
        Status.DEADLINE_EXCEEDED once its deadline passed, Status.STREAM_STALLED once the
        attempt stalled (no progress() within first_byte_timeout_ms / idle_timeout_ms)."""
        return _coerce(Status, _native.require("llmr_call_check")(self._ctx()))

    def progress(self) -> None:
        """Tells the router a chunk of the response arrived (llmr_call_progress): ends the wait
        for the first byte and restarts the idle clock."""
        status = _native.require("llmr_call_progress")(self._ctx())
        if status:
            raise error_for(status, _text(_native.lib.llmr_error_message()) or "")

    def commit(self) -> bool:
        """Claims the client's stream for this attempt before sending it a byte
        (llmr_call_commit): True when it may send; False when another attempt of the hedged
        call already won, and the adapter then sends nothing and returns."""
        status = _native.require("llmr_call_commit")(self._ctx())
        if status == Status.CANCELLED:
            return False
        if status:
            raise error_for(status, _text(_native.lib.llmr_error_message()) or "")
        return True

    def __repr__(self) -> str:
        return "Attempt(deployment=%r, model=%r, attempt=%d, timeout_ms=%r, %d request bytes)" % (
            self.deployment, self.model, self.attempt, self.timeout_ms, len(self.request))


@dataclass
class AttemptResult:
    """What an adapter reports about its attempt (llmr_attempt_result)."""

    outcome: Union[Outcome, int] = Outcome.SUCCESS
    #: Total latency in ms; None: the router measures the attempt with its own clock.
    latency_ms: Optional[float] = None
    #: Time to first token of a stream in ms; None when unknown.
    ttft_ms: Optional[float] = None
    #: For Outcome.RATE_LIMITED: the provider's Retry-After in ms (0 = none).
    retry_after_ms: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    #: True once bytes of the response reached the client: never retried after that.
    committed: bool = False


@dataclass(frozen=True)
class AttemptInfo:
    """One attempt of a finished call (llmr_attempt_info)."""

    deployment: str
    model: str
    outcome: Union[Outcome, int]
    latency_ms: float
    backoff_ms: int
    committed: bool
    #: True when the adapter failed (raised, or returned something unusable) rather than the
    #: provider.
    adapter_failed: bool
    #: True when the attempt was a hedge; True when it was cancelled because another attempt of
    #: the call won (not counted against its deployment).
    hedge: bool = False
    cancelled: bool = False


@dataclass(frozen=True)
class CallReport:
    """What happened in a Router.call() (llmr_call_summary plus the attempts)."""

    status: Union[Status, int]
    final_outcome: Union[Outcome, int]
    #: The last attempt's deployment and model; None when there was no attempt.
    deployment: Optional[str]
    model: Optional[str]
    used_fallback: bool
    retry_after_ms: int
    total_ms: int
    #: The response bytes the adapter set (b"" when none).
    response: bytes
    #: Why the call stopped, in words.
    detail: str
    attempts: List[AttemptInfo] = field(default_factory=list)

    @classmethod
    def _from_c(cls, report) -> "CallReport":
        lib = _native.lib
        s = _native.new_struct(_native.llmr_call_summary)
        status = lib.llmr_call_report_summary(report, s)
        if status:
            raise error_for(status, _text(lib.llmr_error_message()) or "")
        attempts = []
        info = _native.new_struct(_native.llmr_attempt_info)
        for i in range(lib.llmr_call_report_attempt_count(report)):
            status = lib.llmr_call_report_attempt(report, i, info)
            if status:
                raise error_for(status, _text(lib.llmr_error_message()) or "")
            attempts.append(AttemptInfo(
                deployment=_text(info.deployment) or "", model=_text(info.model) or "",
                outcome=_coerce(Outcome, info.outcome), latency_ms=info.latency_ms,
                backoff_ms=info.backoff_ms, committed=bool(info.committed),
                adapter_failed=bool(info.adapter_failed),
                hedge=bool(info.hedge) if _within(info, "hedge") else False,
                cancelled=bool(info.cancelled) if _within(info, "cancelled") else False))
        return cls(
            status=_coerce(Status, s.status), final_outcome=_coerce(Outcome, s.final_outcome),
            deployment=_text(s.deployment), model=_text(s.model),
            used_fallback=bool(s.used_fallback), retry_after_ms=s.retry_after_ms,
            total_ms=s.total_ms,
            response=ctypes.string_at(s.response, s.response_len)
            if s.response and s.response_len else b"",
            detail=_text(s.detail) or "", attempts=attempts)


class Cancel:
    """A cancellation flag (llmr_cancel): trigger() it from any thread to stop the Router.call()s
    that carry it. Close it (or leave the ``with`` block) only once no call uses it."""

    _handle = None

    def __init__(self) -> None:
        handle = ctypes.POINTER(_native.llmr_cancel)()
        status = _native.require("llmr_cancel_create")(ctypes.byref(handle))
        if status:
            raise error_for(status, _text(_native.lib.llmr_error_message()) or "")
        self._handle = handle

    def _h(self):
        if self._handle is None:
            raise LlmrouteError(Status.INVALID_ARGUMENT, "the Cancel is closed")
        return self._handle

    def trigger(self) -> None:
        """Raises the flag (idempotent)."""
        status = _native.lib.llmr_cancel_trigger(self._h())
        if status:
            raise error_for(status, _text(_native.lib.llmr_error_message()) or "")

    def close(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            _native.lib.llmr_cancel_destroy(handle)

    def __enter__(self) -> "Cancel":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def _set(struct, name: str, value) -> None:
    if _within(struct, name):
        setattr(struct, name, value)


def _fill_result(result: _native.llmr_attempt_result, out: Any) -> None:
    if out is None:
        out = AttemptResult()
    elif isinstance(out, str):
        out = AttemptResult(outcome=Outcome[out.upper()])
    elif isinstance(out, int):  # an Outcome or its value
        out = AttemptResult(outcome=out)
    elif not isinstance(out, AttemptResult):
        raise TypeError("an adapter returns an AttemptResult, an Outcome or None, not %s"
                        % type(out).__name__)
    _set(result, "outcome", int(out.outcome))
    _set(result, "latency_ms", -1.0 if out.latency_ms is None else float(out.latency_ms))
    _set(result, "ttft_ms", -1.0 if out.ttft_ms is None else float(out.ttft_ms))
    _set(result, "retry_after_ms", int(out.retry_after_ms))
    _set(result, "input_tokens", int(out.input_tokens))
    _set(result, "output_tokens", int(out.output_tokens))
    _set(result, "committed", 1 if out.committed else 0)


class AdapterTable:
    """The adapters of one Router, by key, and the two CFUNCTYPE objects C calls for all of
    them. It holds no reference to the Router (no cycle)."""

    def __init__(self, pending: list) -> None:
        self.objects: Dict[int, Any] = {}
        self.errors = 0
        self._keys = itertools.count(1)
        self._pending = pending
        self.invoke_cb = weak_thunk(_native.llmr_invoke_fn, self, "_invoke", Status.INTERNAL)
        self.release_cb = weak_thunk(_native.llmr_release_fn, self, "_release", None)

    def add(self, adapter: Any) -> int:
        key = next(self._keys)
        self.objects[key] = adapter
        return key

    def _invoke(self, user_data, args_p, result_p) -> int:
        attempt = None
        if self._pending:
            me = threading.get_ident()
            if any(ident == me for ident, _ in list(self._pending)):
                # A KeyboardInterrupt (or similar) is waiting to be raised on this thread once
                # the call returns: fail the attempt at once instead of invoking the adapter again.
                return Status.INTERNAL
        try:
            adapter = self.objects.get(user_data or 0)
            if adapter is None:
                raise LookupError("no adapter with key %r" % (user_data,))
            attempt = Attempt(args_p.contents)
            fn = getattr(adapter, "invoke", adapter)
            _fill_result(result_p.contents, fn(attempt))
            return Status.OK
        except Exception as e:
            self.errors += 1
            n = self.errors
            if n & (n - 1) == 0:
                _logger.error("llmroute: an adapter raised %s (failure %d); the attempt counts as "
                              "a connection error", type(e).__name__, n, exc_info=True)
            kept = current_call.adapter_exceptions
            if kept is not None:  # the __cause__ of the call's error, should it fail
                kept.append(e)
            return Status.INTERNAL
        except BaseException as e:  # KeyboardInterrupt, SystemExit: re-raised by Router.call()
            self.errors += 1
            self._pending.append((threading.get_ident(), e))
            return Status.INTERNAL
        finally:
            if attempt is not None:
                attempt._context = None  # the context dies with invoke()

    def _release(self, user_data) -> None:
        adapter = self.objects.pop(user_data or 0, None)
        release = getattr(adapter, "release", None)
        if release is None or not callable(release):
            return
        try:
            release()
        except BaseException:  # nothing can propagate from here; log and go on
            _logger.error("llmroute: an adapter's release() raised", exc_info=True)

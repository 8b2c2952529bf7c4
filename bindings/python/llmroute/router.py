"""The idiomatic layer: Router, Pick, Candidate, Health.

Error details. The C library keeps the message of the last failed call in a thread-local
variable, to be read with llmr_error_message() on the same thread before the next llmroute call.
That is safe from Python: a ctypes call runs on the calling OS thread and returns to it (a Python
thread is one OS thread for its whole life; ctypes releases the GIL during the call but never
moves the call elsewhere), and the binding reads the message in the very next native call it
makes on that thread, before anything else can run there. The clock and random callbacks run
inside the failing call, earlier, and are refused any llmroute call of their own (see below).

Callbacks. ``clock`` and ``random`` are wrapped in ctypes CFUNCTYPE objects that the Router keeps
referenced until the native router is destroyed: a collected CFUNCTYPE object that C still calls
crashes the process. An exception cannot travel through the C++
frames between the library and the callback, so the wrapper catches it:

* an ``Exception`` raised by the clock is logged on the "llmroute" logger and the wrapper returns
  the last time the clock returned successfully (``time.monotonic_ns()`` if it never did), so
  time neither jumps back to 0 nor stops the call; a value that is not an int in int64 range is
  treated the same way. An exception raised by the random source is logged and replaced by 64
  bits of Python's ``random.getrandbits``. Logging is throttled (the 1st, 2nd, 4th, 8th, ...
  failure of each callback), and ``Router.callback_errors`` counts them all;
* a ``BaseException`` that is not an ``Exception`` (KeyboardInterrupt, SystemExit) is not
  swallowed: the wrapper returns the fallback value to C, and the binding re-raises it on the
  calling thread as soon as the native call returns (a ticket that call issued is cancelled
  first, so nothing is left in flight);
* a callback must not call into llmroute (the header forbids calling back into the router, and
  such a call would overwrite the error message of the call in progress): any llmroute call made
  from inside a callback raises CallbackReentryError, which the wrapper then handles as above.

The event listener (set_event_listener) is different: it may call the router, as the header
allows, and its own exceptions are handled as described in llmroute.events.

Thread safety: every method may be called from any number of threads at once, close() included:
close() waits for the calls in progress on other threads to return, then destroys the native
router; a call that starts once close() has begun raises ClosedError (see llmroute._lifetime).
"""

from __future__ import annotations

import ctypes
import logging
import operator
import random as _pyrandom
import threading
import time
import weakref
from ctypes import POINTER, byref, c_char_p, c_double, c_uint32, c_uint64
from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

from . import _native
from ._lifetime import RouterLifetime, weak_thunk
from ._lifetime import in_flight as _in_flight
from ._native import lib as _lib
from .config import ConfigLike, PathLike, config_bytes, config_path
from .enums import (
    AllOpenPolicy,
    BreakerState,
    FallbackKind,
    Outcome,
    Override,
    Status,
    _coerce,
)
from .errors import (
    CallbackReentryError,
    InvalidArgumentError,
    InvalidTicketError,
    LlmrouteError,
    RetryAfterError,
    error_for,
)
from .events import Event, EventDispatch, listener_struct
from .execution import AdapterTable, CallReport, Cancel, current_call
from .explain import Explanation, read_explanation
from .stats import SharedStateStatus, Stats, read_shared_state_status, read_snapshot

__all__ = ["Router", "Pick", "Candidate", "Health"]

_logger = logging.getLogger("llmroute")

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_UINT32_MAX = (1 << 32) - 1
_UINT64_MASK = (1 << 64) - 1
_INT_MIN = -(1 << (8 * ctypes.sizeof(ctypes.c_int) - 1))
_INT_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_int) - 1)) - 1

NameLike = Union[str, bytes, bytearray, memoryview]


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


class Pick(NamedTuple):
    """The result of Router.pick(). Report or cancel ``ticket`` exactly once.

    The strings are copies made when the pick returned, so they stay valid after the ticket is
    reported (the C pointers do not)."""

    ticket: int
    deployment: str
    model: str
    tier: int
    is_probe: bool
    is_panic: bool
    #: A deadline_ms was given and no deployment's expected latency fits it: this is the
    #: fastest one instead.
    deadline_unmet: bool = False


class Candidate(NamedTuple):
    """One entry of Router.fallbacks(): a deployment and the model it would serve."""

    deployment: str
    model: str


@dataclass(frozen=True)
class Health:
    """Health of one deployment at one moment (llmr_health)."""

    name: str
    state: Union[BreakerState, int]
    override_mode: Union[Override, int]
    #: Whether a pick could choose it now.
    eligible: bool
    #: EWMA latency in ms; None while there is no sample.
    ewma_latency_ms: Optional[float]
    failure_ratio: float
    in_flight: int
    picks: int
    successes: int
    failures: int
    request_errors: int
    cancels: int
    trips: int
    consecutive_failures: int
    cooldown_remaining_ms: int
    weight: int
    tier: int
    #: The provider's announced quota as the router holds it: remaining requests and tokens
    #: (None: none announced), ms until each resets (0 then), ms until a quota exhaustion ends
    #: (0: none), and the lifetime count of exhaustions.
    quota_remaining_requests: Optional[int] = None
    quota_remaining_tokens: Optional[int] = None
    quota_requests_reset_ms: int = 0
    quota_tokens_reset_ms: int = 0
    quota_exhausted_ms: int = 0
    quota_exhaustions: int = 0

    @classmethod
    def _from_c(cls, h: _native.llmr_health) -> "Health":
        latency = h.ewma_latency_ms
        return cls(
            name=_text(h.name),
            state=_coerce(BreakerState, h.state),
            override_mode=_coerce(Override, h.override_mode),
            eligible=bool(h.eligible),
            ewma_latency_ms=None if latency < 0 else latency,
            failure_ratio=h.failure_ratio,
            in_flight=h.in_flight,
            picks=h.picks,
            successes=h.successes,
            failures=h.failures,
            request_errors=h.request_errors,
            cancels=h.cancels,
            trips=h.trips,
            consecutive_failures=h.consecutive_failures,
            cooldown_remaining_ms=h.cooldown_remaining_ms,
            weight=h.weight,
            tier=h.tier,
            quota_remaining_requests=(None if h.quota_remaining_requests < 0
                                      else h.quota_remaining_requests),
            quota_remaining_tokens=(None if h.quota_remaining_tokens < 0
                                    else h.quota_remaining_tokens),
            quota_requests_reset_ms=h.quota_requests_reset_ms,
            quota_tokens_reset_ms=h.quota_tokens_reset_ms,
            quota_exhausted_ms=h.quota_exhausted_ms,
            quota_exhaustions=h.quota_exhaustions,
        )


def _pick_options(exclude, affinity_key, required_tags, expected_input_tokens: int,
                  expected_output_tokens: int, max_price: float, deadline_ms: int = 0,
                  prefix_hashes: Optional[Sequence[int]] = None,
                  priority: Optional[int] = None):
    """The llmr_pick_options of a pick's keyword arguments, or None when all are defaults (so
    that a plain pick passes NULL). A fresh struct each time: nothing of one pick's options can
    leak into the next."""
    if not (exclude or affinity_key is not None or required_tags or expected_input_tokens
            or expected_output_tokens or max_price or deadline_ms or prefix_hashes
            or priority is not None):
        return None
    po = _native.new_struct(_native.llmr_pick_options)
    if exclude:
        po.exclude, po.exclude_count = _names(exclude, "excluded deployment")
    extra: List[Tuple[str, Any]] = []
    if affinity_key is not None:
        extra.append(("affinity_key", _key(affinity_key)))
    if required_tags:
        array, count = _names(required_tags, "required tag")
        extra += [("required_tags", array), ("required_tag_count", count)]
    if expected_input_tokens:
        extra.append(("expected_input_tokens", _int_in(
            expected_input_tokens, _INT64_MIN, _INT64_MAX, "expected_input_tokens")))
    if expected_output_tokens:
        extra.append(("expected_output_tokens", _int_in(
            expected_output_tokens, _INT64_MIN, _INT64_MAX, "expected_output_tokens")))
    if max_price:
        extra.append(("max_price", float(max_price)))
    if deadline_ms:
        extra.append(("deadline_ms", _int_in(deadline_ms, _INT64_MIN, _INT64_MAX, "deadline_ms")))
    if prefix_hashes:
        hashes = (c_uint64 * len(prefix_hashes))(*prefix_hashes)
        extra += [("prefix_hashes", ctypes.cast(hashes, POINTER(c_uint64))),
                  ("prefix_hash_count", len(prefix_hashes))]
    if priority is not None:
        # The library names a bad class (opts->priority); only the C int's range is ours.
        extra.append(("priority", _int_in(priority, -2**31, 2**31 - 1, "priority")))
    for key, value in extra:
        if not _native.library_has_field(_native.llmr_pick_options, key):
            raise _invalid("the pick option %s needs a newer libllmroute than %s"
                           % (key, _native.version_string))
        setattr(po, key, value)
    return po


# ---------------------------------------------------------------------------------------------
# Per-thread state
# ---------------------------------------------------------------------------------------------


class _ThreadState(threading.local):
    """Scratch structs reused by the calling thread (the library rewrites them on every call,
    and no llmroute call can run on this thread in between: callbacks are refused one), and the
    depth of callbacks in progress on this thread."""

    in_callback = 0

    def __init__(self) -> None:
        self.pick = _native.new_struct(_native.llmr_pick)
        self.report = _native.new_struct(_native.llmr_report)
        self.health = _native.new_struct(_native.llmr_health)


_tls = _ThreadState()


# ---------------------------------------------------------------------------------------------
# Argument conversion
# ---------------------------------------------------------------------------------------------


def _invalid(message: str) -> InvalidArgumentError:
    return InvalidArgumentError(Status.INVALID_ARGUMENT, message)


def _name(value: NameLike, what: str) -> bytes:
    """A name as the NUL-terminated UTF-8 the C API takes. Length, emptiness and UTF-8 validity
    of bytes are the library's to check; what C cannot even receive is refused here."""
    if isinstance(value, str):
        try:
            data = value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise _invalid("%s %r cannot be encoded as UTF-8 (%s)" % (what, value, e.reason)) from None
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    else:
        raise TypeError("%s must be str or bytes, not %s" % (what, type(value).__name__))
    if b"\0" in data:
        raise _invalid("%s %r contains a NUL character" % (what, value))
    return data


def _key(value: NameLike) -> bytes:
    """An affinity key: any bytes without NUL (a str is encoded as UTF-8)."""
    if isinstance(value, str):
        try:
            data = value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise _invalid("affinity_key %r cannot be encoded as UTF-8 (%s)"
                           % (value, e.reason)) from None
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    else:
        raise TypeError("affinity_key must be str or bytes, not %s" % type(value).__name__)
    if b"\0" in data:
        raise _invalid("affinity_key %r contains a NUL character" % (value,))
    return data


def _names(values: Union[NameLike, Iterable[NameLike]], what: str):
    """A list of names as a C array (NULL for an empty list) and its length. A single str or
    bytes counts as a list of one."""
    items = (values,) if isinstance(values, (str, bytes, bytearray, memoryview)) else values
    encoded = [_name(v, what) for v in items]
    if not encoded:
        return None, 0
    # The array keeps references to the bytes objects for as long as it lives.
    return (c_char_p * len(encoded))(*encoded), len(encoded)


def _int_in(value, lo: int, hi: int, what: str) -> int:
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError("%s must be an integer, not %s" % (what, type(value).__name__)) from None
    if not lo <= number <= hi:
        raise _invalid("%s %d is out of range [%d, %d]" % (what, number, lo, hi))
    return number


def _enum_arg(value, enum_type, what: str) -> int:
    """An enum argument: a member, its int value, or its name ("server_error")."""
    if isinstance(value, str):
        try:
            return enum_type[value.upper()].value
        except KeyError:
            raise _invalid("%s %r is not one of %s" % (
                what, value, ", ".join(m.name.lower() for m in enum_type))) from None
    return _int_in(value, _INT_MIN, _INT_MAX, what)


def _ticket(value) -> int:
    if isinstance(value, Pick):
        return value.ticket
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError("ticket must be an int or a Pick, not %s" % type(value).__name__) from None
    if not 0 <= number <= _UINT64_MASK:
        raise InvalidTicketError(Status.INVALID_TICKET, "ticket %d was never issued" % number)
    return number


def _text(value: Optional[bytes]) -> str:
    return _native.text(value) or ""


def _last_error(status: int) -> LlmrouteError:
    """The exception for a failed call. Must be the first llmroute call on this thread after the
    failing one: llmr_error_message() is thread-local, and ctypes ran the failing call on this
    very OS thread, so this reads that call's message."""
    message = _lib.llmr_error_message()
    return error_for(status, _text(message))


# ---------------------------------------------------------------------------------------------
# Callbacks
# ---------------------------------------------------------------------------------------------


class _Callback:
    """Base of the clock and random wrappers: exception handling and throttled logging."""

    kind = "callback"
    fallback_text = "a fallback"

    def __init__(self, fn: Callable[..., Any], pending: list) -> None:
        self.fn = fn
        self.errors = 0
        self._pending = pending  # the Router's list of (thread id, BaseException) to re-raise

    def _call(self) -> Optional[int]:
        """The callback's value, or None when it failed (then the fallback is used)."""
        state = _tls
        state.in_callback += 1
        try:
            return self._convert(self.fn())
        except Exception as e:
            self.errors += 1
            n = self.errors
            if n & (n - 1) == 0:  # the 1st, 2nd, 4th, 8th, ... failure
                _logger.error("llmroute: the %s callback %r raised %s (failure %d); using %s",
                              self.kind, self.fn, type(e).__name__, n, self.fallback_text,
                              exc_info=True)
            return None
        except BaseException as e:  # KeyboardInterrupt, SystemExit, ...: re-raised by the Router
            self.errors += 1
            self._pending.append((threading.get_ident(), e))
            return None
        finally:
            state.in_callback -= 1

    def _convert(self, value) -> int:
        raise NotImplementedError


class _Clock(_Callback):
    kind = "clock"
    fallback_text = "the last good time"

    def __init__(self, fn: Callable[[], int], pending: list) -> None:
        super().__init__(fn, pending)
        self.last = time.monotonic_ns()

    def _convert(self, value) -> int:
        ns = operator.index(value)
        if not _INT64_MIN <= ns <= _INT64_MAX:
            raise OverflowError("clock value %d does not fit in int64_t" % ns)
        return ns

    def __call__(self, _user_data) -> int:
        ns = self._call()
        if ns is None:
            return self.last
        self.last = ns
        return ns


class _Random(_Callback):
    kind = "random"
    fallback_text = "Python's random.getrandbits(64)"

    def _convert(self, value) -> int:
        return operator.index(value) & _UINT64_MASK

    def __call__(self, _user_data) -> int:
        bits = self._call()
        return _pyrandom.getrandbits(64) if bits is None else bits


class _Sleep(_Callback):
    """The sleep callback: it returns nothing, so a failure simply means no wait."""

    kind = "sleep"

    def __call__(self, _user_data, duration_ns) -> None:
        state = _tls
        state.in_callback += 1
        try:
            self.fn(duration_ns)
        except Exception as e:
            self.errors += 1
            n = self.errors
            if n & (n - 1) == 0:
                _logger.error("llmroute: the sleep callback %r raised %s (failure %d); not "
                              "waiting", self.fn, type(e).__name__, n, exc_info=True)
        except BaseException as e:
            self.errors += 1
            self._pending.append((threading.get_ident(), e))
        finally:
            state.in_callback -= 1


# The Router() keyword options that map one to one onto llmr_router_options members (the
# callbacks and their user_data are handled apart).
_OPTION_KINDS = {}
for _field, _ctype in _native.llmr_router_options._fields_:
    if _field in ("struct_size", "strategy", "all_open_policy") or _field.startswith(
            ("clock", "random", "sleep")):
        continue
    if _ctype is ctypes.c_uint32:
        _OPTION_KINDS[_field] = "u32"
    elif _ctype is ctypes.c_int64:
        _OPTION_KINDS[_field] = "i64"
    elif _ctype is ctypes.c_double:
        _OPTION_KINDS[_field] = "double"
    elif _ctype is ctypes.c_char_p:
        _OPTION_KINDS[_field] = "str"
    else:  # pragma: no cover - a new member type needs a conversion here
        raise ImportError("llmroute: no conversion for option %s" % _field)
del _field, _ctype


def _strategy_value(strategy, what: str = "strategy") -> int:
    """A Strategy member, its int, or a name as llmr_strategy_str() prints it ("round_robin")."""
    if isinstance(strategy, str):
        out = ctypes.c_int()
        status = _lib.llmr_strategy_from_str(_name(strategy, what), byref(out))
        if status:
            raise _last_error(status)
        return out.value
    return _int_in(strategy, _INT_MIN, _INT_MAX, what)


# ---------------------------------------------------------------------------------------------
# Router
# ---------------------------------------------------------------------------------------------


class Router:
    """A router (llmr_router): deployments, their health, and the routing state.

    ``Router(strategy=None, all_open_policy=None, clock=None, random=None, **options)``

    * ``strategy``: a Strategy, its int or its name ("latency"); None keeps the library's
      default (round robin).
    * ``all_open_policy``: an AllOpenPolicy, its int or its name ("panic"); None: fail fast.
    * ``clock``: a callable returning monotonic nanoseconds (an int), or None for the system's
      monotonic clock. ``random``: a callable returning 64 random bits, or None. ``sleep``: a
      callable taking nanoseconds, the backoff wait of call() (None: the system's; an injected
      clock needs an injected sleep that advances it). They are called from whichever thread
      calls the router, possibly concurrently, and must not call llmroute; see the module
      docstring for what happens when they raise (a raising sleep does not wait).
    * ``options``: any other member of llmr_router_options by its C name, a number (the string
      ones, such as the fleet shared state's URL, a str; docs/fleet.md). Every member, with its
      unit, default and range, is in the options table of docs/configuration.md (generated,
      like this module's list of them, from the one table src/options/router_options.def).
      The library validates them (InvalidArgumentError naming the field).

    Router.from_config(config, **options) and Router.from_config_file(path, **options) create
    one from a JSON configuration instead (docs/configuration.md), with the same keyword
    arguments as base options.

    Use it as a context manager or call close(); a router that is garbage collected unclosed is
    closed then.
    """

    _lifetime = RouterLifetime.never_opened()  # until the native router exists

    def __init__(self, strategy=None, all_open_policy=None,
                 clock: Optional[Callable[[], int]] = None,
                 random: Optional[Callable[[], int]] = None,
                 sleep: Optional[Callable[[int], None]] = None, **options) -> None:
        opts = self._prepare(strategy, all_open_policy, clock, random, sleep, options)
        self._create(lambda out: _lib.llmr_router_create(opts, out))

    @classmethod
    def from_config(cls, config: ConfigLike, strategy=None, all_open_policy=None,
                    clock: Optional[Callable[[], int]] = None,
                    random: Optional[Callable[[], int]] = None,
                    sleep: Optional[Callable[[int], None]] = None, **options) -> "Router":
        """A router from a JSON configuration (llmr_router_create_from_config): JSON text
        (str or bytes) or a dict. The keyword arguments are the base options, as for Router():
        they supply what a configuration cannot (the clock, random and sleep callbacks) and the
        router settings it leaves out; the configuration's router_settings win. Raises
        ConfigError (``.path`` names the offending value) when the configuration is rejected,
        InvalidArgumentError for bad base options. The configuration counts as the first one
        applied."""
        data = config_bytes(config)
        fn = _native.require("llmr_router_create_from_config")
        self = cls.__new__(cls)
        opts = self._prepare(strategy, all_open_policy, clock, random, sleep, options)
        self._create(lambda out: fn(data, len(data), opts, out))
        return self

    @classmethod
    def from_config_file(cls, path: PathLike, strategy=None, all_open_policy=None,
                         clock: Optional[Callable[[], int]] = None,
                         random: Optional[Callable[[], int]] = None,
                         sleep: Optional[Callable[[int], None]] = None,
                         **options) -> "Router":
        """Like from_config(), reading the configuration from the file at ``path``; a file that
        cannot be read is a ConfigError too."""
        p = config_path(path)
        fn = _native.require("llmr_router_create_from_config_file")
        self = cls.__new__(cls)
        opts = self._prepare(strategy, all_open_policy, clock, random, sleep, options)
        self._create(lambda out: fn(p, opts, out))
        return self

    def _prepare(self, strategy, all_open_policy, clock, random, sleep, options):
        """The llmr_router_options of Router() and from_config(), and the Python side of the
        router (callback wrappers, adapter table, event dispatch)."""
        opts = _native.new_struct(_native.llmr_router_options)
        if strategy is not None:
            opts.strategy = _strategy_value(strategy)
        if all_open_policy is not None:
            opts.all_open_policy = _enum_arg(all_open_policy, AllOpenPolicy, "all_open_policy")
        for key, value in options.items():
            kind = _OPTION_KINDS.get(key)
            if kind is None:
                raise TypeError("Router() got an unexpected keyword argument %r" % key)
            if not _native.library_has_field(_native.llmr_router_options, key):
                raise _invalid("option %s needs a newer libllmroute than %s"
                               % (key, _native.version_string))
            if kind == "u32":
                setattr(opts, key, _int_in(value, 0, _UINT32_MAX, key))
            elif kind == "i64":
                setattr(opts, key, _int_in(value, _INT64_MIN, _INT64_MAX, key))
            elif kind == "str":
                if value is not None and not isinstance(value, str):
                    raise TypeError("%s must be a str or None" % key)
                # ctypes keeps the bytes alive with the struct, past llmr_router_create().
                setattr(opts, key, None if value is None else value.encode("utf-8"))
            else:
                setattr(opts, key, float(value))

        # KeyboardInterrupt & co. caught in a callback, to re-raise on the calling thread.
        self._pending: list = []
        # The CFUNCTYPE objects C calls. They must stay referenced for as long as the native
        # router exists; they are dropped only in close(), after llmr_router_destroy().
        self._callbacks: list = []
        self._adapters: list = []
        if clock is not None:
            if not callable(clock):
                raise TypeError("clock must be callable or None")
            adapter = _Clock(clock, self._pending)
            cb = weak_thunk(_native.llmr_clock_fn, adapter, "__call__", time.monotonic_ns)
            opts.clock = cb
            self._adapters.append(adapter)
            self._callbacks.append(cb)
        if random is not None:
            if not callable(random):
                raise TypeError("random must be callable or None")
            adapter = _Random(random, self._pending)
            cb = weak_thunk(_native.llmr_random_fn, adapter, "__call__",
                            lambda: _pyrandom.getrandbits(64))
            opts.random = cb
            self._adapters.append(adapter)
            self._callbacks.append(cb)
        if sleep is not None:
            if not callable(sleep):
                raise TypeError("sleep must be callable or None")
            if not _native.library_has_field(_native.llmr_router_options, "sleep"):
                raise _invalid("the sleep option needs a newer libllmroute than %s"
                               % _native.version_string)
            adapter = _Sleep(sleep, self._pending)
            cb = weak_thunk(_native.llmr_sleep_fn, adapter, "__call__", None)
            opts.sleep = cb
            self._adapters.append(adapter)
            self._callbacks.append(cb)
        # Provider adapters (set_adapter): one invoke and one release thunk for all of them,
        # kept like the callbacks above.
        self._adapter_table = AdapterTable(self._pending)
        self._callbacks.extend([self._adapter_table.invoke_cb, self._adapter_table.release_cb])
        # The event listener (set_event_listener), likewise.
        self._events = EventDispatch(self._pending)
        self._callbacks.extend([self._events.event_cb, self._events.release_cb])
        self._metrics_size = 0  # bytes the last metrics text needed: metrics_text()'s first guess
        return opts

    def _create(self, create) -> None:
        """Calls ``create(out)``, one of the llmr_router_create* functions."""
        handle = POINTER(_native.llmr_router)()
        self._check_reentry()
        status = create(byref(handle))
        if status:
            error = _last_error(status)
            self._callbacks.clear()
            self._reraise_pending()
            raise error
        self._lifetime = lifetime = RouterLifetime(handle, self._callbacks)
        del self._callbacks  # the lifetime keeps them until the native router is gone
        # The GC safety net: a Router dropped without close() is closed when collected, also in
        # a reference cycle (the lifetime holds no reference to the Router, see _lifetime).
        weakref.finalize(self, lifetime.close_unreferenced)
        self._reraise_pending()

    # -- lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        """Destroys the native router. Idempotent, and safe from any thread at any time: calls
        in progress on other threads finish first (close() waits for them), later calls raise
        ClosedError; tickets still outstanding become invalid. Called from inside a call on
        this router (an adapter, the event listener), it cannot wait for that call: the router
        is destroyed as soon as the last call in progress returns. On a thread Python did not
        start (a callback on the shared state's synchronisation thread) the destruction is
        handed to a Python thread and finishes shortly after close() returns."""
        self._lifetime.close()

    @property
    def closed(self) -> bool:
        """True once close() has begun."""
        return self._lifetime.closing

    def __enter__(self) -> "Router":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<llmroute.Router %s>" % ("closed" if self.closed else "open")

    @property
    def callback_errors(self) -> int:
        """How many times the clock, random or sleep callback raised (see the module
        docstring)."""
        return sum(a.errors for a in self._adapters)

    @property
    def adapter_errors(self) -> int:
        """How many attempts failed because a provider adapter raised."""
        return self._adapter_table.errors

    @property
    def event_listener_errors(self) -> int:
        """How many times the event listener raised (see llmroute.events)."""
        return self._events.errors

    # -- internals ----------------------------------------------------------------------------

    @staticmethod
    def _check_reentry() -> None:
        if _tls.in_callback:
            raise CallbackReentryError(
                Status.INVALID_ARGUMENT,
                "llmroute was called from inside a clock or random callback; callbacks must not "
                "call into llmroute")

    def _h(self):
        """The native handle, inside a method run by _in_flight (so close() cannot destroy it
        before the method returns)."""
        if _tls.in_callback:
            self._check_reentry()
        return self._lifetime.handle

    def _reraise_pending(self) -> None:
        """Re-raises a KeyboardInterrupt (or similar) a callback caught on this thread."""
        if not self._pending:
            return
        me = threading.get_ident()
        mine = [entry for entry in list(self._pending) if entry[0] == me]
        for entry in mine:
            self._pending.remove(entry)  # only this thread removes its own entries
        if mine:
            # The first one; later ones (the same interrupt seen by a retry) are dropped.
            raise mine[0][1]

    def _fail(self, status: int):
        error = _last_error(status)  # first: the message is the failing call's
        self._reraise_pending()
        raise error

    def _simple(self, status: int) -> None:
        if status:
            self._fail(status)
        if self._pending:
            self._reraise_pending()

    # -- deployments, aliases, fallback chains --------------------------------------------------

    def _deployment(self, name, models, weight, tier, tags, rpm_limit=0, tpm_limit=0,
                    max_in_flight=0, cost_per_million_input=None, cost_per_million_output=None,
                    reserve=()):
        d = _native.new_struct(_native.llmr_deployment)
        if reserve:
            # [(priority, share), ...]: the library checks the levels and names reserve[i].
            if not _native.library_has_field(_native.llmr_deployment, "reserve_count"):
                raise _invalid("reserve needs a newer libllmroute than %s"
                               % _native.version_string)
            levels = list(reserve)
            priorities = (c_uint32 * len(levels))()
            shares = (c_double * len(levels))()
            for i, level in enumerate(levels):
                try:
                    priority, share = level
                except (TypeError, ValueError):
                    raise TypeError("reserve[%d] must be a (priority, share) pair" % i) from None
                priorities[i] = _int_in(priority, 0, _UINT32_MAX, "reserve[%d].priority" % i)
                shares[i] = float(share)
            d.reserve_priorities = ctypes.cast(priorities, POINTER(c_uint32))
            d.reserve_shares = ctypes.cast(shares, POINTER(c_double))
            d.reserve_count = len(levels)
        for key, value in (("cost_per_million_input", cost_per_million_input),
                           ("cost_per_million_output", cost_per_million_output)):
            if value is None:
                continue  # not configured: the library's default (-1)
            if not _native.library_has_field(_native.llmr_deployment, key):
                raise _invalid("%s needs a newer libllmroute than %s"
                               % (key, _native.version_string))
            setattr(d, key, float(value))
        for key, value, hi in (("rpm_limit", rpm_limit, _UINT32_MAX),
                               ("tpm_limit", tpm_limit, _UINT64_MASK),
                               ("max_in_flight", max_in_flight, _UINT32_MAX)):
            value = _int_in(value, 0, hi, key)
            if value == 0:
                continue  # the default; an older library without the member needs nothing
            if not _native.library_has_field(_native.llmr_deployment, key):
                raise _invalid("%s needs a newer libllmroute than %s"
                               % (key, _native.version_string))
            setattr(d, key, value)
        d.name = _name(name, "deployment name")
        model_array, model_count = _names(models, "model")
        tag_array, tag_count = _names(tags, "tag")
        d.models = model_array
        d.model_count = model_count
        d.weight = _int_in(weight, 0, _UINT32_MAX, "weight")
        d.tier = _int_in(tier, 0, _UINT32_MAX, "tier")
        d.tags = tag_array
        d.tag_count = tag_count
        return d  # the struct references the arrays, which reference the bytes

    @_in_flight
    def add_deployment(self, name: NameLike, models: Union[NameLike, Sequence[NameLike]],
                       weight: int = 1, tier: int = 0,
                       tags: Union[NameLike, Sequence[NameLike]] = (), rpm_limit: int = 0,
                       tpm_limit: int = 0, max_in_flight: int = 0,
                       cost_per_million_input: Optional[float] = None,
                       cost_per_million_output: Optional[float] = None,
                       reserve: Sequence[Tuple[int, float]] = ()) -> None:
        """Adds a deployment serving ``models`` (exact names, "*" or globs such as "gpt-4o*").
        The limits are per minute (rpm, tpm) and at once (max_in_flight); 0 is unlimited. The
        prices (per 1M tokens, for the cost strategy) are unset when None. ``reserve``:
        ``[(priority, share), ...]``, the last ``share`` (0..1) of each limit kept for picks of
        that priority (0..2) or higher; priorities increasing, shares not decreasing."""
        handle = self._h()
        d = self._deployment(name, models, weight, tier, tags, rpm_limit, tpm_limit,
                             max_in_flight, cost_per_million_input, cost_per_million_output,
                             reserve)
        self._simple(_lib.llmr_router_add_deployment(handle, d))

    @_in_flight
    def update_deployment(self, name: NameLike, models: Union[NameLike, Sequence[NameLike]],
                          weight: int = 1, tier: int = 0,
                          tags: Union[NameLike, Sequence[NameLike]] = (), rpm_limit: int = 0,
                          tpm_limit: int = 0, max_in_flight: int = 0,
                          cost_per_million_input: Optional[float] = None,
                          cost_per_million_output: Optional[float] = None,
                          reserve: Sequence[Tuple[int, float]] = ()) -> None:
        """Replaces the models, weight, tier, tags, limits, prices and reserve of deployment
        ``name``, keeping its health, statistics and in-flight calls."""
        handle = self._h()
        d = self._deployment(name, models, weight, tier, tags, rpm_limit, tpm_limit,
                             max_in_flight, cost_per_million_input, cost_per_million_output,
                             reserve)
        self._simple(_lib.llmr_router_update_deployment(handle, d))

    @_in_flight
    def remove_deployment(self, name: NameLike) -> None:
        handle = self._h()
        self._simple(_lib.llmr_router_remove_deployment(handle, _name(name, "deployment name")))

    @_in_flight
    def set_alias(self, alias: NameLike, model: NameLike) -> None:
        handle = self._h()
        self._simple(_lib.llmr_router_set_alias(handle, _name(alias, "alias"),
                                                _name(model, "model")))

    @_in_flight
    def remove_alias(self, alias: NameLike) -> None:
        handle = self._h()
        self._simple(_lib.llmr_router_remove_alias(handle, _name(alias, "alias")))

    @_in_flight
    def set_fallbacks(self, model: NameLike,
                      fallback_models: Union[NameLike, Sequence[NameLike]],
                      kind=FallbackKind.GENERAL) -> None:
        """Sets a fallback chain of ``model``; an empty sequence clears it. ``kind`` (a
        FallbackKind or its name) chooses the chain: the general one, which fallbacks() and
        call() follow when the model's deployments are exhausted, or those call() follows after
        a context-window or content-policy outcome."""
        handle = self._h()
        kind_value = _enum_arg(kind, FallbackKind, "fallback kind")
        array, count = _names(fallback_models, "fallback model")
        m = _name(model, "model")
        if kind_value == FallbackKind.GENERAL:
            self._simple(_lib.llmr_router_set_fallbacks(handle, m, array, count))
        else:
            fn = _native.require("llmr_router_set_fallbacks_for")
            self._simple(fn(handle, m, kind_value, array, count))

    @_in_flight
    def set_model_strategy(self, model: NameLike, strategy) -> None:
        """Sets the strategy of one model; Strategy.DEFAULT returns it to the router's."""
        handle = self._h()
        value = _strategy_value(strategy)
        self._simple(_lib.llmr_router_set_model_strategy(handle, _name(model, "model"), value))

    @_in_flight
    def set_override(self, name: NameLike, mode) -> None:
        """Forces a deployment open or closed, or returns it to its breaker (Override.AUTO)."""
        handle = self._h()
        value = _enum_arg(mode, Override, "override mode")
        self._simple(_lib.llmr_router_set_override(handle, _name(name, "deployment name"), value))

    # -- pick and report ------------------------------------------------------------------------

    @_in_flight
    def pick(self, model: NameLike, exclude: Union[NameLike, Iterable[NameLike]] = (), *,
             affinity_key: Optional[NameLike] = None,
             required_tags: Union[NameLike, Iterable[NameLike]] = (),
             expected_input_tokens: int = 0, expected_output_tokens: int = 0,
             max_price: float = 0.0, deadline_ms: int = 0,
             prefix_hashes: Optional[Sequence[int]] = None,
             priority: Optional[int] = None) -> Pick:
        """Picks a deployment for ``model``. Report or cancel the ticket exactly once.

        ``exclude``: deployments not to pick (those a retry already tried). ``affinity_key``:
        requests with the same key (str or bytes) go to the same deployment. ``required_tags``:
        only deployments carrying all of them. ``expected_*_tokens`` and ``max_price``: for the
        cost strategy and a price cap. ``deadline_ms``: the time the request has left;
        deployments whose expected latency (their latency EWMA) exceeds it are skipped, and when
        none fits the fastest is picked with ``deadline_unmet`` set. ``prefix_hashes``: the
        prompt's prefix block hashes (:func:`prefix_hashes`, at most PREFIX_HASHES_MAX), for
        Strategy.ENGINE_AWARE; the pick records them in the chosen deployment's prefix index.
        ``priority``: the request's class, 0 (highest) .. 3 (lowest); None is the library's
        default, 2. A deployment with only the ``reserve`` of higher classes left is skipped.

        Raises UnknownModelError when nothing serves the model, NoProviderError when nothing is
        eligible now and RateLimitedError when every eligible deployment is at a limit (both
        with ``retry_after_ms``)."""
        handle = self._h()
        m = _name(model, "model")
        p = _tls.pick
        po = _pick_options(exclude, affinity_key, required_tags, expected_input_tokens,
                           expected_output_tokens, max_price, deadline_ms, prefix_hashes,
                           priority)
        status = _lib.llmr_router_pick(handle, m, po, p)
        if status:
            error = _last_error(status)
            if isinstance(error, RetryAfterError):
                error.retry_after_ms = p.retry_after_ms
            self._reraise_pending()
            raise error
        # Copy everything now: the C strings live only until the ticket is reported.
        result = Pick(p.ticket, _text(p.deployment), _text(p.model), p.tier,
                      bool(p.is_probe), bool(p.is_panic),
                      bool(po is not None and p.deadline_unmet))
        if self._pending:
            try:
                self._reraise_pending()
            except BaseException:
                _lib.llmr_router_cancel(handle, result.ticket)
                raise
        return result

    @_in_flight
    def report(self, ticket: Union[int, Pick], outcome, latency_ms: Optional[float] = None,
               ttft_ms: Optional[float] = None, retry_after_ms: int = 0,
               input_tokens: int = 0, output_tokens: int = 0,
               quota_remaining_requests: Optional[int] = None,
               quota_remaining_tokens: Optional[int] = None,
               quota_requests_reset_ms: int = 0, quota_tokens_reset_ms: int = 0) -> None:
        """Reports how the call behind ``ticket`` (an int or the Pick) went. Exactly once per
        ticket: a second report raises TicketDoneError. ``outcome`` is an Outcome, its int or its
        name; latencies are milliseconds (None: unknown). ``quota_*``: the provider's announced
        quota (x-ratelimit-remaining-*, anthropic-ratelimit-*): remaining counts (None: not
        announced) and ms from now until each resets (0: not announced); out-of-range values
        raise InvalidArgumentError naming the field."""
        handle = self._h()
        r = _tls.report
        r.outcome = _enum_arg(outcome, Outcome, "outcome")
        r.latency_ms = -1.0 if latency_ms is None else float(latency_ms)
        r.ttft_ms = -1.0 if ttft_ms is None else float(ttft_ms)
        r.retry_after_ms = _int_in(retry_after_ms, _INT64_MIN, _INT64_MAX, "retry_after_ms")
        r.input_tokens = _int_in(input_tokens, _INT64_MIN, _INT64_MAX, "input_tokens")
        r.output_tokens = _int_in(output_tokens, _INT64_MIN, _INT64_MAX, "output_tokens")
        # Set on every call: the struct is reused by the thread's next report.
        r.quota_remaining_requests = (-1 if quota_remaining_requests is None else _int_in(
            quota_remaining_requests, _INT64_MIN, _INT64_MAX, "quota_remaining_requests"))
        r.quota_remaining_tokens = (-1 if quota_remaining_tokens is None else _int_in(
            quota_remaining_tokens, _INT64_MIN, _INT64_MAX, "quota_remaining_tokens"))
        r.quota_requests_reset_ms = _int_in(quota_requests_reset_ms, _INT64_MIN, _INT64_MAX,
                                            "quota_requests_reset_ms")
        r.quota_tokens_reset_ms = _int_in(quota_tokens_reset_ms, _INT64_MIN, _INT64_MAX,
                                          "quota_tokens_reset_ms")
        self._simple(_lib.llmr_router_report(handle, _ticket(ticket), r))

    @_in_flight
    def report_load(self, deployment: NameLike, waiting: int = 0, running: int = 0,
                    kv_cache_utilization: float = 0.0, read_at_ns: int = 0) -> None:
        """Stores what ``deployment``'s inference engine reports (llmr_router_report_load), for
        Strategy.ENGINE_AWARE: requests waiting and running, KV-cache utilisation 0..1, and when
        they were read on the router's clock (ns; 0 = now). Raises InvalidArgumentError naming
        the field (negative counts, utilisation outside 0..1 or NaN, a future read time) and
        NotFoundError for an unknown deployment; nothing is stored then."""
        handle = self._h()
        load = _native.new_struct(_native.llmr_engine_load)
        load.waiting = _int_in(waiting, _INT64_MIN, _INT64_MAX, "waiting")
        load.running = _int_in(running, _INT64_MIN, _INT64_MAX, "running")
        load.kv_cache_utilization = float(kv_cache_utilization)
        load.read_at_ns = _int_in(read_at_ns, _INT64_MIN, _INT64_MAX, "read_at_ns")
        fn = _native.require("llmr_router_report_load")
        self._simple(fn(handle, _name(deployment, "deployment"), load))

    @_in_flight
    def cancel(self, ticket: Union[int, Pick]) -> None:
        """Gives a ticket back without an outcome."""
        handle = self._h()
        self._simple(_lib.llmr_router_cancel(handle, _ticket(ticket)))

    # -- fallbacks, health ------------------------------------------------------------------------

    @_in_flight
    def fallbacks(self, model: NameLike,
                  exclude: Union[NameLike, Iterable[NameLike]] = ()) -> List[Candidate]:
        """The eligible deployments for ``model`` in the order its strategy prefers, without
        ``exclude``, followed by those of its fallback chain. Issues no tickets."""
        handle = self._h()
        array, count = _names(exclude, "excluded deployment")
        out = POINTER(_native.llmr_fallbacks)()
        status = _lib.llmr_router_fallbacks(handle, _name(model, "model"), array, count,
                                            byref(out))
        if status:
            self._fail(status)
        try:
            result = []
            deployment = c_char_p()
            served = c_char_p()
            for i in range(_lib.llmr_fallbacks_count(out)):
                status = _lib.llmr_fallbacks_get(out, i, byref(deployment), byref(served))
                if status:
                    self._fail(status)
                result.append(Candidate(_text(deployment.value), _text(served.value)))
        finally:
            _lib.llmr_fallbacks_free(out)
        self._reraise_pending()
        return result

    @_in_flight
    def pick_traced(self, model: NameLike, exclude: Union[NameLike, Iterable[NameLike]] = (), *,
                    affinity_key: Optional[NameLike] = None,
                    required_tags: Union[NameLike, Iterable[NameLike]] = (),
                    expected_input_tokens: int = 0, expected_output_tokens: int = 0,
                    max_price: float = 0.0, deadline_ms: int = 0,
                    prefix_hashes: Optional[Sequence[int]] = None) -> Tuple[Pick, Explanation]:
        """pick() that also explains itself (llmr_pick_options.trace): a real pick (report or
        cancel its ticket exactly once) and the Explanation of it, every candidate as the pick
        saw it just before it picked, with ``picked`` the deployment this pick took
        (``approximate`` is False: it is what happened). When the pick fails with
        NoProviderError or RateLimitedError, the error carries the explanation of the failure as
        ``trace``. Costs what explain() costs: for sampled requests and debugging; pick() never
        does this work."""
        handle = self._h()
        m = _name(model, "model")
        p = _native.new_struct(_native.llmr_pick)
        po = _pick_options(exclude, affinity_key, required_tags, expected_input_tokens,
                           expected_output_tokens, max_price, deadline_ms, prefix_hashes)
        if po is None:
            po = _native.new_struct(_native.llmr_pick_options)
        trace = POINTER(_native.llmr_explanation)()
        po.trace = 1
        po.trace_out = ctypes.pointer(trace)
        status = _lib.llmr_router_pick(handle, m, po, p)
        explanation = None
        if trace:
            try:
                explanation = read_explanation(trace)
            finally:
                _lib.llmr_explanation_free(trace)
        if status:
            error = _last_error(status)
            if isinstance(error, RetryAfterError):
                error.retry_after_ms = p.retry_after_ms
            error.trace = explanation
            self._reraise_pending()
            raise error
        result = Pick(p.ticket, _text(p.deployment), _text(p.model), p.tier,
                      bool(p.is_probe), bool(p.is_panic), bool(p.deadline_unmet))
        if self._pending:
            try:
                self._reraise_pending()
            except BaseException:
                _lib.llmr_router_cancel(handle, result.ticket)
                raise
        return result, explanation

    @_in_flight
    def explain(self, model: NameLike, exclude: Union[NameLike, Iterable[NameLike]] = (), *,
                affinity_key: Optional[NameLike] = None,
                required_tags: Union[NameLike, Iterable[NameLike]] = (),
                expected_input_tokens: int = 0, expected_output_tokens: int = 0,
                max_price: float = 0.0, deadline_ms: int = 0,
                prefix_hashes: Optional[Sequence[int]] = None) -> Explanation:
        """A dry-run pick (llmr_router_explain) with pick()'s options: every deployment serving
        ``model`` with its tier, breaker state, cooldown, limits, strategy score and rank, whether
        it was filtered and why, and the one a pick would choose. Picks, admits and counts
        nothing, and never blocks picks. UnknownModelError when nothing serves the model; nothing
        eligible is no error (``status`` says what a pick would return). ``json`` holds the same
        account as JSON. ``prefix_hashes`` as pick()'s: Strategy.ENGINE_AWARE's scores count the
        prefix match."""
        handle = self._h()
        po = _pick_options(exclude, affinity_key, required_tags, expected_input_tokens,
                           expected_output_tokens, max_price, deadline_ms, prefix_hashes)
        out = POINTER(_native.llmr_explanation)()
        status = _native.require("llmr_router_explain")(handle, _name(model, "model"), po,
                                                        byref(out))
        if status:
            self._fail(status)
        try:
            result = read_explanation(out)
        finally:
            _lib.llmr_explanation_free(out)
        self._reraise_pending()
        return result

    @_in_flight
    def health(self, name: NameLike) -> Health:
        """Health of deployment ``name``; NotFoundError when there is none."""
        handle = self._h()
        h = _tls.health
        self._simple(_lib.llmr_router_health(handle, _name(name, "deployment name"), h))
        return Health._from_c(h)

    @_in_flight
    def health_list(self) -> List[Health]:
        """Health of every deployment at one moment, in the order they were added."""
        handle = self._h()
        out = POINTER(_native.llmr_health_list)()
        status = _lib.llmr_router_health_list(handle, byref(out))
        if status:
            self._fail(status)
        try:
            h = _tls.health
            result = []
            for i in range(_lib.llmr_health_list_count(out)):
                status = _lib.llmr_health_list_get(out, i, h)
                if status:
                    self._fail(status)
                result.append(Health._from_c(h))
        finally:
            _lib.llmr_health_list_free(out)
        self._reraise_pending()
        return result

    # -- configuration, events, statistics ------------------------------------------------------

    @_in_flight
    def apply_config(self, config: ConfigLike) -> None:
        """Hot reload (llmr_router_apply_config): replaces the deployments, aliases, fallback
        chains and strategies with those of ``config`` (JSON text or a dict), in one atomic step.
        Deployments are matched by name: a kept one keeps its health, statistics, in-flight
        calls, limits' windows and adapter; a new one starts closed, without an adapter. A
        rejected configuration raises ConfigError (``.path`` names the offending value) and
        changes nothing; so does one that changes a router setting other than the strategy.
        Tells the event listener either way."""
        handle = self._h()
        data = config_bytes(config)
        self._simple(_native.require("llmr_router_apply_config")(handle, data, len(data)))

    @_in_flight
    def apply_config_file(self, path: PathLike) -> None:
        """Like apply_config(), reading the configuration from the file at ``path``."""
        handle = self._h()
        p = config_path(path)
        self._simple(_native.require("llmr_router_apply_config_file")(handle, p))

    @_in_flight
    def set_event_listener(self, listener: Optional[Callable[[Event], Any]]) -> None:
        """Registers ``listener(event)``, called with an Event for every breaker transition and
        configuration reload, replacing the previous listener; None removes it. It runs on the
        thread whose call caused the event and may call this router (not close it). An exception
        it raises is logged on the "llmroute" logger, never propagated (see llmroute.events)."""
        handle = self._h()
        fn = _native.require("llmr_router_set_event_listener")
        if listener is None:
            self._simple(fn(handle, None))
            return
        if not callable(listener):
            raise TypeError("an event listener is a callable taking an Event, or None")
        events = self._events
        key = events.add(listener)
        status = fn(handle, listener_struct(events, key))
        if status:
            error = _last_error(status)
            events.listeners.pop(key, None)  # not kept, and release will not be called
            self._reraise_pending()
            raise error
        self._reraise_pending()

    @_in_flight
    def stats(self, *, metrics_text: bool = False) -> Stats:
        """Statistics at this moment (llmr_router_stats): every deployment (DeploymentStats,
        in configuration order) and model (ModelStats, by name), and the configurations applied
        and rejected. Never blocks picks or reports. With ``metrics_text=True`` the snapshot's
        Prometheus text is kept in ``Stats.metrics_text`` (the same numbers)."""
        handle = self._h()
        out = POINTER(_native.llmr_stats)()
        status = _native.require("llmr_router_stats")(handle, byref(out))
        if status:
            self._fail(status)
        try:
            result = read_snapshot(out, metrics_text)
        finally:
            _lib.llmr_stats_free(out)
        self._reraise_pending()
        return result

    @_in_flight
    def metrics_text(self) -> str:
        """The router's statistics in the Prometheus text exposition format 0.0.4
        (llmr_router_metrics_text), ready to serve at /metrics with the Content-Type
        "text/plain; version=0.0.4; charset=utf-8"."""
        handle = self._h()
        fn = _native.require("llmr_router_metrics_text")
        needed = ctypes.c_size_t(0)
        cap = self._metrics_size
        while True:
            # Some room to spare: the text can grow between two calls (new models, ...).
            buf = ctypes.create_string_buffer(cap) if cap else None
            status = fn(handle, buf, cap, byref(needed))
            if status == Status.OK and buf is not None:
                break
            if status not in (Status.OK, Status.BUFFER_TOO_SMALL):
                self._fail(status)
            cap = needed.value + needed.value // 8 + 1024
        self._metrics_size = cap
        self._reraise_pending()
        return ctypes.string_at(buf, needed.value - 1).decode("utf-8", "replace")

    @_in_flight
    def shared_state_status(self) -> SharedStateStatus:
        """Status of the fleet shared state (llmr_router_shared_state_status; docs/fleet.md):
        ``enabled`` is False for a router created without shared_state_url. Never waits on the
        network."""
        handle = self._h()
        return read_shared_state_status(handle)

    # -- execution through adapters -------------------------------------------------------------

    @_in_flight
    def set_adapter(self, deployment: NameLike, adapter: Any) -> None:
        """Attaches a provider adapter to a deployment (replacing the previous one), or detaches
        it with None. Only deployments with an adapter take part in call(). See
        llmroute.execution for what an adapter is. The router keeps the adapter until it
        releases it (it then calls ``adapter.release()`` if there is one)."""
        handle = self._h()
        fn = _native.require("llmr_router_set_adapter")
        name = _name(deployment, "deployment name")
        if adapter is None:
            self._simple(fn(handle, name, None))
            return
        if not callable(getattr(adapter, "invoke", adapter)):
            raise TypeError("an adapter has an invoke(attempt) method or is callable")
        table = self._adapter_table
        key = table.add(adapter)
        a = _native.new_struct(_native.llmr_adapter)
        a.user_data = key
        a.invoke = table.invoke_cb
        a.release = table.release_cb
        status = fn(handle, name, a)
        if status:
            error = _last_error(status)
            table.objects.pop(key, None)  # not kept, and release will not be called
            self._reraise_pending()
            raise error
        self._reraise_pending()

    @_in_flight
    def call(self, model: NameLike, request: Union[bytes, bytearray, memoryview, str] = b"",
             *, deadline_ms: Optional[int] = None, attempt_timeout_ms: Optional[int] = None,
             max_attempts: Optional[int] = None, backoff_base_ms: Optional[int] = None,
             backoff_max_ms: Optional[int] = None, cancel: Optional[Cancel] = None,
             first_byte_timeout_ms: Optional[int] = None,
             idle_timeout_ms: Optional[int] = None, hedge_after_ms: Optional[int] = None,
             hedge_after_quantile: Optional[float] = None,
             max_hedges: Optional[int] = None,
             priority: Optional[int] = None) -> CallReport:
        """Drives one request through the deployments' adapters: picks, invokes, classifies,
        retries or falls back (llmr_router_call). Returns the CallReport of a call that
        succeeded; otherwise raises UpstreamError, NoProviderError, RateLimitedError,
        UnknownModelError, DeadlineExceededError, CancelledError or StreamStalledError (a
        committed stream stalled: ``first_byte_timeout_ms`` / ``idle_timeout_ms``, which an
        adapter observes through Attempt.progress() and check()), whose ``report`` attribute
        holds the CallReport when the library produced one, and whose ``__cause__`` is the
        exception an adapter raised during the call (the last one), if any. None options keep
        the defaults.

        Hedging: with ``hedge_after_ms`` (or ``hedge_after_quantile``, the model's latency
        quantile such as 0.95) a hedge starts on another deployment when the first attempt has
        produced nothing by then, up to ``max_hedges`` (default 1, at most 4); the first attempt
        to succeed or to commit() wins, the others see Status.CANCELLED from check(). Hedges run
        on threads the library creates (ctypes takes the GIL for them): the adapter must be
        thread-safe."""
        handle = self._h()
        fn = _native.require("llmr_router_call")
        m = _name(model, "model")
        if isinstance(request, str):
            request = request.encode("utf-8")
        data = bytes(request)
        opts = _native.new_struct(_native.llmr_call_options)
        for key, value in (("deadline_ms", deadline_ms), ("attempt_timeout_ms", attempt_timeout_ms),
                           ("backoff_base_ms", backoff_base_ms),
                           ("backoff_max_ms", backoff_max_ms),
                           ("first_byte_timeout_ms", first_byte_timeout_ms),
                           ("idle_timeout_ms", idle_timeout_ms),
                           ("hedge_after_ms", hedge_after_ms)):
            if value is not None:
                setattr(opts, key, _int_in(value, _INT64_MIN, _INT64_MAX, key))
        if max_attempts is not None:
            opts.max_attempts = _int_in(max_attempts, 0, _UINT32_MAX, "max_attempts")
        if max_hedges is not None:
            opts.max_hedges = _int_in(max_hedges, 0, _UINT32_MAX, "max_hedges")
        if hedge_after_quantile is not None:
            # NaN and out-of-range values go through: the library names the field.
            opts.hedge_after_quantile = float(hedge_after_quantile)
        if priority is not None:  # every attempt's class; the library checks it
            if not _native.library_has_field(_native.llmr_call_options, "priority"):
                raise _invalid("priority needs a newer libllmroute than %s"
                               % _native.version_string)
            opts.priority = _int_in(priority, -2**31, 2**31 - 1, "priority")
        if cancel is not None:
            if not isinstance(cancel, Cancel):
                raise TypeError("cancel must be an llmroute.Cancel")
            opts.cancel = cancel._h()
        report_p = POINTER(_native.llmr_call_report)()
        # The adapters run on this thread: they leave their exceptions here. An adapter may
        # itself call() (this router or another), hence the save and restore.
        outer, current_call.adapter_exceptions = current_call.adapter_exceptions, []
        try:
            status = fn(handle, m, data, len(data), opts, byref(report_p))
            # `cancel` stays referenced (an argument) until here: the flag outlives the call.
            error = _last_error(status) if status else None  # first: the failing call's message
        finally:
            adapter_exceptions, current_call.adapter_exceptions = (
                current_call.adapter_exceptions, outer)
        try:
            report = CallReport._from_c(report_p) if report_p else None
        finally:
            _native.lib.llmr_call_report_free(report_p)
        if error is not None:
            error.report = report
            if isinstance(error, RetryAfterError) and report is not None:
                error.retry_after_ms = report.retry_after_ms
            if adapter_exceptions:
                # What the adapter raised stays visible: "The above exception was the direct
                # cause of ..." in the traceback (the last one when several attempts raised).
                error.__cause__ = adapter_exceptions[-1]
            self._reraise_pending()
            raise error
        self._reraise_pending()
        return report

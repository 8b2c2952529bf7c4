"""Router events (llmr_event): breaker transitions and configuration reloads.

    def on_event(event: llmroute.Event) -> None:
        if event.kind == llmroute.EventKind.BREAKER:
            log.info("%s: %s -> %s", event.deployment, event.from_state.name, event.to_state.name)

    router.set_event_listener(on_event)     # None removes it

The listener runs on the thread whose call caused the event (the report that tripped a breaker,
the pick that admitted the first half-open probe, the apply_config() that reloaded), after the
router has let go of every lock, so it may call the router (attach an adapter to an added
deployment, read stats(), ...) but must not close it. It may run on several threads at once; keep
it short. A router with a shared state URL may also deliver another instance's breaker
transitions on its synchronisation thread.

Exceptions never cross into C: an ``Exception`` raised by the listener is logged on the
"llmroute" logger (throttled: the 1st, 2nd, 4th, 8th, ... failure) and counted in
``Router.event_listener_errors``; the router goes on as if the listener had returned. A
KeyboardInterrupt or SystemExit raised on a Python thread is raised again on that thread once the
router call that caused the event returns.

The C callback is one CFUNCTYPE object per Router, created with it and kept until the native
router is destroyed; each listener is found through an integer key passed as user_data, and the
release callback drops the Python callable once the router no longer needs it.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple, Union

from . import _native
from ._lifetime import weak_thunk
from .enums import BreakerState, EventKind, _coerce

__all__ = ["Event"]

_logger = logging.getLogger("llmroute")

# What threading.current_thread() is on a thread Python did not start.
_FOREIGN_THREAD = _native.FOREIGN_THREAD
_text = _native.text
_within = _native.within


def _names(array, count: int) -> Tuple[str, ...]:
    if not array or not count:
        return ()
    return tuple(_text(array[i]) or "" for i in range(count))


@dataclass(frozen=True)
class Event:
    """One event of a router (a copy: unlike the C struct, it stays valid after the callback).

    * ``EventKind.BREAKER``: ``deployment`` changed from ``from_state`` to ``to_state`` (the C
      members ``from`` and ``to``); ``cooldown_ms`` is the cooldown when it opened.
    * ``EventKind.CONFIG_APPLIED``: ``added`` and ``removed`` (deployment names, in
      configuration order) and ``kept_count``; ``config_generation`` counts the configurations
      applied so far, this one included.
    * ``EventKind.CONFIG_REJECTED``: ``message`` says why (as ConfigError's message).
    * ``EventKind.QUOTA_EXHAUSTED``: ``deployment``'s provider quota is exhausted; it gets no
      pick for ``cooldown_ms``, until the announced reset.
    * ``EventKind.SHARED_STATE_FAILOVER``: ``message`` says where the fleet shared state moved
      (a Sentinel failover, a cluster slot's new owner), on the synchronisation thread.
    """

    kind: Union[EventKind, int]
    deployment: Optional[str] = None
    from_state: Optional[Union[BreakerState, int]] = None
    to_state: Optional[Union[BreakerState, int]] = None
    cooldown_ms: int = 0
    added: Tuple[str, ...] = ()
    removed: Tuple[str, ...] = ()
    kept_count: int = 0
    config_generation: int = 0
    message: Optional[str] = None

    @classmethod
    def _from_c(cls, e: _native.llmr_event) -> "Event":
        kind = _coerce(EventKind, e.kind)
        values: Dict[str, Any] = {}
        if kind == EventKind.BREAKER:
            values["deployment"] = _text(e.deployment)
            values["from_state"] = _coerce(BreakerState, getattr(e, "from"))
            values["to_state"] = _coerce(BreakerState, e.to)
            values["cooldown_ms"] = e.cooldown_ms
        elif kind == EventKind.QUOTA_EXHAUSTED:
            values["deployment"] = _text(e.deployment)
            values["cooldown_ms"] = e.cooldown_ms
        elif kind in (EventKind.CONFIG_APPLIED, EventKind.CONFIG_REJECTED):
            values["config_generation"] = e.config_generation
            if kind == EventKind.CONFIG_APPLIED:
                values["added"] = _names(e.added, e.added_count)
                values["removed"] = _names(e.removed, e.removed_count)
                values["kept_count"] = e.kept_count
            else:
                values["message"] = _text(e.message)
        elif kind == EventKind.SHARED_STATE_FAILOVER:
            values["message"] = _text(e.message)
        elif kind == EventKind.HEDGE_STARTED:
            values["deployment"] = _text(e.deployment)
            values["message"] = _text(e.message)
        # Members past the struct_size the library gave keep their defaults.
        field_of = {"from_state": "from", "to_state": "to", "added": "added_count",
                    "removed": "removed_count"}
        values = {k: v for k, v in values.items() if _within(e, field_of.get(k, k))}
        return cls(kind=kind, **values)


class EventDispatch:
    """The listeners of one Router, by key, and the two CFUNCTYPE objects C calls for all of
    them. It holds no reference to the Router."""

    def __init__(self, pending: list) -> None:
        self.listeners: Dict[int, Callable[[Event], Any]] = {}
        self.errors = 0
        self._keys = itertools.count(1)
        self._pending = pending  # the Router's list of (thread id, BaseException) to re-raise
        # Through a weak reference: a listener that references its Router (a closure calling
        # router.stats()) must not keep it alive through the GC safety net (llmroute._lifetime).
        self.event_cb = weak_thunk(_native.llmr_event_fn, self, "_on_event", None)
        self.release_cb = weak_thunk(_native.llmr_release_fn, self, "_release", None)

    def add(self, listener: Callable[[Event], Any]) -> int:
        key = next(self._keys)
        self.listeners[key] = listener
        return key

    def _on_event(self, user_data, event_p) -> None:
        try:
            listener = self.listeners.get(user_data or 0)
            if listener is None or not event_p:
                return
            listener(Event._from_c(event_p.contents))
        except Exception as e:
            self.errors += 1
            n = self.errors
            if n & (n - 1) == 0:  # the 1st, 2nd, 4th, 8th, ... failure
                _logger.error("llmroute: the event listener raised %s (failure %d); the router "
                              "goes on", type(e).__name__, n, exc_info=True)
        except BaseException as e:  # KeyboardInterrupt, SystemExit
            self.errors += 1
            if isinstance(threading.current_thread(), _FOREIGN_THREAD):
                # A thread of the library's (the shared state's): no Python call to raise it
                # from when it returns.
                _logger.error("llmroute: the event listener raised %s on a thread llmroute "
                              "started; ignored", type(e).__name__, exc_info=True)
            else:
                self._pending.append((threading.get_ident(), e))

    def _release(self, user_data) -> None:
        self.listeners.pop(user_data or 0, None)


def listener_struct(dispatch: EventDispatch, key: int) -> _native.llmr_event_listener:
    s = _native.new_struct(_native.llmr_event_listener)
    s.user_data = key
    s.fn = dispatch.event_cb
    s.release = dispatch.release_cb
    return s


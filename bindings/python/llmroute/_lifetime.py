"""The native router's lifetime: calls in flight, close() from any thread, the GC safety net.

The C API forbids llmr_router_destroy() while another call on the router runs; Python code may
close a Router from any thread at any moment, so the binding makes that safe here, without a
lock on the pick path:

* every Router method runs through ``in_flight``: before it touches the handle it appends the
  thread's id to a deque and then reads the closing flag; when done it removes the id. Deque
  appends and removals are atomic (the standard library documents deques as thread-safe), so
  a call costs two deque operations and no lock;
* close() sets the flag first and then waits, under a condition variable that only closing
  threads and the calls leaving a closing router touch, until the deque is empty. A call that
  enters after the flag is set sees it and raises ClosedError; one that entered before is in
  the deque, so close() waits for it. Either order of "append, read flag" against "set flag,
  read deque" ends in one of these two cases;
* a close() from inside a call on the same router (an adapter or event listener closing it)
  cannot wait for itself: it marks the close deferred, and the last call to leave destroys the
  native router, after its own native call has returned;
* llmr_router_destroy() joins the router's synchronisation thread (fleet shared state), where
  event callbacks run Python code: on any thread Python did not start (it may be that one) the
  destruction is handed to a Python thread instead.

The GC safety net is a ``weakref.finalize`` on the Router that calls ``close_unreferenced()``.
It references only this object, which holds the handle and the CFUNCTYPE thunks, never the
Router: the thunks reach their Python objects (adapters, listener, clock...) through weak
references (``weak_thunk``), so an adapter or listener that references its Router (a closure,
a bound method) does not keep it alive through the finalizer's registry.
"""

import collections
import functools
import threading
import weakref

from . import _native
from .enums import Status
from .errors import ClosedError

__all__ = []

_get_ident = threading.get_ident
_FOREIGN_THREAD = _native.FOREIGN_THREAD


def weak_thunk(prototype, obj, method: str, dead_result):
    """A ``prototype`` (CFUNCTYPE) object calling ``obj.<method>(*args)`` through a weak
    reference to ``obj``; once ``obj`` is gone (its Router was collected and the native router
    is being destroyed) it returns ``dead_result`` to C (``dead_result()`` when it is callable)
    and does nothing else."""
    ref = weakref.ref(obj)
    dead = dead_result if callable(dead_result) else (lambda: dead_result)

    def thunk(*args):
        target = ref()
        if target is None:
            return dead()
        return getattr(target, method)(*args)

    return prototype(thunk)


def in_flight(method):
    """Decorates a Router method: it runs as a call in flight on the Router's native router
    (``self._lifetime``). It raises ClosedError once close() has begun; close() waits for it
    to return before destroying the router. The protocol is written out here rather than in two
    RouterLifetime methods: this is the pick path, and each Python call costs."""

    @functools.wraps(method)
    def entered(self, *args, **kwargs):
        lifetime = self._lifetime
        calls = lifetime._in_flight
        ident = _get_ident()
        try:
            # First register, then read the flag (see the module docstring). Inside the try: a
            # KeyboardInterrupt raised as the append returns must not leave the id behind.
            calls.append(ident)
            if lifetime._closing:
                raise ClosedError(Status.INVALID_ARGUMENT, "the router is closed")
            return method(self, *args, **kwargs)
        finally:
            calls.remove(ident)
            if lifetime._closing:
                lifetime._left_while_closing()

    return entered


def _on_foreign_thread() -> bool:
    return isinstance(threading.current_thread(), _FOREIGN_THREAD)


def _destroy(handle, callbacks) -> None:
    """Destroys a native router; ``callbacks`` (its CFUNCTYPE objects) live until it is gone."""
    _native.lib.llmr_router_destroy(handle)
    del callbacks


class RouterLifetime:
    """The handle of one native router, the calls in flight on it, and its destruction. Holds no
    reference to the Router."""

    __slots__ = ("handle", "_in_flight", "_closing", "_deferred", "_cond", "_destroy_lock",
                 "_callbacks", "__weakref__")

    def __init__(self, handle, callbacks: list) -> None:
        self.handle = handle
        # The ids of the threads in a call, one entry per call.
        self._in_flight: "collections.deque[int]" = collections.deque()
        self._closing = False
        self._deferred = False  # close() could not wait: the last call to leave destroys it
        self._cond = threading.Condition(threading.Lock())
        # Reentrant: a release callback run by llmr_router_destroy() may call close() again.
        self._destroy_lock = threading.RLock()
        self._callbacks = callbacks  # CFUNCTYPE objects C may call until the router is gone

    @classmethod
    def never_opened(cls) -> "RouterLifetime":
        """The lifetime of a Router whose native router was never created: closed."""
        lifetime = cls(None, [])
        lifetime._closing = True
        return lifetime

    @property
    def closing(self) -> bool:
        return self._closing

    @property
    def in_flight(self) -> int:
        """Calls in progress on the router (a snapshot)."""
        return len(self._in_flight)

    def _left_while_closing(self) -> None:
        with self._cond:
            if self._in_flight:
                return
            self._cond.notify_all()
            deferred = self._deferred
        if deferred:
            self._destroy()

    def close(self, wait: bool = True) -> None:
        """Closes the router: no call may enter any more; the native router is destroyed once
        the calls in flight have left. Returns after the destruction unless it cannot wait: from
        inside a call on this router (the last call to leave destroys it), with ``wait=False``,
        or on a thread Python did not start (a Python thread destroys it shortly after)."""
        with self._cond:
            self._closing = True
            if wait and _get_ident() not in self._in_flight:
                while self._in_flight:
                    # The timeout only re-checks the deque should a notification be lost (a
                    # KeyboardInterrupt between a call's removal and its notify); it is no
                    # part of the protocol.
                    self._cond.wait(0.1)
            elif self._in_flight:
                self._deferred = True
                return
        self._destroy()

    def close_unreferenced(self) -> None:
        """The finalizer of a Router nothing references any more (or, at interpreter exit, of
        every live Router): never waits, so a daemon thread stuck in a call at exit cannot
        hang the interpreter."""
        self.close(wait=False)

    def _destroy(self) -> None:
        with self._destroy_lock:
            handle, self.handle = self.handle, None
            if handle is None:
                return
            callbacks, self._callbacks = self._callbacks, []
            if _on_foreign_thread():
                # This may be llmroute's own thread (the shared state's synchronisation
                # thread, in an event callback, where the garbage collector may also finalize
                # a router): llmr_router_destroy() would join that thread from itself
                # (std::terminate). A Python thread destroys the router instead, once the
                # callback has returned.
                threading.Thread(target=_destroy, args=(handle, callbacks),
                                 name="llmroute-close", daemon=True).start()
                return
            _destroy(handle, callbacks)

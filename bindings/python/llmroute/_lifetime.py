"""The native router's lifetime: calls in flight, close() from any thread, the GC safety net.

The C API forbids llmr_router_destroy() while another call on the router runs; Python code may
close a Router from any thread at any moment, so the binding makes that safe here, without a
lock on the pick path:

* every Router method enters the router (``enter()``) before it touches the handle and leaves
  it (``leave()``) when done. Entering appends the thread's id to a deque and then checks the
  closing flag; leaving removes it. deque appends and removals are atomic (the standard library
  documents deques as thread-safe), so a call costs two deque operations and no lock;
* close() sets the flag first and then waits, under a condition variable that only closing
  threads and the calls leaving a closing router touch, until the deque is empty. A call that
  enters after the flag is set sees it and raises ClosedError; one that entered before is in
  the deque, so close() waits for it. Either order of "append, read flag" against "set flag,
  read deque" ends in one of these two cases;
* a close() from inside a call on the same router (an adapter or event listener closing it)
  cannot wait for itself: it marks the close deferred, and the last call to leave destroys the
  native router, after its own native call has returned;
* llmr_router_destroy() joins the router's synchronisation thread (fleet shared state): on a
  thread Python did not start (only that thread runs Python code there, in an event callback)
  destruction is handed to a Python thread instead.

The GC safety net is a ``weakref.finalize`` on the Router that calls ``close_unreferenced()``.
It references only this object, which holds the handle and the CFUNCTYPE thunks, never the
Router: the thunks reach their Python objects (adapters, listener, clock...) through weak
references (``weak_thunk``), so an adapter or listener that references its Router (a closure,
a bound method) does not keep it alive through the finalizer's registry.
"""

import collections
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
    is being destroyed) it returns ``dead_result`` to C and does nothing else."""
    ref = weakref.ref(obj)

    def thunk(*args):
        target = ref()
        if target is None:
            return dead_result
        return getattr(target, method)(*args)

    return prototype(thunk)


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
        self._in_flight = collections.deque()  # ids of the threads in a call, one per call
        self._closing = False
        self._deferred = False  # close() could not wait: the last call to leave destroys it
        self._cond = threading.Condition(threading.Lock())
        # Reentrant: a release callback run by llmr_router_destroy() may call close() again.
        self._destroy_lock = threading.RLock()
        self._callbacks = callbacks  # CFUNCTYPE objects C may call until the router is gone

    @property
    def closing(self) -> bool:
        return self._closing

    @property
    def in_flight(self) -> int:
        """Calls in progress on the router (a snapshot)."""
        return len(self._in_flight)

    def enter(self) -> int:
        """Marks a call in progress on this thread; ClosedError once close() began. Returns the
        token to give leave()."""
        ident = _get_ident()
        self._in_flight.append(ident)
        if self._closing:
            self.leave(ident)
            raise ClosedError(Status.INVALID_ARGUMENT, "the router is closed")
        return ident

    def leave(self, ident: int) -> None:
        self._in_flight.remove(ident)
        if self._closing:
            self._left_while_closing()

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
                    self._cond.wait()
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
                # Python code runs on a thread Python did not start only in a callback from
                # llmroute's own thread (the shared state's synchronisation thread), where the
                # garbage collector may also finalize a router. llmr_router_destroy() would
                # join that thread from itself (std::terminate): a Python thread destroys the
                # router instead, once the callback has returned.
                threading.Thread(target=_destroy, args=(handle, callbacks),
                                 name="llmroute-close", daemon=True).start()
                return
            _destroy(handle, callbacks)

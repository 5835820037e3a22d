"""Values made once per process, for every caller, session and thread: the first call of a
key makes it while concurrent calls of that key wait for it and get the same object.

``functools.cache`` keeps a value too, but sessions that ask for it at the same moment (a
wave of viewers at a fresh server, issue #28) each make it, on one interpreter: this is the
one memo of :mod:`regionmap` below the interface (which imports no Streamlit); the interface
caches through Streamlit (``regionmap.ui.cached``), whose caches also compute a key once.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

_T = TypeVar("_T")


class MadeOnce(Generic[_T]):
    """A function of hashable positional arguments whose results are kept for the process's
    life (:func:`made_once`)."""

    def __init__(self, fn: Callable[..., _T], max_entries: int) -> None:
        functools.update_wrapper(self, fn)
        self._fn = fn
        self._max = max_entries
        self._made: OrderedDict[tuple, _T] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[tuple, threading.Lock] = {}

    def __call__(self, *args: Any) -> _T:
        try:
            return self._made[args]
        except KeyError:
            pass
        with self._lock:
            key_lock = self._making.setdefault(args, threading.Lock())
        with key_lock:
            try:
                return self._made[args]  # made by the call this one waited for
            except KeyError:
                value = self._fn(*args)
            with self._lock:
                self._made[args] = value
                while len(self._made) > self._max:
                    self._made.popitem(last=False)
                self._making.pop(args, None)
            return value

    def clear(self) -> None:
        """Forget every result (the next call makes it again)."""
        with self._lock:
            self._made.clear()


def made_once(max_entries: int) -> Callable[[Callable[..., _T]], MadeOnce[_T]]:
    """Keep what a function makes (a published file and its description, Hokkaido's land)
    for the process's life: the same object for every caller, session and thread; the
    first call of a key makes it while concurrent calls of that key wait for it (no file
    written twice by viewers arriving at once); beyond ``max_entries`` the oldest is
    dropped. ``.clear()`` forgets them (a rebuilt boundary layer gets a new key anyway).

    What ``st.cache_resource`` gave these functions, in plain Python: :mod:`regionmap.maps`
    is below the interface and imports no Streamlit."""

    def decorate(fn: Callable[..., _T]) -> MadeOnce[_T]:
        return MadeOnce(fn, max_entries)

    return decorate

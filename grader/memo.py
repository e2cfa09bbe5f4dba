"""What the grader works out from fixed inputs, once per process, looked up again by those inputs.

A class run grades hundreds of submissions with the same hidden tests, so everything on the
reference's side of a comparison is the same for each of them: the reference's values on the
tests' inputs, their finite-difference gradients, the plots' reference curves, what a catalog
mistake returns on a call a failed test made. A Memo keeps such values by the objects they were
worked out with (held by the entry, so that their ids cannot be reused while it lives) and the
wire.fingerprint of the plain-data arguments, which tells apart values of different types,
dtypes and shapes, and -0.0 from 0.0.

A value found here is the very object worked out the first time: callers that hand it to code
that could change it hand out a copy.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from grader import wire

T = TypeVar("T")


class Memo(Generic[T]):
    """Up to size values, the least recently used one dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[tuple[object, ...], T]] = OrderedDict()

    def get(self, owners: tuple[object, ...], arguments: Any, work_out: Callable[[], T]) -> T:
        """The value for these owner objects (by identity) and arguments (by fingerprint): the one
        found, or work_out()'s, then kept."""
        key = (tuple(map(id, owners)), wire.fingerprint(arguments))
        found = self._entries.get(key)
        if found is not None and all(a is b for a, b in zip(found[0], owners, strict=True)):
            self._entries.move_to_end(key)
            return found[1]
        value = work_out()
        self._entries[key] = (owners, value)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        self._entries.clear()

"""A hashable summary of plain data (numbers, strings, arrays, lists, dicts) for keying caches."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np


def fingerprint(value: Any) -> Hashable:
    """Equal for equal values of equal types, dtypes and shapes; an array's bytes are part of it.

    Finer than equality (a tuple and a list of the same items differ, so do 0.0 and -0.0), never
    coarser for plain data. Objects of other types are summarised by type name and repr, so a
    value whose repr leaves out its contents must not be fingerprinted.
    """
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(fingerprint(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple((key, fingerprint(item)) for key, item in value.items()))
    if isinstance(value, np.generic):
        return ("scalar", value.dtype.str, value.tobytes())
    if type(value) is float:
        return ("float", value.hex())
    return (type(value).__name__, repr(value))

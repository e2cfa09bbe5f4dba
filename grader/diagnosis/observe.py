"""What a call did, as the diagnosis compares it: the value, the arguments afterwards, warnings.

Observations of the student's function come from the worker's recorded outcome;
those of the reference and of the catalog's mutants are made here, in the
grader's process, on copies of the very same arguments.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.call_outcome import RecordedCall
from grader.compare import all_close, tolerance_for
from grader.memo import Memo
from grader.planned_calls import Probe
from grader.probe_functions import PROBES


@dataclass(frozen=True)
class Observation:
    result: Any = None
    args_after: tuple = ()
    warned: bool = False  # a RuntimeWarning (overflow, invalid value, ...)
    raised: str = ""  # "ValueError: ..." when the call raised
    args_before: tuple = field(default=(), compare=False)

    @property
    def mutated(self) -> bool:
        """Did the call change any of its arguments?"""
        return not same_value(self.args_before, self.args_after, (0.0, 0.0))


def of_student(call: RecordedCall) -> Observation:
    outcome = call.outcome
    warned = any(text.startswith("RuntimeWarning") for text in outcome.warnings)
    return Observation(outcome.result, tuple(outcome.args_after), warned, args_before=_plain(call))


#: the same failed tests, with the same inputs, are diagnosed again and again in a class run
_observed = Memo[Observation](8192)


def of_function(function: Callable[..., Any], call: RecordedCall) -> Observation:
    """Call function (the reference's or a mutant's) on copies of the recorded arguments; what a
    function did with given arguments is remembered (the Observation is shared: read it only)."""
    return _observed.get((function,), (call.args, dict(call.kwargs)), lambda: _observe(function, call))


def _observe(function: Callable[..., Any], call: RecordedCall) -> Observation:
    args = [_with_probes(value) for value in copy.deepcopy(call.args)]
    kwargs = {key: _with_probes(value) for key, value in copy.deepcopy(dict(call.kwargs)).items()}
    with (
        warnings.catch_warnings(record=True) as caught,
        np.errstate(over="warn", invalid="warn", divide="warn"),
    ):
        warnings.simplefilter("always")
        try:
            result = function(*args, **kwargs)
        except Exception as error:  # the student's call returned; this one did not
            return Observation(raised=f"{type(error).__name__}: {error}", args_before=_plain(call))
    plain_args = tuple(_without_probes(value) for value in args)
    warned = any(issubclass(w.category, RuntimeWarning) for w in caught)
    return Observation(result, plain_args, warned, args_before=_plain(call))


def _plain(call: RecordedCall) -> tuple:
    return tuple(_without_probes(value) for value in call.args)


def _with_probes(value: Any) -> Any:
    return PROBES[value.name] if isinstance(value, Probe) else value


def _without_probes(value: Any) -> Any:
    """As the worker sends arguments back: a function (a probe) becomes None."""
    return None if callable(value) or isinstance(value, Probe) else value


def tolerance(call: RecordedCall) -> tuple[float, float]:
    """The tests' tolerance (grader.compare) for the precisions among the call's arrays."""
    return tolerance_for(*leaves((call.args, dict(call.kwargs))))


def leaves(value: Any) -> list[Any]:
    """The numbers and arrays inside nested dicts, lists and tuples (no strings, probes or None)."""
    if isinstance(value, Mapping):
        return [leaf for item in value.values() for leaf in leaves(item)]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in leaves(item)]
    return [] if isinstance(value, (str, Probe)) or value is None else [value]


def same_value(a: Any, b: Any, tol: tuple[float, float]) -> bool:
    """a ≈ b through nested dicts, lists and tuples (a list and a tuple count as the same)."""
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        return (
            isinstance(a, Mapping)
            and isinstance(b, Mapping)
            and set(a) == set(b)
            and all(same_value(a[key], b[key], tol) for key in a)
        )
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        if not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))) or len(a) != len(b):
            return _same_array(a, b, tol)
        return all(same_value(x, y, tol) for x, y in zip(a, b, strict=True))
    return _same_array(a, b, tol)


def _same_array(a: Any, b: Any, tol: tuple[float, float]) -> bool:
    if isinstance(a, Probe) or isinstance(b, Probe):
        return a == b
    try:
        x, y = np.asarray(a), np.asarray(b)
    except ValueError:
        return False
    if x.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        return bool(x.shape == y.shape and np.array_equal(x, y))
    if x.shape != y.shape:
        return False
    rtol, atol = tol
    return all_close(x.astype(np.float64), y.astype(np.float64), rtol, atol)

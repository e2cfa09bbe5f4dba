"""Value comparisons for the tests, with messages a student can act on.

Tolerances accept float noise (a different but equivalent formula, float32
rounding) and reject a wrong formula (a missing factor, a wrong derivative).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.exercise_api import GRADIENT_PAIR

#: (rtol, atol) by the precision of the inputs
TOLERANCES = {np.dtype(np.float64): (1e-6, 1e-9), np.dtype(np.float32): (2e-4, 2e-5)}


def tolerance_for(*inputs: Any) -> tuple[float, float]:
    """The loosest tolerance any of the inputs' precisions calls for."""
    rtol, atol = TOLERANCES[np.dtype(np.float64)]
    for value in inputs:
        dtype = np.asarray(value).dtype
        if dtype in TOLERANCES:
            rtol, atol = max(rtol, TOLERANCES[dtype][0]), max(atol, TOLERANCES[dtype][1])
    return rtol, atol


def as_numeric_array(value: Any, what: str) -> np.ndarray:
    """value as a numeric array, or an AssertionError that says what came back instead."""
    if isinstance(value, (list, tuple)) and not is_numeric(value):
        raise AssertionError(f"{what} returned a {type(value).__name__}, expected a NumPy array")
    if value is None:
        raise AssertionError(
            f"{what} returned None, expected a NumPy array: is its return statement missing?"
        )
    if isinstance(value, (str, dict)):
        raise AssertionError(f"{what} returned {type(value).__name__}, expected a NumPy array")
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise AssertionError(f"{what} returned values of dtype {array.dtype}, expected numbers")
    return array


def is_numeric(value: Any) -> bool:
    """Whether value is a number, or an array (or nested lists of equal lengths) of numbers."""
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except ValueError:
        return False


def assert_close(
    actual: Any,
    expected: Any,
    what: str,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    inputs: Any = None,
) -> None:
    """Assert actual ≈ expected in shape and value; the message names the first wrong entry."""
    expected = np.asarray(expected, dtype=np.float64)
    actual_array = as_numeric_array(actual, what)
    if actual_array.shape != expected.shape:
        raise AssertionError(f"{what} returned shape {actual_array.shape}, expected {expected.shape}")
    default_rtol, default_atol = tolerance_for(inputs if inputs is not None else expected)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    actual64 = actual_array.astype(np.float64)
    if all_close(actual64, expected, rtol, atol):
        return
    close = np.isclose(actual64, expected, rtol=rtol, atol=atol, equal_nan=True)
    wrong = np.argwhere(~close)
    index = tuple(int(i) for i in wrong[0])
    got, want = actual64[index], expected[index]
    where = f" at index {list(index)}" if index else ""
    # + 0.0 shows −0.0 as 0: a zero's sign decides nothing here, and "expected -0" reads as if it
    # did; the input keeps its sign, since relu_prime(-0.0) is a case where it matters
    detail = f"{what}{where}: expected {want + 0.0:.6g}, got {got + 0.0:.6g}"
    if want != 0 and got != 0 and np.isfinite(got):
        detail += f" ({_how_far(got, want, rtol, atol)})"
    if inputs is not None and np.shape(inputs) == actual_array.shape and index is not None:
        detail += f", for input {np.asarray(inputs)[index]:.6g}"
    if close.size > 1:
        detail += f"; off in {len(wrong)} of {close.size} entries"
    raise AssertionError(detail)


def _how_far(got: float, want: float, rtol: float, atol: float) -> str:
    """How got stands to want (both nonzero): "2× the expected value" shows a missing or extra
    factor; where that ratio would read "1×", the relative error and what the tolerance allows
    there instead (float16 results, or a finite-difference step too large, end up just outside)."""
    ratio = got / want
    if f"{ratio:.3g}" != "1":
        return f"{ratio:.3g}× the expected value"
    allowed = (atol + rtol * abs(want)) / abs(want)
    return f"a relative error of {abs(got - want) / abs(want):.2g}, where {allowed:.2g} is allowed"


def all_close(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    """np.allclose(actual, expected, rtol, atol, equal_nan=True) for float64 arrays of one shape.

    Most comparisons pass, and for them np.isclose's own test without its bookkeeping (which
    dominated a grading run) settles it; the rest (inf, nan, a wrong entry) go to np.isclose.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        if (np.abs(actual - expected) <= atol + rtol * np.abs(expected)).all():
            return True
    return bool(np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True).all())


#: what assert_unchanged advises unless told otherwise
WORK_ON_A_COPY = "work on a copy (e.g. x = x.copy(), or y = x - ... instead of x -= ...)"


def assert_unchanged(before: Any, after: Any, what: str, advice: str = WORK_ON_A_COPY) -> None:
    """Assert an argument holds the same values after a call as before it; else say where it
    first differs (to the last bit: a change by rounding alone shows), and advice."""
    if (change := first_change(before, after)) is not None:
        raise AssertionError(f"{what} was modified by the call{change}; {advice}")


def first_change(before: Any, after: Any) -> str | None:
    """None when after holds exactly before's values (nan where nan was counts as the same); else
    where it first differs, to the last bit, to follow "was modified by the call":
    ": at [0, 1] it holds 1.4188579305227225 where it held 1.4188579305227222", or
    " (shaped (3,), not (2,))", or "" for values that cannot be compared (text for numbers)."""
    before_array, after_array = np.asarray(before), np.asarray(after)
    if before_array.shape != after_array.shape:
        return f" (shaped {after_array.shape}, not {before_array.shape})"
    floats = before_array.dtype.kind in "fc" and after_array.dtype.kind in "fc"
    if np.array_equal(before_array, after_array, equal_nan=floats):
        return None
    try:
        differs = np.asarray(before_array != after_array, dtype=bool)
        if floats:
            differs &= ~(np.isnan(before_array) & np.isnan(after_array))
        found = (
            [tuple(int(i) for i in at) for at in np.argwhere(differs)[:1]]
            if differs.shape == before_array.shape
            else []
        )
    except (TypeError, ValueError):
        found = []
    if not found:
        return ""
    index = found[0]
    place = f" at {list(index)}" if index else ""
    return f":{place} it holds {_exact(after_array[index])} where it held {_exact(before_array[index])}"


def _exact(value: Any) -> str:
    """A number with every digit that tells it apart in its own dtype (0.30000000000000004 in
    float64; 0.4629832 in float32, whose digits past that are the widening's, not the value's)."""
    return str(np.asarray(value)[()])[:100]


#: why a placeholder's result fails a test that checks only shapes, dtypes or inputs left alone
PLACEHOLDER = "this test's points come once the function computes its result"


class PlaceholderResult(AssertionError):
    """A test failed because the function computed nothing (assert_computes_something): its
    message says so, and no diagnosis is looked for (nothing was computed that could be a mistake)."""


def assert_computes_something(result: Any, what: str, given: Any = None) -> None:
    """Assert result is not what a function that computes nothing returns: zeros everywhere (in
    every array of a result made of several), or (given: the input, in the result's structure)
    that input handed back.

    Tests of shapes, dtypes and inputs left alone call it: a placeholder passes those by doing
    nothing, and a do-nothing submission is worth no points. Call it only where the right answer
    is neither zeros nor the input, so that no function that computes its result fails it. Where
    reference/ is at hand, it is graded on every test before anyone is (grading.call_plan), so
    such a call stops the suite instead of costing students points."""
    arrays = _numeric_arrays(result)
    size = sum(array.size for array in arrays)
    if not size:  # nothing numeric, or a part that is not: the test's own checks say what came back
        return
    if all(not np.any(array) for array in arrays):
        if size == 1:
            raise PlaceholderResult(
                f"{what} is 0, as a placeholder's is, where the right one is not; {PLACEHOLDER}"
            )
        raise PlaceholderResult(
            f"{what} holds only zeros, as a placeholder's does, where the right one does not; {PLACEHOLDER}"
        )
    inputs = _numeric_arrays(given) if given is not None else []
    if len(inputs) == len(arrays) and all(map(np.array_equal, arrays, inputs)):
        raise PlaceholderResult(
            f"{what} is the input handed back, as a placeholder's is, where the right one is not; {PLACEHOLDER}"
        )


def _numeric_arrays(value: Any) -> list[np.ndarray]:
    """Every number or numeric array in value, looking into lists, tuples and dict values; [] if
    any part of it is not numeric."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)) and not is_numeric(value):
        parts = [_numeric_arrays(item) for item in value]
        return [array for part in parts for array in part] if parts and all(parts) else []
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return []
    return [array] if array.dtype.kind in "biufc" else []


def as_pair(value: Any, what: str) -> tuple[Any, Any]:
    """value as (first, second), or an AssertionError saying a pair was expected."""
    if not (isinstance(value, (list, tuple)) and len(value) == 2):
        raise AssertionError(f"{what} should return a pair (dW, db), got {type(value).__name__}")
    return value[0], value[1]


def assert_close_parts(actual: Any, expected: Any, what: str, **tolerances: Any) -> None:
    """assert_close, where expected may be a pair (dW, db) that actual must match part by part."""
    if isinstance(expected, tuple):
        for got, want, name in zip(as_pair(actual, what), expected, GRADIENT_PAIR, strict=False):
            assert_close(got, want, f"{name} of {what}", **tolerances)
        return
    assert_close(actual, expected, what, **tolerances)

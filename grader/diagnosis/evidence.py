"""Show a failing call the way a student can read it: the input, both values, where they differ."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.call_outcome import RecordedCall
from grader.compare import first_change, is_numeric
from grader.diagnosis.observe import Observation, leaves, same_value
from grader.exercise_api import GRADIENT_PAIR, signature_of
from grader.planned_calls import Probe
from grader.results import Evidence

MAX_CHARS = 400
#: arrays with more entries than this are shown by shape and first values only
SHOWN_ENTRIES = 12


def call_size(call: RecordedCall) -> int:
    """How many numbers went into the call (to pick the smallest failing one)."""
    return sum(int(np.size(leaf)) for leaf in leaves((call.args, dict(call.kwargs))))


def parameter_names(function: str) -> list[str]:
    """['y_hat', 'y', 'z', 'activation'] from the signature 'output_delta(y_hat, y, z, activation="sigmoid")'."""
    inside = signature_of(function).split("(", 1)[1].rsplit(")", 1)[0]
    return [re.split(r"[=\s]", part.strip())[0] for part in inside.split(",") if part.strip()]


def format_call(call: RecordedCall) -> str:
    """The call as a student could type it, float32 arguments marked as such (half the hidden tests
    run in float32, where, say, e^z overflows already above z ≈ 88.7)."""
    names = parameter_names(call.function)
    parts = [f"{name}={format_value(value, True)}" for name, value in zip(names, call.args, strict=False)]
    parts += [f"{key}={format_value(value, True)}" for key, value in call.kwargs.items()]
    return _cut(f"{call.function}({', '.join(parts)})")


def format_result(value: Any) -> str:
    """What a call returned (or a part of it), for a student to read, every −0.0 shown as 0: a
    zero's sign decides no test, and "expected [[-0.]]" reads as if it did. An argument keeps its
    sign (format_value): relu_prime(-0.0) is a call whose input's sign matters."""
    return format_value(_zeros_unsigned(value))


def _zeros_unsigned(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _zeros_unsigned(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)) and not is_numeric(value):
        return type(value)(_zeros_unsigned(item) for item in value)
    if not is_numeric(value):
        return value
    array = np.asarray(value)
    # −0.0 + 0.0 is 0.0; adding a zero of the array's own dtype keeps float32 float32
    return array + array.dtype.type(0) if array.dtype.kind == "f" else value


def format_value(value: Any, dtype_shown: bool = False) -> str:
    """value for a student to read; dtype_shown: floats other than float64 as np.float32(...) and
    np.array(..., dtype=float32), as NumPy writes them."""
    if isinstance(value, Probe):
        return f"<the function {value.name}>"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return (
            "{"
            + ", ".join(f"{key!r}: {format_value(item, dtype_shown)}" for key, item in value.items())
            + "}"
        )
    if isinstance(value, (list, tuple)) and not is_numeric(value):
        inner = ", ".join(format_value(item, dtype_shown) for item in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        return _cut(repr(value))
    marked = dtype_shown and array.dtype.kind == "f" and array.dtype != np.float64
    if array.ndim == 0:
        return f"np.{array.dtype}({float(array):.6g})" if marked else f"{float(array):.6g}"
    if array.size > SHOWN_ENTRIES:
        first = ", ".join(f"{v:.4g}" for v in array.reshape(-1)[:4])
        return f"<{array.dtype} array of shape {array.shape}: {first}, ...>"
    text = np.array2string(array, precision=5, separator=", ", suppress_small=False).replace("\n", "")
    return f"np.array({text}, dtype={array.dtype})" if marked else text


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def evidence(
    call: RecordedCall, expected: Observation, received: Observation, tol: tuple[float, float]
) -> Evidence:
    """The call and the first part of its outcome where received and expected differ."""
    if expected.raised:
        return Evidence(
            format_call(call), f"raises {expected.raised}", format_result(received.result), "the result"
        )
    if not same_value(received.result, expected.result, tol):
        keys, missing, want, got = _first_difference(received.result, expected.result, tol)
        part = part_name(call.function, keys) + (" (missing)" if missing else "")
        return Evidence(
            format_call(call), format_result(want), format_result(got), _where(part, want, got, tol)
        )
    names = parameter_names(call.function)
    for position, (before, after) in enumerate(zip(received.args_before, received.args_after, strict=False)):
        if not same_value(before, after, (0.0, 0.0)):
            name = names[position] if position < len(names) else f"argument {position + 1}"
            # of a dict or list of arrays (train_step's params, deep_gradients' weights), the array
            # that changed, not the whole argument
            keys, removed, held, holds = _first_difference(after, before, (0.0, 0.0))
            part = name + _subscripts(keys)
            # printed to 5 digits, a change by rounding alone looks like none: say where, exactly
            change = first_change(held, holds) if is_numeric(held) and is_numeric(holds) else ""
            return Evidence(
                format_call(call),
                f"{part} unchanged: {format_value(held)}",
                f"{part} removed" if removed else f"{part} changed to {format_value(holds)}",
                f"the argument {part} was modified by the call{change or ''}",
            )
    if received.warned and not expected.warned:
        return Evidence(format_call(call), "no warning", "a NumPy warning", "warnings during the call")
    return Evidence(format_call(call), format_result(expected.result), format_result(received.result), "")


def _first_difference(
    got: Any, want: Any, tol: tuple[float, float], keys: tuple[Any, ...] = ()
) -> tuple[tuple[Any, ...], bool, Any, Any]:
    """(keys, missing, expected part, received part) of the first differing leaf of two structures:
    keys lead to it from the top (() for the whole result), missing says got lacks that key."""
    if isinstance(want, Mapping) and isinstance(got, Mapping):
        for key in want:
            if key not in got:
                return (*keys, key), True, want[key], None
            if not same_value(got[key], want[key], tol):
                return _first_difference(got[key], want[key], tol, (*keys, key))
    if isinstance(want, (list, tuple)) and isinstance(got, (list, tuple)) and len(want) == len(got):
        if not (is_numeric(want) and is_numeric(got)):
            for index, (mine, theirs) in enumerate(zip(got, want, strict=True)):
                if not same_value(mine, theirs, tol):
                    return _first_difference(mine, theirs, tol, (*keys, index))
    return keys, False, want, got


def part_name(function: str, keys: tuple[Any, ...]) -> str:
    """The part of function's result that keys lead to, named as its docstring names it:
    weight_gradients (0,) is "dW", deep_gradients (1, 0) "layer 2's dW" and (1,) "layer 2's pair
    (dW, db)", train_step (0, "W1") "new_params['W1']"; any other as its subscripts, "[0]['W1']"."""
    if not keys:
        return "the result"
    if function == "weight_gradients" and keys in ((0,), (1,)):
        return GRADIENT_PAIR[keys[0]]
    if function == "deep_gradients" and isinstance(keys[0], int):
        if len(keys) == 1:
            return f"layer {keys[0] + 1}'s pair (dW, db)"
        if len(keys) == 2 and keys[1] in (0, 1):
            return f"layer {keys[0] + 1}'s {GRADIENT_PAIR[keys[1]]}"
    if function == "train_step" and keys == (1,):
        return "the loss"
    if function == "train_step" and keys[0] == 0:
        return "new_params" + _subscripts(keys[1:])
    return _subscripts(keys)


def _subscripts(keys: tuple[Any, ...]) -> str:
    return "".join(f"[{key!r}]" for key in keys)


def _where(part: str, want: Any, got: Any, tol: tuple[float, float]) -> str:
    part = f"in {part}"
    try:
        want_array, got_array = np.asarray(want, dtype=float), np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return part
    if want_array.shape != got_array.shape:
        return f"{part}: shape {got_array.shape} where {want_array.shape} is expected"
    close = np.isclose(got_array, want_array, rtol=tol[0], atol=tol[1], equal_nan=True)
    wrong = [tuple(int(i) for i in index) for index in np.argwhere(~close)]
    if not wrong or want_array.ndim == 0:
        return part
    shown = ", ".join(str(list(index)) for index in wrong[:5]) + (", ..." if len(wrong) > 5 else "")
    return f"{part} at {shown}{_how_many(len(wrong), close.size)}"


def _how_many(count: int, size: int) -> str:
    """How many of the entries differ, to follow the indices shown, in words whose form no count
    changes: stats groups messages with their numbers masked, and "1 entry differs" beside "2
    entries differ" would be two groups."""
    return ", its only entry" if size == 1 else f"; it differs in {count} of {size} entries"

"""What one call of the student's code gave, read from the worker's response.

A call either returned (CallOutcome with its result, its arguments afterwards, warnings and
printed text) or produced no value (a StudentFailure, whose message says what happened in
words a student can act on). Anything malformed in a response is the student's fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grader import wire
from grader.exercise_api import MODULE_OF, signature_of
from grader.mended_text import printable
from grader.planned_calls import PlannedCall


@dataclass(frozen=True)
class StudentFailure:
    """Why a call to student code produced no value: kind is the machine-readable cause."""

    # exception | not_implemented | calls_not_implemented | signature | timeout | crash | missing_file
    # | import | missing_function | bad_return | bad_arguments | too_large | budget | not_run_again
    kind: str
    message: str
    #: the class of what the student's code raised (kind "exception": "ValueError"), for the diagnosis
    raised: str = ""

    @property
    def status(self) -> str:
        return "timeout" if self.kind in ("timeout", "budget", "not_run_again") else "error"


@dataclass(frozen=True)
class CallOutcome:
    """What one call returned, plus what it did to its arguments and what it printed."""

    result: Any = None
    after: ArgumentsAfter | None = None
    warnings: tuple[str, ...] = ()
    printed: str = ""
    failure: StudentFailure | None = None

    @property
    def args_after(self) -> tuple:
        """The positional arguments as they were after the call (probe functions as None)."""
        return self.after.args() if self.after else ()

    @property
    def kwargs_after(self) -> Mapping[str, Any]:
        return self.after.kwargs() if self.after else {}


class ArgumentsAfter:
    """A call's arguments after the call, from their wire form, decoded when first asked for: most
    calls leave them alone, and then the worker does not send them back and the request's copy is used."""

    def __init__(self, args: Any, kwargs: Any, probes_as_none: bool = False) -> None:
        self._wire: tuple[Any, Any] | None = (args, kwargs)
        self._probes_as_none = probes_as_none
        self._decoded: tuple[tuple, Mapping[str, Any]] = ((), {})

    @classmethod
    def decoded_now(cls, args: Any, kwargs: Any) -> ArgumentsAfter:
        """From data the worker sent: decoded (and so checked) at once; WireError if malformed."""
        after = cls(args, kwargs)
        after.args()
        return after

    def args(self) -> tuple:
        if self._wire is not None:
            args, kwargs = map(_without_probes, self._wire) if self._probes_as_none else self._wire
            self._decoded = (tuple(wire.decode(args or [])), wire.decode(kwargs or {}))
            self._wire = None
        return self._decoded[0]

    def kwargs(self) -> Mapping[str, Any]:
        self.args()
        return self._decoded[1]


@dataclass(frozen=True)
class RecordedCall:
    """A call as the grader made it (copies of the arguments before the call) and its outcome."""

    function: str
    args: tuple
    kwargs: Mapping[str, Any]
    outcome: CallOutcome


class StudentCodeError(Exception):
    """Raised into a hidden test when the student's function produced no value."""

    def __init__(self, failure: StudentFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def crash_message(function: str, how: str) -> str:
    return (
        f"{function} ended the worker process ({how}); calling sys.exit or os._exit, "
        f"or crashing the interpreter, costs the test"
    )


def _without_probes(plain: Any) -> Any:
    if isinstance(plain, dict):
        if set(plain) == {"__probe__"}:
            return None
        return {key: _without_probes(item) for key, item in plain.items()}
    if isinstance(plain, list):
        return [_without_probes(item) for item in plain]
    return plain


def outcome_from(planned: PlannedCall, response: dict[str, Any]) -> CallOutcome:
    """Check and decode a worker response; anything malformed is the student's fault."""
    function = planned.function
    try:
        printed = printable(str(response.get("stdout", ""))[: wire.MAX_STRING_CHARS])
        warnings = tuple(printable(str(w)[:500]) for w in response.get("warnings", [])[:20])
        if not response.get("ok"):
            return CallOutcome(
                printed=printed,
                warnings=warnings,
                failure=failure_from(function, response.get("error") or {}),
            )
        if response.get("unchanged") is True:
            # what the worker would have sent back: the request's arguments, probes as None
            after = ArgumentsAfter(planned.request["args"], planned.request["kwargs"], probes_as_none=True)
        else:
            after = ArgumentsAfter.decoded_now(response.get("args_after"), response.get("kwargs_after"))
        return CallOutcome(
            result=wire.decode(response.get("result")), after=after, warnings=warnings, printed=printed
        )
    except (wire.WireError, TypeError, ValueError, AttributeError) as problem:
        return CallOutcome(failure=StudentFailure("bad_return", f"{function} sent back {problem}"))


def failure_from(function: str, error: dict[str, Any]) -> StudentFailure:
    kind = str(error.get("kind", "exception"))
    kind = kind if kind in _MESSAGES else "exception"
    where = printable(str(error.get("where", ""))[:300])
    message = printable(str(error.get("message", ""))[:2000])
    if _names_place(message, where):
        where = ""
    details = {
        "function": function,
        "module": MODULE_OF[function],
        "type": printable(str(error.get("type", ""))[:100]),
        "message": message,
        "where": f" ({where})" if where else "",
        "expected": signature_of(function),
        "theirs": printable(str(error.get("signature", ""))[:300]) or "different",
        "stopped": printable(str(error.get("stopped", ""))[:100]),
        "hint": "",
    }
    if kind == "import" and error.get("ran") is True:
        # raised by code that ran on import (a trial call at the top level), not by reading a file
        # or finding a module (the worker tells them apart by the exception's class)
        details["hint"] = TOP_LEVEL_HINT
    if kind == "exception":
        for raised, words, hint in _EXCEPTION_HINTS:
            if details["type"] == raised and words.search(message):
                details["hint"] = hint
    if (
        kind in ("exception", "import")
        and details["type"] == "PermissionError"
        and message.startswith(REFUSALS)
    ):
        details["hint"] = SANDBOX_HINT + details["hint"]
    if kind == "exception" and details["type"] == "NotImplementedError":
        # where names the innermost of the student's functions: another one, called from this
        # one, may be what is still a stub (sigmoid_prime, called by output_delta)
        raiser = where.rpartition(" in ")[2]
        kind = "not_implemented" if raiser in ("", function) else "calls_not_implemented"
        details["raiser"] = raiser
    raised = details["type"] if kind == "exception" else ""
    return StudentFailure(kind, _MESSAGES[kind].format(**details), raised)


#: a None met in arithmetic is most often the value of a function that has no return statement
NONE_HINT = (
    "; a None there usually comes from a function without a return statement: check what the calls on "
    "that line return"
)
#: what NumPy raises where an array is given to what takes one number (math.exp, float()): "only
#: 0-dimensional arrays ..." in recent NumPy (2.4 here), "only size-1 arrays ..." in older (1.24)
SCALAR_ONLY = re.compile(r"arrays can be converted to Python scalars\Z")
SCALAR_ONLY_HINT = (
    "; an array went where one number is expected: math.exp, math.tanh and the math module's other "
    "functions, float() and int() take a single number, while NumPy's (np.exp, np.tanh, np.maximum) "
    "work on every element of an array"
)
#: what NumPy raises where an array stands for one truth value: `if z > 0:`, max(0, z)
AMBIGUOUS = re.compile(r"\AThe truth value of an array with more than one element is ambiguous")
AMBIGUOUS_HINT = (
    "; an array went where one True or False is expected (`if z > 0:`, `max(0, z)`, `and`, `or`), "
    "which asks about the whole array at once: to decide element by element, use np.where(z > 0, a, b), "
    "np.maximum(0, z) or (z > 0).astype(z.dtype) instead of .any() or .all()"
)
#: what NumPy raises where a matrix product's shapes do not fit: @, np.matmul and np.dot
SHAPES_MISMATCH = re.compile(
    r"^matmul: Input operand \d has a mismatch in its core dimension|^shapes \(.*\) and \(.*\) not aligned"
)
SHAPES_HINT = (
    "; two arrays' shapes do not fit together there: compare each one's shape with the docstring's "
    "(print them, x.shape, in a trial run of your own), and check which one the formula multiplies by "
    "its transpose (.T) and in which order"
)
#: what NumPy raises where an element-wise operator gets shapes that do not broadcast: often * written
#: for a matrix product
NOT_BROADCAST = re.compile(r"^operands could not be broadcast together with shapes")
NOT_BROADCAST_HINT = (
    "; two arrays' shapes do not fit together there: *, + and the other operators work entry by entry, "
    "so both need one shape (or shapes NumPy can broadcast): compare each one's shape with the docstring's "
    "(print them, x.shape, in a trial run of your own), and where you meant a matrix product, write @ "
    "(or np.dot)"
)
#: an array's method asked of a plain Python value: (z > 0).astype(float) where z is a float
NOT_AN_ARRAY = re.compile(r"^'(float|int|bool|list|tuple)' object has no attribute '")
NOT_AN_ARRAY_HINT = (
    "; the functions take a plain number as well as an array (see the docstring), and a number has "
    "none of an array's methods: make it an array first, as as_float_array(z) in activations.py does"
)
#: what ^ on floats raises: NumPy's on an array, Python's on a float (1 - np.tanh(z)^2)
XOR_ON_FLOATS = re.compile(r"^ufunc 'bitwise_xor' not supported|^unsupported operand type\(s\) for \^")
XOR_HINT = (
    "; in Python, ^ is the bitwise exclusive or, not a power: write x**2 (or np.square(x)) for x squared"
)
#: the hints for an exception the student's code raised: (its type, what its message holds, the
#: hint); where two fit, the later one is given
_EXCEPTION_HINTS = (
    ("TypeError", re.compile("'NoneType'"), NONE_HINT),
    ("TypeError", SCALAR_ONLY, SCALAR_ONLY_HINT),
    ("ValueError", AMBIGUOUS, AMBIGUOUS_HINT),
    ("ValueError", SHAPES_MISMATCH, SHAPES_HINT),
    ("ValueError", NOT_BROADCAST, NOT_BROADCAST_HINT),
    ("AttributeError", NOT_AN_ARRAY, NOT_AN_ARRAY_HINT),
    ("TypeError", XOR_ON_FLOATS, XOR_HINT),
)
#: how the sandbox's refusals reach student code: seccomp's EPERM (a process, a program, a
#: socket), Landlock's EACCES (a file outside the submission's copy)
REFUSALS = ("[Errno 1] Operation not permitted", "[Errno 13] Permission denied")
SANDBOX_HINT = (
    "; grading runs your code walled in, where it may start no program or process, open no network "
    "connection and reach no file outside your submission's folder: compute with Python and NumPy alone"
)
#: what runs on import: a student's own trial run left at the top level of the file
TOP_LEVEL_HINT = (
    " (code outside the functions runs when the file is imported: put your own trial runs under "
    'if __name__ == "__main__":)'
)


def _names_place(message: str, where: str) -> bool:
    """Whether message already ends with the place where says ('file.py:3'), as a SyntaxError's
    does ('... (file.py, line 3)'), so that it need not be said twice."""
    file, _, line = where.partition(":")
    return bool(line) and message.endswith(f"({file}, line {line})")


_MESSAGES = {
    "exception": "{function} raised {type}: {message}{where}{hint}",
    "not_implemented": "{function} is not implemented yet: it raises NotImplementedError{where}",
    "calls_not_implemented": "{function} needs {raiser}, which is not implemented yet: it raises "
    "NotImplementedError{where}",
    "signature": "{function} could not be called as {expected}: yours is {theirs} ({type}: {message})",
    # the same for every function of the file, so that its tests come as one cause (lost_points)
    "missing_file": "{module}.py is missing from the submission, so none of its functions could be graded",
    "import": "{module}.py could not be imported: {type}: {message}{where}{hint}",
    "missing_function": "{module}.py does not define {expected}",
    "bad_return": "{function} {message}; return NumPy arrays or floats",
    "bad_arguments": "{function} put what the grader cannot read back into the arguments it was given "
    "({message}); leave its arguments as they are (work on copies)",
    "too_large": "{function} sent back {message} for one call, more than the grader takes in; return only "
    "what it should (its arrays are no larger than its inputs)",
    "not_run_again": "{function} stopped at its call to {stopped}, which already timed out twice and is "
    "not run again{where}",
}

"""A fault of the grader's own (an exception no code expected), said in one line for a report,
and its whole traceback when BACKPROP_GRADER_TRACEBACK asks for it."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

#: set to anything but "" or "0" to have a fault's whole traceback printed too (a bug report's)
TRACEBACK_VARIABLE = "BACKPROP_GRADER_TRACEBACK"


def wants_traceback() -> bool:
    """Whether the environment asks for a fault's whole traceback."""
    return os.environ.get(TRACEBACK_VARIABLE, "") not in ("", "0")


def fault_summary(error: BaseException) -> str:
    """`Type: the first line of its message (file:line in function)`, the innermost frame."""
    last = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    where = "".join(f" ({Path(frame.filename).name}:{frame.lineno} in {frame.name})" for frame in last)
    said = next(iter(str(error).splitlines()), "")[:500]
    return f"{type(error).__name__}: {said}{where}"


def full_traceback(error: BaseException) -> str:
    """The traceback as Python prints it, without its last newline."""
    return "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip("\n")


def fault_report(error: BaseException, traceback_is: str = "above") -> str:
    """fault_summary(error), that it is the grader's fault, and what a report of it needs: the
    command, and the whole traceback (printed `above` or `below` the line when the environment asks
    for it; otherwise how to ask)."""
    if wants_traceback():
        needs = f"the traceback {traceback_is}"
    else:
        needs = f"the whole traceback, which {TRACEBACK_VARIABLE}=1 in the environment shows"
    return (
        f"{fault_summary(error)}; this is a fault of backprop-grader, not of what it was given: please "
        f"report it, with the command you ran and {needs}"
    )

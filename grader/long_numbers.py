"""Numbers too long for Python to read from text: since 3.10.7 and 3.11, int() of more than
sys.get_int_max_str_digits() digits (4300 unless changed) is a ValueError, which json.loads and
tomllib pass on as it is, with advice (sys.set_int_max_str_digits) meant for a programmer."""

from __future__ import annotations

import re
import sys


def most_digits() -> int:
    """The most digits Python reads as an int (4300 where it does not say: Python before 3.10.7
    reads any, and never fails this way)."""
    return getattr(sys, "get_int_max_str_digits", lambda: 4300)() or 4300  # 0 is no limit


def too_long(error: BaseException) -> bool:
    """Whether error, from json.loads or tomllib.loads, is theirs for an int too long to read:
    a plain ValueError (their own syntax errors are subclasses of it)."""
    return type(error) is ValueError


def line_of_long_number(text: str) -> int | None:
    """The number of the first line holding a run of more digits than Python reads (TOML may
    put _ between them), or None."""
    long_run = re.compile(rf"[0-9][0-9_]{{{most_digits()},}}")
    for number, line in enumerate(text.splitlines(), start=1):
        if long_run.search(line):
            return number
    return None


def number_too_long() -> str:
    """The words for such a number."""
    return f"a number of more than {most_digits():,} digits, longer than Python reads"

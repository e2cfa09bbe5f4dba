"""Point a test result at the student's code: which function it is about, and where that is.

The student's file is only read, never run nor even parsed, so this is safe in the grader's process.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.exercise_api import MODULE_OF
from grader.results import TestResult
from grader.unpack import walk_copied

_BY_LENGTH = sorted(MODULE_OF, key=len, reverse=True)
_PLACE = re.compile(r"\b(\w+)\.py(?::|, line )(\d+)")  # 'file.py:3' or a SyntaxError's 'file.py, line 3'


def function_of(test: TestResult) -> str | None:
    """The function of the test's exercise file that its message (else its name) names first;
    the file's only function when it has one; else None."""
    own = [name for name in _BY_LENGTH if MODULE_OF[name] == test.exercise]
    for text in (test.message, test.name):
        found = [(m.start(), name) for name in own if (m := re.search(rf"\b{name}\b", text))]
        if found:
            return min(found)[1]
    return own[0] if len(own) == 1 else None


def file_named_in(message: str) -> str | None:
    """The exercise file (as 'backprop') whose place ('backprop.py:21', '(backprop.py, line 21)')
    an error message gives first, if it gives one."""
    place = _PLACE.search(message)
    return place.group(1) if place and place.group(1) in set(MODULE_OF.values()) else None


def exercise_file(submission: Path, exercise: str) -> Path | None:
    """The shallowest EXERCISE.py in a submission folder (the files may sit in a subfolder) that
    grading copies: none below unpack.MAX_DEPTH, where a student's folder may hold a tree too
    deep to walk by recursion."""
    if not submission.is_dir():
        return None
    name = f"{exercise}.py"
    candidates = [folder / name for folder, _, _, files in walk_copied(submission) if name in files]
    return min(candidates, key=lambda path: (len(path.parts), path.as_posix()), default=None)


def line_of(path: Path, function: str | None, message: str = "") -> int | None:
    """The line an error message names in path; else the line of `def function` (the first at the
    top level, else the first nested one); else None.

    The definition is found by its pattern, not by parsing the file: Python 3.10's parser crashes
    the process (a segmentation fault) on some hostile files, an expression of 120,000 terms
    among them, and a file that does not parse still gets its line."""
    place = _PLACE.search(message)
    if place and place.group(1) == path.stem:
        return int(place.group(2))
    if function is None:
        return None
    try:
        source = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    nested = None
    for match in _DEFINITION.finditer(source):
        if match.group(2) == function:
            line = source.count("\n", 0, match.start()) + 1
            if not match.group(1):
                return line
            nested = nested or line
    return nested


_DEFINITION = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(", re.MULTILINE)

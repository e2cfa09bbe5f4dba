"""Make the student stubs from the reference solutions.

Every `### BEGIN SOLUTION` … `### END SOLUTION` region of a reference file is
replaced by `raise NotImplementedError(...)` at the region's indentation; the
rest (docstrings with shapes and formulas, given helpers) is kept as it is.

    python -m grader.stubs            # rewrite exercises/ from reference/
    python -m grader.stubs --check    # exit 1 if exercises/ is out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from grader.exercise_api import EXERCISE_FILES
from grader.paths import PROJECT_DIR

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_DEF = re.compile(r"^\s*def (\w+)\(")


class StubError(ValueError):
    """A reference file whose solution markers do not pair up."""


def make_stub(source: str, filename: str = "<reference>") -> str:
    """The stub version of one reference file's source."""
    out: list[str] = []
    function = "this function"
    inside = False
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        if match := _DEF.match(line):
            function = match.group(1)
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise StubError(f"{filename}:{number}: {BEGIN} inside another solution region")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("{function}: write your solution here")\n')
        elif stripped == END:
            if not inside:
                raise StubError(f"{filename}:{number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise StubError(f"{filename}: {BEGIN} is never closed")
    return "".join(out)


def expected_stubs(reference: Path) -> dict[str, str]:
    """File name -> stub text for every exercise file."""
    return {name: make_stub((reference / name).read_text(encoding="utf-8"), name) for name in EXERCISE_FILES}


def write_stubs(reference: Path, exercises: Path) -> None:
    exercises.mkdir(parents=True, exist_ok=True)
    for name, text in expected_stubs(reference).items():
        (exercises / name).write_text(text, encoding="utf-8")


def stale_stubs(reference: Path, exercises: Path) -> list[str]:
    """Names of exercise files that differ from what the reference generates."""
    return [
        name
        for name, text in expected_stubs(reference).items()
        if not (exercises / name).is_file() or (exercises / name).read_text(encoding="utf-8") != text
    ]


def main(argv: list[str]) -> int:
    reference, exercises = PROJECT_DIR / "reference", PROJECT_DIR / "exercises"
    if "--check" in argv:
        stale = stale_stubs(reference, exercises)
        if stale:
            print(f"exercises/ is out of date ({', '.join(stale)}); run python -m grader.stubs")
            return 1
        return 0
    write_stubs(reference, exercises)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

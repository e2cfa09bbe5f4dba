"""Which code cells of a handed-in notebook hold each exercise file.

A solution cell is found by its nbgrader metadata (solution, grade_id = the file's name) or its
tag ``backprop-grader:<name>``. Editors lose that metadata: a cell deleted and written again,
code pasted into a new cell, or a notebook edited where cell metadata is not kept. So a file
with no such cell is made of the untagged code cells that define one of its functions
(``def sigmoid(``...) and those that define only helpers (functions of no exercise), in notebook
order, and the note says so; nothing is run to find them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from grader.exercise_api import EXERCISES

TAG_PREFIX = "backprop-grader:"
_DEFINED = re.compile(r"^(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(", re.MULTILINE)


@dataclass(frozen=True)
class Solution:
    """The source of one exercise file in a notebook: one solution cell's, or (``found_by`` not
    empty) that of the untagged cells defining the functions named in found_by. magics: how many
    IPython lines (``%matplotlib inline``, ``!pip install``) were made ``pass`` so that it is Python."""

    source: str
    found_by: tuple[str, ...] = ()
    magics: int = 0
    #: the functions that cells after the solution cell define again (added after it)
    defined_again: tuple[str, ...] = ()


#: a line IPython runs as a magic or a shell command, not as Python
_MAGIC_LINE = re.compile(r"^([ \t]*)([%!].*)$", re.MULTILINE)


#: larger sources are left as they are: a solution cell is a few kilobytes
_MAX_MAGIC_SEARCH = 256 * 1024


def without_magics(source: str) -> tuple[str, int]:
    """source with each IPython magic or shell line made ``pass`` (indentation and line numbers
    kept), and how many there were; source itself when it is Python already, when that does not
    make it Python (its syntax error is then the one to report), or when it is over 256 KiB. Only
    compiled here, never run."""
    if len(source) > _MAX_MAGIC_SEARCH or not _MAGIC_LINE.search(source) or _compiles(source):
        return source, 0
    python, count = _MAGIC_LINE.subn(r"\1pass  # IPython: \2", source)
    return (python, count) if _compiles(python) else (source, 0)


def _compiles(source: str) -> bool:
    try:
        compile(source, "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


#: every function of every exercise file: a cell that defines none of them defines only helpers
_EXERCISE_FUNCTIONS = frozenset(f for functions in EXERCISES.values() for f in functions)


def find_solutions(cells: list[Any]) -> dict[str, Solution]:
    """{exercise name: Solution} of every exercise the code cells hold.

    A file is its solution cell (the first, if there are two) and, after it, the untagged cells up
    to the next solution cell that go with it (_goes_with): the notebook run in order would use
    their definitions, and a student who writes the answer in a new cell below the stub expects
    that. A file with no solution cell is made of the untagged cells anywhere that go with it.
    """
    code = [
        cell
        for cell in cells
        if isinstance(cell, dict) and cell.get("cell_type") == "code" and isinstance(cell.get("source"), str)
    ]
    sections: dict[str, list[str]] = {}
    again: dict[str, list[str]] = {}
    untagged: list[tuple[str, list[str]]] = []  # (source, the functions it defines)
    section = None
    for cell in code:
        source, name = cell["source"], exercise_of(cell)
        if name is not None:
            section = None if name in sections else name
            sections.setdefault(name, [source])
            continue
        defined = _DEFINED.findall(source)
        untagged.append((source, defined))
        if section is not None and (own := _goes_with(defined, tuple(EXERCISES[section]))) is not None:
            sections[section].append(source)
            again.setdefault(section, []).extend(own)
    found = {}
    for name, parts in sections.items():
        python, magics = without_magics("\n\n".join(parts))
        found[name] = Solution(python, magics=magics, defined_again=tuple(dict.fromkeys(again.get(name, ()))))
    for name, functions in EXERCISES.items():
        if name not in found and (solution := _defining(untagged, tuple(functions))) is not None:
            found[name] = solution
    return found


def _goes_with(defined: list[str], functions: tuple[str, ...]) -> list[str] | None:
    """Of a cell that defines the functions defined: those of functions it defines, if it goes
    with their file (it defines one of them, or only helpers: functions of no exercise, which a
    notebook's shared namespace would give that file); None if it does not."""
    own = [name for name in defined if name in functions]
    return own if own or (defined and not _EXERCISE_FUNCTIONS.intersection(defined)) else None


def _defining(cells: list[tuple[str, list[str]]], functions: tuple[str, ...]) -> Solution | None:
    """The cells (source, the functions it defines) that go with the file of functions, in notebook
    order; None if none of them defines one of functions."""
    chosen, found_by = [], []
    for source, defined in cells:
        own = _goes_with(defined, functions)
        if own is not None:
            chosen.append(source)
            found_by += [name for name in own if name not in found_by]
    if not found_by:
        return None
    python, magics = without_magics("\n\n".join(chosen))
    return Solution(python, tuple(sorted(found_by, key=functions.index)), magics)


def exercise_of(cell: dict[str, Any]) -> str | None:
    """The exercise a cell is the solution of, by nbgrader metadata or tag. nbformat reads a
    notebook that breaks its schema with only a warning, so every field is checked here."""
    metadata = _dict(cell.get("metadata"))
    meta = _dict(metadata.get("nbgrader"))
    grade_id = meta.get("grade_id")
    if meta.get("solution") is True and isinstance(grade_id, str) and grade_id in EXERCISES:
        return grade_id
    tags = metadata.get("tags")
    for tag in tags if isinstance(tags, list) else []:
        if isinstance(tag, str) and tag.startswith(TAG_PREFIX) and tag[len(TAG_PREFIX) :] in EXERCISES:
            return tag[len(TAG_PREFIX) :]
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}

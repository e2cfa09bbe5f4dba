"""What a student id may be: it names a gradebook row, feedback files and an LMS row."""

from __future__ import annotations

import re

#: what a student id may hold (it names feedback files and LMS rows), and how long it may be
_ID_CHARACTERS, _ID_LENGTH = r"\w@.+-", 128
_STUDENT_ID = re.compile(rf"[{_ID_CHARACTERS}]{{1,{_ID_LENGTH}}}")
STUDENT_ID_RULE = "letters, digits and _ @ . + - only, and not . or .. alone"


def is_student_id(text: str) -> bool:
    """Whether text can be a student id: a class folder entry (and so a gradebook row) can have it,
    and a folder can be named by it (not "." or "..", which name folders that exist). All of text:
    a regular expression's $ also matches before a final newline, which a folder's name may end in."""
    return bool(_STUDENT_ID.fullmatch(text)) and text not in (".", "..")


def shown(name: str) -> str:
    """name as a note on the terminal or a CI log shows it: quoted and escaped if it holds a newline
    or another unprintable character (a line of it starting with "::" would be a GitHub Actions
    workflow command)."""
    return name if name.isprintable() else repr(name)


def usable_id(name: str) -> str:
    """name with each run of characters a student id may not hold made one underscore."""
    return re.sub(rf"[^{_ID_CHARACTERS}]+", "_", name).strip("_")[:_ID_LENGTH] or "student"

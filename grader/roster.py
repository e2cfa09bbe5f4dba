"""Which entries of a class folder are students' submissions, whose they are, and their content hash."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from grader.exercise_api import EXERCISE_FILES
from grader.submission import IGNORED_DIRS

#: file types that are a whole submission on their own
SUBMISSION_SUFFIXES = (".zip", ".ipynb")
#: what a student id may hold (it names feedback files and LMS rows), and how long it may be
_ID_CHARACTERS, _ID_LENGTH = r"\w@.+-", 128
_STUDENT_ID = re.compile(rf"^[{_ID_CHARACTERS}]{{1,{_ID_LENGTH}}}$")
STUDENT_ID_RULE = "letters, digits and _ @ . + - only"


def is_student_id(text: str) -> bool:
    """Whether text can be a student id: a class folder entry (and so a gradebook row) can have it."""
    return bool(_STUDENT_ID.match(text))


@dataclass(frozen=True)
class Entry:
    """One student's submission in a class folder."""

    student: str
    path: Path
    content_hash: str


def find_submissions(root: Path) -> tuple[list[Entry], list[str]]:
    """The submissions in root, by student id, and notes on the entries that are not one.

    A folder, a .zip or a .ipynb is one student's submission, named by the entry
    (alice/, alice.zip and alice.ipynb all belong to alice). Hidden entries and other
    files are skipped with a note; two entries naming the same student keep the first
    (folders before files) and say so.
    """
    entries: dict[str, Entry] = {}
    notes: list[str] = []
    candidates = sorted(root.iterdir(), key=lambda p: (not p.is_dir(), p.name))
    for path in candidates:
        if _hidden(path):
            continue
        if not _could_be_submission(path):
            notes.append(f"skipped {_shown(path.name)}: not a folder, .zip or .ipynb")
            continue
        student = path.name if path.is_dir() else path.stem
        if not is_student_id(student):
            notes.append(
                f"skipped {_shown(path.name)}: {student!r} is not usable as a student id ({STUDENT_ID_RULE}); "
                f"rename it, to {_usable_id(student)}{path.suffix if path.is_file() else ''} "
                f"say, and run the same command again"
            )
            continue
        if student in entries:
            notes.append(
                f"skipped {path.name}: {entries[student].path.name} is already {student}'s submission"
            )
            continue
        entries[student] = Entry(student, path, content_hash(path))
    return list(entries.values()), notes + _case_clashes(entries)


def _case_clashes(entries: dict[str, Entry]) -> list[str]:
    """A note for each set of student ids that differ only in case: on a file system that ignores
    case (macOS's and Windows' by default), their feedback files would be one file."""
    by_folded: dict[str, list[str]] = {}
    for student in entries:
        by_folded.setdefault(student.casefold(), []).append(student)
    return [
        f"{' and '.join(ids)} differ only in case: where file names ignore case (macOS, Windows) their "
        "feedback files would be one file; rename all but one"
        for ids in by_folded.values()
        if len(ids) > 1
    ]


def is_one_submission(root: Path) -> bool:
    """Whether root looks like one student's submission rather than a class's: exercise files
    directly in it, and no entry that could be a submission of its own."""
    if not any((root / name).is_file() for name in EXERCISE_FILES):
        return False
    return not any(not _hidden(path) and _could_be_submission(path) for path in root.iterdir())


def _hidden(path: Path) -> bool:
    return path.name.startswith(".") or path.name in IGNORED_DIRS


def _could_be_submission(path: Path) -> bool:
    return path.is_dir() or path.suffix.lower() in SUBMISSION_SUFFIXES


def _shown(name: str) -> str:
    """name as a note on the terminal or a CI log shows it: quoted and escaped if it holds a newline
    or another unprintable character (a line of it starting with "::" would be a GitHub Actions
    workflow command)."""
    return name if name.isprintable() else repr(name)


def _usable_id(name: str) -> str:
    """name with each run of characters a student id may not hold made one underscore."""
    return re.sub(rf"[^{_ID_CHARACTERS}]+", "_", name).strip("_")[:_ID_LENGTH] or "student"


def content_hash(path: Path) -> str:
    """sha256 over the relative names and bytes of every file (what the grader would read)."""
    digest = hashlib.sha256()
    if path.is_file():
        digest.update(path.read_bytes())
        return digest.hexdigest()
    for folder, subfolders, files in os.walk(path):
        subfolders[:] = sorted(d for d in subfolders if d not in IGNORED_DIRS)
        for name in sorted(files):
            file = Path(folder, name)
            if file.is_symlink() or not file.is_file():
                continue
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()

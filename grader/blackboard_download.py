"""Blackboard Learn's assignment download sorted into one folder per student.

Grade Center → the assignment's column → Assignment File Download gives a zip holding, for each
attempt a student made, their files renamed ``<assignment>_<username>_attempt_<time>_<file>``
(time as ``2026-11-26-21-40-00``) and a receipt ``<assignment>_<username>_attempt_<time>.txt``.
The receipt's ``Name:`` line ends with the username in parentheses, its ``Assignment:`` line
names the assignment, and under ``Files:`` each ``Original filename:`` is followed by the
``Filename:`` the download gave it (Blackboard changes some names beyond adding the prefix). The
username is the id a student logs in with and the column the Grade Center upload matches, so it
names their folder: no spreadsheet is needed, unlike Canvas and Moodle. Of a student's several
attempts, the latest is graded.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.lms_download import Roster, SortedDownload, by_student
from grader.lms_download import sort_download as lms_sort_download
from grader.student_ids import shown

ATTEMPT_FILE = re.compile(
    # the file's name is the student's choice: "." or ".." would name the folder it goes into
    r"^(?P<stem>.+?)_attempt_(?P<time>\d{4}(?:-\d{2}){5})(?:_(?P<file>(?!\.\.?$)[^/]+)|(?P<receipt>\.txt))$"
)
SHAPE = "<assignment>_<username>_attempt_<time>_<file>"
_NAME_LINE = re.compile(r"^Name:.*\((?P<username>[^()\s]+)\)\s*$", re.MULTILINE)
_ASSIGNMENT_LINE = re.compile(r"^Assignment:\s*(?P<assignment>.+?)\s*$", re.MULTILINE)
_FILE_LINES = re.compile(
    r"^\s*Original filename:\s*(?P<original>.+?)\s*\n\s*Filename:\s*(?P<saved>.+?)\s*$", re.MULTILINE
)
#: the most of a receipt read (the text a student typed into the submission field is in it)
_RECEIPT_BYTES = 1 << 20
_DOWNLOAD_AGAIN = (
    "give the zip of Blackboard's Assignment File Download (Grade Center → the assignment's column → "
    "Assignment File Download), or the folder it was unzipped into"
)


@dataclass(frozen=True)
class Attempt:
    """One attempt of one student: its time as Blackboard wrote it (which sorts as time does), and
    its files with the names they were handed in under."""

    username: str
    time: str
    files: dict[str, Path]


def sort_download(download: Path, out: Path) -> SortedDownload:
    """Copy the files of each student's latest attempt in download (Blackboard's assignment zip, or
    the folder it was unzipped into) into out/<username>/<file as handed in>. A username that
    cannot name a folder is left out with a note, as are files named otherwise; earlier attempts
    are left out with a note. lms_download.sort_download says what happens to out and to a zip."""

    def sort_folder(folder: Path, result: SortedDownload) -> None:
        attempts = _attempts(folder, result.notes)
        by_user: dict[str, list[Attempt]] = {}
        for attempt in attempts:
            by_user.setdefault(attempt.username, []).append(attempt)
        roster = Roster("username", {username: username for username in by_user}, document="the download")
        none = f"{download} holds no file named as Blackboard's Assignment File Download names them ({SHAPE}); {_DOWNLOAD_AGAIN}"
        for student, tries in by_student(by_user, _describe, roster, result.notes, _DOWNLOAD_AGAIN, none):
            with_files = [attempt for attempt in tries if attempt.files]
            if not with_files:
                result.notes.append(f"left out {student}: no attempt of theirs holds a file (text typed into "
                                    "Blackboard is not graded)")  # fmt: skip
                continue
            latest = max(with_files, key=lambda attempt: attempt.time)
            if len(with_files) > 1:
                earlier = "an earlier one" if len(with_files) == 2 else f"{len(with_files) - 1} earlier ones"
                result.notes.append(
                    f"{student}: sorted their latest attempt, of {_time(latest.time)}, not {earlier}"
                )
            (out / student).mkdir(parents=True)
            for name, path in latest.files.items():
                shutil.copyfile(path, out / student / name)
            result.students[student] = sorted(latest.files)

    return lms_sort_download(download, out, sort_folder, _DOWNLOAD_AGAIN)


def _attempts(folder: Path, notes: list[str]) -> list[Attempt]:
    """Every attempt of folder's Blackboard-named files; a note for each other file."""
    stems: dict[tuple[str, str], list[tuple[str, Path]]] = {}
    receipts: dict[tuple[str, str], str] = {}
    for path in sorted(folder.iterdir()):
        found = ATTEMPT_FILE.match(path.name) if path.is_file() and not path.is_symlink() else None
        if found is None:
            if not path.name.startswith("."):
                notes.append(f"skipped {shown(path.name)}: not a file named {SHAPE}")
            continue
        key = (found["stem"], found["time"])
        if found["receipt"]:
            with path.open("rb") as handle:
                receipts[key] = handle.read(_RECEIPT_BYTES).decode("utf-8", "replace")
        else:
            stems.setdefault(key, []).append((found["file"], path))
    assignments = {m["assignment"] for text in receipts.values() if (m := _ASSIGNMENT_LINE.search(text))}
    attempts = []
    for key in sorted(stems.keys() | receipts.keys()):
        receipt = receipts.get(key, "")
        named = _NAME_LINE.search(receipt)
        username = named["username"] if named else _username(key[0], assignments)
        originals = {m["saved"]: m["original"] for m in _FILE_LINES.finditer(receipt)}
        files: dict[str, Path] = {}
        for file, path in stems.get(key, []):
            name = originals.get(path.name, file)
            name = name if _plain_name(name) else file
            if name in files:  # the same name uploaded twice in one attempt
                notes.append(
                    f"{username}: kept {shown(path.name)} as {shown(name)}, not {shown(files[name].name)}"
                )
            files[name] = path
        attempts.append(Attempt(username, key[1], files))
    return attempts


def _username(stem: str, assignments: set[str]) -> str:
    """The username in stem (``<assignment>_<username>``) where the attempt has no receipt: after
    the assignment's name, as the download's receipts give it, or else after the last _."""
    for assignment in sorted(assignments, key=len, reverse=True):
        if stem.startswith(assignment + "_"):
            return stem[len(assignment) + 1 :]
    return stem.rpartition("_")[2] or stem


def _plain_name(name: str) -> bool:
    """Whether a receipt's original filename can name a file in a student's folder."""
    return name not in (".", "..") and "/" not in name and "\\" not in name and "\0" not in name


def _describe(username: str, attempts: list[Attempt]) -> str:
    return f"the files of username {shown(username)}"


def _time(time: str) -> str:
    """Blackboard's 2026-11-26-21-40-00 as 2026-11-26 21:40:00."""
    return f"{time[:10]} {time[11:].replace('-', ':')}"

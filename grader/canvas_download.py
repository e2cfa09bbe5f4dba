"""Canvas's "Download Submissions": loose files sorted into one folder per student.

Canvas hands an instructor every student's files in one flat folder, each renamed
``<name>_<user id>_<submission id>_<uploaded name>`` (``<name>_late_<user id>_...`` when handed in
after the due date), where <name> is the student's sortable name in lower case and <user id> is
Canvas's own number for the student. A file uploaded again under a name it already had gets
``-1``, ``-2``, ... before its extension. Students do not know their Canvas user id, and the quiz
draws their numbers from the id the course gave them, so each student's folder is named by the
"SIS Login ID" that Canvas's gradebook export (Grades → Export) gives for that user id: the
column `backprop-grader export --format canvas` fills, so the grades go back to the same rows.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.exercise_api import EXERCISE_FILES
from grader.lms_download import (
    DownloadError,
    Roster,
    SortedDownload,
    by_student,
    read_csv_rows,
)
from grader.lms_download import sort_download as lms_sort_download
from grader.student_ids import shown
from grader.submission import ANSWERS_FILE

CANVAS_FILE = re.compile(
    # the uploaded name is the student's choice: "." or ".." would name the folder it goes into
    r"^(?P<name>[^_]+?)(?P<late>_late)?_(?P<user>\d+)_(?P<submission>\d+)_(?P<file>(?!\.\.?$).+)$",
    re.IGNORECASE,
)
#: ``activations-1.py``: Canvas's name for a file uploaded again under a name it already had
_UPLOADED_AGAIN = re.compile(r"^(?P<stem>.+)-(?P<count>\d+)(?P<suffix>\.[^.]*)$")
#: a renamed upload gets its name back if it is one the grader looks for, or a notebook or zip
_KNOWN_NAMES = frozenset((*EXERCISE_FILES, ANSWERS_FILE))
_WHOLE_SUBMISSIONS = (".ipynb", ".zip")
#: the gradebook export's columns this reads
USER_ID_COLUMN, LOGIN_COLUMN = "ID", "SIS Login ID"
SHAPE = "<name>_<user id>_<submission id>_<file>"


@dataclass(frozen=True)
class CanvasFile:
    """One file of a download, as Canvas named it."""

    path: Path
    name: str
    user_id: str
    late: bool
    uploaded_name: str
    upload_count: int

    @property
    def key(self) -> tuple[str, int]:
        """Which of a student's files is newest for one uploaded name: the highest upload count."""
        return (self.uploaded_name, self.upload_count)


def canvas_file(path: Path) -> CanvasFile | None:
    """path as a file of Canvas's download, or None if its name is not one Canvas gives."""
    match = CANVAS_FILE.match(path.name)
    if match is None:
        return None
    uploaded, count = match["file"], 0
    again = _UPLOADED_AGAIN.match(uploaded)
    if again and (
        again["stem"] + again["suffix"] in _KNOWN_NAMES or again["suffix"].lower() in _WHOLE_SUBMISSIONS
    ):
        uploaded, count = again["stem"] + again["suffix"], int(again["count"])
    return CanvasFile(path, match["name"], match["user"], bool(match["late"]), uploaded, count)


#: the columns of Canvas's gradebook export that say who a row is, in its order
IDENTITY_COLUMNS = ("Student", USER_ID_COLUMN, "SIS User ID", LOGIN_COLUMN, "Section")


def read_canvas_gradebook(path: Path, needed: str = LOGIN_COLUMN) -> list[dict[str, str]]:
    """The students of Canvas's gradebook export (Grades → Export): for each row with a numeric
    "ID" (not "Points Possible" and the like), its IDENTITY_COLUMNS ("" where the export has no
    such column). DownloadError if the file cannot be read or has no "ID" or no needed column."""
    rows = read_csv_rows(path, _EXPORT_AGAIN)
    header = [cell.strip() for cell in rows[0]] if rows else []
    if USER_ID_COLUMN not in header or needed not in header:
        raise DownloadError(
            f"{path} has no {USER_ID_COLUMN!r} and {needed!r} columns, so it is not Canvas's gradebook "
            f"export; {_EXPORT_AGAIN}"
        )
    at = {column: header.index(column) for column in IDENTITY_COLUMNS if column in header}
    students = []
    for row in rows[1:]:
        cells = {column: row[i].strip() if i < len(row) else "" for column, i in at.items()}
        if cells[USER_ID_COLUMN].isdigit():
            students.append({column: cells.get(column, "") for column in IDENTITY_COLUMNS})
    return students


#: the columns a student's folder may be named by: the one a course gives its students first
ID_COLUMNS = (LOGIN_COLUMN, "SIS User ID", USER_ID_COLUMN)


def read_roster(path: Path, column: str = LOGIN_COLUMN) -> Roster:
    """The Roster of Canvas's gradebook export at path, naming students by column (one of ID_COLUMNS)."""
    return Roster(column, {row[USER_ID_COLUMN]: row[column] for row in read_canvas_gradebook(path, column)})


def rows_by_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """Each row of Canvas's export under its SIS Login ID, SIS User ID and ID: a student id finds
    the row whose SIS Login ID, or else SIS User ID, or else ID it is."""
    index: dict[str, dict[str, str]] = {}
    for column in ID_COLUMNS:
        for row in rows:
            if row[column]:
                index.setdefault(row[column], row)
    return index


_EXPORT_AGAIN = "export it from Canvas (Grades → Export → Export Entire Gradebook) and give that file"


_DOWNLOAD_AGAIN = (
    "give the submissions.zip of Canvas's Download Submissions (Assignments → the assignment), or the folder "
    "it was unzipped into"
)


def sort_download(download: Path, roster: Roster, out: Path) -> SortedDownload:
    """Copy each Canvas-named file of download (Canvas's submissions.zip, or the folder it was
    unzipped into) into out/<student id>/<uploaded name>, the student id being the roster's (the
    SIS Login ID, unless it was read for another column).

    A file uploaded again (``activations-1.py``) gets its name back; of two files that would get
    one name, the later upload is kept and a note names the other. Students missing from the
    roster, or without a usable id in it, are left out with a note. lms_download.sort_download
    says what happens to out and to a zip.
    """

    def sort_folder(folder: Path, result: SortedDownload) -> None:
        by_user: dict[str, list[CanvasFile]] = {}
        for path in sorted(folder.iterdir()):
            file = canvas_file(path) if path.is_file() and not path.is_symlink() else None
            if file is None:
                if not path.name.startswith("."):
                    result.notes.append(f"skipped {shown(path.name)}: not a file named {SHAPE}")
                continue
            by_user.setdefault(file.user_id, []).append(file)
        none = f"{download} holds no file named as Canvas's Download Submissions names them ({SHAPE}); {_DOWNLOAD_AGAIN}"
        for student, files in by_student(by_user, _describe, roster, result.notes, _ROSTER_AGAIN, none):
            result.students[student] = _copy_newest(files, out / student, result.notes, student)
            if any(f.late for f in files):
                result.late.append(student)

    return lms_sort_download(download, out, sort_folder, _DOWNLOAD_AGAIN)


_ROSTER_AGAIN = "export the gradebook from Canvas again"


def _describe(user_id: str, files: list[CanvasFile]) -> str:
    return f"{shown(files[0].name)} (Canvas user {user_id})"


def _copy_newest(files: list[CanvasFile], folder: Path, notes: list[str], student: str) -> list[str]:
    """Copy into folder the newest file of each uploaded name; the names put there."""
    newest: dict[str, CanvasFile] = {}
    for file in sorted(files, key=lambda f: f.key):
        if file.uploaded_name in newest:
            notes.append(
                f"{student}: kept {shown(file.path.name)} as {shown(file.uploaded_name)}, the later upload, "
                f"not {shown(newest[file.uploaded_name].path.name)}"
            )
        newest[file.uploaded_name] = file
    folder.mkdir(parents=True)
    for name, file in newest.items():
        shutil.copyfile(file.path, folder / name)
    return sorted(newest)

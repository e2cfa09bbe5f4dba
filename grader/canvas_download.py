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

import csv
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.exercise_api import EXERCISE_FILES
from grader.student_ids import STUDENT_ID_RULE, is_student_id, shown
from grader.submission import ANSWERS_FILE
from grader.unpack import (
    DAMAGED_ZIP,
    MAX_FILES,
    Budget,
    SubmissionError,
    SubmissionTooLarge,
    check_zip_size,
    extract_zip,
)

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


class CanvasError(Exception):
    """The download or the roster cannot be used; the message says why and what to do."""


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
    such column). CanvasError if the file cannot be read or has no "ID" or no needed column."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CanvasError(f"could not read {path} ({_reason(error)}); {_EXPORT_AGAIN}") from None
    header = [cell.strip() for cell in rows[0]] if rows else []
    if USER_ID_COLUMN not in header or needed not in header:
        raise CanvasError(
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


@dataclass(frozen=True)
class Roster:
    """Canvas user id → the student id to name their folder by ("" where the row has none), taken
    from the column named column of Canvas's gradebook export."""

    column: str
    ids: dict[str, str]


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


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(error)


@dataclass(frozen=True)
class SortedDownload:
    """What sort_download made: each student's folder (by student id) with the files put in it,
    the students whose files Canvas marked late, and notes on what was left out."""

    students: dict[str, list[str]]
    late: list[str]
    notes: list[str]


#: what sort-canvas unpacks of Canvas's submissions.zip: a class of students at a submission's
#: limit of files each, and of bytes for a few GiB of notebooks with their outputs
DOWNLOAD_FILES, DOWNLOAD_BYTES = 25 * MAX_FILES, 4 * 1024**3


def sort_download(download: Path, roster: Roster, out: Path) -> SortedDownload:
    """Copy each Canvas-named file of download (the folder of an unzipped download, or Canvas's
    submissions.zip itself) into out/<student id>/<uploaded name>, the student id being the
    roster's (the SIS Login ID, unless it was read for another column).

    A file uploaded again (``activations-1.py``) gets its name back; of two files that would get
    one name, the later upload is kept and a note names the other. out must be new or empty; if
    copying fails (OSError), out is removed again if this made it. Students missing from the
    roster, or without a usable id in it, are left out with a note. A zip is unpacked beside out
    first (at most DOWNLOAD_FILES files and DOWNLOAD_BYTES), and that copy removed at the end.
    """
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CanvasError(f"{out} already exists and is not an empty folder; choose a new one")
    if download.is_dir():
        return _sort_folder(download, download, roster, out)
    if download.suffix.lower() != ".zip" and not zipfile.is_zipfile(download):
        raise CanvasError(
            f"{download} is neither a folder nor a .zip; give sort-canvas the submissions.zip Canvas's "
            "Download Submissions gives, or the folder it was unzipped into"
        )
    beside = out.absolute().parent
    beside.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".sort-canvas-", dir=beside) as unzipped:
        notes = _unzip(download, Path(unzipped))
        result = _sort_folder(Path(unzipped), download, roster, out)
    result.notes[:0] = notes
    return result


def _unzip(download: Path, folder: Path) -> list[str]:
    """Unpack Canvas's submissions.zip into folder; notes on what was skipped. CanvasError if it
    cannot be read or is larger than DOWNLOAD_FILES or DOWNLOAD_BYTES."""
    again = "download it from Canvas again (Assignments → the assignment → Download Submissions)"
    try:
        return extract_zip(
            download, folder, budget=Budget(download, DOWNLOAD_FILES, DOWNLOAD_BYTES), if_empty=again
        )
    except SubmissionTooLarge:
        raise CanvasError(
            f"{download} holds more than sort-canvas unpacks ({DOWNLOAD_FILES:,} files or "
            f"{DOWNLOAD_BYTES // 1024**3} GiB); unzip it yourself (unzip {download} -d download/) and give "
            "sort-canvas that folder"
        ) from None
    except SubmissionError as error:
        message = str(error)
        raise CanvasError(message if message.endswith(again) else f"{message}; {again}") from None


def is_download_zip(path: Path) -> bool:
    """Whether the zip at path is Canvas's submissions.zip: most files in it lie at its top and are
    named as Canvas names them. False if it cannot be read or is larger than sort-canvas unpacks."""
    try:
        check_zip_size(path, str(path), Budget(path, DOWNLOAD_FILES, DOWNLOAD_BYTES))
        with zipfile.ZipFile(path) as archive:
            names = [m.filename for m in archive.infolist() if not m.is_dir()]
    except (*DAMAGED_ZIP, OSError, SubmissionError):
        return False
    return 2 * sum(1 for name in names if "/" not in name and CANVAS_FILE.match(name)) > len(names)


def _sort_folder(download: Path, shown_as: Path, roster: Roster, out: Path) -> SortedDownload:
    """sort_download of the folder download, named shown_as in messages."""
    by_user: dict[str, list[CanvasFile]] = {}
    result = SortedDownload(students={}, late=[], notes=[])
    for path in sorted(download.iterdir()):
        file = canvas_file(path) if path.is_file() and not path.is_symlink() else None
        if file is None:
            if not path.name.startswith("."):
                result.notes.append(f"skipped {shown(path.name)}: not a file named {SHAPE}")
            continue
        by_user.setdefault(file.user_id, []).append(file)
    if not by_user:
        raise CanvasError(
            f"{shown_as} holds no file named as Canvas's Download Submissions names them ({SHAPE}); "
            "give sort-canvas the submissions.zip Canvas gives, or the folder it was unzipped into"
        )
    made = not out.exists()
    try:
        _sort(by_user, roster, out, result)
    except OSError:
        if made:  # so that the same command can run again
            shutil.rmtree(out, ignore_errors=True)
        raise
    return result


def _sort(by_user: dict[str, list[CanvasFile]], roster: Roster, out: Path, result: SortedDownload) -> None:
    owners: dict[str, str] = {}
    for user_id, files in sorted(by_user.items()):
        student = _student_of(user_id, files[0].name, roster, owners, result.notes)
        if student is None:
            continue
        owners[student] = user_id
        result.students[student] = _copy_newest(files, out / student, result.notes, student)
        if any(f.late for f in files):
            result.late.append(student)


def _student_of(
    user_id: str, name: str, roster: Roster, owners: dict[str, str], notes: list[str]
) -> str | None:
    """The folder name for Canvas user user_id, or None (with a note) if there is none to use."""
    left_out = f"left out {name} (Canvas user {user_id})"
    if user_id not in roster.ids:
        notes.append(f"{left_out}: not in the roster; export the gradebook from Canvas again")
        return None
    student = roster.ids[user_id]
    if not student:
        notes.append(
            f"{left_out}: no {roster.column} in the roster; sort their files by hand, or name every folder "
            "by another column (--id-column)"
        )
        return None
    if not is_student_id(student):
        notes.append(
            f"{left_out}: {roster.column} {student!r} is not usable as a student id ({STUDENT_ID_RULE})"
        )
        return None
    if student in owners:
        notes.append(f"{left_out}: Canvas user {owners[student]} has the same {roster.column}, {student}")
        return None
    return student


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

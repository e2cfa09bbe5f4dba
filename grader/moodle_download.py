"""Moodle's "Download all submissions" sorted into one folder per student, and its grading worksheet.

Moodle names every file of its download after the student and the assignment's participant
number for them: ``<full name>_<participant>_assignsubmission_file/<file>`` (a folder per student,
Moodle's default since 3.1; older versions add ``_`` before the slash), or ``..._assignsubmission_file_<file>``
when "Download submissions in folders" is off. Neither the full name nor that number is the id a
course gives its students, so each student's folder is named by a column of the assignment's
grading worksheet (Grading action → Download grading worksheet), whose Identifier column reads
``Participant <number>``: by default their email address, the identity field Moodle shows unless a
site chooses others. The same worksheet, with its Grade and Feedback comments filled in
(export.moodle_worksheet), goes back through Upload grading worksheet.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.lms_download import (
    DownloadError,
    Roster,
    SortedDownload,
    by_student,
    read_sheet,
)
from grader.lms_download import sort_download as lms_sort_download
from grader.student_ids import shown

MOODLE_FILE = re.compile(
    r"^(?P<name>[^/]*?)_(?P<participant>\d+)_+assignsubmission_(?P<plugin>[a-z0-9]+)"
    r"(?:_?/(?P<path>.+)|_(?P<file>[^/]+))$"
)
#: a student's folder in the download (older versions end it with "_")
MOODLE_FOLDER = re.compile(r"^[^/]*?_\d+_+assignsubmission_[a-z0-9]+_?$")
SHAPE = "<full name>_<participant>_assignsubmission_file/<file>"
#: the worksheet's column that says whose each row is ("Participant 123456"), and the one after
#: which Moodle puts the identity fields (email address, ID number, username, ...)
IDENTIFIER, FULL_NAME, STATUS = "Identifier", "Full name", "Status"
GRADE, MAXIMUM_GRADE, FEEDBACK = "Grade", "Maximum Grade", "Feedback comments"
SCALE = "Scale"  # in place of Maximum Grade, listing the scale's words, when grades are on a scale
DEFAULT_ID_COLUMN = "Email address"
_PARTICIPANT = re.compile(r"(\d+)\s*$")
_WORKSHEET_AGAIN = (
    "download it from Moodle again (the assignment → View all submissions → Grading action → Download "
    "grading worksheet; the assignment needs the Offline grading worksheet feedback type)"
)
_DOWNLOAD_AGAIN = (
    "give the zip of Moodle's Download all submissions (the assignment → View all submissions → Grading "
    "action), or the folder it was unzipped into"
)


@dataclass(frozen=True)
class MoodleFile:
    """One file of a download, as Moodle named it: path, and where it goes in the student's folder."""

    path: Path
    name: str
    participant: str
    plugin: str
    relative: PurePosixPath


@dataclass(frozen=True)
class Worksheet:
    """A grading worksheet: its header and rows as Moodle wrote them."""

    header: list[str]
    rows: list[list[str]]

    def participant(self, row: list[str]) -> str:
        """The participant number of row ("" if its Identifier has none)."""
        match = _PARTICIPANT.search(row[self.header.index(IDENTIFIER)])
        return match[1] if match else ""

    def identity_columns(self) -> list[str]:
        """The columns that may hold a student id: those between Full name and Status, where
        Moodle puts the identity fields the site shows."""
        if FULL_NAME not in self.header:
            return []
        after = self.header.index(FULL_NAME) + 1
        end = self.header.index(STATUS) if STATUS in self.header[after:] else len(self.header)
        return self.header[after:end]


def read_worksheet(path: Path) -> Worksheet:
    """The grading worksheet at path; DownloadError if it cannot be read or has no Identifier column."""
    header, rows = read_sheet(path, IDENTIFIER, "a Moodle grading worksheet (in English)", _WORKSHEET_AGAIN)
    width = len(header)
    return Worksheet(header, [(row + [""] * width)[:width] for row in rows if any(row)])


def gradable_worksheet(path: Path) -> Worksheet:
    """The grading worksheet at path, checked to have a Grade column to fill in."""
    worksheet = read_worksheet(path)
    if GRADE not in worksheet.header or SCALE in worksheet.header:
        why = "grades on a scale" if GRADE in worksheet.header else f"no {GRADE!r} column"
        raise DownloadError(
            f"{path} has {why}: give the assignment a grade out of a number of points (its settings → Grade "
            f"→ Type: Point), then {_WORKSHEET_AGAIN}"
        )
    return worksheet


def worksheet_roster(worksheet: Worksheet, path: Path, column: str = DEFAULT_ID_COLUMN) -> Roster:
    """The Roster of the worksheet read from path, naming students by column."""
    if column not in worksheet.header:
        usable = ", ".join(repr(c) for c in worksheet.identity_columns()) or "none (is it blind marked?)"
        raise DownloadError(
            f"{path} has no {column!r} column to name the folders by; name them by another with --id-column "
            f"(the worksheet's identity columns: {usable})"
        )
    at = worksheet.header.index(column)
    ids = {worksheet.participant(row): row[at].strip() for row in worksheet.rows}
    return Roster(column, ids, document="the worksheet")


def moodle_file(folder: Path, path: Path) -> MoodleFile | None:
    """path (a file below folder) as a file of Moodle's download, or None if it is not named as
    Moodle names them."""
    match = MOODLE_FILE.match(path.relative_to(folder).as_posix())
    if match is None:
        return None
    relative = PurePosixPath(match["path"] or match["file"])
    return MoodleFile(path, match["name"], match["participant"], match["plugin"], relative)


def sort_download(download: Path, roster: Roster, out: Path) -> SortedDownload:
    """Copy each file of Moodle's download (its zip, or the folder it was unzipped into) that a
    student handed in into out/<student id>/, under the path it had in their submission; the
    student id is the roster's. Text typed into Moodle (online text) is skipped with a note,
    and so are students missing from the roster or without a usable id in it.
    lms_download.sort_download says what happens to out and to a zip."""

    def sort_folder(folder: Path, result: SortedDownload) -> None:
        by_participant: dict[str, list[MoodleFile]] = {}
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            file = moodle_file(folder, path)
            if file is None or file.plugin != "file":
                if not path.name.startswith("."):
                    why = f"not a file named {SHAPE}" if file is None else "not a file handed in"
                    result.notes.append(f"skipped {shown(path.relative_to(folder).as_posix())}: {why}")
                continue
            by_participant.setdefault(file.participant, []).append(file)
        none = f"{download} holds no file named as Moodle's Download all submissions names them ({SHAPE}); {_DOWNLOAD_AGAIN}"
        notes, again = result.notes, _WORKSHEET_AGAIN
        for student, files in by_student(by_participant, _describe, roster, notes, again, none):
            result.students[student] = _copy(files, out / student)

    return lms_sort_download(download, out, sort_folder, _DOWNLOAD_AGAIN)


def _describe(participant: str, files: list[MoodleFile]) -> str:
    return f"{shown(files[0].name)} (participant {participant})"


def _copy(files: list[MoodleFile], folder: Path) -> list[str]:
    for file in files:
        target = folder.joinpath(*file.relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file.path, target)
    return sorted(file.relative.as_posix() for file in files)

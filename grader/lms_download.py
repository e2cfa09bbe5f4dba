"""What sorting a learning-management system's "download every submission" shares across systems.

Canvas and Moodle both hand an instructor one zip holding every student's files, each named after
the system's own number for the student, and both give a spreadsheet (Canvas's gradebook export,
Moodle's grading worksheet) that says which student id of the course each number stands for.
canvas_download and moodle_download read the names; this module checks where the sorted folders
go, unpacks the zip beside them within a class-sized budget, and decides which id names each
student's folder.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from grader.student_ids import STUDENT_ID_RULE, is_student_id
from grader.unpack import (
    DAMAGED_ZIP,
    MAX_FILES,
    Budget,
    SubmissionError,
    SubmissionTooLarge,
    check_zip_size,
    extract_zip,
    file_members,
)

#: what is unpacked of a class's download: a class of students at a submission's limit of files
#: each, and of bytes for a few GiB of notebooks with their outputs
DOWNLOAD_FILES, DOWNLOAD_BYTES = 25 * MAX_FILES, 4 * 1024**3

F = TypeVar("F")  # one file of a download, as a system names it


class DownloadError(Exception):
    """The download or the roster cannot be used; the message says why and what to do."""


@dataclass
class SortedDownload:
    """What sorting made: each student's folder (by student id) with the files put in it, the
    students whose work came late, and notes on what was left out."""

    students: dict[str, list[str]] = field(default_factory=dict)
    late: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Roster:
    """The system's number for each student → the student id to name their folder by ("" where
    the row has none), taken from the column named column of the system's spreadsheet."""

    column: str
    ids: dict[str, str]
    document: str = "the roster"  # what notes call the spreadsheet


def read_csv_rows(path: Path, again: str) -> list[list[str]]:
    """The rows of the spreadsheet at path, saved as CSV; DownloadError (ending with again: how to
    get the file anew) if it cannot be read. A spreadsheet program set to a language that writes
    decimal commas saves CSV with ";" between values: a first line with no comma but a ";" (or a
    tab) is read with that separator. A file that starts with UTF-16's byte-order mark (Blackboard's
    tab-separated download, a spreadsheet saved as "Unicode text") is read as UTF-16."""
    try:
        with path.open("rb") as raw:
            encoding = "utf-16" if raw.read(2) in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
        with path.open(newline="", encoding=encoding) as handle:
            first = handle.readline()
            handle.seek(0)
            separator = next((s for s in ";\t" if "," not in first and s in first), ",")
            return list(csv.reader(handle, delimiter=separator))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DownloadError(f"could not read {path} ({_reason(error)}); {again}") from None


def read_sheet(path: Path, needed: str, is_not: str, again: str) -> tuple[list[str], list[list[str]]]:
    """The header (each name stripped) and the other rows of the spreadsheet at path (read_csv_rows);
    DownloadError if it has no column named needed: "<path> has no <needed> column, so it is not
    <is_not>; <again>"."""
    rows = read_csv_rows(path, again)
    header = [cell.strip() for cell in rows[0]] if rows else []
    if needed not in header:
        raise DownloadError(f"{path} has no {needed!r} column, so it is not {is_not}; {again}")
    return header, rows[1:]


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-16 text" if error.encoding.startswith("utf-16") else "not UTF-8 text"
    return str(error)


def sort_download(
    download: Path,
    out: Path,
    sort_folder: Callable[[Path, SortedDownload], None],
    download_again: str,
) -> SortedDownload:
    """Run sort_folder(folder, result) on download (a folder, or the zip the system gives, unpacked
    beside out first and that copy removed at the end), for it to put one folder per student in
    out. out must be new or empty; if sorting fails (OSError), out is removed again if this made
    it, so that the same command can run again (so too after Ctrl-C). download_again: how to get
    the zip anew."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DownloadError(f"{out} already exists and is not an empty folder; choose a new one")
    result = SortedDownload()
    made = not out.exists()
    try:
        with _unzipped(download, out, download_again, result.notes) as folder:
            sort_folder(folder, result)
    except BaseException:  # an OSError, or a stop: half a sorted download would block the next try
        if made:
            shutil.rmtree(out, ignore_errors=True)
        raise
    return result


@contextmanager
def _unzipped(download: Path, out: Path, again: str, notes: list[str]) -> Iterator[Path]:
    if download.is_dir():
        yield download
        return
    if download.suffix.lower() != ".zip" and not zipfile.is_zipfile(download):
        raise DownloadError(f"{download} is neither a folder nor a .zip; {again}")
    beside = out.absolute().parent
    beside.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".sort-download-", dir=beside) as unzipped:
        try:
            budget = Budget(download, DOWNLOAD_FILES, DOWNLOAD_BYTES)
            notes.extend(extract_zip(download, Path(unzipped), budget=budget, if_empty=again))
        except SubmissionTooLarge:
            raise DownloadError(
                f"{download} holds more than is unpacked here ({DOWNLOAD_FILES:,} files or "
                f"{DOWNLOAD_BYTES // 1024**3} GiB); unzip it yourself (unzip {download} -d download/) and give "
                "that folder"
            ) from None
        except SubmissionError as error:
            message = str(error)
            raise DownloadError(message if message.endswith(again) else f"{message}; {again}") from None
        yield Path(unzipped)


def zip_names(path: Path) -> list[str]:
    """The paths of the files in the zip at path as it would be unpacked ("/" between folders, as
    a Windows archiver's "\\" is read), or [] if it cannot be read or is larger than a class's
    download is unpacked."""
    try:
        check_zip_size(path, str(path), Budget(path, DOWNLOAD_FILES, DOWNLOAD_BYTES))
        with zipfile.ZipFile(path) as archive:
            return [name.as_posix() for _, name in file_members(archive)]
    except (*DAMAGED_ZIP, OSError, SubmissionError):
        return []


def by_student(
    by_number: dict[str, list[F]],
    describe: Callable[[str, list[F]], str],
    roster: Roster,
    notes: list[str],
    again: str,
    none_found: str,
) -> Iterator[tuple[str, list[F]]]:
    """(student id, files) for each number of by_number (the system's number for a student → their
    files) that the roster gives a usable id, in the numbers' order; a note for each other one,
    which describe(number, files) names. again: how to get the roster anew. DownloadError with
    the message none_found if by_number is empty: no file was named as the system names them."""
    if not by_number:
        raise DownloadError(none_found)
    owners: dict[str, str] = {}
    for number, files in sorted(by_number.items()):
        student = student_of(number, describe(number, files), roster, owners, notes, again)
        if student is not None:
            yield student, files


def student_of(
    number: str, who: str, roster: Roster, owners: dict[str, str], notes: list[str], again: str
) -> str | None:
    """The folder name for the student the system numbers number (who: how to name them in a
    note), or None with a note if the roster has no usable id for them or another student has
    taken it. owners: student id → number, of the folders made so far; again: how to get the
    roster anew."""
    left_out = f"left out {who}"
    if number not in roster.ids:
        notes.append(f"{left_out}: not in {roster.document}; {again}")
        return None
    student = roster.ids[number]
    if not student:
        notes.append(
            f"{left_out}: no {roster.column} in {roster.document}; sort their files by hand, or name every folder "
            "by another column (--id-column)"
        )
        return None
    if not is_student_id(student):
        notes.append(
            f"{left_out}: {roster.column} {student!r} is not usable as a student id ({STUDENT_ID_RULE})"
        )
        return None
    if student in owners:
        notes.append(f"{left_out}: {owners[student]} has the same {roster.column}, {student}")
        return None
    owners[student] = who
    return student

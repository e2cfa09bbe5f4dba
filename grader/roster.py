"""Which entries of a class folder are students' submissions, whose they are, and their content hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.blackboard_download import ATTEMPT_FILE
from grader.canvas_download import CANVAS_FILE, SHAPE
from grader.exercise_api import EXERCISE_FILES
from grader.lms_download import zip_names
from grader.moodle_download import MOODLE_FILE, MOODLE_FOLDER
from grader.student_ids import STUDENT_ID_RULE, is_student_id, shown, usable_id
from grader.unpack import IGNORED_DIRS, MAX_FILES, MAX_TOTAL_BYTES, walk_copied

#: file types that are a whole submission on their own
SUBMISSION_SUFFIXES = (".zip", ".ipynb")


@dataclass(frozen=True)
class Entry:
    """One student's submission in a class folder."""

    student: str
    path: Path
    content_hash: str


def find_submissions(root: Path, gradebook: Path | None = None) -> tuple[list[Entry], list[str]]:
    """The submissions in root, by student id, and notes on the entries that are not one.

    A folder, a .zip or a .ipynb is one student's submission, named by the entry
    (alice/, alice.zip and alice.ipynb all belong to alice). Hidden entries and other
    files are skipped with a note; two entries naming the same student keep the first
    (folders before files) and say so. Files named as Canvas's download names them are
    left for sort-canvas, with one note. The gradebook of the run and SQLite's files beside it
    (`grade-all .` in the class folder keeps it there) are left out without one.
    """
    entries: dict[str, Entry] = {}
    notes: list[str] = []
    own = _gradebook_files(root, gradebook)
    candidates = sorted(
        (path for path in root.iterdir() if path.name not in own), key=lambda p: (not p.is_dir(), p.name)
    )
    canvas = [p for p in candidates if p.is_file() and CANVAS_FILE.match(p.name)]
    if canvas:
        notes.append(canvas_note(root, len(canvas)))
    others: list[str] = []
    for path in candidates:
        if _hidden(path) or path in canvas:
            continue
        if not _could_be_submission(path):
            others.append(shown(path.name))
            continue
        student = path.name if path.is_dir() else path.stem
        if not is_student_id(student):
            notes.append(
                f"skipped {shown(path.name)}: {student!r} is not usable as a student id ({STUDENT_ID_RULE}); "
                f"rename it, to {usable_id(student)}{path.suffix if path.is_file() else ''} "
                f"say, and run the same command again"
            )
            continue
        if student in entries:
            notes.append(
                f"skipped {path.name}: {entries[student].path.name} is already {student}'s submission"
            )
            continue
        entries[student] = Entry(student, path, content_hash(path))
    return list(entries.values()), _not_submissions(others) + notes + _case_clashes(entries)


def _gradebook_files(root: Path, gradebook: Path | None) -> set[str]:
    """The names in root of the gradebook's file and those SQLite keeps beside it (its write-ahead
    log, shared memory and rollback journal): none unless the gradebook is in root itself."""
    if gradebook is None or gradebook.absolute().parent.resolve() != root.resolve():
        return set()
    return {gradebook.name + suffix for suffix in ("", "-wal", "-shm", "-journal")}


#: files that are no submission named one note each up to this many, then in one note together
NAMED_ONE_BY_ONE = 3


def _not_submissions(names: list[str]) -> list[str]:
    """The notes on entries that are no folder, .zip or .ipynb: one each, or, for a folder that
    holds many other files (a Downloads folder, an LMS's spreadsheets), one naming the first few."""
    if len(names) <= NAMED_ONE_BY_ONE:
        return [f"skipped {name}: not a folder, .zip or .ipynb" for name in names]
    return [
        f"skipped {len(names)} entries that are not a folder, .zip or .ipynb: "
        f"{', '.join(names[:NAMED_ONE_BY_ONE])} and {len(names) - NAMED_ONE_BY_ONE} more"
    ]


@dataclass(frozen=True)
class LmsDownload:
    """A learning-management system's download of every submission: what it is called, and the
    command that sorts it into one folder per student with the spreadsheet that command needs."""

    system: str
    download: str
    command: str
    roster: str
    roster_is: str

    def zip_is_it(self, path: Path) -> str:
        """What the zip at path is, and what to do with it."""
        return f"{self.system}'s download of every submission: {self.sort_first(path, 'it')}"

    def sort_first(self, path: Path, it: str = "them") -> str:
        """What to do with the download at path (it: how the sentence names it)."""
        roster, roster_is = (f" {self.roster}", f" ({self.roster_is})") if self.roster else ("", "")
        return (
            f"sort {it} into one folder per student first, with backprop-grader {self.command} {path}"
            f"{roster} --out submissions/{roster_is}, and grade that folder"
        )


CANVAS = LmsDownload(
    "Canvas", "Canvas's Download Submissions", "sort-canvas", "--roster grades.csv",
    "grades.csv: Canvas's gradebook export",
)  # fmt: skip
MOODLE = LmsDownload(
    "Moodle", "Moodle's Download all submissions", "sort-moodle", "--worksheet worksheet.csv",
    "worksheet.csv: the assignment's grading worksheet",
)  # fmt: skip
BLACKBOARD = LmsDownload("Blackboard", "Blackboard's Assignment File Download", "sort-blackboard", "", "")


def lms_named(name: str) -> LmsDownload | None:
    """Which system's download names an entry so (name: its path in the download, "/" between
    folders), or None."""
    if "/" not in name and CANVAS_FILE.match(name):
        return CANVAS
    if MOODLE_FILE.match(name) or MOODLE_FOLDER.match(name):
        return MOODLE
    if "/" not in name and ATTEMPT_FILE.match(name):
        return BLACKBOARD
    return None


def zip_download_of(path: Path) -> LmsDownload | None:
    """The system whose download of every submission the zip at path is (the one that names most
    of the files in it), or None; the zip's list of files is read once."""
    names = zip_names(path)
    for lms in (CANVAS, MOODLE, BLACKBOARD):
        if 2 * sum(1 for name in names if lms_named(name) is lms) > len(names):
            return lms
    return None


def canvas_note(root: Path, count: int, what: str = "skipped") -> str:
    """What to do with the count files of root named as Canvas's Download Submissions names them;
    what: how the sentence starts ("skipped", "<root> holds")."""
    files = f"{count} file{'' if count == 1 else 's'}"
    return f"{what} {files} named as {CANVAS.download} names them ({SHAPE}): {CANVAS.sort_first(root)}"


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


def lms_download_only(root: Path) -> str | None:
    """What to do with root if it holds a learning-management system's download of every
    submission (Canvas's loose files, Moodle's folders or files named after participants,
    Blackboard's files named after attempts) and nothing else a student's submission could be;
    else None."""
    counts = {CANVAS: 0, MOODLE: 0, BLACKBOARD: 0}
    others = False
    for path in root.iterdir():
        lms = lms_named(path.name)
        if lms in (CANVAS, BLACKBOARD) and not path.is_file():  # their downloads hold files only
            lms = None
        if lms is not None:
            counts[lms] += 1
        elif not _hidden(path) and _could_be_submission(path):
            others = True
    if others:
        return None
    if counts[CANVAS]:
        return canvas_note(root, counts[CANVAS], f"{root} holds")
    for lms in (MOODLE, BLACKBOARD):
        if counts[lms]:
            return f"{root} holds {counts[lms]} entries named as {lms.download} names them: {lms.sort_first(root)}"
    return None


def _hidden(path: Path) -> bool:
    return path.name.startswith(".") or path.name in IGNORED_DIRS


def _could_be_submission(path: Path) -> bool:
    return path.is_dir() or path.suffix.lower() in SUBMISSION_SUFFIXES


def content_hash(path: Path) -> str:
    """sha256 over the relative names and bytes of every file the grader would copy (none below
    unpack.MAX_DEPTH).

    Past what a submission may hold (unpack.MAX_FILES files, MAX_TOTAL_BYTES bytes, counted as
    grading counts them), a file counts by its size alone: grading refuses the submission on its
    size, so those bytes cannot change a grade, and a student's dataset is not read in full every
    time the class is looked at. A file that cannot be read counts as such (grading skips it with
    a note, or says why the submission cannot be read)."""
    digest = hashlib.sha256()
    if path.is_file():
        size = _size(path)
        _add_file(digest, path, size, size)
        return digest.hexdigest()
    files, size = 0, 0
    for folder, relative, _, names in walk_copied(path):
        for name in sorted(names):
            file = folder / name
            if file.is_symlink() or not file.is_file():
                continue
            digest.update((relative / name).as_posix().encode() + b"\0")
            files += 1
            size += (own := _size(file))
            _add_file(digest, file, own, size if files <= MAX_FILES else MAX_TOTAL_BYTES + 1)
            digest.update(b"\0")
    return digest.hexdigest()


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except OSError:  # gone since the folder was listed: read as unreadable below
        return 0


def _add_file(digest: Any, file: Path, size: int, size_so_far: int) -> None:
    """file's bytes, or its size once size_so_far is past what a submission may hold."""
    if size_so_far > MAX_TOTAL_BYTES:
        digest.update(f"{size} bytes, past what grading reads".encode())
        return
    try:
        with file.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    except OSError as error:
        digest.update(f"unreadable ({error.strerror})".encode())

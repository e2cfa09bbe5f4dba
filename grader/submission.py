"""Turn what a student handed in (a directory or a .zip) into a private copy to grade.

The grader never runs or imports files where the student left them: it copies
regular files into a fresh temporary directory (skipping symbolic links, which
could point at the reference solutions) and grades that copy.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from grader.exercise_api import EXERCISE_FILES
from grader.mended_text import mended

ANSWERS_FILE = "answers.toml"

MAX_FILES = 2000
MAX_TOTAL_BYTES = 50 * 1024**2
MAX_DEPTH = 3
IGNORED_DIRS = {"__pycache__", ".git", "__MACOSX", ".ipynb_checkpoints", ".venv", "venv"}


class SubmissionError(Exception):
    """The submission cannot be read at all (the CLI exits with status 2)."""


@dataclass(frozen=True)
class PreparedSubmission:
    """A private copy of a submission, ready to grade."""

    source: Path
    directory: Path
    present: tuple[str, ...]
    notes: tuple[str, ...]
    answers: Path | None = None  # the quiz answers file (answers.toml), if handed in

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(name for name in EXERCISE_FILES if name not in self.present)

    def missing_notes(self) -> list[str]:
        """A note for each missing exercise file, naming the file it was probably meant to be."""
        notes = []
        for name in self.missing:
            found = lookalike(self.directory, name)
            hint = f" (there is {found}: names must match exactly, so rename it {name})" if found else ""
            notes.append(f"{name} is missing: its tests score 0{hint}")
        return notes


def lookalike(directory: Path, name: str) -> str | None:
    """The name of a file in directory that is name but for case or a copy's number
    ('Activations.py', 'activations (1).py', 'activations.py.txt'), if there is one."""
    try:
        files = sorted(entry.name for entry in directory.iterdir() if entry.is_file())
    except OSError:
        return None
    for candidate in files:
        plain = re.sub(r"\s*\(\d+\)(?=\.)", "", candidate.lower()).removesuffix(".txt")
        if candidate != name and plain == name:
            return candidate
    return None


SCRATCH_PREFIX = "backprop-grader-"


def remove_stale_scratch() -> int:
    """Remove scratch folders left by grader processes that were killed (kill -9 skips cleanup).

    A folder is stale when the process named in it is gone; returns how many were removed.
    """
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        owner = folder.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if not owner.isdigit() or not folder.is_dir():
            continue
        if not process_running(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def remove_own_scratch() -> None:
    """Remove this process's scratch folders: on the way out after a stop signal, which may land
    where no cleanup follows (inside mkdtemp, before the folder's owner knows its name)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{os.getpid()}-*"):
        shutil.rmtree(folder, ignore_errors=True)


def process_running(pid: int) -> bool:
    """Whether pid is a live process (a zombie, killed but not yet reaped, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


@contextmanager
def prepared_submission(path: Path) -> Iterator[PreparedSubmission]:
    """Copy the submission at path into a temporary directory; remove it afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
    try:
        unpacked = scratch / "unpacked"
        unpacked.mkdir()
        notes = _unpack(path, unpacked)
        notes += _unpack_inner_zips(unpacked, path)
        notes += _files_from_notebook(unpacked, path)
        folders = _exercise_folders(unpacked)
        root = _exercise_root(folders, path)
        directory = scratch / "submission"
        shutil.copytree(root, directory, symlinks=True)
        present = tuple(name for name in EXERCISE_FILES if (directory / name).is_file())
        if root != unpacked:
            notes.append(f"graded the files in {root.relative_to(unpacked).as_posix()}/")
        if others := _other_copies(folders, unpacked, root):
            notes.append(
                f"exercise files in {', '.join(others)} were not graded: hand in one copy of your files"
            )
        answers = _answers_file(root, unpacked)
        # notes name the student's files, whose names may not be UTF-8
        yield PreparedSubmission(path, directory, present, tuple(map(mended, notes)), answers)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _unpack(path: Path, target: Path) -> list[str]:
    if not path.exists():
        raise SubmissionError(f"{path} does not exist")
    if path.is_dir():
        return _copy_directory(path, target)
    if path.suffix.lower() == ".zip":
        return _extract_zip(path, target)
    if path.suffix.lower() == ".ipynb":
        if (size := path.stat().st_size) > MAX_TOTAL_BYTES:  # not copied, let alone read
            raise SubmissionTooLarge(
                f"{path} is {size / 1024**2:.0f} MiB, more than a submission may be "
                f"({MAX_TOTAL_BYTES // 1024**2} MiB); clear all its outputs in Jupyter, save it and hand it in again"
            )
        shutil.copyfile(path, target / path.name)
        return []
    raise SubmissionError(
        f"{path} is not a directory, a .zip or a .ipynb file; hand in the folder with your exercise files"
    )


class SubmissionTooLarge(SubmissionError):
    """More files or bytes than a submission may have."""


def _too_large(source: Path | str, holds: str = "") -> SubmissionTooLarge:
    """holds: what the source was found to hold ("40,000 files"), if known."""
    found = f", and it holds {holds}" if holds else ""
    return SubmissionTooLarge(
        f"{source} is too large (more than {MAX_FILES} files or {MAX_TOTAL_BYTES // 1024**2} MiB{found}); hand "
        "in only the exercise files (not a virtual environment such as .venv/, nor data or outputs)"
    )


class _Budget:
    def __init__(self, source: Path) -> None:
        self.source, self.files, self.bytes = source, 0, 0

    def add(self, size: int) -> None:
        self.files += 1
        self.bytes += size
        if self.files > MAX_FILES or self.bytes > MAX_TOTAL_BYTES:
            raise _too_large(self.source)


#: The most a zip's list of members may take before zipfile reads all of it into memory: a zip
#: of 300,000 empty members (25 MB) took 210 MB and 2 s to open. Room for twice MAX_FILES members
#: with names of a few hundred characters.
MAX_ZIP_DIRECTORY_BYTES = 2 * 1024**2
#: the end record is 22 bytes and a comment of at most 65535
_END_RECORD, _END_RECORD_SEARCH = struct.Struct("<4s4xHHI"), 22 + 65535


def _check_zip_size(path: Path, shown: str) -> None:
    """SubmissionTooLarge if the zip file, or the list of members its end record announces, is
    larger than a submission may be: looked at before zipfile reads that list."""
    size = path.stat().st_size
    if size > MAX_TOTAL_BYTES:
        raise _too_large(shown, f"{size / 1024**2:.0f} MiB")
    with path.open("rb") as file:
        file.seek(max(0, size - _END_RECORD_SEARCH))
        tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END_RECORD.size + 4:
        return  # no end record: zipfile says what is wrong
    _, _, members, directory_bytes = _END_RECORD.unpack_from(tail, at)
    # 0xFFFF and 0xFFFFFFFF point to a ZIP64 record, which only the file's size above bounds
    if members != 0xFFFF and members > 2 * MAX_FILES:
        raise _too_large(shown, f"{members:,} files")
    if directory_bytes != 0xFFFFFFFF and directory_bytes > MAX_ZIP_DIRECTORY_BYTES:
        raise _too_large(shown, f"a list of files of {directory_bytes / 1024**2:.0f} MiB")


def _copy_directory(source: Path, target: Path) -> list[str]:
    notes: list[str] = []
    budget = _Budget(source)
    for folder, subfolders, files in os.walk(source, followlinks=False):
        here = Path(folder)
        relative = here.relative_to(source)
        subfolders[:] = sorted(
            d for d in subfolders if d not in IGNORED_DIRS and len(relative.parts) < MAX_DEPTH
        )
        for name in sorted(files) + [d for d in subfolders if (here / d).is_symlink()]:
            entry, destination = here / name, target / relative / name
            info = entry.lstat()
            if stat.S_ISLNK(info.st_mode):
                notes.append(f"skipped {(relative / name).as_posix()}: symbolic links are not graded")
            elif stat.S_ISREG(info.st_mode):
                budget.add(info.st_size)
                destination.parent.mkdir(parents=True, exist_ok=True)
                try:
                    shutil.copyfile(entry, destination, follow_symlinks=False)
                except OSError as error:
                    if error.filename != str(entry):  # writing the copy: the grader's own problem
                        raise
                    notes.append(
                        f"skipped {(relative / name).as_posix()}: it cannot be read ({error.strerror})"
                    )
        subfolders[:] = [d for d in subfolders if not (here / d).is_symlink()]
    return notes


def _extract_zip(
    path: Path, target: Path, shown: str | None = None, budget: _Budget | None = None
) -> list[str]:
    """Unpack the zip at path into target; shown: its name in messages (default: path)."""
    shown = shown or str(path)
    try:
        _check_zip_size(path, shown)
        archive = zipfile.ZipFile(path)
    except (*_DAMAGED_ZIP, OSError) as error:
        raise SubmissionError(f"{shown} is not a readable zip file ({error})") from None
    notes: list[str] = []
    budget = budget or _Budget(path)
    with archive:
        members = [m for m in archive.infolist() if not _is_folder(m)]
        if not members:
            raise SubmissionError(f"{shown} is an empty zip file; zip the folder with your exercise files")
        for member in members:
            name = _member_path(member)
            if name.anchor or ".." in name.parts or set(name.parts) & IGNORED_DIRS:
                notes.append(f"skipped {member.filename}: unsafe or irrelevant path")
                continue
            if stat.S_ISLNK(member.external_attr >> 16):
                notes.append(f"skipped {member.filename}: symbolic links are not graded")
                continue
            budget.add(member.file_size)
            destination = target.joinpath(*name.parts)
            try:
                destination.parent.mkdir(parents=True, exist_ok=True)
                out = destination.open("wb")
            except OSError as error:
                if error.errno not in _NAME_ERRORS:
                    raise
                notes.append(f"skipped {member.filename}: its name cannot be unpacked ({error.strerror})")
                continue
            with out:
                _copy_member(archive, member, out, shown)
    return notes


#: what reading a damaged zip raises (zipfile passes on what its parts raise); OSError too, but
#: only while reading it (a seek to an offset the damage made negative, say)
_DAMAGED_ZIP = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError)


def _copy_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, out: BinaryIO, shown: str) -> None:
    """Copy member's bytes to out; SubmissionError if the zip is damaged. An error writing out
    (a full disk) is the grader's, and is raised as it is."""

    def damaged(error: Exception) -> SubmissionError:
        return SubmissionError(
            f"{shown} is damaged: {member.filename} cannot be unpacked ({error}); zip the folder again"
        )

    try:
        source = archive.open(member)
    except (*_DAMAGED_ZIP, OSError) as error:
        raise damaged(error) from None
    with source:
        while True:
            try:
                chunk = source.read(1 << 16)
            except (*_DAMAGED_ZIP, OSError) as error:
                raise damaged(error) from None
            if not chunk:
                return
            out.write(chunk)


#: how many zips found inside a submission with nothing else to grade are unpacked at the most
MAX_INNER_ZIPS = 5


def _unpack_inner_zips(unpacked: Path, source: Path) -> list[str]:
    """When a submission holds no work but zips (an LMS's folder holding the zip the student
    uploaded, a zip of a zip), unpack them, shallowest first, each into a folder beside it named
    like it (hw.zip into hw/), until one holds work to grade. One level only: zips found in those
    stay as they are."""
    zips = sorted(
        (p for p in unpacked.rglob("*") if p.suffix.lower() == ".zip" and p.is_file()),
        key=lambda p: (len(p.parts), p.as_posix()),
    )
    if not zips or _holds_work(unpacked):
        return []
    notes: list[str] = []
    budget = _Budget(source)  # for all of them together, besides the submission's own
    for archive in zips[:MAX_INNER_ZIPS]:
        shown = archive.relative_to(unpacked).as_posix()
        folder = archive.with_suffix("")
        while folder.exists():
            folder = folder.with_name(folder.name + "_")
        try:
            unpacked_notes = _extract_zip(archive, folder, shown, budget)
        except SubmissionTooLarge:
            raise
        except SubmissionError as error:  # a damaged zip among others: say so and try the next
            notes.append(str(error))
            continue
        notes += [f"unpacked {shown} into {folder.relative_to(unpacked).as_posix()}/", *unpacked_notes]
        if _holds_work(folder):
            break
    return notes


def _holds_work(folder: Path) -> bool:
    """Whether folder holds, at any depth, an exercise file other than an untouched stub, or a notebook."""
    if any(not untouched_stub(path) for name in EXERCISE_FILES for path in folder.rglob(name)):
        return True
    return any(".ipynb_checkpoints" not in path.parts for path in folder.rglob("*.ipynb"))


#: why a member's name may not be unpackable: a file and a folder of the same name in one zip, or
#: a name too long for the file system
_NAME_ERRORS = {errno.EEXIST, errno.EISDIR, errno.ENOTDIR, errno.ENAMETOOLONG}

#: "version made by" of an archive member written on MS-DOS or Windows (zip's APPNOTE 4.4.2)
_MADE_ON_WINDOWS = 0


def _member_path(member: zipfile.ZipInfo) -> PurePath:
    """The member's path inside the archive.

    The zip format separates folders with "/", but some Windows archivers (PowerShell's
    Compress-Archive among them) write "\\"; read literally, hw\\activations.py would be one file
    of that odd name and the work would go ungraded. Like Info-ZIP and libarchive, a backslash
    counts as a separator in a member made on Windows; elsewhere it is part of a file name."""
    if member.create_system == _MADE_ON_WINDOWS:
        return PureWindowsPath(member.filename)
    return PurePosixPath(member.filename)


def _is_folder(member: zipfile.ZipInfo) -> bool:
    return member.is_dir() or (member.create_system == _MADE_ON_WINDOWS and member.filename.endswith("\\"))


@dataclass(frozen=True)
class _Folder:
    """A folder of an unpacked submission and how many exercise files it holds, and of those how
    many hold work (are not the untouched stubs)."""

    path: Path
    with_work: int
    files: int


def _exercise_folders(unpacked: Path) -> list[_Folder]:
    """unpacked and every folder below it, shallowest first, then by name, each with its counts:
    worked out once for both the choice of what to grade and the note on the copies left out."""
    below = (d for d in unpacked.rglob("*") if d.is_dir())
    folders = []
    for directory in [unpacked, *sorted(below, key=lambda d: (len(d.parts), d.as_posix()))]:
        files = [directory / name for name in EXERCISE_FILES if (directory / name).is_file()]
        folders.append(_Folder(directory, sum(not untouched_stub(file) for file in files), len(files)))
    return folders


def _other_copies(folders: list[_Folder], unpacked: Path, root: Path) -> list[str]:
    """The folders other than root that hold exercise files with work in them too (a second
    attempt, a backup), as 'name/' relative to unpacked. The untouched stubs are no copy."""
    return [
        f"{f.path.relative_to(unpacked).as_posix()}/" if f.path != unpacked else "the top folder"
        for f in folders
        if f.path != root and f.with_work
    ]


def untouched_stub(path: Path) -> bool:
    """Whether the exercise file at path is the stub students are given, unchanged (line endings
    and trailing spaces aside). False where the grader has no reference to make the stubs from
    (the student kit)."""
    stubs = _stub_texts(os.environ.get("BACKPROP_GRADER_REFERENCE", ""))
    expected = stubs.get(path.name)
    if expected is None:
        return False
    try:
        return _normalized(path.read_text(encoding="utf-8", errors="replace")) == expected
    except OSError:
        return False


@lru_cache(maxsize=2)
def _stub_texts(reference_setting: str) -> dict[str, str]:
    """{file name: normalized stub} made from the reference (reference_setting: the environment's
    choice of reference, so that a change of it is seen); {} without one."""
    from grader.paths import GraderSetupError, reference_dir
    from grader.stubs import StubError, expected_stubs

    try:
        return {name: _normalized(text) for name, text in expected_stubs(reference_dir()).items()}
    except (GraderSetupError, StubError, OSError):
        return {}


def _normalized(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).rstrip("\n")


def _answers_file(root: Path, unpacked: Path) -> Path | None:
    """answers.toml next to the exercise files, or in a folder above them in the submission."""
    for folder in (root, *root.parents):
        if (folder / ANSWERS_FILE).is_file():
            return folder / ANSWERS_FILE
        if folder == unpacked:
            break
    return None


def _files_from_notebook(unpacked: Path, source: Path) -> list[str]:
    """When a submission has no exercise files but a notebook, write them from its solution cells.

    The notebook is only read (nbformat), never run. The shallowest notebook is used.
    """
    existing = [path for name in EXERCISE_FILES for path in unpacked.rglob(name)]
    if not all(map(untouched_stub, existing)):
        return []  # the student's work is in files
    notebooks = sorted(unpacked.rglob("*.ipynb"), key=lambda p: (len(p.parts), p.name))
    notebooks = [p for p in notebooks if ".ipynb_checkpoints" not in p.parts]
    if not notebooks:
        return []
    from grader.notebooks import NotebookError, exercise_files  # nbformat takes long to import

    try:
        files, notes = exercise_files(notebooks[0])
    except NotebookError as error:
        raise SubmissionError(str(error)) from None
    if not files:
        raise SubmissionError(
            f"{notebooks[0].name} in {source} has none of the exercise cells; hand in the notebook you were given"
        )
    for name, text in files.items():
        (notebooks[0].parent / name).write_text(text, encoding="utf-8")
    if existing:  # the kit's exercises/ handed in with the notebook the work was done in
        stubs = sorted({path.parent.relative_to(unpacked).as_posix() + "/" for path in existing})
        notes.insert(0, f"{', '.join(stubs)} holds the untouched stubs, so the notebook was graded instead")
    return [
        f"graded the solution cells of {notebooks[0].relative_to(unpacked).as_posix()}, each as its file (line N of "
        "activations.py and the others is line N - 1 of the cell: the first line brings in the cells before)",
        *notes,
    ]


def _exercise_root(folders: list[_Folder], source: Path) -> Path:
    """The folder holding the most exercise files with the student's work in them (not the
    untouched stubs), then the most exercise files; of several, the shallowest, then the first by
    name (folders come in that order, and max keeps the first of equals)."""
    best = max(folders, key=lambda f: (f.with_work, f.files))
    if best.files == 0:
        named = [found for f in folders for n in EXERCISE_FILES if (found := lookalike(f.path, n))]
        if named:
            raise SubmissionError(
                f"no exercise files ({', '.join(EXERCISE_FILES)}) found in {source}, only files named "
                f"like them ({', '.join(named[:4])}); names must match exactly: rename them and grade again"
            )
        raise SubmissionError(
            f"no exercise files ({', '.join(EXERCISE_FILES)}) found in {source}; "
            f"point the grader at the folder that holds them"
        )
    return best.path

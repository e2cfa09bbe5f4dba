"""Copy a handed-in folder, .zip or .ipynb into a folder of the grader's, safely and within budget.

Only regular files are copied: symbolic links (which could point at the reference solutions) are
skipped, and so are members of a zip whose paths leave the folder or that hold a virtual
environment or version control. A submission of more files or bytes than MAX_FILES and
MAX_TOTAL_BYTES is refused before more than that is written; a zip is refused on its end record
alone when it announces more (see check_zip_size). What was skipped comes back as notes.
"""

from __future__ import annotations

import errno
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from grader.mended_text import printable
from grader.student_ids import shown as name_shown

MAX_FILES = 2000
MAX_TOTAL_BYTES = 50 * 1024**2
MAX_DEPTH = 3  # folders below the top one that a handed-in folder is copied from
#: a zip's members in more nested folders than this are skipped: a path of thousands of folders is
#: no one's work, and a tree that deep breaks whatever walks it by recursion
MAX_ZIP_DEPTH = 32
IGNORED_DIRS = {"__pycache__", ".git", "__MACOSX", ".ipynb_checkpoints", ".venv", "venv"}


class SubmissionError(Exception):
    """The submission cannot be read at all (the CLI exits with status 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(printable(message))  # it may name the student's files


class SubmissionTooLarge(SubmissionError):
    """More files or bytes than a submission may have."""


def unpack(path: Path, target: Path) -> list[str]:
    """Copy the folder, or unpack the zip, or copy the notebook at path into target (an empty folder);
    notes on what was skipped. SubmissionError (SubmissionTooLarge) if it cannot be, saying why."""
    if not path.exists():
        raise SubmissionError(
            f"{path} does not exist; name the submission's folder, .zip or .ipynb (check the path's spelling)"
        )
    if path.is_dir():
        return _copy_directory(path, target)
    if not path.is_file():  # reading a named pipe would wait for a writer for good
        raise SubmissionError(
            f"{path} is neither a folder nor a file (a named pipe or a device, say); give the folder "
            "with your exercise files, or a .zip or .ipynb"
        )
    if path.suffix.lower() == ".zip":
        return extract_zip(path, target)
    if path.suffix.lower() == ".ipynb":
        if (size := path.stat().st_size) > MAX_TOTAL_BYTES:  # not copied, let alone read
            raise SubmissionTooLarge(
                f"{path} is {size / 1024**2:.0f} MiB, more than a submission may be "
                f"({MAX_TOTAL_BYTES // 1024**2} MiB); clear all its outputs in Jupyter, save it and hand it in again"
            )
        # resolved: the notebook named may be a link (_copy_file does not follow one)
        if (why := _copy_file(path.resolve(), target / path.name, size)) is not None:
            raise SubmissionError(
                f"{path} cannot be read ({why}); save the notebook again and give that file"
            )
        return []
    raise SubmissionError(
        f"{path} is not a directory, a .zip or a .ipynb file; give the folder with your exercise files"
    )


def _too_large(source: Path | str, holds: str = "") -> SubmissionTooLarge:
    """holds: what the source was found to hold ("40,000 files"), if known."""
    found = f", and it holds {holds}" if holds else ""
    return SubmissionTooLarge(
        f"{source} is too large (more than {MAX_FILES} files or {MAX_TOTAL_BYTES // 1024**2} MiB{found}); give "
        "a folder or .zip with only the exercise files and answers.toml, without data, outputs or a virtual "
        "environment (one in .venv/ or venv/ is left out anyway)"
    )


class Budget:
    """The files and bytes copied so far from one submission, refused beyond max_files or max_bytes
    (a submission's MAX_FILES and MAX_TOTAL_BYTES unless given)."""

    def __init__(self, source: Path, max_files: int = MAX_FILES, max_bytes: int = MAX_TOTAL_BYTES) -> None:
        self.source, self.files, self.bytes = source, 0, 0
        self.max_files, self.max_bytes = max_files, max_bytes

    def add(self, size: int) -> None:
        self.files += 1
        self.bytes += size
        if self.files > self.max_files or self.bytes > self.max_bytes:
            raise _too_large(self.source)


#: The most a zip's list of members may take before zipfile reads all of it into memory: a zip
#: of 300,000 empty members (25 MB) took 210 MB and 2 s to open. Room for twice MAX_FILES members
#: with names of a few hundred characters.
MAX_ZIP_DIRECTORY_BYTES = 2 * 1024**2
#: the end record is 22 bytes and a comment of at most 65535
_END_RECORD, _END_RECORD_SEARCH = struct.Struct("<4s4xHHI"), 22 + 65535


def check_zip_size(path: Path, shown: str, budget: Budget) -> None:
    """SubmissionTooLarge if the zip file, or the list of members its end record announces, is
    larger than budget allows: looked at before zipfile reads that list."""
    size = path.stat().st_size
    if size > budget.max_bytes:
        raise _too_large(shown, f"{size / 1024**2:.0f} MiB")
    with path.open("rb") as file:
        file.seek(max(0, size - _END_RECORD_SEARCH))
        tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END_RECORD.size + 4:
        return  # no end record: zipfile says what is wrong
    _, _, members, directory_bytes = _END_RECORD.unpack_from(tail, at)
    # 0xFFFF and 0xFFFFFFFF point to a ZIP64 record, which only the file's size above bounds
    if members != 0xFFFF and members > 2 * budget.max_files:
        raise _too_large(shown, f"{members:,} files")
    if (
        directory_bytes != 0xFFFFFFFF
        and directory_bytes > MAX_ZIP_DIRECTORY_BYTES * budget.max_files // MAX_FILES
    ):
        raise _too_large(shown, f"a list of files of {directory_bytes / 1024**2:.0f} MiB")


def walk_copied(source: Path) -> Iterator[tuple[Path, Path, list[str], list[str]]]:
    """os.walk of a handed-in folder as grading copies it: (folder, its path below source, its
    subfolders, its files), subfolders sorted and pruned, so no folder MAX_DEPTH down (a student's
    repository may hold a tree too deep to walk) nor in IGNORED_DIRS is entered. A caller may
    prune subfolders further."""
    for folder, subfolders, files in os.walk(source, followlinks=False):
        here = Path(folder)
        relative = here.relative_to(source)
        depth = len(relative.parts)
        subfolders[:] = sorted(name for name in subfolders if name not in IGNORED_DIRS and depth < MAX_DEPTH)
        yield here, relative, subfolders, files


def _copy_directory(source: Path, target: Path) -> list[str]:
    notes: list[str] = []
    budget = Budget(source)
    for here, relative, subfolders, files in walk_copied(source):
        for name in sorted(files) + [d for d in subfolders if (here / d).is_symlink()]:
            entry, destination = here / name, target / relative / name
            try:
                info = entry.lstat()
            except OSError as error:  # gone since the folder was listed (a sync client's temporary file)
                notes.append(f"skipped {(relative / name).as_posix()}: it cannot be read ({error.strerror})")
                continue
            if stat.S_ISLNK(info.st_mode):
                notes.append(f"skipped {(relative / name).as_posix()}: symbolic links are not graded")
            elif stat.S_ISREG(info.st_mode):
                budget.add(info.st_size)
                destination.parent.mkdir(parents=True, exist_ok=True)
                why = _copy_file(entry, destination, info.st_size)
                if why is not None:
                    notes.append(f"skipped {(relative / name).as_posix()}: it cannot be read ({why})")
        subfolders[:] = [d for d in subfolders if not (here / d).is_symlink()]
    return notes


def _copy_file(entry: Path, destination: Path, size: int) -> str | None:
    """Copy the regular file entry, of size bytes when it was listed, to destination; why it could
    not be read, if it could not (destination then not left behind). Reading more than size stops:
    a file of /proc lists 0 bytes and may give gigabytes, which the budget, counting sizes listed,
    would not have seen. Writing fails as an OSError: the grader's own problem (no room). A megabyte
    at a time, so a large file never sits in memory whole."""
    try:
        # not a link put in its place since it was listed, nor a named pipe, whose opening would wait
        # for a writer for good (O_NONBLOCK changes nothing for a regular file)
        source = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as error:
        return error.strerror or str(error)
    if not stat.S_ISREG(os.fstat(source).st_mode):
        os.close(source)
        return "it is no longer a regular file"
    why = None
    with os.fdopen(source, "rb", buffering=0) as reading, destination.open("wb") as writing:
        taken = 0
        while True:
            try:
                chunk = reading.read(min(1 << 20, size + 1 - taken))
            except OSError as error:  # EIO from a failing disk, EINVAL from some files of /proc
                why = error.strerror or str(error)
                break
            if not chunk:
                break
            taken += len(chunk)
            if taken > size:
                why = f"it gave more than the {size:,} bytes it was listed as: a file still being written, or one of /proc"
                break
            writing.write(chunk)
    if why is not None:
        destination.unlink()
    return why


def extract_zip(
    path: Path,
    target: Path,
    shown: str | None = None,
    budget: Budget | None = None,
    if_empty: str = "zip the folder with your exercise files",
) -> list[str]:
    """Unpack the zip at path into target; shown: its name in messages (default: path); budget: the
    files and bytes it may add (default: a submission's); if_empty: what to do if it holds no file."""
    shown = shown or str(path)
    budget = budget or Budget(path)
    try:
        check_zip_size(path, shown, budget)
        archive = zipfile.ZipFile(path)
    except (*DAMAGED_ZIP, OSError) as error:
        raise SubmissionError(f"{shown} is not a readable zip file ({error})") from None
    notes: list[str] = []
    with archive:
        members = file_members(archive)
        if not members:
            raise SubmissionError(f"{shown} is an empty zip file; {if_empty}")
        for member, name in members:
            if name.anchor or ".." in name.parts:
                notes.append(f"skipped {name_shown(member.filename)}: its path leads out of the zip's folder")
                continue
            if set(name.parts) & IGNORED_DIRS:  # as a folder's copy leaves them out: macOS's __MACOSX/ too
                continue
            if (folders := len(name.parts) - 1) > MAX_ZIP_DEPTH:
                long = len(member.filename) > 80
                notes.append(
                    f"skipped {name_shown(member.filename[:80])}{'…' if long else ''}: in {folders} nested "
                    f"folders, more than a submission may have ({MAX_ZIP_DEPTH})"
                )
                continue
            if stat.S_ISLNK(member.external_attr >> 16):
                notes.append(f"skipped {name_shown(member.filename)}: symbolic links are not graded")
                continue
            budget.add(member.file_size)
            destination = target.joinpath(*name.parts)
            try:
                destination.parent.mkdir(parents=True, exist_ok=True)
                out = destination.open("wb")
            except OSError as error:
                if error.errno not in _NAME_ERRORS:
                    raise
                notes.append(
                    f"skipped {name_shown(member.filename)}: its name cannot be unpacked ({error.strerror})"
                )
                continue
            with out:
                _copy_member(archive, member, out, shown)
    return notes


#: what reading a damaged zip raises (zipfile passes on what its parts raise); OSError too, but
#: only while reading it (a seek to an offset the damage made negative, say)
DAMAGED_ZIP = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError)


def _copy_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, out: BinaryIO, shown: str) -> None:
    """Copy member's bytes to out; SubmissionError if the zip is damaged. An error writing out
    (a full disk) is the grader's, and is raised as it is."""

    def damaged(error: Exception) -> SubmissionError:
        return SubmissionError(
            f"{shown} is damaged: {name_shown(member.filename)} cannot be unpacked ({error}); zip the folder again"
        )

    try:
        source = archive.open(member)
    except (*DAMAGED_ZIP, OSError) as error:
        raise damaged(error) from None
    with source:
        while True:
            try:
                chunk = source.read(1 << 16)
            except (*DAMAGED_ZIP, OSError) as error:
                raise damaged(error) from None
            if not chunk:
                return
            out.write(chunk)


#: why a member's name may not be unpackable: a file and a folder of the same name in one zip, or
#: a name too long for the file system
_NAME_ERRORS = {errno.EEXIST, errno.EISDIR, errno.ENOTDIR, errno.ENAMETOOLONG}

#: "version made by" of an archive member written on MS-DOS or Windows (zip's APPNOTE 4.4.2)
_MADE_ON_WINDOWS = 0


def file_members(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, PurePath]]:
    """The archive's members that are files (not folders), each with its path as extract_zip
    unpacks it."""
    return [(member, _member_path(member)) for member in archive.infolist() if not _is_folder(member)]


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

"""Scratch folders: where a submission is copied to be graded, one per submission and process.

A folder's name carries the id of the process that made it, so that folders left by a process
killed with kill -9 (which skips every cleanup) can be told apart and removed by the next run.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from grader.sandbox import SCRATCH_PREFIX


def remove_stale_scratch() -> int:
    """Remove scratch folders left by grader processes that were killed (kill -9 skips cleanup).

    A folder is stale when the process named in it is gone; returns how many were removed (not
    those that could not be: another user's).
    """
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        owner = folder.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if not owner.isdigit() or not folder.is_dir():
            continue
        if not process_running(int(owner)):
            remove_tree(folder)
            removed += not os.path.lexists(folder)  # another user's is not this process's to remove
    return removed


def remove_own_scratch() -> None:
    """Remove this process's scratch folders: on the way out after a stop signal, which may land
    where no cleanup follows (inside mkdtemp, before the folder's owner knows its name)."""
    remove_scratch_of(os.getpid())


def remove_scratch_of(pid: int) -> None:
    """Remove the scratch folders of process pid (one that has ended, or this one)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{pid}-*"):
        remove_tree(folder)


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


class ScratchFull(Exception):
    """The folder scratch folders go in ($TMPDIR) has no room left for a submission's copy: not the
    student's doing, and every submission after it would fail alike."""


#: what writing to a full file system or past a disk quota raises
NO_ROOM = (errno.ENOSPC, errno.EDQUOT)


@contextmanager
def scratch_full_if_no_room() -> Iterator[None]:
    """Raise ScratchFull, not the OSError, when what the block writes does not fit."""
    try:
        yield
    except OSError as error:
        if error.errno not in NO_ROOM:
            raise
        raise ScratchFull(
            f"there is no room left in {tempfile.gettempdir()} ({error.strerror}), where the grader copies "
            "each submission to grade it: free some space there, or set TMPDIR to a folder with room, and run "
            "the same command again"
        ) from None


def new_scratch() -> Path:
    """A new empty folder of this process's, for one submission: the caller removes it."""
    with scratch_full_if_no_room():
        return Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))


_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def remove_tree(top: Path) -> None:
    """Remove the folder top and everything in it, as far as it can; never raises.

    A scratch folder holds what student code made in its copy, and that can be a tree of any
    depth: shutil.rmtree recurses once per level (a tree 1,000 folders deep raised RecursionError
    out of it, ignore_errors or not), and paths that deep are longer than the system lets a path
    be. So this holds one folder open at a time, names everything relative to it, and climbs back
    up through "..", checking that it reaches the folder it came from (a folder moved meanwhile
    ends the removal there). Symbolic links are removed, never followed, and a folder the student
    made unreadable is made readable first, through a handle on it, never by its name."""
    try:
        here = os.open(top, _FOLDER)
    except OSError:
        return
    # from top down, each folder entered: its name, the folders in it still to remove, and which
    # folder it is (device and inode)
    path: list[tuple[str, list[str], tuple[int, int]]] = [("", _empty_but_folders(here), _identity(here))]
    try:
        while path:
            name, pending, _ = path[-1]
            if pending:
                below = pending.pop()
                if (entered := _enter(here, below)) is not None:
                    os.close(here)
                    here = entered
                    path.append((below, _empty_but_folders(here), _identity(here)))
                continue
            path.pop()
            if path:
                above = os.open("..", _FOLDER, dir_fd=here)
                os.close(here)
                here = above
                if _identity(here) != path[-1][2]:
                    return
                with suppress(OSError):
                    os.rmdir(name, dir_fd=here)
    except OSError:  # ".." could not be opened: what is left stays
        pass
    finally:
        os.close(here)
    with suppress(OSError):
        os.rmdir(top)


def _identity(folder: int) -> tuple[int, int]:
    info = os.fstat(folder)
    return info.st_dev, info.st_ino


def _empty_but_folders(folder: int) -> list[str]:
    """Remove every entry of the open folder but its folders, and return their names (sorted)."""
    folders = []
    with suppress(OSError):
        os.fchmod(folder, 0o700)  # so that its entries can be removed
    with suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.name)
            else:
                with suppress(OSError):
                    os.unlink(entry.name, dir_fd=folder)
    return sorted(folders)


def _enter(folder: int, name: str) -> int | None:
    """The folder name in the open folder, opened (made readable first if need be); None if it
    cannot be."""
    try:
        return os.open(name, _FOLDER, dir_fd=folder)
    except PermissionError:
        pass
    except OSError:
        return None
    path_only = getattr(os, "O_PATH", None)  # Linux: a handle on the folder that needs no permission
    if path_only is None:
        return None
    try:
        handle = os.open(name, path_only | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
    except OSError:
        return None
    try:
        os.chmod(f"/proc/self/fd/{handle}", 0o700)  # the folder the handle holds, whatever its name is now
        return os.open(name, _FOLDER, dir_fd=folder)
    except OSError:
        return None
    finally:
        os.close(handle)

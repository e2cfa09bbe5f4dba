"""Scratch folders: where a submission is copied to be graded, one per submission and process.

A folder's name carries the id of the process that made it, so that folders left by a process
killed with kill -9 (which skips every cleanup) can be told apart and removed by the next run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from grader.sandbox import SCRATCH_PREFIX


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
    remove_scratch_of(os.getpid())


def remove_scratch_of(pid: int) -> None:
    """Remove the scratch folders of process pid (one that has ended, or this one)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{pid}-*"):
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


def new_scratch() -> Path:
    """A new empty folder of this process's, for one submission: the caller removes it."""
    return Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))

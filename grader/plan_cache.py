"""Call plans kept on disk from one run to the next, so that a command need not grade the reference
twice before it grades anyone (grading.call_plan). Recording a plan takes about 0.75 s in a grader's
process; a `grade` that reads one instead took 1.42 s against 1.75 s (benchmarks/grade_one.py),
since the recording also warmed what grading the student then uses.

A plan is kept under a name that hashes everything its recording depended on: the grader's
version and fingerprint (its code, its tests, reference/ and the question banks), NumPy's,
pytest's and Python's versions, the machine's architecture, the suite, whether plots were
collected, and the time and memory limits. A plan recorded by other files, or on another NumPy,
is therefore never read; nothing has to be cleared when a test or a reference function changes.
Only a clean recording is kept: the reference passed every test, and neither grading ran out of
time or crashed.

The folder is BACKPROP_GRADER_CACHE_DIR when set (empty: keep nothing), else the user's cache
folder (platformdirs: ~/.cache/backprop-grader on Linux, ~/Library/Caches/backprop-grader on
macOS). It is made private (0700), and a plan in a folder or file another user could write is
not read: a plan names every call the worker is sent, and a planted one would send other
arguments. Student code cannot reach it either: the worker's filesystem wall lets it write only
its scratch folder. A folder that cannot be written (a read-only home) keeps nothing and costs
only the recording, as before; deleting the folder is always safe.

Each kept call is its function, its key (PlannedCall.key: nested tuples of strings, integers and
bytes, written as JSON with each tuple a list and each bytes {"hex": ...}) and its request as the
worker is sent it. A file that is not exactly that, however it came to be, is recorded again and
replaced.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from platformdirs import user_cache_dir

from grader import __version__
from grader.exercise_api import MODULE_OF
from grader.fingerprint import grader_fingerprint
from grader.planned_calls import PlannedCall
from grader.results import limits_used
from grader.worker import WorkerLimits

CACHE_VARIABLE = "BACKPROP_GRADER_CACHE_DIR"
#: the layout of a kept plan; another number is not read
FORMAT = 2
#: kept plans that no run has read for this long are removed when another is written
UNUSED_FOR = 30 * 24 * 3600


def plans_folder() -> Path | None:
    """Where plans are kept; None when the user asked for none (BACKPROP_GRADER_CACHE_DIR="")."""
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen is not None:
        return Path(chosen) / "plans" if chosen else None
    return Path(user_cache_dir("backprop-grader", appauthor=False)) / "plans"


def plan_name(suite: str, plots: bool, limits: WorkerLimits | None) -> str:
    """The file name of the plan recorded under these conditions (see the module's docstring)."""
    conditions = {
        "version": __version__,
        "fingerprint": grader_fingerprint(),
        "numpy": np.__version__,
        "pytest": pytest.__version__,  # the order it runs the tests in is the order of the calls
        "python": sys.version,
        "machine": platform.machine(),
        "suite": suite,
        "plots": plots,
        "limits": dataclasses.asdict(limits_used(limits or WorkerLimits())),
    }
    text = json.dumps(conditions, sort_keys=True)
    return f"{suite}-{hashlib.sha256(text.encode()).hexdigest()[:32]}.json"


def kept_plan(name: str) -> list[PlannedCall] | None:
    """The calls of the plan kept as name, or None when there is none that reads back whole."""
    folder = plans_folder()
    if folder is None:
        return None
    path = folder / name
    try:
        if not all(_private(part) for part in (folder, path)):
            return None  # another user could have written it: recorded again, and made private
        kept = json.loads(path.read_text(encoding="utf-8"))
        calls = _calls_of(kept)
    except Exception:  # noqa: BLE001 - unreadable, cut short or not ours: recorded again
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # read: not to be removed as unused
    return calls


def keep_plan(name: str, calls: Sequence[PlannedCall]) -> None:
    """Write the plan as name, whole or not at all (a file in the folder renamed over it), and remove
    plans unused for UNUSED_FOR. A folder that cannot be made or written keeps nothing."""
    folder = plans_folder()
    if folder is None:
        return
    try:
        text = json.dumps(
            {"format": FORMAT, "calls": [[c.function, _plain(c.key), c.serialised] for c in calls]}
        )
    except TypeError:  # a key of a kind _plain does not write: recorded in every process, as before
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)  # made before, by hand or by an older umask
        descriptor, temporary = tempfile.mkstemp(prefix=".", suffix=".part", dir=folder)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _remove_unused(folder)
    except OSError:
        return


def _private(path: Path) -> bool:
    """Whether path is this user's own and no other user may write it."""
    status = path.stat()
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


def _calls_of(kept: Any) -> list[PlannedCall]:
    """The PlannedCalls of a kept plan's JSON; ValueError for anything but FORMAT's layout."""
    if type(kept) is not dict or kept.get("format") != FORMAT or type(kept.get("calls")) is not list:
        raise ValueError("not a kept plan")
    calls = []
    for entry in kept["calls"]:
        if (
            type(entry) is not list
            or len(entry) != 3
            or type(entry[0]) is not str
            or type(entry[2]) is not str
        ):
            raise ValueError("not a kept call")
        function, key, serialised = entry[0], _key_of(entry[1]), entry[2]
        request = json.loads(serialised)
        if function not in MODULE_OF or type(request) is not dict or request.get("function") != function:
            raise ValueError("not a call of a student function")
        if type(key) is not tuple or len(key) != 4 or key[0] != function:
            raise ValueError("not a key of this call")
        calls.append(PlannedCall.restored(function, key, serialised, request))
    return calls


def _plain(key: Any) -> Any:
    """A PlannedCall.key as JSON holds it: each tuple a list, each bytes {"hex": its digits}."""
    if type(key) is tuple:
        return [_plain(item) for item in key]
    if type(key) is bytes:
        return {"hex": key.hex()}
    if type(key) in (str, int):
        return key
    raise TypeError(f"a key holds no {type(key).__name__}")


def _key_of(plain: Any) -> Any:
    """The key _plain wrote; ValueError for any other JSON."""
    if type(plain) is list:
        return tuple(_key_of(item) for item in plain)
    if type(plain) is dict and set(plain) == {"hex"} and type(plain["hex"]) is str:
        return bytes.fromhex(plain["hex"])
    if type(plain) in (str, int):
        return plain
    raise ValueError("not a kept key")


def _remove_unused(folder: Path) -> None:
    """Remove the plans (and any file cut short by a kill) no run has read for UNUSED_FOR."""
    oldest = time.time() - UNUSED_FOR
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            if path.suffix in (".json", ".part") and path.stat().st_mtime < oldest:
                path.unlink()

"""matplotlib as the grader draws with it: the Agg backend, and a folder of its own for matplotlib's
font cache where matplotlib's usual one cannot be written.

matplotlib keeps its font cache in ~/.cache/matplotlib (~/.matplotlib on macOS). Where that cannot be
made (a read-only or missing home: a CI container run as an arbitrary user, a shared server), it
warns on stderr in two long lines, makes a new folder in $TMPDIR, builds the cache there again, and
removes the folder on exit, which a job process or a feedback drawer that leaves with os._exit
never does: each left a `matplotlib-*` folder in $TMPDIR on every run. So where the usual folder
cannot be written, MPLCONFIGDIR points at `backprop-grader.matplotlib-<uid>` in $TMPDIR, made once
with mode 0700 and kept, so the cache is built once (not named like the scratch folders,
`backprop-grader-<pid>-*`, which later runs remove). A folder of that name that this user does not
own, or that others may write to, or that is a link, is not used (in a shared /tmp another user could
have made it first): matplotlib then does as it always does.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path
from types import ModuleType


def agg_matplotlib() -> ModuleType:
    """The matplotlib module, with the Agg backend (no screen needed) and a writable cache folder."""
    if not os.environ.get("MPLCONFIGDIR") and not _usual_folders_writable():
        if (own := own_folder()) is not None:
            os.environ["MPLCONFIGDIR"] = str(own)
    import matplotlib

    matplotlib.use("Agg")
    return matplotlib


def _usual_folders_writable() -> bool:
    """Whether matplotlib's own config and cache folders can be made and written (as it checks)."""
    try:
        home = Path.home()
    except RuntimeError:  # no HOME and no entry in the password database
        return False
    if sys.platform.startswith(("linux", "freebsd")):
        folders = [
            Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "matplotlib",
            Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "matplotlib",
        ]
    else:
        folders = [home / ".matplotlib"]
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        if not (folder.is_dir() and os.access(folder, os.W_OK)):
            return False
    return True


def own_folder(parent: Path | None = None) -> Path | None:
    """backprop-grader.matplotlib-<uid> in parent (default $TMPDIR), made if missing; None if it
    cannot be made, or is not a folder of this user's that only this user may write to."""
    if not hasattr(os, "getuid"):
        return None
    folder = (parent or Path(tempfile.gettempdir())) / f"backprop-grader.matplotlib-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        status = folder.lstat()
    except OSError:
        return None
    mine = stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid()
    return folder if mine and not status.st_mode & 0o077 else None

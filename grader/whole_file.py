"""Files replaced whole: written beside the target under a name of this process's own, then
renamed over it, so that a reader (or a run killed midway) never sees half a file."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A path to write target's new content to; when the block ends, it replaces target. If the
    block raises, target is as it was and the partial file is gone. The name holds this process's
    id: two runs may write the same file at once (grade-all's feedback, say)."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        yield partial
        partial.replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise


def write_whole(target: Path, text: str) -> None:
    """target holds text (UTF-8), or, on OSError, is as it was. The OSError names target when it
    names no file of its own (a full disk fails the write, not the open)."""
    try:
        with replacing(target) as partial:
            partial.write_text(text, encoding="utf-8")
    except OSError as error:
        if error.filename is None:
            error.filename = str(target)
        raise

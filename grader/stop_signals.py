"""SIGTERM taken as Ctrl-C is: what a CI time-out or a cancelled job sends.

Left to its default, SIGTERM ends the grader on the spot: `grade` leaves its scratch folder (a
copy of the submission) in the temporary folder, and `grade-all` prints no summary. Raised as
KeyboardInterrupt instead, it unwinds what was started (the worker stopped, the scratch folder
removed, a gradebook transaction rolled back) and the command ends as it does after Ctrl-C.
"""

from __future__ import annotations

import signal
from types import FrameType


def sigterm_as_interrupt() -> None:
    """From now on SIGTERM raises KeyboardInterrupt in the main thread, as SIGINT does."""
    signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt

"""SIGTERM and SIGHUP taken as Ctrl-C is: what a CI time-out or a cancelled job sends, and what a
closed terminal or a dropped SSH connection sends.

Left to its default, either signal ends the grader on the spot: `grade` leaves its scratch folder
(a copy of the submission) in the temporary folder, and `grade-all` leaves its job processes'
scratch folders and prints no summary; `release` leaves half a kit. Raised as KeyboardInterrupt
instead, it unwinds what was started (the worker stopped, the scratch folder removed, a gradebook
transaction rolled back, a partial file or folder removed) and the command ends as it does after
Ctrl-C (cli_errors.OneLineErrors: one line, exit 130). The command group installs this for every
command. A SIGHUP that is ignored (`nohup`) stays ignored.
"""

from __future__ import annotations

import signal
from types import FrameType

#: what stops a command: Ctrl-C, and the two signals taken as it
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def stop_signals_as_interrupt() -> None:
    """From now on SIGTERM, and SIGHUP unless it is ignored, raise KeyboardInterrupt in the main
    thread, as SIGINT does."""
    signal.signal(signal.SIGTERM, _interrupt)
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        signal.signal(signal.SIGHUP, _interrupt)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt

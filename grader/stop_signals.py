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

import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import Future, wait
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

T = TypeVar("T")

#: what stops a command: Ctrl-C, and the two signals taken as it
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}

#: the longest the main thread of a command that waits on other threads or processes sleeps at a time
#: (see heeding_stops)
WAKE_SECONDS = 0.5


def stop_signals_as_interrupt() -> None:
    """From now on SIGTERM, and SIGHUP unless it is ignored, raise KeyboardInterrupt in the main
    thread, as SIGINT does."""
    signal.signal(signal.SIGTERM, _interrupt)
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        signal.signal(signal.SIGHUP, _interrupt)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def stops_held_back() -> Iterator[None]:
    """A stop (Ctrl-C, SIGTERM, SIGHUP) that comes meanwhile takes effect when the block ends; a
    second one takes effect at once. For a step that a stop must not cut in two.

    grade-all starting a job process is one: the job process reads the pool's semaphores by name
    from what grade-all sends it, once the job server forks it, which in a run's first moment waits
    until the server has imported the grading code. Stopped meanwhile, grade-all removed them
    first, and the new job process printed a FileNotFoundError traceback on the terminal. Outside
    the main thread, which alone may set handlers, the block holds nothing back. An ignored signal
    (SIGHUP under nohup) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[signal.Signals] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        if came:
            raise KeyboardInterrupt
        came.append(signal.Signals(signum))

    previous = {
        number: signal.signal(number, hold)
        for number in sorted(STOP_SIGNALS)
        if signal.getsignal(number) not in (signal.SIG_IGN, None)
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if came:
        handler = previous[came[0]]
        if callable(handler):
            handler(came[0], None)
        else:  # SIG_DFL: the signal's own effect
            os.kill(os.getpid(), came[0])


def heeding_stops(future: Future[T]) -> T:
    """future.result(), the main thread waking every WAKE_SECONDS meanwhile.

    Python runs a signal's handler in the main thread, and the kernel hands a stop to the main
    thread of a process that runs; but a stop sent to a process that is stopped itself (Ctrl-Z,
    then `kill %1`) waits, and on SIGCONT whichever of its threads runs first takes it: one of a
    pool's threads, say. A main thread asleep in a wait without end would then never raise it
    while the future waits on a job that is stuck; waking, it does at once.
    """
    while not wait([future], timeout=WAKE_SECONDS).done:
        pass
    return future.result()

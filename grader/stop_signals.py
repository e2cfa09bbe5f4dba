"""SIGTERM and SIGHUP taken as Ctrl-C is: what a CI time-out or a cancelled job sends, and what a
closed terminal or a dropped SSH connection sends.

Left to its default, either signal ends the grader on the spot: `grade` leaves its scratch folder
(a copy of the submission) in the temporary folder, and `grade-all` leaves its job processes'
scratch folders and prints no summary; `release` leaves half a kit. Raised as KeyboardInterrupt
instead, it unwinds what was started (the worker stopped, the scratch folder removed, a gradebook
transaction rolled back, a partial file or folder removed) and the command ends as it does after
Ctrl-C (cli_errors.OneLineErrors: one line, exit 130). The command group installs this for every
command. A SIGHUP that is ignored (`nohup`) stays ignored.

Python runs a signal's handler wherever the main thread is, and that can be a finalizer (`__del__`,
a weakref callback) that the garbage collector happens to run then. What a finalizer raises goes to
sys.unraisablehook and no further: the stop was lost and the command went on as if it had not come
(a CI run saw `grade` finish and exit 0 after SIGTERM). So the hook notes a KeyboardInterrupt it is
given, and the main thread raises it again when it next wakes from a wait (raise_lost_stop).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
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
    thread, as SIGINT does; and a stop that a finalizer swallowed is raised again (raise_lost_stop)."""
    signal.signal(signal.SIGTERM, _interrupt)
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        signal.signal(signal.SIGHUP, _interrupt)
    _keep_lost_stops()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


#: set when a KeyboardInterrupt reached sys.unraisablehook: a stop that no code saw
_lost_stop = threading.Event()


def _keep_lost_stops() -> None:
    """sys.unraisablehook notes a KeyboardInterrupt and keeps it off stderr (the command's one line
    comes instead, once raise_lost_stop raises it)."""
    when_a_finalizer_swallows(KeyboardInterrupt, _lost_stop.set)


def when_a_finalizer_swallows(kind: type[BaseException], then: Callable[[], None]) -> None:
    """From now on sys.unraisablehook, which gets what a finalizer raised, calls then() for an
    exception of kind (a stop a signal's handler raised there) and prints nothing for it; anything
    else goes to the hook as it was. Set twice for the same kind, it is set once."""
    given = sys.unraisablehook
    if getattr(given, "swallowed_kind", None) is kind:
        return

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, kind):
            then()
        else:
            given(unraisable)

    hook.swallowed_kind = kind  # type: ignore[attr-defined]
    sys.unraisablehook = hook


def raise_lost_stop() -> None:
    """In the main thread, raise KeyboardInterrupt if a stop was swallowed by a finalizer since the
    last time; elsewhere (where handlers never run), nothing. For the loops in which the main
    thread waits, at every wake."""
    if _lost_stop.is_set() and threading.current_thread() is threading.main_thread():
        _lost_stop.clear()
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
    while the future waits on a job that is stuck; waking, it does at once. A stop that a
    finalizer swallowed meanwhile is raised as it wakes, too (raise_lost_stop).
    """
    while not wait([future], timeout=WAKE_SECONDS).done:
        raise_lost_stop()
    return future.result()

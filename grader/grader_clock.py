"""The clock that the student's time limits run on: it stands still while the grader is stopped.

Ctrl-Z, or `kill -STOP`, stops grade-all and its job processes, but not the workers, each a
session of its own. Timed on time.monotonic(), a call in flight when the run was stopped for
longer than its limit timed out once the run went on, though its answer had long been waiting,
and the submission lost those tests ("timed out", "used up its total time limit"): a wrong grade,
stored, and kept by later runs, since the submission had not changed.

This clock leaves out every stretch of more than half a second in which this process did not
run. A thread notes the time every 0.1 s; a note that comes late by more than that says the
process was stopped (or starved of CPU, which leaves a student's code more time, never less) for
as long as it was late. clock() also counts the stretch since the last note, so a thread that
looks at the clock just after the process goes on sees the stop before the note-taker does.
"""

from __future__ import annotations

import os
import threading
import time

#: how often the time is noted, and how late a note must be to count as time the process was stopped
TICK_SECONDS = 0.1
LATE_SECONDS = 0.4

_lock = threading.Lock()
_owner: int | None = None  # the process whose thread notes the time (a forked child starts its own)
_last_note = 0.0
_stopped = 0.0


def clock() -> float:
    """Seconds, as time.monotonic(), less the time this process has been stopped since its first call."""
    now = time.monotonic()
    with _lock:
        if _owner != os.getpid():
            _start(now)
        return now - _stopped - _late(now)


def _start(now: float) -> None:
    global _owner, _last_note, _stopped
    _owner, _last_note, _stopped = os.getpid(), now, 0.0
    threading.Thread(target=_note_the_time, name="backprop-grader-clock", daemon=True).start()


def _late(now: float) -> float:
    """The time since the last note beyond what a note may be late by; called with _lock held."""
    late = now - _last_note - TICK_SECONDS
    return late if late > LATE_SECONDS else 0.0


def _forked() -> None:
    """In a forked child: a new lock (the parent's may have been held by its note-taker, which the
    child does not have); the child's first clock() starts its own."""
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forked)


def _note_the_time() -> None:
    global _last_note, _stopped
    me = os.getpid()
    while _owner == me:
        time.sleep(TICK_SECONDS)
        now = time.monotonic()
        with _lock:
            _stopped += _late(now)
            _last_note = now

"""Job processes tell the pool when they wait on a call that has run long.

A call to the student's code that has not answered within LONG_CALL_SECONDS is almost always one
that will run into its time limit (the whole call plan of a correct submission takes about
12 ms): a loop that never ends. Its job process then sleeps until the limit (10 s by default,
and twice per function) while one core does nothing but the student's loop. The pool
(job_pool.run_pool) gives each task it hands out a flag in memory shared with the job
processes; the job process raises it for as long as such a wait lasts, and the pool gives a
spare job process the next submission meanwhile.

Each flag has one writer (the job process running that task) and one reader (the pool), so no
lock is needed, and a job process killed mid-wait cannot leave a lock held.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: how long a call may go unanswered before its wait counts as a long one
LONG_CALL_SECONDS = 0.1

_flags: Any = None  # a shared array of bytes, one per task in flight (job_pool)
_slot: int | None = None  # the flag of the task this process runs now


def share(flags: Any) -> None:
    """In a job process: the pool's flags (multiprocessing's RawArray of bytes)."""
    global _flags
    _flags = flags


def working_on(slot: int | None) -> None:
    """In a job process: the task it runs from now has this flag (None: no task)."""
    global _slot
    _slot = slot


@contextmanager
def waiting() -> Iterator[None]:
    """Raise this process's flag while the block runs (outside a pool's task: nothing)."""
    flags, slot = _flags, _slot
    if flags is None or slot is None:
        yield
        return
    flags[slot] = 1
    try:
        yield
    finally:
        flags[slot] = 0

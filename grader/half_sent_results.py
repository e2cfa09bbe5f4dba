"""A process pool whose reader gives up a result half sent by a process that died (see
give_up_half_sent_results): grade-all's job processes (grader.job_pool) and feedback's
page-drawing processes (grader.feedback_files)."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import wait as ready_among
from typing import Any


def give_up_half_sent_results(pool: ProcessPoolExecutor) -> None:
    """Make the pool's reader thread give up a result whose process died while sending it.

    The reader reads each result whole: once it has begun one, it waits for the rest, however
    long, and only then looks for processes that died. One killed halfway through a send
    (SIGKILL: the OOM killer, `kill -9`, or job_pool._stop after its grace) left half a message,
    and the reader, the command and its exit waited forever. So while the rest of a result is
    awaited, the reader also looks for dead processes of the pool, every SENDER_CHECK_SECONDS, and
    gives the result up once one has died: the pool is then broken (BrokenProcessPool for every
    task in flight), as the dead process makes it anyway.

    This replaces the reader connection's `_recv` with a copy of it that watches (the same in
    Python 3.10 to 3.13); a pool without one is left as it is. It watches the pool's own table of
    processes, which the pool fills as it starts them: shutdown() drops the pool's reference to
    it, and a pool stopped (job_pool.stop_pool) before it killed a process halfway through a send
    would otherwise have had no process to see die, and the command would never have exited.
    """
    reader: Any = getattr(getattr(pool, "_result_queue", None), "_reader", None)
    processes = getattr(pool, "_processes", None)
    if not hasattr(reader, "_recv") or not hasattr(reader, "_handle") or not isinstance(processes, dict):
        return
    handle = reader._handle

    def recv(size: int, read: Callable[[int, int], bytes] = os.read) -> io.BytesIO:
        received, remaining = io.BytesIO(), size
        while remaining > 0:
            if not ready_among([handle], timeout=SENDER_CHECK_SECONDS):
                if _a_process_died(processes):
                    raise OSError("a process of the pool died while it sent a result")
                continue
            chunk = read(handle, remaining)
            if not chunk:
                raise EOFError if remaining == size else OSError("got end of file during message")
            received.write(chunk)
            remaining -= len(chunk)
        return received

    reader._recv = recv


#: how often the pool's reader looks for dead processes while the rest of a result is late
SENDER_CHECK_SECONDS = 1.0


def _a_process_died(processes: dict[int, Any]) -> bool:
    return bool(ready_among([process.sentinel for process in list(processes.values())], timeout=0))


def processes_of(pool: ProcessPoolExecutor) -> list[Any]:
    """The pool's processes now (multiprocessing Process objects): those it has started and not
    yet seen end. Empty before the first task, or in a pool that keeps them elsewhere."""
    return list((getattr(pool, "_processes", None) or {}).values())

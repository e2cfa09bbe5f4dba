"""Each student's feedback files: STUDENT.md and STUDENT.html, written whole or not at all."""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from grader.feedback import feedback_html
from grader.half_sent_results import give_up_half_sent_results
from grader.job_pool import stop_pool
from grader.machine_share import machine_share
from grader.stop_signals import STOP_SIGNALS, heeding_stops
from grader.whole_file import write_whole


def feedback_page(student: str, markdown: str, plots: dict[str, Any] | None) -> str:
    """feedback_html, without the plots if they cannot be drawn (one student's data must not stop the run)."""
    try:
        return feedback_html(student, markdown, plots)
    except Exception as error:  # noqa: BLE001 - the page is still worth having
        return feedback_html(
            student, f"{markdown}\n(The plots could not be drawn: {type(error).__name__}: {error})\n"
        )


def write_feedback(directory: Path, student: str, markdown: str, page: str) -> None:
    """directory/student.md and .html (page: feedback_html of markdown), each replaced whole
    (never half-written). Both are tried; the first OSError is raised after that."""
    directory.mkdir(parents=True, exist_ok=True)
    failed: OSError | None = None
    for suffix, text in ((".md", markdown), (".html", page)):
        try:
            write_whole(directory / f"{student}{suffix}", text)
        except OSError as error:
            failed = failed or error
    if failed is not None:
        raise failed


def why_not_written(error: OSError) -> str:
    """What went wrong and on which file, for a list of feedback files not written."""
    where = error.filename2 or error.filename
    return f"{error.strerror or error} ({where})"


def write_feedback_pages(
    directory: Path,
    feedback: list[tuple[str, str, dict[str, Any] | None]],
    jobs: int | None = None,
    written: Callable[[], None] = lambda: None,
) -> list[tuple[str, str]]:
    """write_feedback for each (student, markdown, plots), the pages drawn in up to jobs processes
    (default: one per CPU this process may use), since drawing the plots is nearly all the work;
    written() is called after each student, for progress. A student whose files cannot be written
    does not stop the others: (student, why_not_written) of each is returned. If a drawing process
    dies (killed), the pages left are drawn in this process."""
    failed: list[tuple[str, str]] = []

    def write(student: str, markdown: str, page: str) -> None:
        try:
            write_feedback(directory, student, markdown, page)
        except OSError as error:
            failed.append((student, why_not_written(error)))
        written()

    jobs = min(jobs or machine_share().cpus, len(feedback))
    if jobs <= 1:
        for student, markdown, plots in feedback:
            write(student, markdown, feedback_page(student, markdown, plots))
        return failed
    context = multiprocessing.get_context("fork")  # the children start with what this process has loaded
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_leave_stops_to_the_parent)
    give_up_half_sent_results(pool)
    done = 0
    try:
        chunks = [
            feedback[start : start + PAGES_PER_TASK] for start in range(0, len(feedback), PAGES_PER_TASK)
        ]
        for chunk, drawing in [(chunk, pool.submit(_pages, chunk)) for chunk in chunks]:
            pages: list[str] = heeding_stops(drawing)
            for (student, markdown, _), page in zip(chunk, pages):
                write(student, markdown, page)
                done += 1
    except BrokenProcessPool:  # a process was killed (the OOM killer, `kill -9`): on without the pool
        pool.shutdown(cancel_futures=True)
        for student, markdown, plots in feedback[done:]:
            write(student, markdown, feedback_page(student, markdown, plots))
    except BaseException:
        # stopped (Ctrl-C): the pages being drawn are not wanted, and a process stuck on a lock the
        # fork copied would keep the command waiting for them for good
        stop_pool(pool, grace=PAGE_STOP_GRACE_SECONDS)
        raise
    else:
        pool.shutdown(cancel_futures=True)
    return failed


#: how long a stopped page process gets to end before it is killed (it has nothing to clean up)
PAGE_STOP_GRACE_SECONDS = 1.0

#: pages a drawing process is given at a time
PAGES_PER_TASK = 4


def _pages(feedback: list[tuple[str, str, dict[str, Any] | None]]) -> list[str]:
    """feedback_page of each (student, markdown, plots), in a drawing process."""
    return [feedback_page(student, markdown, plots) for student, markdown, plots in feedback]


def _leave_stops_to_the_parent() -> None:
    """In a process drawing pages: Ctrl-C and SIGHUP (sent to the whole process group) are the
    parent's to act on; it stops the pool. Raised here, as the parent's handlers (inherited by the
    fork) would raise them, they would end the process with a traceback, or come back to the
    parent as a page's exception. SIGTERM ends the process at once, silently: the pool stops its
    processes with it once one has died, and one that ignored it would keep the pool, and the
    command, waiting for good."""
    for stop in STOP_SIGNALS - {signal.SIGTERM}:
        signal.signal(stop, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

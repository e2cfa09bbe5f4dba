"""Grade a whole class folder in parallel into a gradebook, resumable at any point.

Job processes (one per core by default) each grade one submission at a time with
grade_path, exactly as `grade` does, and send back the JSON report; this process
alone writes the gradebook, one whole submission per transaction. A submission
already stored with the same content and grader version is skipped unless
regrade, so a run that was killed just starts again where it stopped. One bad submission
never stops the run; a test suite that cannot run at all (pytest cannot start it) does, at
the first submission that finds out, since every other one would fail the same way.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import multiprocessing.forkserver
import os
import select
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import __version__
from grader.feedback import feedback_html, feedback_markdown, unreadable_markdown
from grader.gradebook import Gradebook, GradebookError
from grader.roster import Entry, find_submissions
from grader.submission import remove_stale_scratch
from grader.worker import WorkerLimits


@dataclass(frozen=True)
class Outcome:
    """What grading one entry gave. kind: graded | unreadable | grader_error | skipped."""

    entry: Entry
    kind: str
    report: dict[str, Any] | None = None
    error: str = ""
    #: the error is the test suite's, the same for every submission: grading the rest is pointless
    stops_run: bool = False
    #: the feedback (grader.feedback), Markdown and, when feedback files are written, the page
    markdown: str = ""
    html: str = ""


@dataclass
class RunSummary:
    total: int = 0
    graded: int = 0
    unreadable: int = 0
    skipped: int = 0
    grader_errors: list[tuple[str, str]] = field(default_factory=list)
    percents: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    #: why the run stopped before grading everything, and what to do (one sentence), if it did
    stopped: str = ""
    #: the exit status that stop calls for (3: the tests cannot run; 2: the gradebook cannot be written)
    stopped_status: int = 0
    #: (student, why) of each feedback file that could not be written (the gradebook has the feedback)
    feedback_errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.graded + self.unreadable + self.skipped + len(self.grader_errors)

    def line(self) -> str:
        """The one-line summary printed at the end of a run."""
        rate = (self.graded + self.unreadable) / self.seconds if self.seconds else 0.0
        mean = f", class mean {sum(self.percents) / len(self.percents):.1f}%" if self.percents else ""
        stopped = "interrupted after " if self.interrupted else "stopped after " if self.stopped else ""
        return (
            f"{stopped}{self.done}/{self.total} submissions: {self.graded} graded, {self.skipped} already in the "
            f"gradebook, {self.unreadable} unreadable, {len(self.grader_errors)} grader errors "
            f"in {self.seconds:.1f} s ({rate:.1f}/s){mean}"
        )


class Progress:
    """What grade_all reports as it goes; grader.progress has the terminal and plain versions."""

    def start(self, total: int) -> None: ...

    def advance(self, outcome: Outcome) -> None: ...

    def finish(self, summary: RunSummary) -> None: ...


def grade_entry(entry: Entry, limits: WorkerLimits, require_sandbox: bool, html: bool = False) -> Outcome:
    """Grade one entry (runs in a job process); every failure becomes an Outcome. Its feedback is
    written here too (html: the page as well as the Markdown), so that job processes share that work."""
    try:
        outcome = _graded(entry, limits, require_sandbox)
        if outcome.kind == "graded":
            markdown = feedback_markdown(entry.student, outcome.report or {})
        elif outcome.kind == "unreadable":
            markdown = unreadable_markdown(entry.student, outcome.error)
        else:
            return outcome
        page = _feedback_page(entry.student, markdown, (outcome.report or {}).get("plots")) if html else ""
        return dataclasses.replace(outcome, markdown=markdown, html=page)
    except _Terminated as stop:
        # what was running has been unwound (worker stopped, scratch removed); leave now, since
        # the job pool would take the exception for this task's result and wait for the next
        os._exit(stop.code if isinstance(stop.code, int) else 1)


def _feedback_page(student: str, markdown: str, plots: dict[str, Any] | None) -> str:
    """feedback_html, without the plots if they cannot be drawn (one student's data must not stop the run)."""
    try:
        return feedback_html(student, markdown, plots)
    except Exception as error:  # noqa: BLE001 - the page is still worth having
        return feedback_html(
            student, f"{markdown}\n(The plots could not be drawn: {type(error).__name__}: {error})\n"
        )


def _graded(entry: Entry, limits: WorkerLimits, require_sandbox: bool) -> Outcome:
    from grader.grading import GradingFailed, SandboxUnavailable, SuiteUnusable, grade_path
    from grader.paths import GraderSetupError
    from grader.quiz.bank import BankError
    from grader.render_json import result_to_dict
    from grader.submission import SubmissionError

    try:
        result = grade_path(
            entry.path, limits=limits, require_sandbox=require_sandbox, student=entry.student, plots=True
        )
    except SubmissionError as error:
        return Outcome(entry, "unreadable", error=str(error))
    except SuiteUnusable as error:
        return Outcome(entry, "grader_error", error=str(error), stops_run=True)
    except (GradingFailed, GraderSetupError, BankError, SandboxUnavailable) as error:
        return Outcome(entry, "grader_error", error=str(error))
    except Exception as error:  # noqa: BLE001 - one submission must never stop the class
        return Outcome(entry, "grader_error", error=f"{type(error).__name__}: {error}")
    return Outcome(entry, "graded", result_to_dict(result))


def _job_init(parent: int) -> None:
    """Job processes leave Ctrl-C to the parent and clean up (worker, scratch) when terminated,
    or when the parent process (grade-all) is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_cleanly)
    _end_with(parent)
    import grader.grading  # noqa: F401 - pay the imports once, before the first submission


def _end_with(parent: int) -> None:
    """Terminate this process (as SIGTERM does, cleaning up) once the process parent has ended.

    A grade-all killed with SIGKILL cannot stop its job processes, and nothing else would: each
    would wait for work forever, with its pytest session and worker zygote, and keep the job
    server alive too. A pidfd becomes readable when its process ends; where there is none (Linux
    before 5.3) the parent is looked for once a second.
    """
    try:
        handle: int | None = os.pidfd_open(parent)
    except ProcessLookupError:
        _terminate_main_thread()
        return
    except (AttributeError, OSError):
        handle = None

    def watch() -> None:
        if handle is not None:
            select.select([handle], [], [])
        else:
            while _running(parent):
                time.sleep(1.0)
        _terminate_main_thread()

    threading.Thread(target=watch, name="backprop-grader-parent-watch", daemon=True).start()


def _terminate_main_thread() -> None:
    # to the main thread itself: a signal another thread takes would not interrupt the main
    # thread's wait for work, and its handler would run only once that wait ended
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    signal.pthread_kill(main_thread, signal.SIGTERM)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        pass
    return True


class _Terminated(SystemExit):
    """SIGTERM in a job process. As a SystemExit it unwinds whatever runs (the worker is stopped,
    the scratch folder removed) and ends a job that waits for work; during a task, grade_entry
    catches it and leaves."""


def _exit_cleanly(signum: int, frame: Any) -> None:
    raise _Terminated(128 + signum)


def grade_all(
    root: Path,
    gradebook: Gradebook,
    *,
    jobs: int | None = None,
    regrade: bool = False,
    limits: WorkerLimits | None = None,
    require_sandbox: bool = False,
    feedback_dir: Path | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Grade every submission in root into gradebook; see the module docstring."""
    started = time.perf_counter()
    progress = progress or Progress()
    limits = limits or WorkerLimits()
    if feedback_dir is not None:
        try:
            feedback_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise BadFeedbackDir(
                f"could not create the --feedback-dir {feedback_dir} ({error.strerror}); choose a folder you can write to"
            ) from None
    context = _job_server()
    entries, notes = find_submissions(root)
    summary = RunSummary(total=len(entries), notes=notes)
    if stale := remove_stale_scratch():
        summary.notes.append(f"removed {stale} scratch folders left by killed runs")
    progress.start(len(entries))
    todo = []
    for entry in entries:
        if not regrade and gradebook.has(entry.student, entry.content_hash, __version__):
            summary.skipped += 1
            progress.advance(Outcome(entry, "skipped"))
        else:
            todo.append(entry)

    def record(outcome: Outcome) -> None:
        _record(outcome, gradebook, summary, regrade, feedback_dir)
        progress.advance(outcome)
        if outcome.stops_run:
            raise _RunStopped(
                f"the tests cannot run for anyone ({outcome.error}); fix the grader's test suite and run the "
                "same command again (what was graded is kept)",
                3,
            )

    try:
        _run_pool(
            context,
            todo,
            jobs or os.cpu_count() or 1,
            lambda e: (grade_entry, e, limits, require_sandbox, feedback_dir is not None),
            record,
        )
    except KeyboardInterrupt:
        summary.interrupted = True
    except _RunStopped as stop:
        summary.stopped, summary.stopped_status = stop.args
    summary.seconds = time.perf_counter() - started
    progress.finish(summary)
    return summary


class _RunStopped(Exception):
    """Raised out of the job pool when grading more submissions is pointless: (why and what to
    do, exit status)."""


class BadFeedbackDir(Exception):
    """The --feedback-dir cannot be made: nothing was graded."""


def _record(
    outcome: Outcome, gradebook: Gradebook, summary: RunSummary, regrade: bool, feedback_dir: Path | None
) -> None:
    entry = outcome.entry
    if outcome.kind == "grader_error":
        summary.grader_errors.append((entry.student, outcome.error))
        return
    try:
        gradebook.store(
            student=entry.student, source=str(entry.path), content_hash=entry.content_hash,
            report=outcome.report, error=outcome.error, feedback=outcome.markdown, replace=regrade,
        )  # fmt: skip
    except (sqlite3.Error, GradebookError) as error:  # a full disk, say: every other store would fail too
        raise _RunStopped(
            f"could not store {entry.student}'s grade in {gradebook.path} ({error}); make room or fix the "
            "file and run the same command again (what was stored is kept)",
            2,
        ) from None
    if outcome.report is not None:
        summary.graded += 1
        summary.percents.append(outcome.report["percent"])
    else:
        summary.unreadable += 1
    if feedback_dir is not None:
        try:
            write_feedback(feedback_dir, entry.student, outcome.markdown, outcome.html)
        except OSError as error:  # the grade is stored: the feedback command can write it later
            where = error.filename2 or error.filename
            summary.feedback_errors.append((entry.student, f"{error.strerror or error} ({where})"))


def write_feedback(directory: Path, student: str, markdown: str, page: str) -> None:
    """directory/student.md and .html (page: feedback_html of markdown), each replaced whole
    (never half-written)."""
    directory.mkdir(parents=True, exist_ok=True)
    for suffix, text in ((".md", markdown), (".html", page)):
        target = directory / f"{student}{suffix}"
        partial = target.with_name(f".{target.name}.partial")
        try:
            partial.write_text(text, encoding="utf-8")
            partial.replace(target)
        except OSError:
            partial.unlink(missing_ok=True)
            raise


def write_feedback_pages(
    directory: Path, feedback: list[tuple[str, str, dict[str, Any] | None]], jobs: int | None = None
) -> None:
    """write_feedback for each (student, markdown, plots), the pages drawn in up to jobs processes
    (default: one per core), since drawing the plots is nearly all the work."""
    jobs = min(jobs or os.cpu_count() or 1, len(feedback))
    if jobs <= 1:
        for student, markdown, plots in feedback:
            write_feedback(directory, student, markdown, _feedback_page(student, markdown, plots))
        return
    context = multiprocessing.get_context("fork")  # nothing to import again: the page code is loaded
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=signal.signal, initargs=_IGNORE_CTRL_C)
    try:
        pages = pool.map(_feedback_page, *zip(*feedback), chunksize=4)
        for (student, markdown, _), page in zip(feedback, pages):
            write_feedback(directory, student, markdown, page)
    finally:
        pool.shutdown(cancel_futures=True)


#: job processes leave Ctrl-C to the parent, which stops them
_IGNORE_CTRL_C = (signal.SIGINT, signal.SIG_IGN)

Task = tuple[Any, ...]  # a function run in a job process and its arguments


def _job_server() -> Any:
    """The multiprocessing context the job processes are started from, its server started now.

    The server (multiprocessing's forkserver) imports the grading code once, so each job process
    is forked with it imported; started early, it does that while the caller finds the submissions.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", "grader.grading"])
    multiprocessing.forkserver.ensure_running()
    return context


def _run_pool(
    context: Any, entries: list[Entry], jobs: int, task: Callable[[Entry], Task], record: Callable
) -> None:
    """Run task(entry) in job processes started from context (see _job_server), at most 2 per job in
    flight, calling record with each Outcome.

    A job process that dies takes only its submissions' attempts with it: the pool is
    rebuilt and they are tried once more, then recorded as grader errors.
    """
    pending: Iterator[Entry] = iter(entries)
    retry: list[Entry] = []
    attempts: dict[str, int] = {}
    while True:
        pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_job_init, initargs=(os.getpid(),)
        )
        running: dict[Future, Entry] = {}
        broken = False
        try:
            while True:
                while len(running) < 2 * jobs and not broken:
                    entry = retry.pop() if retry else next(pending, None)
                    if entry is None:
                        break
                    function, *args = task(entry)
                    running[pool.submit(function, *args)] = entry
                if not running:
                    return
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    entry = running.pop(future)
                    try:
                        record(future.result())
                    except BrokenProcessPool:
                        broken = True
                        attempts[entry.student] = attempts.get(entry.student, 0) + 1
                        if attempts[entry.student] < 2:
                            retry.append(entry)
                        else:
                            record(Outcome(entry, "grader_error", error="the job process grading it died"))
                if broken:
                    retry.extend(running.values())
                    break
        except BaseException:
            _stop(pool)
            raise
        pool.shutdown(wait=True)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop at once: terminate the job processes (they remove their workers and scratch folders)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)

"""Grade a whole class folder in parallel into a gradebook, resumable at any point.

Job processes (one per core the run may use, by default) each grade one submission at a time with
grade_path, exactly as `grade` does, and send back the JSON report; this process
alone writes the gradebook, one whole submission per transaction. A submission
already stored with the same content and grader version is skipped unless
regrade, so a run that was killed just starts again where it stopped. One bad submission
never stops the run; a test suite that cannot run at all (pytest cannot start it) does, at
the first submission that finds out, since every other one would fail the same way.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import __version__
from grader.faults import fault_report, full_traceback, wants_traceback
from grader.feedback import feedback_markdown, unreadable_markdown
from grader.feedback_files import feedback_page, why_not_written, write_feedback
from grader.fingerprint import grader_fingerprint
from grader.gradebook import Gradebook, GradebookError
from grader.job_count import job_count
from grader.job_pool import run_pool
from grader.job_server import GRADING_PRELOAD, job_server
from grader.results import limits_used
from grader.roster import Entry, find_submissions
from grader.scratch import ScratchFull, remove_own_scratch, remove_stale_scratch
from grader.worker import WorkerLimits


@dataclass(frozen=True)
class Outcome:
    """What grading one entry gave. kind: graded | unreadable | grader_error | skipped."""

    entry: Entry
    kind: str
    report: dict[str, Any] | None = None
    error: str = ""
    #: why grading the rest is pointless, and what to do, when the error would be the same for every
    #: submission (the test suite cannot run, no room for the copies); empty otherwise
    stops_run: str = ""
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
    #: the percent of every graded submission in the class folder, kept from earlier runs or graded now
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
    #: job processes that graded (0 when nothing was left to grade)
    jobs: int = 0

    @property
    def done(self) -> int:
        return self.graded + self.unreadable + self.skipped + len(self.grader_errors)

    def line(self) -> str:
        """The one-line summary printed at the end of a run."""
        rate = (self.graded + self.unreadable) / self.seconds if self.seconds else 0.0
        mean = f", class mean {sum(self.percents) / len(self.percents):.1f}%" if self.percents else ""
        stopped = "interrupted after " if self.interrupted else "stopped after " if self.stopped else ""
        errors = len(self.grader_errors)
        jobs = f", {self.jobs} job{'s' if self.jobs != 1 else ''}" if self.jobs else ""
        return (
            f"{stopped}{self.done}/{self.total} submissions: {self.graded} graded, {self.skipped} already in the "
            f"gradebook, {self.unreadable} unreadable, {errors} grader error{'' if errors == 1 else 's'} "
            f"in {self.seconds:.1f} s ({rate:.1f}/s{jobs}){mean}"
        )


class Progress:
    """What grade_all reports as it goes; grader.progress has the terminal and plain versions."""

    def start(self, total: int) -> None: ...

    def advance(self, outcome: Outcome) -> None: ...

    def finish(self, summary: RunSummary) -> None: ...


def grade_entry(entry: Entry, limits: WorkerLimits, require_sandbox: bool, html: bool = False) -> Outcome:
    """Grade one entry (runs in a job process); every failure becomes an Outcome. Its feedback is
    written here too (html: the page as well as the Markdown), so that job processes share that work.
    Stopped, the job process leaves through _leave_after_a_stop (job_pool._run_task)."""
    outcome = _graded(entry, limits, require_sandbox)
    if outcome.kind == "graded":
        markdown = feedback_markdown(entry.student, outcome.report or {})
    elif outcome.kind == "unreadable":
        markdown = unreadable_markdown(entry.student, outcome.error)
    else:
        return outcome
    page = feedback_page(entry.student, markdown, (outcome.report or {}).get("plots")) if html else ""
    return dataclasses.replace(outcome, markdown=markdown, html=page)


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
        why = f"the tests cannot run for anyone ({error}); fix the grader's test suite and run the same command again"
        return Outcome(entry, "grader_error", error=str(error), stops_run=why)
    except ScratchFull as error:
        return Outcome(entry, "grader_error", error=str(error), stops_run=str(error))
    except (GradingFailed, GraderSetupError, BankError, SandboxUnavailable) as error:
        return Outcome(entry, "grader_error", error=str(error))
    except Exception as error:  # noqa: BLE001 - one submission must never stop the class
        said = fault_report(error, traceback_is="below")
        return Outcome(
            entry, "grader_error", error=f"{said}\n{full_traceback(error)}" if wants_traceback() else said
        )
    return Outcome(entry, "graded", result_to_dict(result))


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
    """Grade every submission in root into gradebook; see the module docstring. The caller checks
    first, with check_start, that the run can start (before it creates the gradebook)."""
    started = time.perf_counter()
    progress = progress or Progress()
    limits = limits or WorkerLimits()
    context = job_server(GRADING_PRELOAD)
    entries, notes = find_submissions(root, gradebook.path)
    if not entries:
        notes.append(f"no submissions in {root}: it should hold one folder, .zip or .ipynb per student")
    summary = RunSummary(total=len(entries), notes=notes)
    if stale := remove_stale_scratch():
        summary.notes.append(f"removed {stale} scratch folders left by killed runs")
    progress.start(len(entries))
    todo, broken = (entries, set()) if regrade else _skip_kept(entries, gradebook, summary, progress, limits)

    def record(outcome: Outcome) -> None:
        _record(outcome, gradebook, summary, regrade or outcome.entry in broken, feedback_dir)
        progress.advance(outcome)
        if outcome.stops_run:
            raise _RunStopped(f"{outcome.stops_run} (what was graded is kept)", 3)

    count, why = job_count(jobs, len(todo))
    if why and todo:
        summary.notes.append(why)
    summary.jobs = count if todo else 0
    try:
        run_pool(
            context,
            todo,
            count,
            lambda e: (grade_entry, e, limits, require_sandbox, feedback_dir is not None),
            record,
            lambda entry, why: Outcome(entry, "grader_error", error=why),
            GRADING_PRELOAD,
            _leave_after_a_stop,
        )
    except KeyboardInterrupt:
        summary.interrupted = True
    except _RunStopped as stop:
        summary.stopped, summary.stopped_status = stop.args
    summary.seconds = time.perf_counter() - started
    progress.finish(summary)
    return summary


def _skip_kept(
    entries: list[Entry], gradebook: Gradebook, summary: RunSummary, progress: Progress, limits: WorkerLimits
) -> tuple[list[Entry], set[Entry]]:
    """The entries left to grade: those not graded yet with this content and grader version, and
    (the second, graded again in their rows' place) those whose rows no longer read as the grader
    wrote them. The others count as skipped (their percent in the class mean), with a note if other
    tests, or other limits, graded them."""
    todo, broken, other_tests, other_limits = [], set(), 0, []
    these = dataclasses.asdict(limits_used(limits))
    for entry in entries:
        kept = gradebook.kept(entry.student, entry.content_hash, __version__)
        if kept is None or not kept.readable:
            todo.append(entry)
            if kept is not None:
                broken.add(entry)
            continue
        summary.skipped += 1
        if kept.percent is not None:
            summary.percents.append(kept.percent)
        other_tests += kept.fingerprint not in ("", grader_fingerprint())
        if kept.limits is not None and kept.limits != these:
            other_limits.append(kept.limits)
        progress.advance(Outcome(entry, "skipped"))
    if other_tests:
        summary.notes.append(
            f"{_were(other_tests)} graded by other tests, reference solutions or question banks than these "
            "(changed since, same grader version): run again with --regrade to grade them with these"
        )
    if other_limits:
        first = other_limits[0]
        changed = ", ".join(
            f"--{name.replace('_', '-')} {_number(first.get(name))} rather than {_number(value)}"
            for name, value in these.items()
            if first.get(name) != value
        )
        summary.notes.append(
            f"{_were(len(other_limits))} graded with other limits ({changed}"
            f"{', among others' if any(other != first for other in other_limits) else ''}): run again with "
            "--regrade to grade them with these"
        )
    if broken:
        summary.notes.append(
            f"{_were(len(broken))} stored with a report grade-all did not write (changed by another program?): "
            f"graded again, in {'its' if len(broken) == 1 else 'their'} place"
        )
    return todo, broken


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _were(count: int) -> str:
    return f"{count} of the submissions already in the gradebook {'was' if count == 1 else 'were'}"


def _leave_after_a_stop() -> None:
    """What a job process cleans up as it leaves after a stop (job_pool's cleanup): a stop may land
    where no cleanup follows (inside mkdtemp, before the folder's owner knows its name), and a job
    whose parent is gone may have to leave without its main thread (job_pool._end_with)."""
    from grader.worker import kill_running_workers

    kill_running_workers()
    remove_own_scratch()


class _RunStopped(Exception):
    """Raised out of the job pool when grading more submissions is pointless: (why and what to
    do, exit status)."""


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
            summary.feedback_errors.append((entry.student, why_not_written(error)))

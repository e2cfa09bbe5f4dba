"""Commands for a whole class: grade-all, export, feedback, stats."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader.ci_log import workflow_commands_paused
from grader.cli_errors import GraderBroken, SubmissionUnreadable, reader_may_leave, write_output
from grader.cli_options import FiniteFloatRange, GivenPath, check_column_name, limit_options, worker_limits
from grader.output_streams import messages_may_be_lost

if TYPE_CHECKING:
    from grader.gradebook import Gradebook

DEFAULT_GRADEBOOK = Path("gradebook.sqlite")

gradebook_option = click.option(
    "--gradebook",
    type=GivenPath(dir_okay=False, path_type=Path),
    default=DEFAULT_GRADEBOOK,
    show_default=True,
    help="The SQLite gradebook file.",
)


@contextmanager
def _opened(path: Path, must_exist: bool) -> Iterator[Gradebook]:
    from grader.gradebook import Gradebook, GradebookError, open_existing

    try:
        gradebook = open_existing(path) if must_exist else Gradebook(path)
    except GradebookError as error:
        raise SubmissionUnreadable(str(error)) from None
    with gradebook:
        try:
            yield gradebook
        except GradebookError as error:  # a row no grader wrote, found as it is read
            raise SubmissionUnreadable(f"{path}: {error}") from None


@click.command("grade-all")
@click.argument("submissions", type=GivenPath(exists=True, path_type=Path))
@gradebook_option
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Submissions graded at once, plus a spare for each job that waits on a "
    "looping submission.  [default: one per core it may use]",
)
@click.option("--regrade", is_flag=True, help="Grade again even what the gradebook already holds.")
@click.option(
    "--feedback-dir",
    type=GivenPath(file_okay=False, path_type=Path),
    help="Also write each student's feedback here (STUDENT.md and STUDENT.html).",
)
@limit_options
def grade_all_command(
    submissions: Path,
    gradebook: Path,
    jobs: int | None,
    regrade: bool,
    feedback_dir: Path | None,
    timeout: float,
    total_timeout: float,
    require_sandbox: bool,
    memory_mb: int,
) -> None:
    """Grade every submission in SUBMISSIONS into the gradebook.

    Each folder, .zip or .ipynb in SUBMISSIONS is one student's submission, named by
    the entry (alice/, alice.zip); Canvas's and Moodle's downloads are sorted into such
    folders first with sort-canvas and sort-moodle. What the gradebook already holds with the same
    content and grader version is skipped, so after a crash or Ctrl-C just run the
    same command again. Exit status: 0 done; 1 done, but some feedback files
    could not be written (listed; `feedback` writes them from the gradebook); 2 bad
    arguments or gradebook (or it could not be written, and the run stopped), or
    --require-sandbox with a protection missing; 3 some submissions hit a grader
    error (they are listed and retried next run), or the tests could not run at
    all and the run stopped; 130 interrupted (Ctrl-C, SIGTERM or SIGHUP).

    \b
    Examples:
      backprop-grader grade-all submissions/
      backprop-grader grade-all submissions/ --gradebook fall.sqlite --feedback-dir feedback/
      backprop-grader grade-all submissions/ --regrade --jobs 4
    """
    from grader.class_folder import CannotStart, check_start
    from grader.worker_zygote import unsupported_platform

    if (why := unsupported_platform()) is not None:
        raise GraderBroken(why)
    limits = worker_limits(timeout, total_timeout, memory_mb)
    if require_sandbox:
        from grader.grading import check_sandbox, missing_sandbox_message

        missing = [p for p in check_sandbox(limits) if not p.active]
        if missing:
            raise SubmissionUnreadable(missing_sandbox_message(missing))
    try:
        check_start(submissions, feedback_dir)  # before the gradebook is made: nothing to grade, no file
    except CannotStart as error:
        raise SubmissionUnreadable(str(error)) from None
    from grader.job_server import GRADING_PRELOAD, job_server

    # the job processes' server imports the grading code while this process imports its own
    job_server(GRADING_PRELOAD)
    from grader.bulk import grade_all
    from grader.progress import progress_for

    # what it prints quotes the class folder's entries and the grader's messages about them
    with workflow_commands_paused():
        with _opened(gradebook, must_exist=False) as book:
            summary = grade_all(
                submissions, book, jobs=jobs, regrade=regrade, limits=limits, require_sandbox=require_sandbox,
                feedback_dir=feedback_dir, progress=progress_for(sys.stderr),
            )  # fmt: skip
        with messages_may_be_lost():  # stderr gone (`2>&1 | head`) or full: the exit status still tells
            for note in summary.notes:
                click.echo(f"note: {note}", err=True)
            _report_grader_errors(summary.grader_errors, summary.stopped)
            _report_feedback_errors(summary.feedback_errors, gradebook, feedback_dir)
            if summary.interrupted:
                click.echo("interrupted: run the same command again to finish", err=True)
            elif summary.stopped:
                click.echo(f"stopped: {summary.stopped}", err=True)
    if summary.interrupted:
        sys.exit(130)
    if summary.stopped:
        sys.exit(summary.stopped_status)
    if summary.grader_errors:
        sys.exit(3)
    if summary.feedback_errors:
        sys.exit(1)


def _report_grader_errors(errors: list[tuple[str, str]], stopped: str) -> None:
    """A line for each different grader error (those of a stopped run said once, by its stop), naming
    the first students it hit: a broken install fails the whole class with the same one."""
    hit: dict[str, list[str]] = {}
    for student, why in errors:
        if why not in stopped:
            hit.setdefault(why, []).append(student)
    for why, students in hit.items():
        more = f" and {len(students) - 10} more" if len(students) > 10 else ""
        click.echo(f"grader error for {', '.join(students[:10])}{more}: {why}", err=True)


def _report_feedback_errors(
    errors: list[tuple[str, str]], gradebook: Path, feedback_dir: Path | None
) -> None:
    """A line for each of the first few feedback files that could not be written, and how to write them."""
    for student, why in errors[:5]:
        click.echo(f"feedback not written for {student}: {why}", err=True)
    if len(errors) > 5:
        click.echo(f"... and for {_students(len(errors) - 5)} more", err=True)
    if errors:
        click.echo(
            f"the gradebook has their feedback: once the folder is fixed, run backprop-grader feedback "
            f"--gradebook {gradebook} --out {feedback_dir}",
            err=True,
        )


@click.command("export")
@gradebook_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("csv", "json", "canvas", "moodle", "moodle-worksheet", "blackboard")),
    default="csv",
    show_default=True,
    help="csv/json: every column; canvas/moodle: CSV their gradebook import reads; moodle-worksheet: the "
    "assignment's grading worksheet (--roster) filled in; blackboard: the Grade Center upload of the "
    "assignment's column (--roster) (docs/gradebook.md).",
)
@click.option(
    "--out",
    type=GivenPath(dir_okay=False, path_type=Path, dash_is_stdout=True),
    help="Write here instead of stdout (-: stdout).",
)
@click.option(
    "--assignment",
    default="Backprop",
    show_default=True,
    callback=check_column_name,
    help="Column name of the grade (LMS formats; blackboard: the Grade Center column to fill in, needed "
    "only where the download has more than one).",
)
@click.option(
    "--roster",
    type=GivenPath(exists=True, dir_okay=False, path_type=Path),
    help="canvas: Canvas's gradebook export; each student's row there (by SIS Login ID, SIS User ID or ID) "
    "gives their Student, ID, SIS User ID, SIS Login ID and Section. moodle-worksheet (needed): the "
    "assignment's grading worksheet, downloaded from Moodle. blackboard (needed): the Grade Center as "
    "Work Offline → Download gives it (.csv or .xls).",
)
@click.option(
    "--out-of",
    type=FiniteFloatRange(min=0, min_open=True),
    help="canvas and moodle: write each grade out of this many points (the percent scaled), for an "
    "assignment worth that much in the LMS, instead of the points out of 143.",
)
def export_command(
    gradebook: Path, fmt: str, out: Path | None, assignment: str, roster: Path | None, out_of: float | None
) -> None:
    """One row per student (their latest submission) from the gradebook.

    \b
    Examples:
      backprop-grader export --format csv --out grades.csv
      backprop-grader export --format canvas --assignment "Backprop 1" --out canvas.csv
      backprop-grader export --format canvas --roster grades.csv --out canvas.csv
      backprop-grader export --format canvas --out-of 100 --out canvas.csv
      backprop-grader export --format moodle-worksheet --roster worksheet.csv --out graded.csv
      backprop-grader export --format blackboard --roster gc_download.xls --out upload.csv
    """
    from grader.blackboard_grade_center import read_grade_center
    from grader.canvas_download import USER_ID_COLUMN, read_canvas_gradebook
    from grader.export import blackboard, export, moodle_worksheet
    from grader.lms_download import DownloadError
    from grader.moodle_download import gradable_worksheet

    if roster is not None and fmt not in ("canvas", "moodle-worksheet", "blackboard"):
        raise SubmissionUnreadable(
            f"--roster is for --format canvas, moodle-worksheet and blackboard only, not {fmt}"
        )
    if out_of is not None and fmt not in ("canvas", "moodle"):
        why = {
            "moodle-worksheet": "it scales to the worksheet's Maximum Grade",
            "blackboard": "it scales to the points of the Grade Center column",
        }.get(fmt, "it writes points")
        raise SubmissionUnreadable(f"--out-of is for --format canvas and moodle only, not {fmt}: {why}")
    if fmt == "moodle-worksheet" and roster is None:
        raise SubmissionUnreadable(
            "--format moodle-worksheet fills in the assignment's grading worksheet: give it with --roster "
            "(Moodle: the assignment → View all submissions → Grading action → Download grading worksheet)"
        )
    if fmt == "blackboard" and roster is None:
        raise SubmissionUnreadable(
            "--format blackboard fills in the assignment's Grade Center column, which an upload finds by the "
            "column id in its header: give the Grade Center download with --roster (Grade Center → Work "
            "Offline → Download)"
        )
    try:
        worksheet = gradable_worksheet(roster) if fmt == "moodle-worksheet" and roster else None
        students = read_canvas_gradebook(roster, USER_ID_COLUMN) if fmt == "canvas" and roster else None
        grade_center = read_grade_center(roster) if fmt == "blackboard" and roster else None
        column = grade_center.column(assignment, roster) if grade_center and roster else None
    except DownloadError as error:
        raise SubmissionUnreadable(str(error)) from None
    missing: list[str] = []
    with _opened(gradebook, must_exist=True) as book:
        if grade_center is not None and column is not None:
            text, missing = blackboard(book.each_current(), grade_center.usernames, column)
        elif worksheet is not None:
            text, missing = moodle_worksheet(book.each_current(), worksheet)
        else:
            text = export(book.each_current(), fmt, assignment, students, out_of)
    write_output(text, out)
    if missing:
        by = "Username" if fmt == "blackboard" else "identity columns"
        click.echo(
            f"note: {_students(len(missing))} {'is' if len(missing) == 1 else 'are'} in no row of {roster} (by "
            f"its {by}), so their grades are not in it: {', '.join(missing)}",
            err=True,
        )


@click.command("feedback")
@gradebook_option
@click.option("--out", "out_dir", type=GivenPath(file_okay=False, path_type=Path), required=True,
              help="Folder for STUDENT.md and STUDENT.html.")  # fmt: skip
@click.option("--student", multiple=True, help="Only these students (repeatable).")
def feedback_command(gradebook: Path, out_dir: Path, student: tuple[str, ...]) -> None:
    """Write each student's feedback (Markdown and HTML) from the gradebook.

    A student whose files cannot be written is listed and the others are still written (exit
    status 1).

    \b
    Example:
      backprop-grader feedback --out feedback/
    """
    from grader.class_folder import feedback_out_problem
    from grader.feedback_files import write_feedback_pages
    from grader.progress import PagesProgress

    with _opened(gradebook, must_exist=True) as book:
        feedback, sources = [], set()
        for s in book.each_current():  # one report at a time: the plots' numbers are all that is kept
            sources.add(s.source)
            if not student or s.student in student:
                feedback.append((s.student, book.feedback_of(s.id), s.report.get("plots")))
        unknown = sorted(set(student) - {name for name, _, _ in feedback})
        if unknown:
            raise SubmissionUnreadable(f"not in {gradebook}: {', '.join(unknown)}")
    if problem := feedback_out_problem(out_dir, sources):
        raise SubmissionUnreadable(problem)
    progress = PagesProgress(sys.stderr, len(feedback))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        failed = write_feedback_pages(out_dir, feedback, written=progress.advance)
    except OSError as error:  # the folder itself
        raise SubmissionUnreadable(
            f"could not write to {out_dir} ({error.strerror}); choose a folder you can write to"
        ) from None
    finally:
        progress.stop()
    with messages_may_be_lost():
        click.echo(f"wrote feedback for {_students(len(feedback) - len(failed))} to {out_dir}", err=True)
        _report_feedback_errors(failed, gradebook, out_dir)
    if failed:
        sys.exit(1)


@click.command("stats")
@gradebook_option
@click.option("--html", "html_out", type=GivenPath(dir_okay=False, path_type=Path),
              help="Also write an HTML page with plots here.")  # fmt: skip
def stats_command(gradebook: Path, html_out: Path | None) -> None:
    """Score distribution, pass rate of every test and the commonest failures.

    \b
    Examples:
      backprop-grader stats
      backprop-grader stats --html class.html
    """
    from grader.render_stats import render_stats_html, render_stats_text
    from grader.stats import class_stats
    from grader.stdout_console import stdout_console

    with _opened(gradebook, must_exist=True) as book:
        stats = class_stats(book)
    with workflow_commands_paused(), reader_may_leave():  # the commonest failures quote students' messages
        render_stats_text(stats, stdout_console(width_when_piped=120))
    if html_out is not None:
        try:
            write_output(render_stats_html(stats), html_out)
        except Exception as error:  # noqa: BLE001 - plotting failures must not hide the tables above
            if isinstance(error, click.ClickException):
                raise
            raise GraderBroken(f"could not draw the HTML page: {error}") from None


COMMANDS = (grade_all_command, export_command, feedback_command, stats_command)


def _students(count: int) -> str:
    return f"{count} student{'' if count == 1 else 's'}"

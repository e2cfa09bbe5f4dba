"""The backprop-grader command line: parse, call the library, render, exit.

Exit status: 0 graded; 1 graded but below --fail-under; 2 usage error or
unreadable submission; 3 the grader itself could not run; 130 stopped by Ctrl-C, SIGTERM or SIGHUP.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader import __version__
from grader.ci_log import workflow_commands_paused
from grader.cli_bulk import COMMANDS
from grader.cli_errors import (
    GraderBroken,
    Interrupted,
    OneLineErrors,
    SubmissionUnreadable,
    reader_may_leave,
    refuse_a_broken_suite,
    unwritable,
    write_output,
)
from grader.cli_lms import COMMANDS as LMS_COMMANDS
from grader.cli_notebooks import COMMANDS as NOTEBOOK_COMMANDS
from grader.cli_options import FiniteFloatRange, GivenPath, check_student, limit_options, stack, worker_limits

if TYPE_CHECKING:
    from grader.worker import WorkerLimits
from grader.cli_quiz import quiz
from grader.output_streams import never_failing_output, utf8_stdout
from grader.stop_signals import stop_signals_as_interrupt

FORMATS = ("text", "json", "gradescope", "github", "junit")


@click.group(
    cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="backprop-grader")
def main() -> None:
    """Grade the backpropagation exercises.

    \b
    Examples:
      backprop-grader check                                  (students: public tests on ./exercises)
      backprop-grader grade examples/submissions/correct     (instructors: hidden tests and scores)
      backprop-grader grade alice.zip --format json
      backprop-grader quiz take --student alice              (students: the practice questions)
    """
    never_failing_output()
    stop_signals_as_interrupt()  # every command unwinds as after Ctrl-C: no scratch or partial file left


main.add_command(quiz)
for _command in (*COMMANDS, *LMS_COMMANDS, *NOTEBOOK_COMMANDS):
    main.add_command(_command)


#: options of every command that prints a report
output_options = stack(
    click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="text: tables for people; json: the stable document in README.md; gradescope: results.json; "
        "github: workflow annotations and a job summary; junit: JUnit XML (docs/ci.md).",
    ),
    click.option(
        "--output",
        type=GivenPath(dir_okay=False, path_type=Path, dash_is_stdout=True),
        help="Write the report to this file instead of the terminal (-: the terminal).",
    ),
    click.option(
        "--exercise",
        "only",
        multiple=True,
        type=click.Choice(("activations", "backprop", "gradcheck", "deep")),
        help="Report (and apply --fail-under to) only this exercise file's tests; repeatable, no quiz.",
    ),
    click.option(
        "--fail-under",
        type=FiniteFloatRange(0, 100),
        help="Exit with status 1 when the percentage is below this.",
    ),
)


@main.command()
@click.argument("submission", type=GivenPath(path_type=Path))
@output_options
@click.option(
    "--report",
    type=GivenPath(dir_okay=False, path_type=Path),
    help="Also write a self-contained HTML report here: the feedback, what each mistake is, and plots "
    "of your functions beside the reference.",
)
@click.option(
    "--student",
    callback=check_student,
    help="Whose submission this is, as CI or Gradescope knows them: the quiz's own numbers are drawn "
    "for this id, whatever answers.toml says (without it, the id in answers.toml counts).",
)
@limit_options
def grade(
    submission: Path,
    fmt: str,
    output: Path | None,
    only: tuple[str, ...],
    fail_under: float | None,
    timeout: float,
    total_timeout: float,
    require_sandbox: bool,
    memory_mb: int,
    report: Path | None,
    student: str | None,
) -> None:
    """Grade SUBMISSION with the hidden tests.

    SUBMISSION is a folder holding activations.py, backprop.py, gradcheck.py and
    deep.py, a .zip of such a folder, or a Jupyter notebook (.ipynb, alone or in
    the folder) whose solution cells hold the functions. Each function is
    compared with the reference solution and with finite differences; a missing
    file scores 0 on its tests.

    \b
    Examples:
      backprop-grader grade examples/submissions/correct
      backprop-grader grade alice.zip --format json --output alice.json
      backprop-grader grade bob.ipynb
      backprop-grader grade submission/ --fail-under 60
      backprop-grader grade submission/ --report report.html
      backprop-grader grade submission/ --student alice --format gradescope
    """
    limits = worker_limits(timeout, total_timeout, memory_mb)
    from grader.class_folder import class_download_note

    if class_download := class_download_note(submission):
        click.echo(f"note: {class_download}", err=True)
    _run(submission, "hidden", fmt, output, only, fail_under, limits, require_sandbox, report, student)


@main.command()
@click.argument("directory", type=GivenPath(path_type=Path), default="exercises")
@output_options
@limit_options
def check(
    directory: Path,
    fmt: str,
    output: Path | None,
    only: tuple[str, ...],
    fail_under: float | None,
    timeout: float,
    total_timeout: float,
    require_sandbox: bool,
    memory_mb: int,
) -> None:
    """Run the public tests on your exercise files while you work.

    DIRECTORY defaults to ./exercises (or, run inside that folder, the folder
    itself). The public tests check the lessons' worked examples and a few
    edge cases; the hidden tests that decide your grade check much more, so a
    full score here is a start, not a guarantee.

    \b
    Examples:
      backprop-grader check
      backprop-grader check my_work/exercises
      backprop-grader check exercises/activations.py   (that file's tests only)
    """
    if directory == Path("exercises") and not directory.exists() and _holds_exercise_files(Path(".")):
        directory = Path(".")  # run in the exercises folder itself (cd exercises, then check)
    if not directory.exists():
        raise SubmissionUnreadable(
            f"{directory} does not exist: run check in the folder that holds your exercises/ folder, "
            "or name the folder: backprop-grader check path/to/exercises"
        )
    directory, only = _one_exercise_file(directory, only)
    limits = worker_limits(timeout, total_timeout, memory_mb)
    _run(directory, "public", fmt, output, only, fail_under, limits, require_sandbox)


def _holds_exercise_files(folder: Path) -> bool:
    from grader.exercise_api import EXERCISE_FILES

    return any((folder / name).is_file() for name in EXERCISE_FILES)


def _one_exercise_file(path: Path, only: tuple[str, ...]) -> tuple[Path, tuple[str, ...]]:
    """check of one exercise file (exercises/activations.py) is check of its folder with
    --exercise activations, unless --exercise says otherwise: the files import each other, so the
    folder is what is graded. Any other path is left as it is."""
    from grader.exercise_api import EXERCISES

    if path.suffix == ".py" and path.stem in EXERCISES and path.is_file():
        return path.parent, only or (path.stem,)
    return path, only


def _run(
    path: Path,
    suite: str,
    fmt: str,
    output: Path | None,
    only: tuple[str, ...],
    fail_under: float | None,
    limits: WorkerLimits,
    require_sandbox: bool,
    report: Path | None = None,
    student: str | None = None,
) -> None:
    from grader.grading import GradingFailed, SandboxUnavailable, grade_path, only_exercises
    from grader.paths import GraderSetupError
    from grader.quiz.bank import BankError
    from grader.scratch import ScratchFull
    from grader.submission import SubmissionError

    try:
        result = grade_path(
            path,
            suite=suite,
            limits=limits,
            require_sandbox=require_sandbox,
            student=student,
            plots=report is not None,
        )
    except (SubmissionError, SandboxUnavailable) as error:
        raise SubmissionUnreadable(str(error)) from None
    except (GraderSetupError, GradingFailed, BankError, ScratchFull) as error:
        raise GraderBroken(f"grading could not run: {error}") from None
    except KeyboardInterrupt:
        raise Interrupted(
            "interrupted (Ctrl-C, SIGTERM or SIGHUP) before grading finished; nothing was graded"
        ) from None
    if only:
        result = only_exercises(result, only)
    with reader_may_leave():  # the report file and --fail-under still count
        _emit(result, fmt, output)
    if report is not None:
        from grader.render_report import report_page

        write_output(report_page(result), report)
    if fail_under is not None and result.percent < fail_under:
        click.echo(f"score {result.percent:.1f}% is below --fail-under {fail_under:g}%", err=True)
        sys.exit(1)


@main.command("gradescope-bundle")
@click.argument("out", type=GivenPath(dir_okay=False, path_type=Path))
def gradescope_bundle(out: Path) -> None:
    """Build the Gradescope autograder zip OUT (setup.sh, run_autograder, the grader with its hidden tests).

    Upload OUT as the autograder of a Gradescope programming assignment; students
    upload their exercise files (or a zip of them). Details: docs/ci.md.

    \b
    Example:
      backprop-grader gradescope-bundle autograder.zip
    """
    from grader.gradescope_bundle import build_bundle

    refuse_a_broken_suite("hidden", out)
    try:
        count = build_bundle(out)
    except OSError as error:
        if error.filename and Path(error.filename).parent != out.parent:  # one of the grader's own files
            raise GraderBroken(
                f"could not read {error.filename} ({error.strerror}); reinstall the grader"
            ) from None
        raise unwritable(out, error) from None
    click.echo(f"wrote {out} ({count} files): upload it as the assignment's autograder")


def _rendered(result, fmt: str) -> str:
    """Every format but text, as one string."""
    if fmt == "json":
        from grader.render_json import render_json

        return render_json(result)
    if fmt == "gradescope":
        from grader.render_gradescope import render_gradescope

        return render_gradescope(result)
    if fmt == "github":
        from grader.render_github import append_step_summary, render_github

        append_step_summary(result)
        return render_github(result)
    from grader.render_junit import render_junit

    return render_junit(result)


def _emit(result, fmt: str, output: Path | None) -> None:
    from grader.render_text import render_text
    from grader.stdout_console import file_console, stdout_console

    if output is None:
        if fmt != "text":
            utf8_stdout()
        if fmt == "text":  # it quotes the student's output and messages as they are
            with workflow_commands_paused():
                render_text(result, stdout_console(width_when_piped=110))
        else:
            click.echo(_rendered(result, fmt), nl=False)
        return
    try:
        with output.open("w", encoding="utf-8") as stream:
            if fmt == "text":
                render_text(result, file_console(stream, width=110))
            else:
                stream.write(_rendered(result, fmt))
    except OSError as error:
        click.echo(_rendered(result, "json"), nl=False)
        raise SubmissionUnreadable(
            f"could not write {output}: {error.strerror}; the report is printed above as JSON"
        ) from None
    click.echo(
        f"{result.submission}: {result.score:g}/{result.max_score:g} ({result.percent:.1f}%) -> {output}"
    )

"""Commands that produce what students and nbgrader get: release, nbgrader-source."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import click

from grader.cli_errors import (
    GraderBroken,
    SubmissionUnreadable,
    copy_failures,
    os_error_reason,
    refuse_a_broken_suite,
    unwritable,
)
from grader.cli_options import GivenPath, check_nbgrader_assignment

NBGRADER_CONFIG = """\
# Written by backprop-grader nbgrader-source. The notebook's test cells call the grader,
# so it must be installed (with its reference solutions) in the kernel nbgrader runs.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "backprop"
"""


@click.command("release")
@click.argument("out", type=GivenPath(file_okay=False, path_type=Path))
@click.option("--notebooks", is_flag=True, help="Also put the exercises in one notebook, backprop.ipynb.")
def release_command(out: Path, notebooks: bool) -> None:
    """Write the student kit to the new folder OUT.

    The stubs, an installable grader without reference code, hidden tests or answers
    (so `backprop-grader check` works in the kit), the quiz questions and an
    answers.toml template, a student README, and the GitHub workflows.

    \b
    Examples:
      backprop-grader release student-kit
      backprop-grader release student-kit --notebooks
    """
    from grader.paths import GraderSetupError
    from grader.quiz.bank import BankError
    from grader.release import ReleaseError, release_kit

    refuse_a_broken_suite("public", out)
    try:
        files = release_kit(out, notebooks=notebooks)
    except ReleaseError as error:
        raise SubmissionUnreadable(str(error)) from None
    except (GraderSetupError, BankError) as error:
        raise GraderBroken(f"could not write the kit: {error}") from None
    except OSError as error:
        said = (
            f"could not write the kit to {out} ({os_error_reason(error)}); what was written of it was removed"
        )
        if _in_folder(error, out):  # where it goes, not what it is made of: the user's to choose
            raise SubmissionUnreadable(
                f"{said}; choose a folder you can write to, with room for it"
            ) from None
        raise GraderBroken(said) from None
    click.echo(f"wrote the student kit to {out} ({len(files)} files)")


def _in_folder(error: OSError, folder: Path) -> bool:
    """Whether error is about a path in folder (for shutil.copytree's shutil.Error, its first
    failure's target)."""
    failures = copy_failures(error)
    if failures and isinstance(failures[0], tuple) and len(failures[0]) == 3:
        names = [failures[0][1]]
    else:
        names = [error.filename, error.filename2]
    inside = folder.resolve()
    return any(name and Path(os.fsdecode(name)).resolve().is_relative_to(inside) for name in names)


@click.command("nbgrader-source")
@click.argument("out", type=GivenPath(file_okay=False, path_type=Path))
@click.option(
    "--assignment",
    default="backprop",
    show_default=True,
    callback=check_nbgrader_assignment,
    help="nbgrader assignment name (letters, digits and _ . -).",
)
def nbgrader_source_command(out: Path, assignment: str) -> None:
    """Write nbgrader's source notebook into the course folder OUT.

    OUT/source/ASSIGNMENT/backprop.ipynb, with solution cells, read-only instructions
    and autograded test cells whose hidden tests grade exactly like `backprop-grader
    grade` (points as partial credit), plus OUT/nbgrader_config.py if there is none.
    Then: cd OUT && nbgrader generate_assignment ASSIGNMENT.

    \b
    Example:
      backprop-grader nbgrader-source course && cd course && nbgrader generate_assignment backprop
    """
    from grader.exercise_api import EXERCISE_POINTS
    from grader.grading import SuiteUnusable, suite_points
    from grader.notebooks import NOTEBOOK_NAME, notebook_text, source_notebook
    from grader.paths import GraderSetupError, reference_dir
    from grader.whole_file import write_whole

    target = out / "source" / assignment / NOTEBOOK_NAME
    try:
        points = suite_points("hidden")  # the test cells are worth what the tests are
    except SuiteUnusable as error:
        raise GraderBroken(f"not writing {target}: {error}") from None
    try:
        text = notebook_text(source_notebook(reference_dir(), points or EXERCISE_POINTS))
        if target.is_file() and target.read_text(encoding="utf-8", errors="replace") != text:
            raise SubmissionUnreadable(
                f"{target} exists and is not the notebook this version writes (edited by hand, or written by "
                "another version); move it away, or use another --assignment, and run again"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        write_whole(target, text)
        config = out / "nbgrader_config.py"
        if not config.exists():
            config.write_text(NBGRADER_CONFIG, encoding="utf-8")
    except GraderSetupError as error:
        raise GraderBroken(str(error)) from None
    except OSError as error:
        raise unwritable(target, error) from None
    click.echo(
        f"wrote {target}; next: cd {shlex.quote(str(out))} && nbgrader generate_assignment {assignment}"
    )


COMMANDS = (release_command, nbgrader_source_command)

"""Commands that sort a learning-management system's download of every submission into one
folder per student, for grade-all: sort-canvas and sort-moodle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader.cli_errors import SubmissionUnreadable
from grader.cli_options import GivenPath

if TYPE_CHECKING:
    from grader.lms_download import SortedDownload

out_option = click.option(
    "--out",
    type=GivenPath(file_okay=False, path_type=Path),
    required=True,
    help="A new or empty folder for one folder per student.",
)


def _sort(sort: Callable[[], SortedDownload], download: Path, roster: Path | None, out: Path) -> None:
    """Run sort, print its notes and what it made, and turn what can go wrong into one line and exit 2."""
    from grader.lms_download import DownloadError
    from grader.mended_text import printable

    try:
        result = sort()
    except DownloadError as error:
        raise SubmissionUnreadable(str(error)) from None
    except OSError as error:
        raise SubmissionUnreadable(
            f"could not sort {download} into {out} ({error.strerror}: {error.filename}); check that you can "
            "read the one and write to the other"
        ) from None
    for note in result.notes:  # they quote names from the download, which may hold escape sequences
        click.echo(f"note: {printable(note)}", err=True)
    if not result.students:
        course = f"; is {roster} this course's?" if roster is not None else ""
        raise SubmissionUnreadable(
            f"no student of {download} could be sorted (the notes above say why){course}"
        )
    late = f" (handed in late: {', '.join(result.late)})" if result.late else ""
    students = f"{len(result.students)} student{'' if len(result.students) == 1 else 's'}"
    click.echo(f"sorted the files of {students} into {out}{late}", err=True)
    click.echo(f"next: backprop-grader grade-all {out}", err=True)


@click.command("sort-canvas")
@click.argument("download", type=GivenPath(exists=True, path_type=Path))
@click.option(
    "--roster",
    type=GivenPath(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Canvas's gradebook export (Grades → Export → Export Entire Gradebook): its ID column says whose "
    "each file is, and the --id-column names their folder.",
)
@out_option
@click.option(
    "--id-column",
    type=click.Choice(("SIS Login ID", "SIS User ID", "ID")),
    default="SIS Login ID",
    show_default=True,
    help="The roster's column that names each student's folder: the id your students drew their quiz "
    "numbers for (ID: Canvas's own user number, for a Canvas without SIS ids).",
)
def sort_canvas_command(download: Path, roster: Path, out: Path, id_column: str) -> None:
    """Sort Canvas's "Download Submissions" into one folder per student, for grade-all.

    DOWNLOAD is the submissions.zip Canvas gives, or the folder it was unzipped into:
    every student's files side by side, each named <name>_<user id>_<submission id>_<file>
    (with _late_ after the name when handed in late, and -1, -2 before the extension when
    uploaded again). Each student's files go to OUT/<SIS Login ID>/ (or --id-column) under
    the names they uploaded, so grade-all grades them under the id their quiz numbers were
    drawn for, and export --format canvas --roster writes rows Canvas matches. Students not
    in the roster are listed and left out.

    \b
    Example:
      backprop-grader sort-canvas submissions.zip --roster grades.csv --out submissions/
      backprop-grader grade-all submissions/
    """
    from grader.canvas_download import read_roster, sort_download

    _sort(lambda: sort_download(download, read_roster(roster, id_column), out), download, roster, out)


@click.command("sort-moodle")
@click.argument("download", type=GivenPath(exists=True, path_type=Path))
@click.option(
    "--worksheet",
    type=GivenPath(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The assignment's grading worksheet (View all submissions → Grading action → Download grading "
    "worksheet): its Identifier says whose each file is, and the --id-column names their folder.",
)
@out_option
@click.option(
    "--id-column",
    default="Email address",
    show_default=True,
    help="The worksheet's column that names each student's folder: the id your students drew their quiz "
    "numbers for (an identity field your Moodle shows, such as ID number or Username).",
)
def sort_moodle_command(download: Path, worksheet: Path, out: Path, id_column: str) -> None:
    """Sort Moodle's "Download all submissions" into one folder per student, for grade-all.

    DOWNLOAD is the zip Moodle gives, or the folder it was unzipped into: a folder per
    student named <full name>_<participant>_assignsubmission_file (or, without "Download
    submissions in folders", the files themselves with that in front of their names). Each
    student's files go to OUT/<email address>/ (or --id-column), the id read from the
    worksheet's row for their participant number, so grade-all grades them under the id
    their quiz numbers were drawn for, and export --format moodle-worksheet --roster fills
    in the same rows. Students not in the worksheet are listed and left out.

    \b
    Example:
      backprop-grader sort-moodle download.zip --worksheet worksheet.csv --out submissions/
      backprop-grader grade-all submissions/
      backprop-grader export --format moodle-worksheet --roster worksheet.csv --out graded.csv
    """
    from grader.moodle_download import read_worksheet, sort_download, worksheet_roster

    def sort() -> SortedDownload:
        roster = worksheet_roster(read_worksheet(worksheet), worksheet, id_column)
        return sort_download(download, roster, out)

    _sort(sort, download, worksheet, out)


@click.command("sort-blackboard")
@click.argument("download", type=GivenPath(exists=True, path_type=Path))
@out_option
def sort_blackboard_command(download: Path, out: Path) -> None:
    """Sort Blackboard's Assignment File Download into one folder per student, for grade-all.

    DOWNLOAD is the zip Blackboard Learn gives (Grade Center → the assignment's column →
    Assignment File Download), or the folder it was unzipped into: each attempt's files named
    <assignment>_<username>_attempt_<time>_<file>, beside a receipt of the attempt
    (..._attempt_<time>.txt) that names the student and the files as handed in. The files of
    each student's latest attempt go to OUT/<username>/ under the names they handed in, so
    grade-all grades them under the id students log in with, which export --format blackboard
    writes back as the Grade Center's Username.

    \b
    Example:
      backprop-grader sort-blackboard gradebook_COURSE_Backprop.zip --out submissions/
      backprop-grader grade-all submissions/
      backprop-grader export --format blackboard --roster gc_download.xls --out upload.csv
    """
    from grader.blackboard_download import sort_download

    _sort(lambda: sort_download(download, out), download, None, out)


COMMANDS = (sort_canvas_command, sort_moodle_command, sort_blackboard_command)

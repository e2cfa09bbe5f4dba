"""Whether grade-all can start on a folder: a class's folder, not one student's submission, a
file, or an LMS's download still to be sorted; and its feedback folder made. Also what grade says
when given such a download."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from grader.roster import is_one_submission, lms_download_only, zip_download_of
from grader.unpack import Budget, SubmissionError, check_zip_size


def check_start(root: Path, feedback_dir: Path | None) -> None:
    """Raise CannotStart if a run on root cannot start: root is one student's submission rather than
    a class's (a file, or roster.is_one_submission), holds only Canvas's or Moodle's download of
    every submission, or feedback_dir is inside it or cannot be made (it is made here), or the
    working folder is gone (removed since the shell went into it: the job processes start from it)."""
    try:
        os.getcwd()
    except OSError as error:
        raise CannotStart(
            f"the working folder cannot be found ({error.strerror}): it was removed or moved since the "
            "shell went into it; change to a folder that exists (cd) and run the command again"
        ) from None
    if root.is_file():
        raise CannotStart(_file_given(root))
    if is_one_submission(root):
        raise CannotStart(
            f"{root} holds exercise files itself, so it is one student's submission: grade it with "
            f"backprop-grader grade {root}, or give grade-all the folder that holds one folder, .zip or "
            ".ipynb per student"
        )
    if lms := lms_download_only(root):
        raise CannotStart(lms)
    if feedback_dir is not None:
        if feedback_dir.resolve().is_relative_to(root.resolve()):
            raise CannotStart(_in_class_folder("--feedback-dir", feedback_dir, root))
        try:
            feedback_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CannotStart(
                f"could not create the --feedback-dir {feedback_dir} ({error.strerror}); choose a folder you "
                "can write to"
            ) from None


def _in_class_folder(option: str, folder: Path, root: Path) -> str:
    return (
        f"the {option} {folder} is in the class folder {root}, where each run would take it (or its "
        "files) for a student's submission; choose a folder outside it, such as one beside it"
    )


def feedback_out_problem(out_dir: Path, sources: Iterable[str]) -> str | None:
    """Why feedback may not write into out_dir: it is inside the class folder of one of sources (the
    gradebook's submissions, as grade-all was given them), where the next grade-all would grade it
    as a student's submission. Only sources found from the working folder count: grade-all stores
    them as it was given them, so one relative to another working folder names something else here."""
    target = out_dir.resolve()
    for root in {Path(source).parent for source in sources if Path(source).exists()}:
        if target.is_relative_to(root.resolve()):
            return _in_class_folder("--out", out_dir, root)
    return None


def _file_given(path: Path) -> str:
    """What to do instead when grade-all is given a file: an LMS's download of every submission
    as one zip, most likely, or one student's zip or notebook."""
    message = f"{path} is a file: grade-all grades a folder that holds one folder, .zip or .ipynb per student"
    suffix = path.suffix.lower()
    if suffix == ".zip" and (lms := zip_download_of(path)) is not None:
        return f"{message}. It is {lms.zip_is_it(path)}"
    if suffix == ".zip":
        return (
            f"{message}. If it holds the whole class, unzip it (unzip {path} -d class/) and give grade-all "
            f"that folder; if it is one student's, grade it with backprop-grader grade {path}"
        )
    if suffix == ".ipynb":
        return f"{message}; grade one notebook with backprop-grader grade {path}"
    return message


class CannotStart(Exception):
    """The run cannot start (the feedback folder cannot be made, the folder is not a class's):
    nothing was graded."""


def class_download_note(path: Path) -> str | None:
    """What to do instead, if path, given to grade, is a learning-management system's download of
    every submission (which grade would grade as one student's files: the largest set of them it
    finds); else None. It looks at no more than grading would: a zip's list of members only within
    a submission's limits, and nothing that is not a folder or a regular file (a named pipe would be
    waited on). What it cannot read, grading refuses with its own message."""
    try:
        if path.is_dir():
            sort = lms_download_only(path)
        elif path.suffix.lower() == ".zip" and path.is_file():
            check_zip_size(path, str(path), Budget(path))
            lms = zip_download_of(path)
            sort = f"{path} is {lms.zip_is_it(path)}" if lms is not None else None
        else:
            return None
    except (OSError, SubmissionError):
        return None
    return sort and f"{sort} with grade-all; grade grades one student's submission"

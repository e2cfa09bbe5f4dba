"""Whether grade-all can start on a folder: a class's folder, not one student's submission, a
file, or an LMS's download still to be sorted; and its feedback folder made."""

from __future__ import annotations

import os
from pathlib import Path

from grader.roster import is_one_submission, lms_download_only, zip_download_of


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
            raise CannotStart(
                f"the --feedback-dir {feedback_dir} is in the class folder {root}, where each run would take "
                "it (or its files) for a student's submission; choose a folder outside it, such as one beside it"
            )
        try:
            feedback_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CannotStart(
                f"could not create the --feedback-dir {feedback_dir} ({error.strerror}); choose a folder you "
                "can write to"
            ) from None


def _file_given(path: Path) -> str:
    """What to do instead when grade-all is given a file: an LMS's download of every submission
    as one zip, most likely, or one student's zip or notebook."""
    message = f"{path} is a file: grade-all grades a folder that holds one folder, .zip or .ipynb per student"
    suffix = path.suffix.lower()
    if suffix == ".zip" and (lms := zip_download_of(path)) is not None:
        return f"{message}. It is {lms.system}'s download of every submission: {lms.sort_first(path, 'it')}"
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

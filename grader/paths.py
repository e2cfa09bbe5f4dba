"""Where the grader finds its own parts. Paths are resolved here and passed on explicitly."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
HIDDEN_TESTS = PACKAGE_DIR / "hidden_tests"
PUBLIC_TESTS = PACKAGE_DIR / "public_tests"
PYTEST_INI = PACKAGE_DIR / "grading_pytest.ini"
KIT_QUIZZES = PACKAGE_DIR / "kit_quizzes"


class GraderSetupError(Exception):
    """The grader's own installation is incomplete (not the student's fault)."""


def reference_dir() -> Path:
    """The reference solutions: $BACKPROP_GRADER_REFERENCE, else reference/ of this checkout."""
    directory = Path(os.environ.get("BACKPROP_GRADER_REFERENCE", PROJECT_DIR / "reference"))
    if not (directory / "backprop.py").is_file():
        raise GraderSetupError(
            f"the reference solutions are not at {directory}; install the grader from its "
            f"repository with `pip install -e .` or set BACKPROP_GRADER_REFERENCE"
        )
    return directory


def quizzes_dir() -> Path | None:
    """The question banks: $BACKPROP_GRADER_QUIZZES, else quizzes/ of this checkout; None if there are none."""
    directory = Path(os.environ.get("BACKPROP_GRADER_QUIZZES", PROJECT_DIR / "quizzes"))
    if "BACKPROP_GRADER_QUIZZES" not in os.environ and not directory.is_dir():
        directory = KIT_QUIZZES  # the student kit ships the questions without answers here
    return directory if any(directory.glob("*.toml")) else None

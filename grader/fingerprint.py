"""What graded a submission, as one short hash: the grader's code and tests, the reference
solutions and the question banks.

Two reports with the same fingerprint (and grader version) were graded by the same files. An
instructor who fixes a test changes it without changing the version: grade-all then knows that
the submissions it keeps from earlier runs were graded by other tests (bulk.grade_all).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from grader.paths import PACKAGE_DIR, GraderSetupError, quizzes_dir, reference_dir

#: files that decide a grade; templates, caches and the like do not
_GRADING_SUFFIXES = frozenset({".py", ".ini", ".json", ".toml"})


@cache
def grader_fingerprint() -> str:
    """sha256 (its first 16 hex digits) over the names and bytes of every grading file under
    the package, reference/ and the question banks, each named relative to its folder, so the
    same files give the same fingerprint in any checkout. Worked out once per process."""
    digest = hashlib.sha256()
    for label, folder in _folders():
        files = sorted(
            path
            for path in folder.rglob("*")
            if path.suffix in _GRADING_SUFFIXES and "__pycache__" not in path.parts and path.is_file()
        )
        for path in files:
            digest.update(f"{label}/{path.relative_to(folder).as_posix()}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


def _folders() -> list[tuple[str, Path]]:
    folders = [("grader", PACKAGE_DIR)]
    try:
        folders.append(("reference", reference_dir()))
    except GraderSetupError:  # the student kit
        pass
    if (quizzes := quizzes_dir()) is not None:
        folders.append(("quizzes", quizzes))
    return folders

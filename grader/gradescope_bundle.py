"""Build the Gradescope autograder zip: setup.sh and run_autograder at its root, and the
grader (package, hidden tests, reference, question banks) under backprop-grader/.

Gradescope unpacks it to /autograder/source, runs setup.sh once and run_autograder for every
submission; both scripts honour AUTOGRADER_ROOT so the bundle can be tried in any folder.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from grader.paths import PACKAGE_DIR, PROJECT_DIR
from grader.whole_file import replacing

TEMPLATES = PACKAGE_DIR / "templates" / "gradescope"
#: what of the project goes into the bundle, under backprop-grader/
INCLUDED = ("pyproject.toml", "README.md", "grader", "reference", "quizzes")
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache"}


def bundle_files(project: Path = PROJECT_DIR) -> list[tuple[Path, str]]:
    """(source file, name in the zip) for every file of the bundle."""
    files = [(TEMPLATES / name, name) for name in ("setup.sh", "run_autograder")]
    for entry in INCLUDED:
        source = project / entry
        if not source.exists():
            raise FileNotFoundError(f"{source} is missing: build the bundle from a checkout of the grader")
        paths = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        files += [
            (path, f"backprop-grader/{path.relative_to(project).as_posix()}")
            for path in paths
            if not SKIPPED_PARTS & set(path.parts) and path.suffix != ".pyc"
        ]
    return files


def build_bundle(out: Path, project: Path = PROJECT_DIR) -> int:
    """Write the zip to out; return how many files it holds."""
    files = bundle_files(project)
    with replacing(out) as partial, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for source, name in files:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes())
    return len(files)

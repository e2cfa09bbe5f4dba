"""Turn what a student handed in (a folder, a .zip or a notebook) into a private copy to grade.

The grader never runs or imports files where the student left them: it copies regular files
into a fresh scratch folder (grader/unpack.py, grader/scratch.py) and grades that copy. This
module decides what in the copy is the work to grade: a zip inside it, a notebook's solution
cells, the folder with the exercise files, and the quiz answers beside them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from grader.exercise_api import EXERCISE_FILES
from grader.mended_text import printable
from grader.scratch import new_scratch, remove_tree, scratch_full_if_no_room
from grader.unpack import Budget, SubmissionTooLarge, extract_zip, unpack
from grader.unpack import SubmissionError as SubmissionError

ANSWERS_FILE = "answers.toml"


@dataclass(frozen=True)
class PreparedSubmission:
    """A private copy of a submission, ready to grade."""

    source: Path
    directory: Path
    present: tuple[str, ...]
    notes: tuple[str, ...]
    answers: Path | None = None  # the quiz answers file (answers.toml), if handed in
    #: without one, a file named like it ('answers.toml.txt'), as a path relative to the submission
    answers_lookalike: str | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(name for name in EXERCISE_FILES if name not in self.present)

    def missing_notes(self) -> list[str]:
        """A note for each missing exercise file, naming the file it was probably meant to be."""
        notes = []
        for name in self.missing:
            found = lookalike(self.directory, name)
            hint = f" (there is {found}: names must match exactly, so rename it {name})" if found else ""
            notes.append(f"{name} is missing: its tests score 0{hint}")
        return notes


def lookalike(directory: Path, name: str) -> str | None:
    """The name of a file in directory that is name but for case or a copy's number
    ('Activations.py', 'activations (1).py', 'activations.py.txt'), if there is one."""
    try:
        files = sorted(entry.name for entry in directory.iterdir() if entry.is_file())
    except OSError:
        return None
    for candidate in files:
        plain = re.sub(r"\s*\(\d+\)(?=\.)", "", candidate.lower()).removesuffix(".txt")
        if candidate != name and plain == name:
            return candidate
    return None


@contextmanager
def prepared_submission(path: Path) -> Iterator[PreparedSubmission]:
    """Copy the submission at path into a temporary directory; remove it afterwards. ScratchFull if
    the copy does not fit (it must not pass for a student's file that cannot be read)."""
    scratch = new_scratch()
    try:
        with scratch_full_if_no_room():
            prepared = _prepared(path, scratch)
        yield prepared
    finally:
        remove_tree(scratch)


def _prepared(path: Path, scratch: Path) -> PreparedSubmission:
    unpacked = scratch / "unpacked"
    unpacked.mkdir(mode=0o700)  # the grader's alone: a worker may pass scratch (sandbox.give_up_root)
    notes = unpack(path, unpacked)
    notes += _unpack_inner_zips(unpacked, path)
    notes += _files_from_notebook(unpacked, path)
    folders = _exercise_folders(unpacked)
    root = _exercise_root(folders, path)
    directory = scratch / "submission"
    shutil.copytree(root, directory, symlinks=True, copy_function=_copied_or_full)
    present = tuple(name for name in EXERCISE_FILES if (directory / name).is_file())
    if root != unpacked:
        notes.append(f"graded the files in {root.relative_to(unpacked).as_posix()}/")
    if others := _other_copies(folders, unpacked, root):
        notes.append(f"exercise files in {', '.join(others)} were not graded: keep one copy of your files")
    answers, answers_lookalike = _answers_file(root, unpacked)
    # notes name the student's files, whose names may not be UTF-8 or may hold escape sequences
    return PreparedSubmission(
        path,
        directory,
        present,
        tuple(map(printable, notes)),
        answers,
        answers_lookalike and printable(answers_lookalike),
    )


def _copied_or_full(source: str, target: str) -> None:
    """shutil.copy2, raising ScratchFull at once when the copy does not fit: copytree would gather
    that OSError with any others into one shutil.Error, as text, and copy on."""
    with scratch_full_if_no_room():
        shutil.copy2(source, target)


#: how many zips found inside a submission with nothing else to grade are unpacked at the most
MAX_INNER_ZIPS = 5


def _unpack_inner_zips(unpacked: Path, source: Path) -> list[str]:
    """When a submission holds no work but zips (an LMS's folder holding the zip the student
    uploaded, a zip of a zip), unpack them, shallowest first, each into a folder beside it named
    like it (hw.zip into hw/), until one holds work to grade. One level only: zips found in those
    stay as they are."""
    zips = sorted(
        (p for p in unpacked.rglob("*") if p.suffix.lower() == ".zip" and p.is_file()),
        key=lambda p: (len(p.parts), p.as_posix()),
    )
    if not zips or _holds_work(unpacked):
        return []
    notes: list[str] = []
    budget = Budget(source)  # for all of them together, besides the submission's own
    for archive in zips[:MAX_INNER_ZIPS]:
        shown = archive.relative_to(unpacked).as_posix()
        folder = archive.with_suffix("")
        while folder.exists():
            folder = folder.with_name(folder.name + "_")
        try:
            unpacked_notes = extract_zip(archive, folder, shown, budget)
        except SubmissionTooLarge:
            raise
        except SubmissionError as error:  # a damaged zip among others: say so and try the next
            notes.append(str(error))
            continue
        notes += [f"unpacked {shown} into {folder.relative_to(unpacked).as_posix()}/", *unpacked_notes]
        if _holds_work(folder):
            break
    return notes


def _holds_work(folder: Path) -> bool:
    """Whether folder holds, at any depth, an exercise file other than an untouched stub, or a notebook."""
    if any(not untouched_stub(path) for name in EXERCISE_FILES for path in folder.rglob(name)):
        return True
    return any(".ipynb_checkpoints" not in path.parts for path in folder.rglob("*.ipynb"))


@dataclass(frozen=True)
class _Folder:
    """A folder of an unpacked submission and how many exercise files it holds, and of those how
    many hold work (are not the untouched stubs)."""

    path: Path
    with_work: int
    files: int


def _exercise_folders(unpacked: Path) -> list[_Folder]:
    """unpacked and every folder below it, shallowest first, then by name, each with its counts:
    worked out once for both the choice of what to grade and the note on the copies left out."""
    below = (d for d in unpacked.rglob("*") if d.is_dir())
    folders = []
    for directory in [unpacked, *sorted(below, key=lambda d: (len(d.parts), d.as_posix()))]:
        files = [directory / name for name in EXERCISE_FILES if (directory / name).is_file()]
        folders.append(_Folder(directory, sum(not untouched_stub(file) for file in files), len(files)))
    return folders


def _other_copies(folders: list[_Folder], unpacked: Path, root: Path) -> list[str]:
    """The folders other than root that hold exercise files with work in them too (a second
    attempt, a backup), as 'name/' relative to unpacked. The untouched stubs are no copy."""
    return [
        f"{f.path.relative_to(unpacked).as_posix()}/" if f.path != unpacked else "the top folder"
        for f in folders
        if f.path != root and f.with_work
    ]


def untouched_stub(path: Path) -> bool:
    """Whether the exercise file at path is the stub students are given, unchanged (line endings
    and trailing spaces aside). False where the grader has no reference to make the stubs from
    (the student kit)."""
    stubs = _stub_texts(os.environ.get("BACKPROP_GRADER_REFERENCE", ""))
    expected = stubs.get(path.name)
    if expected is None:
        return False
    try:
        return _normalized(path.read_text(encoding="utf-8", errors="replace")) == expected
    except OSError:
        return False


@lru_cache(maxsize=2)
def _stub_texts(reference_setting: str) -> dict[str, str]:
    """{file name: normalized stub} made from the reference (reference_setting: the environment's
    choice of reference, so that a change of it is seen); {} without one."""
    from grader.paths import GraderSetupError, reference_dir
    from grader.stubs import StubError, expected_stubs

    try:
        return {name: _normalized(text) for name, text in expected_stubs(reference_dir()).items()}
    except (GraderSetupError, StubError, OSError):
        return {}


def _normalized(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).rstrip("\n")


def _answers_file(root: Path, unpacked: Path) -> tuple[Path | None, str | None]:
    """answers.toml next to the exercise files, or in a folder above them in the submission; without
    one, the first file in those folders named like it (Windows' hidden 'answers.toml.txt', say), as
    a path relative to unpacked."""
    folders = [root, *root.parents[: len(root.relative_to(unpacked).parts)]]
    for folder in folders:
        if (folder / ANSWERS_FILE).is_file():
            return folder / ANSWERS_FILE, None
    for folder in folders:
        if found := lookalike(folder, ANSWERS_FILE):
            return None, (folder / found).relative_to(unpacked).as_posix()
    return None, None


def _files_from_notebook(unpacked: Path, source: Path) -> list[str]:
    """When a submission has no exercise files but a notebook, write them from its solution cells.

    The notebook is only read (nbformat), never run. The shallowest notebook is used.
    """
    existing = [path for name in EXERCISE_FILES for path in unpacked.rglob(name)]
    if not all(map(untouched_stub, existing)):
        return []  # the student's work is in files
    notebooks = sorted(unpacked.rglob("*.ipynb"), key=lambda p: (len(p.parts), p.name))
    notebooks = [p for p in notebooks if ".ipynb_checkpoints" not in p.parts]
    if not notebooks:
        return []
    from grader.notebooks import NotebookError, exercise_files  # nbformat takes long to import

    try:
        files, notes = exercise_files(notebooks[0])
    except NotebookError as error:
        raise SubmissionError(str(error)) from None
    if not files:
        raise SubmissionError(
            f"{notebooks[0].name} in {source} has none of the exercise cells; use the notebook you were given"
        )
    for name, text in files.items():
        (notebooks[0].parent / name).write_text(text, encoding="utf-8")
    if existing:  # the kit's exercises/ handed in with the notebook the work was done in
        stubs = sorted({path.parent.relative_to(unpacked).as_posix() + "/" for path in existing})
        notes.insert(0, f"{', '.join(stubs)} holds the untouched stubs, so the notebook was graded instead")
    return [
        f"graded the solution cells of {notebooks[0].relative_to(unpacked).as_posix()}, each as its file (line N of "
        "activations.py and the others is line N - 1 of the cell: the first line brings in the cells before)",
        *notes,
    ]


def _exercise_root(folders: list[_Folder], source: Path) -> Path:
    """The folder holding the most exercise files with the student's work in them (not the
    untouched stubs), then the most exercise files; of several, the shallowest, then the first by
    name (folders come in that order, and max keeps the first of equals)."""
    best = max(folders, key=lambda f: (f.with_work, f.files))
    if best.files == 0:
        named = [found for f in folders for n in EXERCISE_FILES if (found := lookalike(f.path, n))]
        if named:
            raise SubmissionError(
                f"no exercise files ({', '.join(EXERCISE_FILES)}) found in {source}, only files named "
                f"like them ({', '.join(named[:4])}); names must match exactly: rename them and grade again"
            )
        raise SubmissionError(
            f"no exercise files ({', '.join(EXERCISE_FILES)}) found in {source}; "
            f"point the grader at the folder that holds them"
        )
    return best.path

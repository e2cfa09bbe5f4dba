"""export, stats and feedback only read the gradebook: one this user may read but not write (a
colleague's, an archived term's, a read-only share) serves them, and they never write to it."""

import sqlite3
from pathlib import Path

import pytest
from conftest import class_folder, in_child, read_only_folder
from conftest import run_cli as run

READERS = {
    "export": ["export", "--format", "csv"],
    "stats": ["stats"],
}


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """A gradebook of two students, graded by grade-all, closed (so no -wal file beside it)."""
    base = tmp_path_factory.mktemp("readers")
    root = class_folder(base / "class", "correct", "no_batch_average")
    book = base / "gradebook.sqlite"
    completed = run("grade-all", str(root), "--gradebook", str(book), "--jobs", "1")
    assert completed.returncode == 0, completed.stderr
    return book


def shelved(book: Path, folder: Path) -> Path:
    """A copy of book alone in folder (made)."""
    folder.mkdir()
    copy = folder / book.name
    copy.write_bytes(book.read_bytes())
    return copy


def read(command: str, book: Path, *more: str) -> str:
    completed = run(*READERS[command], "--gradebook", str(book), *more)
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    return completed.stdout


@pytest.mark.parametrize("command", sorted(READERS))
def test_a_gradebook_in_a_read_only_folder_is_read_as_a_writable_one_is(book, tmp_path, command):
    expected = read(command, book)
    assert sorted(path.name for path in book.parent.glob(f"{book.name}*")) == [book.name]  # SQLite's tidied
    copy = shelved(book, tmp_path / "archive")
    with read_only_folder(copy.parent):
        assert read(command, copy) == expected
    assert sorted(path.name for path in copy.parent.iterdir()) == [book.name]


def test_feedback_is_written_from_a_gradebook_in_a_read_only_folder(book, tmp_path):
    copy = shelved(book, tmp_path / "archive")
    with read_only_folder(copy.parent):
        completed = run("feedback", "--gradebook", str(copy), "--out", str(tmp_path / "feedback"))
    assert completed.returncode == 0, completed.stderr
    assert "wrote feedback for 2 students" in completed.stderr
    written = sorted(path.name for path in (tmp_path / "feedback").iterdir())
    assert written == ["correct.html", "correct.md", "no_batch_average.html", "no_batch_average.md"]


def test_commits_still_in_the_wal_file_of_a_killed_run_are_read_in_a_read_only_folder(book, tmp_path):
    """A run killed with kill -9 leaves its last commits in gradebook.sqlite-wal, not yet in the
    file itself: a reader that read the file alone would show grades that are no longer current."""
    copy = shelved(book, tmp_path / "archive")
    open_until_the_end = []  # closing the last connection would checkpoint the -wal into the file

    def commit_and_die_without_checkpoint() -> str:
        db = sqlite3.connect(copy, isolation_level=None)
        open_until_the_end.append(db)
        db.execute("PRAGMA wal_autocheckpoint = 0")
        db.execute("UPDATE submissions SET student = 'renamed' WHERE student = 'correct'")
        db.execute("UPDATE students SET id = 'renamed' WHERE id = 'correct'")
        return "committed"  # in_child ends the process with os._exit: no checkpoint, -wal kept

    assert in_child(commit_and_die_without_checkpoint) == "committed"
    assert (tmp_path / "archive" / f"{copy.name}-wal").stat().st_size > 0
    with read_only_folder(copy.parent):
        exported = read("export", copy)
    students = [line.split(",")[0] for line in exported.splitlines()[1:]]
    assert sorted(students) == ["no_batch_average", "renamed"]


def test_grade_all_into_a_read_only_gradebook_says_so_before_grading(book, tmp_path):
    copy = shelved(book, tmp_path / "archive")
    class_folder(tmp_path / "class", "relu_prime_at_zero")
    with read_only_folder(copy.parent):
        completed = run("grade-all", str(tmp_path / "class"), "--gradebook", str(copy))
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        f"Error: {copy} is read-only for you (the file or its folder), and grading writes to it; "
        "choose a --gradebook you can write to"
    ]


@pytest.mark.parametrize("command", sorted(READERS))
def test_an_empty_file_is_not_taken_for_a_gradebook_nor_made_one(tmp_path, command):
    """Before 0.4.10 a reader given an empty file wrote the gradebook's tables into it."""
    empty = tmp_path / "gradebook.sqlite"
    empty.touch()
    completed = run(*READERS[command], "--gradebook", str(empty))
    assert completed.returncode == 2
    assert completed.stderr.strip() == f"Error: {empty} is not a gradebook; grade-all writes one"
    assert empty.stat().st_size == 0

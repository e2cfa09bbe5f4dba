"""Removing a scratch folder, whatever the student's code left in it (grader.scratch.remove_tree)."""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, NOBODY, class_folder, dig, in_child, small_filesystem
from conftest import run_cli as run

from grader import scratch
from grader.sandbox import SCRATCH_PREFIX
from grader.scratch import remove_tree


def test_a_tree_deeper_than_recursion_and_paths_go_is_removed_and_links_are_not_followed(tmp_path):
    """Folders 3,000 deep (a path of 6,000 characters), a file in each, links to a folder and a
    file outside, a named pipe: all gone, and what the links point at is untouched."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "kept.txt").write_text("not the student's")
    top = tmp_path / "scratch"
    top.mkdir()
    dig(top / "deep", 3000)
    for folder in (top / "deep", top / "deep" / "d" / "d"):
        (folder / "notes.txt").write_text("x")
    (top / "to_folder").symlink_to(outside)
    (top / "to_file").symlink_to(outside / "kept.txt")
    os.mkfifo(top / "pipe")
    remove_tree(top)
    assert not top.exists() and not top.is_symlink()
    assert (outside / "kept.txt").read_text() == "not the student's"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs another user to remove as")
def test_folders_made_unreadable_are_removed_by_their_owner():
    """A worker of the grader's own user can leave folders it may not open; the grader, the same
    user, opens them up to remove them (root needs no such step)."""
    parent = Path(tempfile.mkdtemp())  # in /tmp, which another user can reach (pytest's folder is root's)
    parent.chmod(0o777)  # where the removing user may remove top itself
    top = parent / "scratch"
    (top / "shut" / "inner").mkdir(parents=True)
    (top / "shut" / "inner" / "notes.txt").write_text("x")
    for folder, _, files in os.walk(top):
        os.chown(folder, NOBODY, NOBODY)
        for name in files:
            os.chown(os.path.join(folder, name), NOBODY, NOBODY)
    (top / "shut" / "inner").chmod(0)
    (top / "shut").chmod(0o500)
    in_child(lambda: str(remove_tree(top)), NOBODY)
    removed = not top.exists()
    remove_tree(parent)
    assert removed


def test_a_folder_moved_away_during_the_removal_ends_it_there(tmp_path, monkeypatch):
    """remove_tree climbs back up through "..": if a folder it is in is moved elsewhere meanwhile,
    ".." is no longer the folder it came from, and it stops rather than go on removing names of
    the folder it came from in whatever folder it reached."""
    top, elsewhere = tmp_path / "scratch", tmp_path / "elsewhere"
    (top / "z" / "b").mkdir(parents=True)
    (top / "victim").mkdir()  # removed after z (sorted names are taken from the end)
    (elsewhere / "victim").mkdir(parents=True)
    (elsewhere / "victim" / "precious.txt").write_text("someone else's")
    inner = os.stat(top / "z" / "b")
    empty_but_folders = scratch._empty_but_folders

    def moving_z_away(folder: int) -> list[str]:
        info = os.fstat(folder)
        if (info.st_dev, info.st_ino) == (inner.st_dev, inner.st_ino):
            os.rename(top / "z", elsewhere / "z")
        return empty_but_folders(folder)

    monkeypatch.setattr(scratch, "_empty_but_folders", moving_z_away)
    remove_tree(top)
    assert (elsewhere / "victim" / "precious.txt").read_text() == "someone else's"
    assert json.dumps(sorted(p.name for p in elsewhere.iterdir())) == '["victim", "z"]'


@pytest.mark.skipif(os.geteuid() != 0, reason="needs another user to remove as")
def test_stale_scratch_folders_are_counted_only_when_removed():
    """A folder of a killed run is removed by the next run; one of another user's stays, and is
    not reported as removed on every run."""
    ended = subprocess.Popen(["true"])
    ended.wait()  # a process id that is gone
    temp = Path(tempfile.mkdtemp())
    temp.chmod(0o1777)  # as /tmp is
    own, others = temp / f"{SCRATCH_PREFIX}{ended.pid}-own", temp / f"{SCRATCH_PREFIX}{ended.pid}-root"
    (others / "submission").mkdir(parents=True)
    (own / "submission").mkdir(parents=True)
    os.chown(own, NOBODY, NOBODY)
    os.chown(own / "submission", NOBODY, NOBODY)

    def remove_as_nobody() -> str:
        tempfile.tempdir = str(temp)
        return str(scratch.remove_stale_scratch())

    removed = in_child(remove_as_nobody, NOBODY)
    left = sorted(path.name for path in temp.iterdir())
    remove_tree(temp)
    assert removed == "1" and left == [others.name]


@pytest.fixture
def full_tmpdir(tmp_path, request):
    """A $TMPDIR with no room for a submission's copy or, with the parameter "no inodes", none even
    for the scratch folder."""
    option = "nr_inodes=1" if getattr(request, "param", "") == "no inodes" else "size=64k"
    with small_filesystem(tmp_path / "full", option) as folder:
        yield folder


NO_ROOM = "there is no room left in {} (No space left on device), where the grader copies each submission"


def with_notes(submission: Path) -> Path:
    """submission with 100 KB of notes beside its files: its copy does not fit in full_tmpdir's 64 KiB.
    (The examples' 22 KB alone would: it was the reference's copy, made first to record the call
    plan, that used to fill it.)"""
    (submission / "notes.txt").write_text("x" * 100_000)
    return submission


def plans_of(kind: str, tmp_path: Path, *first: str) -> dict[str, str]:
    """The environment of a command that records its call plan ("recorded": none kept), or ("kept")
    of one that reads the plan kept by a first command (first) graded under the same conditions."""
    if kind == "recorded":
        return {"BACKPROP_GRADER_CACHE_DIR": ""}
    cache = {"BACKPROP_GRADER_CACHE_DIR": str(tmp_path / "cache")}
    assert run(*first, env=os.environ | cache).returncode == 0
    assert list((tmp_path / "cache" / "plans").iterdir())
    return cache


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a small file system")
@pytest.mark.parametrize("kind", ["recorded", "kept"])
def test_grade_with_a_full_tmpdir_says_so_in_one_line_rather_than_blame_the_reference(
    full_tmpdir, tmp_path, kind
):
    """The copy that did not fit once passed for a student's files that cannot be read: the reference
    solutions, graded without them, lost every test, and grade blamed them."""
    plans = plans_of(kind, tmp_path, "grade", str(EXAMPLES / "correct"))
    submission = with_notes(shutil.copytree(EXAMPLES / "correct", tmp_path / "with notes"))
    completed = run("grade", str(submission), env=os.environ | {"TMPDIR": str(full_tmpdir), **plans})
    assert completed.returncode == 3
    assert completed.stderr == (
        f"Error: grading could not run: {NO_ROOM.format(full_tmpdir)} to grade it: free some space there, "
        "or set TMPDIR to a folder with room, and run the same command again\n"
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a small file system")
@pytest.mark.parametrize("kind", ["recorded", "kept"])
def test_grade_all_with_a_full_tmpdir_stops_stores_nothing_and_grades_everyone_once_there_is_room(
    tmp_path, full_tmpdir, kind
):
    first = class_folder(tmp_path / "first", "correct")
    plans = plans_of(kind, tmp_path, "grade-all", str(first), "--gradebook", str(tmp_path / "first.sqlite"))
    students, book = (
        class_folder(tmp_path / "class", "correct", "no_batch_average"),
        str(tmp_path / "book.sqlite"),
    )
    for submission in students.iterdir():
        with_notes(submission)
    stopped = run(
        "grade-all",
        str(students),
        "--gradebook",
        book,
        env=os.environ | {"TMPDIR": str(full_tmpdir), **plans},
    )
    assert stopped.returncode == 3, stopped.stderr
    assert f"stopped: {NO_ROOM.format(full_tmpdir)}" in stopped.stderr
    assert "(what was graded is kept)" in stopped.stderr and "Traceback" not in stopped.stderr
    assert "0 graded" in stopped.stderr
    finished = run("grade-all", str(students), "--gradebook", book, env=os.environ | plans)
    assert finished.returncode == 0, finished.stderr
    assert "2/2 submissions: 2 graded, 0 already in the gradebook" in finished.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a small file system")
@pytest.mark.parametrize("full_tmpdir", ["no inodes"], indirect=True)
def test_no_room_even_for_the_scratch_folder_is_scratch_full(full_tmpdir, monkeypatch):
    """(A $TMPDIR full from the start is passed over by tempfile, which tries it first; this is one
    that fills up during a run.)"""
    monkeypatch.setattr(tempfile, "tempdir", str(full_tmpdir))
    with pytest.raises(scratch.ScratchFull, match=f"^there is no room left in {full_tmpdir} "):
        scratch.new_scratch()

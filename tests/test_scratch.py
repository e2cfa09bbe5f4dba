"""Removing a scratch folder, whatever the student's code left in it (grader.scratch.remove_tree)."""

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import NOBODY, dig, in_child

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

"""Drawing where matplotlib's own cache folder cannot be written (a read-only or missing home): no
warning on stderr, no `matplotlib-*` folder left in $TMPDIR by each process, one cache kept instead."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, NOBODY
from conftest import run_cli as run

from grader.matplotlib_setup import own_folder


def homeless(tmp_path: Path) -> dict[str, str]:
    """An environment whose home cannot hold a folder, even for root (it lies under a file), and
    whose $TMPDIR is a fresh folder."""
    (tmp_path / "a file").write_text("")
    (tmp_path / "tmp").mkdir()
    env = {
        k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")
    }
    return env | {"HOME": str(tmp_path / "a file" / "home"), "TMPDIR": str(tmp_path / "tmp")}


def test_without_a_writable_home_the_plots_are_drawn_quietly_and_leave_one_cache_folder(tmp_path):
    env = homeless(tmp_path)
    report = run("grade", str(EXAMPLES / "correct"), "--report", str(tmp_path / "report.html"), env=env)
    assert report.returncode == 0, report.stderr
    assert "data:image/svg+xml" in (tmp_path / "report.html").read_text()
    assert "atplotlib" not in report.stderr and "mkdir" not in report.stderr
    cache = tmp_path / "tmp" / f"backprop-grader.matplotlib-{os.getuid()}"
    assert list(cache.glob("fontlist-*.json")) and (cache.stat().st_mode & 0o777) == 0o700

    shutil.copytree(EXAMPLES, tmp_path / "class")
    book, out = str(tmp_path / "book.sqlite"), str(tmp_path / "out")
    graded = run("grade-all", str(tmp_path / "class"), "--gradebook", book, "--feedback-dir", out, env=env)
    assert graded.returncode == 0, graded.stderr
    drawn = run("feedback", "--gradebook", book, "--out", str(tmp_path / "again"), env=env)
    stats = run("stats", "--gradebook", book, "--html", str(tmp_path / "stats.html"), env=env)
    assert drawn.returncode == 0 and stats.returncode == 0, drawn.stderr + stats.stderr
    assert (
        "data:image/svg+xml" in (tmp_path / "again" / "correct.html").read_text()
        and "data:image/svg+xml" in (tmp_path / "out" / "correct.html").read_text()
    )
    assert not any("atplotlib" in p.stderr for p in (graded, drawn, stats))
    # job processes and feedback's drawers leave with os._exit: matplotlib's own temporary
    # folder, removed at exit, stayed behind from each of them
    assert sorted(p.name for p in (tmp_path / "tmp").iterdir() if "matplotlib" in p.name) == [cache.name]


def test_the_own_folder_is_made_private_and_used_again(tmp_path):
    folder = own_folder(tmp_path)
    assert folder == tmp_path / f"backprop-grader.matplotlib-{os.getuid()}"
    assert folder.is_dir() and (folder.stat().st_mode & 0o777) == 0o700
    (folder / "kept").write_text("")
    assert own_folder(tmp_path) == folder and (folder / "kept").exists()


@pytest.mark.parametrize("planted", ["open to others", "a link", "a file"])
def test_a_folder_someone_else_could_have_planted_is_not_used(tmp_path, planted):
    path = tmp_path / f"backprop-grader.matplotlib-{os.getuid()}"
    if planted == "open to others":
        path.mkdir()
        path.chmod(0o777)
    elif planted == "a link":
        (tmp_path / "theirs").mkdir(mode=0o700)
        path.symlink_to(tmp_path / "theirs")
    else:
        path.write_text("")
    assert own_folder(tmp_path) is None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs another user to own the folder")
def test_a_folder_of_another_users_is_not_used(tmp_path):
    path = tmp_path / f"backprop-grader.matplotlib-{os.getuid()}"
    path.mkdir(mode=0o700)
    os.chown(path, NOBODY, NOBODY)
    assert own_folder(tmp_path) is None

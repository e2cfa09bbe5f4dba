"""grade-all, the gradebook, exports, feedback and stats, run as the installed command."""

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    EXAMPLES,
    NOBODY,
    class_folder,
    cli,
    dig,
    grader_copy,
    in_a_terminal_that_closes,
    in_child,
    living_in_session,
    looping_submission,
    run_cli_unread,
    small_filesystem,
)
from conftest import run_cli as run

from grader import __version__
from grader.bulk import RunSummary
from grader.feedback_files import write_feedback
from grader.fingerprint import grader_fingerprint
from grader.gradebook import Gradebook
from grader.progress import PlainProgress
from grader.roster import content_hash, find_submissions
from grader.scratch import remove_tree
from grader.unpack import MAX_FILES, MAX_TOTAL_BYTES, MAX_ZIP_DEPTH

STUDENTS = [
    "correct",
    "forgot_hidden_derivative",
    "relu_prime_at_zero",
    "no_batch_average",
    "sign_flipped_update",
]


def make_class(root: Path, copies: int = 0) -> Path:
    """The example submissions as a class folder, plus a broken zip, a stray file and a folder
    whose name is no student id."""
    root.mkdir()
    for name in STUDENTS:
        shutil.copytree(EXAMPLES / name, root / name)
    for i in range(copies):
        shutil.copytree(EXAMPLES / "correct", root / f"copy{i}")
    (root / "dave.zip").write_bytes(b"not a zip at all")
    (root / "notes.txt").write_text("grading notes")
    shutil.copytree(EXAMPLES / "correct", root / "Garcia, Jose")  # a name that is no student id
    return root


#: a class large enough that a busy machine cannot grade all of it between a test seeing the
#: first submissions stored and the test's kill, signal or prlimit (about 0.1 s a submission)
INTERRUPTED_CLASS_COPIES = 30
INTERRUPTED_CLASS_SIZE = len(STUDENTS) + INTERRUPTED_CLASS_COPIES + 1  # + dave.zip, stored unreadable


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One class graded once: (class folder, gradebook, completed process)."""
    base = tmp_path_factory.mktemp("bulk")
    root = make_class(base / "class")
    book = base / "gradebook.sqlite"
    completed = run(
        "grade-all", str(root), "--gradebook", str(book), "--feedback-dir", str(base / "feedback")
    )
    return root, book, completed


def _edit_report(book: Path, student: str, report: str) -> int:
    """Put report in place of the text stored for student's submission, as sqlite3 could; its id."""
    with contextlib.closing(sqlite3.connect(book)) as db, db:
        (sid,) = db.execute("SELECT max(id) FROM submissions WHERE student = ?", (student,)).fetchone()
        db.execute("UPDATE submissions SET report = ? WHERE id = ?", (report, sid))
    return sid


def test_a_report_changed_into_what_grade_all_never_writes_is_said_to_be_and_can_be_graded_again(
    graded, tmp_path
):
    """A gradebook edited by hand: export, feedback and stats each ended in "the grader failed"
    (a JSONDecodeError; a KeyError for a report that lacked its exercises)."""
    root, book, _ = graded
    copy = tmp_path / "book.sqlite"
    shutil.copy(book, copy)
    sid = _edit_report(copy, "correct", "{}")
    for command in (["export", "--format", "moodle"], ["feedback", "--out", str(tmp_path / "fb")], ["stats"]):
        refused = run(*command, "--gradebook", str(copy))
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert refused.stderr.splitlines()[-1] == (
            f"Error: {copy}: the gradebook holds a report for correct that grade-all did not write (data must "
            "contain ['exercises', 'grader_version', 'max_score', 'percent', 'schema_version', 'score', "
            "'submission', 'suite', 'tests'] properties; was it changed by another program?); delete its row "
            f"(DELETE FROM submissions WHERE id = {sid}) and run grade-all, or run grade-all --regrade"
        )
    _edit_report(copy, "correct", "{not json")  # what grade-all reads too: it grades that one again
    again = run("grade-all", str(root), "--gradebook", str(copy), "--jobs", "1")
    assert again.returncode == 0, again.stderr
    assert "1 of the submissions already in the gradebook was stored with a report grade-all did not write " \
        "(changed by another program?): graded again, in its place" in again.stderr  # fmt: skip
    assert "1 graded" in again.stderr
    rows = list(csv.DictReader(io.StringIO(run("export", "--gradebook", str(copy)).stdout)))
    assert {row["student"]: row["percent"] for row in rows}["correct"] == "100.0"


def grading_in_background(
    root: Path, book: Path, *options: str, stored: int, **popen: Any
) -> subprocess.Popen:
    """grade-all on root, started in the background and handed back once book holds stored submissions."""
    process = subprocess.Popen(
        cli("grade-all", str(root), "--gradebook", str(book), *options), stdout=subprocess.DEVNULL, **popen
    )
    deadline = time.monotonic() + 120
    while stored_count(book) < stored and time.monotonic() < deadline:
        time.sleep(0.05)
    return process


def rows(book: Path, query: str) -> list[tuple]:
    with sqlite3.connect(book) as db:
        return db.execute(query).fetchall()


def stored_count(book: Path) -> int:
    """Submissions in a gradebook another process may be creating right now."""
    try:
        return rows(book, "SELECT count(*) FROM submissions")[0][0] if book.exists() else 0
    except sqlite3.OperationalError:  # not created yet, or locked
        return 0


def test_every_submission_is_graded_like_grade_does(graded):
    root, book, completed = graded
    assert completed.returncode == 0, completed.stderr
    with Gradebook(book) as gradebook:
        current = {s.student: s for s in gradebook.current()}
    assert set(current) == {*STUDENTS, "dave"}
    for name in ("correct", "sign_flipped_update"):
        alone = json.loads(run("grade", str(root / name), "--format", "json").stdout)
        assert current[name].score == alone["score"]
        assert [t["status"] for t in current[name].report["tests"]] == [t["status"] for t in alone["tests"]]
    assert current["correct"].percent == 100.0
    assert current["dave"].status == "unreadable" and "is not a readable zip file" in current["dave"].error
    assert "skipped notes.txt: not a folder, .zip or .ipynb" in completed.stderr
    assert (
        "skipped Garcia, Jose: 'Garcia, Jose' is not usable as a student id (letters, digits and _ @ . + - only, and not . or .. alone); "
        "rename it, to Garcia_Jose say, and run the same command again"
    ) in completed.stderr
    summary = completed.stderr.strip().splitlines()
    assert any(
        line.startswith("6/6 submissions: 5 graded, 0 already in the gradebook, 1 unreadable")
        for line in summary
    )


def test_each_submission_is_stored_whole(graded):
    _, book, _ = graded
    assert rows(book, "PRAGMA integrity_check") == [("ok",)]
    assert rows(book, "PRAGMA user_version") == [(1,)]
    per_submission = rows(
        book,
        "SELECT s.student, s.status, (SELECT count(*) FROM test_results t WHERE t.submission_id = s.id),"
        " (SELECT count(*) FROM quiz_results q WHERE q.submission_id = s.id),"
        " (SELECT count(*) FROM feedback f WHERE f.submission_id = s.id) FROM submissions s",
    )
    for student, status, tests, questions, feedback in per_submission:
        assert feedback == 1, student
        assert (tests, questions) == ((98, 30) if status == "graded" else (0, 0)), student


def test_a_second_run_skips_what_is_graded_and_regrade_replaces_it(graded, tmp_path):
    root, book, _ = graded
    copy = tmp_path / "book.sqlite"
    shutil.copy(book, copy)
    before = rows(copy, "SELECT id, student, content_hash FROM submissions ORDER BY id")
    again = run("grade-all", str(root), "--gradebook", str(copy))
    assert again.returncode == 0
    assert "0 graded, 6 already in the gradebook" in again.stderr
    # the class's mean, kept grades included (the unreadable zip is none of them), as the first run's
    (percents,) = zip(*rows(copy, "SELECT percent FROM submissions WHERE status = 'graded'"))
    assert f"class mean {sum(percents) / len(percents):.1f}%" in again.stderr
    assert (
        again.stderr.count("class mean") == 1
        and f"class mean {sum(percents) / len(percents):.1f}%" in graded[2].stderr
    )
    assert rows(copy, "SELECT id, student, content_hash FROM submissions ORDER BY id") == before
    regraded = run("grade-all", str(root), "--gradebook", str(copy), "--regrade", "--jobs", "2")
    assert "5 graded, 0 already in the gradebook, 1 unreadable" in regraded.stderr
    after = rows(copy, "SELECT student, content_hash FROM submissions ORDER BY student")
    assert after == sorted((s, h) for _, s, h in before)  # replaced, not duplicated


def test_the_content_hash_reads_what_grading_reads_and_only_the_size_of_a_file_too_large_to_grade(tmp_path):
    """A small file counts by its bytes (a notebook's hash is its sha256); one larger than a
    submission may be counts by its size, so a student's huge dataset is not read every run."""
    notebook = tmp_path / "alice.ipynb"
    notebook.write_text("{}")
    assert content_hash(notebook) == hashlib.sha256(b"{}").hexdigest()
    folder = tmp_path / "bob"
    shutil.copytree(EXAMPLES / "correct", folder)
    small = content_hash(folder)
    (folder / "notes.txt").write_text("changed")
    assert content_hash(folder) != small
    with (folder / "data.bin").open("wb") as data:  # sparse: no disk used
        data.truncate(MAX_TOTAL_BYTES + 1)
    before = content_hash(folder)
    with (folder / "data.bin").open("r+b") as data:
        data.seek(MAX_TOTAL_BYTES // 2)
        data.write(b"other bytes, same size")
    assert content_hash(folder) == before  # not read: refused on its size whatever it holds
    with (folder / "data.bin").open("r+b") as data:
        data.truncate(MAX_TOTAL_BYTES + 2)
    assert content_hash(folder) != before


def test_the_content_hash_reads_no_further_than_a_submission_may_hold(tmp_path):
    """Past MAX_FILES files a folder is refused whatever they hold, so the files beyond count by
    name and size: a folder of a student's data is not read in full every run."""
    folder = tmp_path / "bob"
    folder.mkdir()
    for index in range(MAX_FILES + 1):
        (folder / f"{index:05d}.txt").write_text("a")
    before = content_hash(folder)
    (folder / f"{MAX_FILES:05d}.txt").write_text("b")  # the last, beyond what grading copies
    assert content_hash(folder) == before
    (folder / f"{MAX_FILES - 1:05d}.txt").write_text("b")  # the last that grading copies
    assert content_hash(folder) != before


@pytest.mark.skipif(os.geteuid() != 0, reason="needs another user to hash as")
def test_a_file_the_instructor_cannot_read_counts_as_unreadable(tmp_path):
    """unzip keeps the modes a student's zip gives its files, so a class folder can hold a file
    its owner may not read: hashing it raised PermissionError out of grade-all."""
    parent = Path(tempfile.mkdtemp())  # in /tmp, which another user can reach (pytest's folder is root's)
    try:
        shutil.copytree(EXAMPLES / "correct", parent / "bob")
        (parent / "bob" / "notes.txt").write_text("the student's")
        for folder, _, files in os.walk(parent):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
        readable = content_hash(parent / "bob")
        (parent / "bob" / "notes.txt").chmod(0)
        hashed = in_child(lambda: content_hash(parent / "bob"), NOBODY)
    finally:
        remove_tree(parent)
    assert len(hashed) == 64 and hashed != readable, hashed


def test_a_class_with_trees_too_deep_to_walk_by_recursion_is_graded_whole(tmp_path):
    """A student's repository may hold folders thousands deep (a hostile one on purpose), and so
    may a zip: a recursive walk of either raised RecursionError out of grade-all and stopped the
    class. The content hash goes no deeper than grading copies (unpack.MAX_DEPTH), and a zip's
    members in more folders than unpack.MAX_ZIP_DEPTH are skipped with a note."""
    root = tmp_path / "class"
    for student in ("alice", "bob"):
        shutil.copytree(EXAMPLES / "correct", root / student)
    hashed = content_hash(root / "bob")
    dig(root / "bob" / "deep", 1500)  # removed below
    assert content_hash(root / "bob") == hashed  # nothing below MAX_DEPTH is graded
    (root / "bob" / "notes.txt").write_text("within reach")
    assert content_hash(root / "bob") != hashed
    with zipfile.ZipFile(root / "carol.zip", "w") as archive:
        for path in sorted((EXAMPLES / "correct").iterdir()):
            archive.write(path, f"hw/{path.name}")
        archive.writestr("/".join(["d"] * (MAX_ZIP_DEPTH + 1)) + "/x.py", "")
        archive.writestr("/".join(["d"] * MAX_ZIP_DEPTH) + "/kept.txt", "")
    book = tmp_path / "book.sqlite"
    try:
        completed = run("grade-all", str(root), "--gradebook", str(book), "--jobs", "2")
    finally:
        remove_tree(root / "bob" / "deep")
    assert completed.returncode == 0 and "Traceback" not in completed.stderr, completed.stderr[-2000:]
    assert "3 graded, 0 already in the gradebook, 0 unreadable, 0 grader errors" in completed.stderr
    notes = json.loads(rows(book, "SELECT report FROM submissions WHERE student = 'carol'")[0][0])["notes"]
    skipped = [note for note in notes if note.startswith("skipped d/d/")]
    assert len(skipped) == 1 and f"in {MAX_ZIP_DEPTH + 1} nested folders, more" in skipped[0], notes


def test_a_kept_grade_is_read_alike_with_and_without_sqlites_json_reader(graded, tmp_path):
    """Gradebook.kept reads the fingerprint with SQLite's json_extract where it has one, else from
    the report parsed in Python: the same answer either way."""
    _, book, _ = graded
    copy = tmp_path / "book.sqlite"
    shutil.copy(book, copy)
    with Gradebook(copy) as gradebook:
        stored = {s.student: s for s in gradebook.current()}
        keys = [(s.student, s.content_hash, s.grader_version) for s in stored.values()]
        with_sqlite = [gradebook.kept(*key) for key in keys]
    with Gradebook(copy) as gradebook:  # a new connection: SQLite authorizes what it prepares
        asked = []

        def without_json_reader(action: int, _: object, name: str | None, *__: object) -> int:
            if action == sqlite3.SQLITE_FUNCTION and name == "json_extract":
                asked.append(name)
                return sqlite3.SQLITE_DENY  # as an SQLite built without it, the query fails
            return sqlite3.SQLITE_OK

        gradebook._db.set_authorizer(without_json_reader)
        assert [gradebook.kept(*key) for key in keys] == with_sqlite
        assert gradebook.kept("correct", "no such hash", __version__) is None
        assert asked == ["json_extract"]  # tried once, not again for every kept submission
    by_student = dict(zip([key[0] for key in keys], with_sqlite))
    assert (
        by_student["correct"].fingerprint
        == stored["correct"].report["grader_fingerprint"]
        == grader_fingerprint()
    )
    assert by_student["correct"].percent == 100.0
    assert by_student["correct"].limits == {"timeout": 10.0, "total_timeout": 120.0, "memory_mb": 2048}
    assert by_student["dave"].percent is None and by_student["dave"].fingerprint == ""


def test_a_changed_submission_is_graded_again_and_becomes_current(graded, tmp_path):
    root, book, _ = graded
    copy_book, copy_root = tmp_path / "book.sqlite", tmp_path / "class"
    shutil.copy(book, copy_book)
    shutil.copytree(root, copy_root)
    shutil.copy(EXAMPLES / "correct" / "backprop.py", copy_root / "forgot_hidden_derivative" / "backprop.py")
    completed = run("grade-all", str(copy_root), "--gradebook", str(copy_book))
    assert "1 graded, 5 already in the gradebook" in completed.stderr
    history = rows(
        copy_book, "SELECT percent FROM submissions WHERE student = 'forgot_hidden_derivative' ORDER BY id"
    )
    assert len(history) == 2 and history[1][0] > history[0][0]
    with Gradebook(copy_book) as gradebook:
        current = {s.student: s for s in gradebook.current()}
    assert current["forgot_hidden_derivative"].percent == history[1][0]


@pytest.fixture
def short_temp():
    """A temp directory of the test's own with a short path (tmp_path's is too long to hold the
    job server's socket in a scratch folder, so grade-all would leave it out of there)."""
    folder = Path(tempfile.mkdtemp())
    yield folder
    shutil.rmtree(folder)


def test_a_run_killed_midway_finishes_on_the_next_run(tmp_path, short_temp):
    root = make_class(tmp_path / "class", copies=INTERRUPTED_CLASS_COPIES)
    book = tmp_path / "gradebook.sqlite"
    temp = short_temp  # the runs' own temp directory, to see all that they leave in it
    env = {**os.environ, "TMPDIR": str(temp)}
    process = grading_in_background(
        root, book, "--jobs", "1", stored=2, stderr=subprocess.DEVNULL, start_new_session=True, env=env
    )
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert any(temp.iterdir())  # the killed run's scratch folders, and multiprocessing's socket
    stored = rows(book, "SELECT count(*) FROM submissions")[0][0]
    assert 2 <= stored < INTERRUPTED_CLASS_SIZE
    assert rows(book, "PRAGMA integrity_check") == [("ok",)]
    completed = run("grade-all", str(root), "--gradebook", str(book), env=env)
    assert completed.returncode == 0, completed.stderr
    assert f"{stored} already in the gradebook" in completed.stderr
    assert rows(book, "SELECT count(*), count(DISTINCT student) FROM submissions") == [
        (INTERRUPTED_CLASS_SIZE, INTERRUPTED_CLASS_SIZE)
    ]
    orphans = rows(book, "SELECT count(*) FROM submissions s WHERE NOT EXISTS"
                        " (SELECT 1 FROM feedback f WHERE f.submission_id = s.id)")  # fmt: skip
    assert orphans == [(0,)]
    assert list(temp.iterdir()) == []  # the second run removed what the killed one left, and its own


#: the installed command, for tests of where it is run from: `python -m grader` would put the
#: working folder first on sys.path and import a `grader` package there itself
CONSOLE_SCRIPT = Path(sys.executable).with_name("backprop-grader")


def test_grade_all_run_from_a_folder_that_holds_a_grader_package_grades_with_its_own(tmp_path):
    """A checkout of this project, or any folder with a `grader` package in it, as the working
    folder: multiprocessing's forkserver imported the grading code from there (it puts its working
    folder first on sys.path), so every job died, or graded with that code instead."""
    root = class_folder(tmp_path / "class", "correct", "no_batch_average")
    workdir = tmp_path / "course"
    (workdir / "grader").mkdir(parents=True)
    (workdir / "grader" / "__init__.py").write_text(
        "raise SystemExit('the wrong grader package was imported')\n"
    )
    completed = subprocess.run(
        [str(CONSOLE_SCRIPT), "grade-all", str(root), "--gradebook", "book.sqlite", "--jobs", "2"],
        cwd=workdir, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "wrong grader" not in completed.stderr and "Traceback" not in completed.stderr
    assert rows(workdir / "book.sqlite", "SELECT student, percent FROM submissions ORDER BY student") == [
        ("correct", 100.0),
        ("no_batch_average", 45.45),
    ]


def started_child(process: subprocess.Popen, command: bytes) -> int:
    """The pid of the child of process whose command line holds command, as soon as Python has
    started in it (its Ctrl-C handler is set)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        for child in _children().get(process.pid, []):
            try:
                line = Path(f"/proc/{child}/cmdline").read_bytes()
                caught = Path(f"/proc/{child}/status").read_text().split("SigCgt:")[1].split()[0]
            except (OSError, IndexError):
                continue
            if command in line and int(caught, 16) & 1 << (signal.SIGINT - 1):
                return child
        time.sleep(0.001)
    raise AssertionError(f"no {command.decode()} appeared: {process.communicate(timeout=60)[1]}")


def frozen_job_server(process: subprocess.Popen) -> int:
    """The pid of grade-all's job server (multiprocessing's forkserver), frozen with SIGSTOP as soon
    as Python has started in it: it has not imported the grading code yet."""
    server = started_child(process, b"multiprocessing.forkserver import main")
    os.kill(server, signal.SIGSTOP)
    return server


def test_the_resource_tracker_works_in_a_folder_no_run_removes(tmp_path):
    """multiprocessing's resource tracker, which outlives grade-all, was started in the job server's
    scratch folder: stopped in its first moment, grade-all removed that folder while the tracker
    still imported the standard library, and Python 3.13's tracker failed with a traceback."""
    root = class_folder(tmp_path / "class", "correct")
    process = subprocess.Popen(
        cli("grade-all", str(root), "--gradebook", str(tmp_path / "book.sqlite")),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    tracker = started_child(process, b"multiprocessing.resource_tracker import main")
    assert os.readlink(f"/proc/{tracker}/cwd") == "/"
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr


def test_grade_all_stopped_while_its_job_server_starts_is_one_line_and_exit_130(tmp_path):
    """Ctrl-C in a run's first moment, while the job server still imports the grading code and
    grade-all waits for it to start a job process: the server took a KeyboardInterrupt halfway
    through its imports, and the job process, started once grade-all had removed the pool's
    semaphores, a FileNotFoundError, each with its traceback on the terminal."""
    root = class_folder(tmp_path / "class", "correct")
    process = subprocess.Popen(
        cli("grade-all", str(root), "--gradebook", str(tmp_path / "book.sqlite")),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    server = frozen_job_server(process)
    try:
        # grade-all waits for its first job process (a read of the server's answer), for good
        waits = 0
        deadline = time.monotonic() + 60
        while waits < 3 and time.monotonic() < deadline:
            waits = waits + 1 if Path(f"/proc/{process.pid}/wchan").read_text().endswith("pipe_read") else 0
            time.sleep(0.1)
        assert waits == 3, "grade-all did not come to wait for its job server"
        os.killpg(process.pid, signal.SIGINT)
        time.sleep(0.2)  # the signal lands everywhere before the server goes on
    finally:
        os.kill(server, signal.SIGCONT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    assert stderr.splitlines()[-1] == "interrupted: run the same command again to finish"
    assert living_in_session(process.pid, wait=20.0) == [], "a process of the run was left running"


def test_grade_all_that_cannot_make_its_gradebook_leaves_after_its_job_server(tmp_path):
    """A run that ends at once (here a file where the gradebook's folder should be: exit 2) while
    its job server still imports the grading code: grade-all left at once and removed the server's
    working folder under it, which made Python 3.13's server fail to import NumPy, with a
    traceback on the terminal. grade-all now waits for its server to end."""
    root = class_folder(tmp_path / "class", "correct")
    (tmp_path / "text.sqlite").write_text("text\n")
    process = subprocess.Popen(
        cli("grade-all", str(root), "--gradebook", str(tmp_path / "text.sqlite" / "book.sqlite")),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    server = frozen_job_server(process)
    try:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=3)
        left_first = process.poll() is not None
    finally:
        os.kill(server, signal.SIGCONT)
    _, stderr = process.communicate(timeout=120)
    assert not left_first, "grade-all left while its job server was still starting"
    assert process.returncode == 2, stderr
    assert stderr == (
        f"Error: could not create {tmp_path}/text.sqlite/book.sqlite (a file is in the way of its folder); "
        "choose a --gradebook in a folder you can write to\n"
    )
    assert not Path(f"/proc/{server}").exists(), "the job server outlived grade-all"


def test_grade_all_from_a_working_folder_that_is_gone_is_one_line_and_exit_2(tmp_path):
    """A shell left in a folder removed since (a course folder cleaned up, a checkout switched):
    multiprocessing needs the working folder, and grade-all stopped with a traceback."""
    root = class_folder(tmp_path / "class", "correct")
    book = tmp_path / "book.sqlite"
    gone = tmp_path / "gone"
    gone.mkdir()
    completed = subprocess.run(
        ["sh", "-c", 'cd "$1" && rmdir "$1" && exec "$2" grade-all "$3" --gradebook "$4"', "sh",
         str(gone), str(CONSOLE_SCRIPT), str(root), str(book)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr == (
        "Error: the working folder cannot be found (No such file or directory): it was removed or moved "
        "since the shell went into it; change to a folder that exists (cd) and run the command again\n"
    )
    assert not book.exists()


def test_grade_all_runs_with_a_temp_directory_too_long_for_a_socket_inside(tmp_path, short_temp):
    """The job server's socket has a path of at most 107 bytes; with a long TMPDIR it goes to /tmp
    (before, grade-all stopped with a traceback: "AF_UNIX path too long")."""
    temp = short_temp / ("t" * 90)
    temp.mkdir()
    root = tmp_path / "class"
    root.mkdir()
    shutil.copytree(EXAMPLES / "correct", root / "correct")  # its quiz numbers are drawn for "correct"
    book = tmp_path / "book.sqlite"
    completed = run("grade-all", str(root), "--gradebook", str(book), env={**os.environ, "TMPDIR": str(temp)})
    assert completed.returncode == 0, completed.stderr
    assert rows(book, "SELECT student, percent FROM submissions") == [("correct", 100.0)]
    assert list(temp.iterdir()) == []


def test_a_run_killed_with_its_process_group_while_submissions_loop_leaves_no_worker_behind(tmp_path):
    """kill -9 of grade-all's whole process group ends its job processes at once, so none can stop
    its worker; the workers, each in a session of its own, end with their zygotes instead of
    looping on until their CPU limit."""
    root = tmp_path / "class"
    root.mkdir()
    for name in ("a_loops", "b_loops"):
        looping_submission(root / name)
    process = subprocess.Popen(
        cli("grade-all", str(root), "--gradebook", str(tmp_path / "book.sqlite")),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while (
        not any(_cpu_seconds(pid) > 1.0 for pid in _descendants(process.pid)) and time.monotonic() < deadline
    ):
        time.sleep(0.1)  # until a worker has been looping for a second
    tree = _descendants(process.pid)
    looping = [pid for pid in tree if _cpu_seconds(pid) > 1.0]
    assert looping, "no worker started looping"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    _assert_all_end(tree, within=10)


def _assert_all_end(processes: set[int], within: float) -> None:
    """Fail unless every one of processes has ended within that many seconds (naming those left)."""
    deadline = time.monotonic() + within
    while (left := [pid for pid in processes if _alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, [Path(f"/proc/{pid}/cmdline").read_bytes()[:200] for pid in left]


def _cpu_seconds(pid: int) -> float:
    """CPU time pid has used (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_run_killed_alone_with_sigkill_leaves_no_process_behind(tmp_path):
    """kill -9 of grade-all alone (as the OOM killer does, not its process group): its job
    processes notice and stop, taking their zygotes, workers and scratch folders with them."""
    root = make_class(tmp_path / "class", copies=INTERRUPTED_CLASS_COPIES)
    book = tmp_path / "gradebook.sqlite"
    with (tmp_path / "stderr").open("w") as stderr:
        process = grading_in_background(root, book, stored=1, stderr=stderr)
    tree = _descendants(process.pid)
    assert len(tree) >= 3, tree  # the job server, and a job process and a zygote per core
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    _assert_all_end(tree, within=30)
    # this run's scratch folders only: tests in other files may kill a grader of their own meanwhile
    assert not _stale_scratch(owners={process.pid, *tree})
    # what the processes left behind wrote on the terminal: nothing that reads like a fault
    said = (tmp_path / "stderr").read_text()
    assert "Traceback" not in said and "Warning" not in said, said


def test_a_job_process_whose_parent_is_gone_before_its_first_task_ends_quietly(tmp_path):
    """grade-all killed while its job processes start: they stop without printing a traceback on
    the terminal it ran in."""
    script = tmp_path / "pool.py"
    script.write_text(
        "import multiprocessing, subprocess, sys\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from grader.job_pool import _job_init\n"
        "if __name__ == '__main__':\n"
        "    gone = subprocess.Popen([sys.executable, '-c', 'pass'])\n"
        "    gone.wait()\n"
        "    context = multiprocessing.get_context('forkserver')\n"
        "    with ProcessPoolExecutor(1, mp_context=context, initializer=_job_init, initargs=(gone.pid, ())) as pool:\n"
        "        try:\n"
        "            pool.submit(int, 1).result(timeout=60)\n"
        "        except Exception as error:\n"
        "            print(type(error).__name__)\n"
    )
    completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert completed.stdout.strip() == "BrokenProcessPool", completed.stderr  # the job process ended
    assert "Traceback" not in completed.stderr and "Exception in initializer" not in completed.stderr


def test_a_job_process_whose_main_thread_swallows_the_stop_still_leaves_and_cleans_up(tmp_path):
    """The pool sends a task's result back inside `except BaseException: put again`; with the parent
    gone that put blocks for good, and the stop signal's exception is swallowed there. The parent
    watch then runs the cleanup and ends the process itself, EXIT_GRACE_SECONDS later."""
    (tmp_path / "stubborn.py").write_text(
        "import pathlib, time\n"
        f"MARK = pathlib.Path({str(tmp_path / 'cleaned')!r})\n"
        "def swallow(seconds):\n"
        "    end = time.monotonic() + seconds\n"
        "    while time.monotonic() < end:\n"
        "        try:\n"
        "            time.sleep(0.05)\n"
        "        except BaseException:\n"
        "            pass\n"
        "def cleanup():\n"
        "    MARK.write_text('cleanup ran')\n"
    )
    script = tmp_path / "pool.py"
    script.write_text(
        "import multiprocessing, subprocess, sys, time\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "import stubborn\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from grader.job_pool import _job_init\n"
        "if __name__ == '__main__':\n"
        "    parent = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "    context = multiprocessing.get_context('forkserver')\n"
        "    pool = ProcessPoolExecutor(1, mp_context=context, initializer=_job_init,\n"
        "                               initargs=(parent.pid, (), stubborn.cleanup))\n"
        "    future = pool.submit(stubborn.swallow, 120)\n"
        "    time.sleep(3)  # the job process runs the task\n"
        "    parent.kill(); parent.wait()\n"
        "    started = time.monotonic()\n"
        "    try:\n"
        "        future.result(timeout=60)\n"
        "    except Exception as error:\n"
        "        print(type(error).__name__, round(time.monotonic() - started))\n"
    )
    completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    name, seconds = completed.stdout.split()
    assert name == "BrokenProcessPool", completed.stderr  # the job process ended by itself
    from grader.job_pool import EXIT_GRACE_SECONDS

    assert EXIT_GRACE_SECONDS <= int(seconds) + 1 < EXIT_GRACE_SECONDS + 20
    assert (tmp_path / "cleaned").read_text() == "cleanup ran"


def test_a_gradebook_that_cannot_be_written_stops_the_run_with_one_line_and_exit_2(tmp_path):
    """A full disk, as far as SQLite can tell (no file may grow), partway through: the run stops
    at once with one line saying what to do, what was stored stays whole, and the same command
    finishes the job once there is room."""
    root = make_class(tmp_path / "class", copies=INTERRUPTED_CLASS_COPIES)
    book = tmp_path / "gradebook.sqlite"
    process = grading_in_background(root, book, "--jobs", "1", stored=2, stderr=subprocess.PIPE, text=True)
    resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (1, 1))  # grade-all alone: its jobs run on
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr
    assert "Traceback" not in stderr
    stopped = [line for line in stderr.splitlines() if line.startswith("stopped: ")]
    assert len(stopped) == 1 and stopped[0].startswith("stopped: could not store "), stderr
    assert f"in {book} (" in stopped[0] and "run the same command again" in stopped[0]
    stored = rows(book, "SELECT count(*) FROM submissions")[0][0]
    assert 2 <= stored < INTERRUPTED_CLASS_SIZE
    assert rows(book, "PRAGMA integrity_check") == [("ok",)]
    completed = run("grade-all", str(root), "--gradebook", str(book))
    assert completed.returncode == 0, completed.stderr
    assert rows(book, "SELECT count(*), count(DISTINCT student) FROM submissions") == [
        (INTERRUPTED_CLASS_SIZE, INTERRUPTED_CLASS_SIZE)
    ]


def test_feedback_files_are_replaced_whole_and_leave_another_runs_partial_file_alone(tmp_path):
    """Two runs on one class may write alice's files at the same moment: each writes a partial
    file named with its process id, and renames only its own into place."""
    other_writer = tmp_path / f".alice.md.{os.getpid() + 1}.partial"
    other_writer.write_text("half of another run's")
    (tmp_path / "alice.html").mkdir()  # and the .html cannot be written at all
    with pytest.raises(IsADirectoryError):
        write_feedback(tmp_path, "alice", "# alice\n", "<p>alice</p>")
    assert (tmp_path / "alice.md").read_text() == "# alice\n"
    assert other_writer.read_text() == "half of another run's"
    assert sorted(p.name for p in tmp_path.iterdir()) == [other_writer.name, "alice.html", "alice.md"]


def test_feedback_files_that_cannot_be_written_are_listed_and_the_grades_kept(tmp_path):
    root = make_class(tmp_path / "class")
    book, out = tmp_path / "gradebook.sqlite", tmp_path / "feedback"
    (out / "correct.md").mkdir(parents=True)  # a folder where the file should go
    completed = run("grade-all", str(root), "--gradebook", str(book), "--feedback-dir", str(out))
    assert completed.returncode == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    assert f"feedback not written for correct: Is a directory ({out / 'correct.md'})" in completed.stderr
    assert f"run backprop-grader feedback --gradebook {book} --out {out}" in completed.stderr
    assert rows(book, "SELECT count(*) FROM submissions") == [(6,)]
    written = sorted(p.name for p in out.iterdir())
    assert "forgot_hidden_derivative.html" in written and "dave.md" in written  # the others are written
    assert not [name for name in written if name.endswith(".partial")]
    assert "correct.html" in written  # its page is written all the same
    # the feedback command does the same: the others written, the one listed, exit 1
    shutil.rmtree(out)
    (out / "dave.md").mkdir(parents=True)
    partly = run("feedback", "--gradebook", str(book), "--out", str(out))
    assert partly.returncode == 1 and "Traceback" not in partly.stderr, partly.stderr
    assert "wrote feedback for 5 students" in partly.stderr
    assert f"feedback not written for dave: Is a directory ({out / 'dave.md'})" in partly.stderr
    assert (out / "correct.md").is_file() and (out / "sign_flipped_update.html").is_file()
    shutil.rmtree(out / "dave.md")
    again = run("feedback", "--gradebook", str(book), "--out", str(out), "--student", "dave")
    assert again.returncode == 0 and "could not be graded" in (out / "dave.md").read_text()
    (tmp_path / "notes.txt").write_text("a file, not a folder\n")
    nowhere = run("feedback", "--gradebook", str(book), "--out", str(tmp_path / "notes.txt" / "fb"))
    assert nowhere.returncode == 2 and nowhere.stderr.count("\n") == 1, nowhere.stderr
    assert "could not write to " in nowhere.stderr and "(Not a directory); choose a folder" in nowhere.stderr
    # the next grade-all would grade a folder of feedback in the class folder as a student's submission
    inside = run("feedback", "--gradebook", str(book), "--out", str(root / "feedback"))
    assert inside.returncode == 2 and not (root / "feedback").exists()
    assert inside.stderr == (
        f"Error: the --out {root / 'feedback'} is in the class folder {root}, where each run would take it "
        "(or its files) for a student's submission; choose a folder outside it, such as one beside it\n"
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a small file system")
def test_a_full_disk_for_the_feedback_names_each_file_and_keeps_every_grade(tmp_path):
    """A write that fails for want of room names no file: the list said "(None)"."""
    root = make_class(tmp_path / "class")
    book = tmp_path / "gradebook.sqlite"
    with small_filesystem(tmp_path / "disk") as out:
        completed = run("grade-all", str(root), "--gradebook", str(book), "--feedback-dir", str(out))
        assert completed.returncode == 1 and "Traceback" not in completed.stderr, completed.stderr
        unwritten = re.findall(
            r"^feedback not written for (\S+): No space left on device \((.*)\)$", completed.stderr, re.M
        )
        assert unwritten and all(where.startswith(f"{out}/{student}.") for student, where in unwritten), (
            completed.stderr
        )
        assert not [p.name for p in out.iterdir() if p.name.endswith(".partial")]
    assert rows(book, "SELECT count(*) FROM submissions") == [(6,)]


def test_a_feedback_dir_that_cannot_be_made_is_one_line_and_exit_2(tmp_path):
    root = make_class(tmp_path / "class")
    (tmp_path / "taken").write_text("a file, not a folder")
    completed = run(
        "grade-all", str(root), "--gradebook", str(tmp_path / "book.sqlite"),
        "--feedback-dir", str(tmp_path / "taken" / "feedback"),
    )  # fmt: skip
    assert completed.returncode == 2
    last = completed.stderr.strip().splitlines()[-1]
    feedback_dir = tmp_path / "taken" / "feedback"
    assert last.startswith(f"Error: could not create the --feedback-dir {feedback_dir} (Not a directory)"), (
        last
    )
    assert "Traceback" not in completed.stderr
    assert not (tmp_path / "book.sqlite").exists()  # refused before a gradebook was made


def _children() -> dict[int, list[int]]:
    """Every process now, under its parent's pid."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return children


def _descendants(root: int) -> set[int]:
    """Every process below root now."""
    children = _children()
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    """Whether pid runs (a zombie waiting for init to reap it does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _stale_scratch(owners: set[int] | None = None) -> list[Path]:
    """Scratch folders (backprop-grader-PID-*) whose process has ended, of owners only if given."""
    stale = []
    for folder in Path(tempfile.gettempdir()).glob("backprop-grader-*-*"):
        owner = folder.name.split("-")[2]
        if owner.isdigit() and not _alive(int(owner)) and (owners is None or int(owner) in owners):
            stale.append(folder)
    return stale


def test_two_runs_at_once_share_the_gradebook(tmp_path):
    root = make_class(tmp_path / "class")
    book = tmp_path / "gradebook.sqlite"
    command = cli("grade-all", str(root), "--gradebook", str(book), "--jobs", "1")
    first, second = (
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    )
    assert first.wait(timeout=300) == 0 and second.wait(timeout=300) == 0
    assert rows(book, "PRAGMA integrity_check") == [("ok",)]
    assert rows(book, "SELECT count(*), count(DISTINCT student) FROM submissions") == [(6, 6)]
    assert rows(book, "SELECT count(*) FROM test_results")[0][0] == 5 * 98


def test_exports_parse_back_and_hold_the_gradebook_numbers(graded, tmp_path):
    _, book, _ = graded
    with Gradebook(book) as gradebook:
        current = {s.student: s for s in gradebook.current()}
    out = tmp_path / "grades.csv"
    assert run("export", "--gradebook", str(book), "--format", "csv", "--out", str(out)).returncode == 0
    table = list(csv.DictReader(out.open()))
    assert [r["student"] for r in table] == sorted(current)
    for row in table:
        stored = current[row["student"]]
        assert float(row["score"]) == pytest.approx(stored.score, abs=0.01)
        assert float(row["percent"]) == pytest.approx(stored.percent, abs=0.01)
        exercises = {e["name"]: e["score"] for e in stored.report.get("exercises", [])}
        for name in ("activations", "backprop", "gradcheck", "deep"):
            assert float(row[name]) == pytest.approx(exercises.get(name, 0.0), abs=0.01)
    document = json.loads(run("export", "--gradebook", str(book), "--format", "json").stdout)
    assert {r["student"]: r["score"] for r in document["students"]} == {
        k: round(v.score, 2) for k, v in current.items()
    }

    canvas = list(
        csv.reader(io.StringIO(run("export", "--gradebook", str(book), "--format", "canvas").stdout))
    )
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Backprop"]
    assert canvas[1][0] == "Points Possible" and float(canvas[1][5]) == 143.0
    assert {r[3]: float(r[5]) for r in canvas[2:]} == pytest.approx(
        {k: v.score for k, v in current.items()}, abs=0.01
    )
    moodle = list(csv.DictReader(io.StringIO(run("export", "--gradebook", str(book), "--format", "moodle",
                                                 "--assignment", "HW 3").stdout)))  # fmt: skip
    # for an assignment worth 100 in the LMS: the percent, and 100 points possible
    scaled = list(csv.reader(io.StringIO(run("export", "--gradebook", str(book), "--format", "canvas",
                                             "--out-of", "100").stdout)))  # fmt: skip
    assert float(scaled[1][5]) == 100.0
    assert {r[3]: float(r[5]) for r in scaled[2:]} == pytest.approx(
        {k: v.percent for k, v in current.items()}, abs=0.01
    )
    refused = run("export", "--gradebook", str(book), "--format", "csv", "--out-of", "100")
    assert refused.returncode == 2 and "--out-of is for --format canvas and moodle only" in refused.stderr
    feedback = {r["Username"]: r["Feedback"] for r in moodle}
    assert float(next(r for r in moodle if r["Username"] == "correct")["HW 3"]) == 143.0
    assert feedback["dave"].startswith("not graded:")
    # the feedback box says in a paragraph what each part scored and what cost the points
    assert feedback["correct"] == (
        f"143/143 (100.0%) by backprop-grader {__version__}: activations.py 20/20, backprop.py 45/45, "
        "gradcheck.py 10/10, deep.py 25/25, quiz 43/43."
    )
    assert (
        "Points lost: backprop.py -17 in 7 tests: likely the 1/n of the batch average missing;"
        in (feedback["no_batch_average"])
    )
    assert feedback["no_batch_average"].endswith(
        "; quiz -43: 30 of 30 questions missed — no answers.toml in the submission: the quiz scores 0 (write one "
        "with: backprop-grader quiz take)."
    )


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--gradebook", "{book}", "--format", "csv", "--out", "{out}"),
        ("export", "--gradebook", "{book}", "--format", "moodle", "--out", "{out}"),
        ("stats", "--gradebook", "{book}", "--html", "{out}"),
    ],
    ids=["export", "moodle export", "stats page"],
)
def test_an_output_file_that_cannot_be_written_is_one_line_and_exit_2(graded, tmp_path, args):
    _, book, _ = graded
    out = tmp_path / "no such folder" / "class.out"
    completed = run(*[a.format(book=book, out=out) for a in args])
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert completed.stderr.splitlines()[-1] == (
        f"Error: could not write {out} (No such file or directory); choose a path in a folder you can write to"
    )
    assert not out.parent.exists()


def test_feedback_files_name_each_lost_point(graded, tmp_path):
    _, book, _ = graded
    feedback = graded[1].parent / "feedback"
    text = (feedback / "forgot_hidden_derivative.md").read_text()
    assert "Score: 107.5 / 143" in text
    report = json.loads(run("grade", str(EXAMPLES / "forgot_hidden_derivative"), "--format", "json").stdout)
    for test in report["tests"]:  # every lost point is named, once
        assert text.count(f"` {test['name']} `") == (test["status"] != "passed"), test["name"]
    assert (
        "- **backprop.py**, 11 tests (0 / 19, failed)\n  - What happened in the first: hidden_delta" in text
    )
    assert "  - The tests: ` test_lesson_example[hidden ReLU with z = -0.3: delta] `, " in text
    assert "Likely mistake: **the activation's derivative forgotten in the hidden delta**" in text
    assert "None: every test passed." in (feedback / "correct.md").read_text()
    page = (feedback / "dave.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "could not be graded" in page
    plotted = (feedback / "forgot_hidden_derivative.html").read_text()
    assert plotted.count('<img src="data:image/svg+xml;base64,') == 3  # the report's plots, embedded
    again = run("feedback", "--gradebook", str(book), "--out", str(tmp_path / "fb"), "--student", "correct")
    assert again.returncode == 0 and f"wrote feedback for 1 student to {tmp_path / 'fb'}\n" in again.stderr
    assert sorted(p.name for p in (tmp_path / "fb").iterdir()) == ["correct.html", "correct.md"]
    assert (tmp_path / "fb" / "correct.html").read_text().count(
        "data:image/svg+xml;base64,"
    ) == 3  # from the gradebook


def test_feedback_from_the_gradebook_is_what_grade_all_wrote(graded, tmp_path):
    """The feedback command (pages drawn in parallel) writes the same files, byte for byte, as
    grade-all did: the plots depend on the data only (no dates, no random ids)."""
    _, book, _ = graded
    written = graded[1].parent / "feedback"
    again = run("feedback", "--gradebook", str(book), "--out", str(tmp_path / "fb"))
    assert again.returncode == 0, again.stderr
    assert "wrote feedback for 6 students" in again.stderr
    names = sorted(p.name for p in written.iterdir())
    assert names == sorted(p.name for p in (tmp_path / "fb").iterdir()) and len(names) == 12
    for name in names:
        assert (tmp_path / "fb" / name).read_bytes() == (written / name).read_bytes(), name


def test_student_output_cannot_inject_html_into_feedback(tmp_path):
    root = tmp_path / "class"
    shutil.copytree(EXAMPLES / "correct", root / "mallory")
    with (root / "mallory" / "activations.py").open("a") as module:
        module.write(
            "\n_relu = relu\n\n\ndef relu(z):\n"
            "    print('<script>alert(1)</script> [click](javascript:alert(1))')\n    return _relu(z)\n"
        )
    book, out = tmp_path / "book.sqlite", tmp_path / "fb"
    assert run("grade-all", str(root), "--gradebook", str(book), "--feedback-dir", str(out)).returncode == 0
    page = (out / "mallory.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page and 'href="javascript' not in page


@pytest.mark.parametrize(
    "message",
    [
        "ValueError: [click](javascript:alert(1)) <script>alert(1)</script> &amp; *bold* `code`",
        "# not a heading",
        "1. not a list",
        "- not a list either",
        "squared_error(y_hat, y) returned __dict__ | a_b ~~x~~ \\(z\\)",
    ],
)
def test_messages_in_feedback_read_as_written_in_markdown_and_html(message):
    from html.parser import HTMLParser

    from grader.feedback import feedback_html, feedback_markdown

    test = {"name": "t", "exercise": "backprop", "score": 0.0, "max_score": 1.0, "status": "error",
            "message": message, "description": "", "diagnosis": None}  # fmt: skip
    report = {"score": 0.0, "max_score": 1.0, "percent": 0.0, "tests": [test],
              "exercises": [{"name": "backprop", "score": 0.0, "max_score": 1.0}]}  # fmt: skip
    markdown = feedback_markdown("s", report)
    (line,) = [line for line in markdown.splitlines() if "What happened" in line]
    for call in re.findall(r"[A-Za-z]\w*[A-Za-z0-9]\([\w, ]*\)", message):  # no needless escapes to read past
        assert call in line

    class Items(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.text = ""

        def handle_starttag(self, tag: str, attrs: list) -> None:
            self.tags.append(tag)

        def handle_data(self, data: str) -> None:
            self.text += data

    page = Items()
    page.feed(feedback_html("s", line.strip()))
    assert f"What happened: {message}" in page.text  # the HTML shows exactly the message
    assert set(page.tags) == {"html", "head", "meta", "title", "style", "body", "ul", "li"}  # as plain text


def test_notes_in_feedback_stay_apart():
    from grader.feedback import feedback_html, feedback_markdown

    report = {"score": 0.0, "max_score": 1.0, "percent": 0.0, "tests": [], "exercises": [],
              "notes": ["deep.py is missing: its tests score 0", "gradcheck.py is missing: its tests score 0"]}  # fmt: skip
    page = feedback_html("s", feedback_markdown("s", report))
    assert "<li>deep.py is missing: its tests score 0</li>" in page
    assert "<li>gradcheck.py is missing: its tests score 0</li>" in page


def test_stats_on_a_full_gradebook(graded, tmp_path):
    _, book, _ = graded
    page = tmp_path / "stats.html"
    completed = run("stats", "--gradebook", str(book), "--html", str(page))
    assert completed.returncode == 0, completed.stderr
    assert "6 students: 5 graded, 1 unreadable" in completed.stdout
    assert "Score distribution" in completed.stdout and "Commonest failures" in completed.stdout
    assert "test_hidden_delta_matches_reference[float64-relu]" in completed.stdout
    html = page.read_text()
    assert html.count("<svg") == 2 and "Pass rate of every test" in html
    # who to ask for a new submission, and why
    assert (
        "unreadable: dave: " in completed.stdout and "dave.zip is not a readable zip file" in completed.stdout
    )
    assert "<li>dave: " in html and "dave.zip is not a readable zip file" in html


def test_stats_page_is_written_when_nobody_reads_the_table(graded, tmp_path):
    """`stats --html class.html | head`: the page comes after the table, whose reader is gone."""
    page = tmp_path / "stats.html"
    completed = run_cli_unread("stats", "--gradebook", str(graded[1]), "--html", str(page))
    assert (completed.returncode, completed.stderr) == (0, f"wrote {page}\n")
    assert page.read_text(encoding="utf-8").count("<svg") == 2


def test_stats_count_students_per_failure_and_name_the_commonest_mistakes(tmp_path):
    """Two students without gradcheck.py are one failure of two students (in seven tests), not seven
    rows that push the rest off the list; diagnosed mistakes are counted in students too."""
    root = tmp_path / "class"
    for student in ("ann", "ben"):
        shutil.copytree(EXAMPLES / "correct", root / student)
        (root / student / "gradcheck.py").unlink()
    for example in ("no_batch_average", "forgot_hidden_derivative"):
        shutil.copytree(EXAMPLES / example, root / example)
    book = tmp_path / "book.sqlite"
    assert run("grade-all", str(root), "--gradebook", str(book)).returncode == 0
    from grader.stats import class_stats

    with Gradebook(book) as gradebook:
        stats = class_stats(gradebook)
    missing = [f for f in stats.failures if "gradcheck.py is missing" in f.pattern]
    assert len(missing) == 1 and missing[0].students == 2 and len(missing[0].tests) == 7
    assert stats.failures[0] == missing[0]  # most students first
    assert {(m.name, m.students) for m in stats.mistakes} == {
        ("the 1/n of the batch average missing", 1),
        ("the activation's derivative forgotten in the hidden delta", 1),
    }
    assert all(m.tests for m in stats.mistakes)
    completed = run("stats", "--gradebook", str(book), "--html", str(tmp_path / "stats.html"))
    assert completed.returncode == 0, completed.stderr
    assert "Commonest mistakes (diagnosed)" in completed.stdout
    assert "the 1/n of the batch average missing" in (tmp_path / "stats.html").read_text()


def test_stats_on_an_empty_gradebook(tmp_path):
    book = tmp_path / "empty.sqlite"
    Gradebook(book).close()
    page = tmp_path / "stats.html"
    completed = run("stats", "--gradebook", str(book), "--html", str(page))
    assert completed.returncode == 0, completed.stderr
    assert "0 students" in completed.stdout and "No graded submissions" in completed.stdout
    assert "No graded submissions" in page.read_text() and "<svg" not in page.read_text()


def test_stats_of_a_class_none_of_whose_submissions_could_be_read_lists_why(tmp_path):
    root = tmp_path / "class"
    root.mkdir()
    (root / "ann.zip").write_bytes(b"not a zip at all")
    (root / "bob").mkdir()
    book = tmp_path / "book.sqlite"
    assert run("grade-all", str(root), "--gradebook", str(book)).returncode == 0
    page = tmp_path / "stats.html"
    completed = run("stats", "--gradebook", str(book), "--html", str(page))
    assert completed.returncode == 0, completed.stderr
    assert (
        "unreadable: ann: " in completed.stdout and "unreadable: bob: no exercise files" in completed.stdout
    )
    assert "No submission in this gradebook could be graded" in completed.stdout
    assert "run backprop-grader grade-all first" not in completed.stdout
    assert "No submission in this gradebook could be graded" in page.read_text()


def test_a_copied_answers_file_is_scored_with_the_copiers_numbers(tmp_path):
    root = tmp_path / "class"
    shutil.copytree(EXAMPLES / "correct", root / "correct")
    shutil.copytree(EXAMPLES / "correct", root / "bob")  # bob hands in correct's answers.toml
    book = tmp_path / "book.sqlite"
    assert run("grade-all", str(root), "--gradebook", str(book)).returncode == 0
    with Gradebook(book) as gradebook:
        quiz = {s.student: s.report["quiz"] for s in gradebook.current()}
    assert quiz["correct"]["score"] == quiz["correct"]["max_score"]
    assert quiz["bob"]["student"] == "bob"
    assert (
        "answers.toml names student 'correct', but this is the submission of 'bob'"
        in quiz["bob"]["messages"][0]
    )
    assert quiz["bob"]["score"] < quiz["correct"]["score"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--gradebook", "{tmp}/nowhere.sqlite"], "does not exist; grade first"),
        (  # it said "/dev/null does not exist"
            ["stats", "--gradebook", "/dev/null"],
            "/dev/null is not a file; give --gradebook the .sqlite file that grade-all wrote",
        ),
        (
            ["stats", "--gradebook", "{tmp}/text.sqlite"],
            "{tmp}/text.sqlite is not a usable gradebook (file is not a database); give --gradebook the "
            ".sqlite file that grade-all wrote",
        ),
        (["grade-all", "{tmp}", "--gradebook", "{tmp}/text.sqlite"], "is not a usable gradebook"),
        (
            ["grade-all", "{tmp}", "--gradebook", "{tmp}/notes.sqlite"],
            "{tmp}/notes.sqlite is an SQLite file but not a gradebook; give --gradebook the .sqlite file "
            "that grade-all wrote, or a path where no file is yet",
        ),
        (["grade-all", "{tmp}/missing"], "does not exist"),
        (
            ["grade-all", "{tmp}/alice", "--gradebook", "{tmp}/book.sqlite"],
            "alice holds exercise files itself, so it is one student's submission: grade it with "
            "backprop-grader grade",
        ),
        (
            ["grade-all", "{tmp}/class.zip", "--gradebook", "{tmp}/book.sqlite"],
            "class.zip is a file: grade-all grades a folder that holds one folder, .zip or .ipynb per "
            "student. If it holds the whole class, unzip it",
        ),
        (
            ["grade-all", "{tmp}", "--gradebook", "{tmp}/text.sqlite/book.sqlite"],
            "could not create {tmp}/text.sqlite/book.sqlite (a file is in the way of its folder); choose a "
            "--gradebook in a folder you can write to",
        ),
        (  # the next run graded it as a student's submission, and the gradebook kept that "student"
            ["grade-all", "{tmp}", "--gradebook", "{tmp}/book.sqlite", "--feedback-dir", "{tmp}/feedback"],
            "the --feedback-dir {tmp}/feedback is in the class folder {tmp}, where each run would take it (or "
            "its files) for a student's submission; choose a folder outside it, such as one beside it",
        ),
        (  # an empty column name, which Canvas cannot match (`--assignment "$NAME"` with no NAME set)
            ["export", "--format", "canvas", "--assignment", "", "--gradebook", "{tmp}/nowhere.sqlite"],
            "Invalid value for '--assignment': '' is not usable as the grade's column name: give the "
            "assignment's name as your LMS shows it, on one line (Backprop, say)",
        ),
    ],
    ids=[
        "missing gradebook",
        "a device for a gradebook",
        "not sqlite",
        "not sqlite for grade-all",
        "another program's sqlite",
        "missing class folder",
        "one submission",
        "the class as one zip",
        "gradebook in a file's place",
        "feedback in the class folder",
        "blank column name",
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    (tmp_path / "text.sqlite").write_text("this is not a database, it is a note to myself\n" * 20)
    with contextlib.closing(sqlite3.connect(tmp_path / "notes.sqlite")) as notes, notes:
        notes.execute("CREATE TABLE notes (text)")  # another program's database
    notes_before = (tmp_path / "notes.sqlite").read_bytes()
    with zipfile.ZipFile(tmp_path / "class.zip", "w") as archive:  # as an LMS's "download all" gives it
        archive.writestr("alice/activations.py", "")
    shutil.copytree(EXAMPLES / "correct", tmp_path / "alice")  # one student's files, not a class folder
    completed = run(*[a.format(tmp=tmp_path) for a in args])
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert message.format(tmp=tmp_path) in completed.stderr and "Traceback" not in completed.stderr
    assert len([line for line in lines if line.startswith("Error")]) == 1
    assert (tmp_path / "notes.sqlite").read_bytes() == notes_before  # left as it was


def test_one_students_folder_is_refused_before_a_gradebook_is_made_but_a_stray_file_is_not(tmp_path):
    shutil.copytree(EXAMPLES / "correct", tmp_path / "alice")
    completed = run("grade-all", str(tmp_path / "alice"), "--gradebook", str(tmp_path / "book.sqlite"))
    assert completed.returncode == 2 and not (tmp_path / "book.sqlite").exists()
    # an instructor's own copy of an exercise file beside the students' folders is just skipped
    shutil.copytree(EXAMPLES / "correct", tmp_path / "class" / "bob")
    shutil.copy(EXAMPLES / "correct" / "deep.py", tmp_path / "class")
    completed = run("grade-all", str(tmp_path / "class"), "--gradebook", str(tmp_path / "book.sqlite"))
    assert completed.returncode == 0, completed.stderr
    assert "skipped deep.py: not a folder, .zip or .ipynb" in completed.stderr
    assert rows(tmp_path / "book.sqlite", "SELECT student FROM submissions") == [("bob",)]


def test_progress_that_cannot_be_written_neither_stops_the_run_nor_changes_its_exit_status(tmp_path):
    """stderr on a full disk stopped grade-all at its first progress line; a reader that left
    (`2>&1 | head -1`) stopped it at the next one, 5 s later, and the run ended with exit 1, which
    means feedback files were not written."""
    root = tmp_path / "class"
    shutil.copytree(EXAMPLES / "correct", root / "ann")
    looping_submission(root / "bob")  # holds the run past the second progress line
    shutil.copytree(EXAMPLES / "sign_flipped_update", root / "cy")
    command = cli("grade-all", str(root), "--timeout", "3", "--jobs", "1")
    if Path("/dev/full").exists():
        with open("/dev/full", "w") as full:
            completed = subprocess.run(
                [*command, "--gradebook", str(tmp_path / "a.sqlite")], stderr=full, timeout=300
            )
        assert completed.returncode == 0
        assert rows(tmp_path / "a.sqlite", "SELECT count(*) FROM submissions") == [(3,)]
    process = subprocess.Popen([*command, "--gradebook", str(tmp_path / "b.sqlite")], stderr=subprocess.PIPE)
    assert process.stderr is not None
    assert process.stderr.readline().startswith(b"grading: 1/3")
    process.stderr.close()  # as head does once it has its line
    assert process.wait(timeout=300) == 0
    assert rows(tmp_path / "b.sqlite", "SELECT count(*) FROM submissions") == [(3,)]


def test_many_files_that_are_no_submission_are_one_note_naming_the_first_few(tmp_path):
    """A class folder that also holds the LMS's spreadsheets or a Downloads folder's clutter gave a
    line for every file."""
    shutil.copytree(EXAMPLES / "correct", tmp_path / "bob")
    for i in range(3):
        (tmp_path / f"grades{i:02d}.csv").write_text("")
    entries, notes = find_submissions(tmp_path)
    assert [e.student for e in entries] == ["bob"]
    assert notes == [f"skipped grades{i:02d}.csv: not a folder, .zip or .ipynb" for i in range(3)]
    for i in range(3, 12):
        (tmp_path / f"grades{i:02d}.csv").write_text("")
    assert find_submissions(tmp_path)[1] == [
        "skipped 12 entries that are not a folder, .zip or .ipynb: grades00.csv, grades01.csv, grades02.csv "
        "and 9 more"
    ]


def test_grading_in_the_class_folder_itself_leaves_its_own_gradebook_out_without_a_note(tmp_path):
    """`cd submissions && backprop-grader grade-all .` keeps ./gradebook.sqlite in the class folder:
    every run noted it, its -wal and its -shm as entries that are no submission."""
    root = tmp_path / "class"
    shutil.copytree(EXAMPLES / "correct", root / "bob")
    (root / "last-term.sqlite").write_text("")
    for run_number in (1, 2):
        completed = run("grade-all", ".", "--jobs", "1", cwd=root)
        assert completed.returncode == 0, completed.stderr
        notes = [line for line in completed.stderr.splitlines() if line.startswith("note:")]
        assert notes == ["note: skipped last-term.sqlite: not a folder, .zip or .ipynb"], run_number
    assert rows(root / "gradebook.sqlite", "SELECT student FROM submissions") == [("bob",)]


def test_an_entry_name_cannot_put_a_workflow_command_into_the_log(tmp_path):
    """grade-all's notes name entries of the class folder; on GitHub Actions a line of them that
    starts with "::" would be a workflow command."""
    (tmp_path / "class" / "eve\n::error::forged").mkdir(parents=True)
    (tmp_path / "class" / "x\n::warning::forged.txt").write_text("")
    completed = run("grade-all", str(tmp_path / "class"), "--gradebook", str(tmp_path / "book.sqlite"))
    assert completed.returncode == 0, completed.stderr
    assert "note: skipped 'eve\\n::error::forged': 'eve\\n::error::forged' is not usable" in completed.stderr
    assert "note: skipped 'x\\n::warning::forged.txt': not a folder, .zip or .ipynb" in completed.stderr
    assert not any(line.startswith("::") for line in completed.stderr.splitlines())


def test_text_that_is_not_utf8_neither_stops_the_run_nor_loses_a_grade(tmp_path):
    """Half a surrogate pair in a student's exception message, or a file name that is not UTF-8,
    once made SQLite refuse the row and stopped grade-all for the whole class."""
    root = tmp_path / "class"
    shutil.copytree(EXAMPLES / "correct", root / "ann")
    source = (root / "ann" / "activations.py").read_text()
    (root / "ann" / "activations.py").write_text(
        source.replace("def relu(z):\n", "def relu(z):\n    raise ValueError('bad \\udcff here')\n", 1)
    )
    shutil.copytree(EXAMPLES / "correct", root / "ben")
    os.symlink("/etc/passwd", os.fsencode(root / "ben") + b"/\xff\xfe.py")  # a Latin-1 name, say
    shutil.copytree(EXAMPLES / "correct", root / "cal")
    book, feedback = tmp_path / "book.sqlite", tmp_path / "feedback"
    completed = run("grade-all", str(root), "--gradebook", str(book), "--feedback-dir", str(feedback))
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert rows(book, "SELECT student, status FROM submissions ORDER BY student") == [
        ("ann", "graded"), ("ben", "graded"), ("cal", "graded")
    ]  # fmt: skip
    (message,) = rows(book, "SELECT DISTINCT message FROM test_results WHERE message LIKE '%here%'")[0]
    assert "bad \\udcff here" in message
    (report,) = rows(book, "SELECT report FROM submissions WHERE student = 'ben'")[0]
    assert "skipped \\udcff\\udcfe.py: symbolic links are not graded" in json.loads(report)["notes"]
    assert "symbolic links are not graded" in (feedback / "ben.html").read_text()


def test_student_ids_that_differ_only_in_case_are_named_in_a_note(tmp_path):
    for name in ("Alice", "alice", "bob"):
        shutil.copytree(EXAMPLES / "correct", tmp_path / "class" / name)
    entries, notes = find_submissions(tmp_path / "class")
    assert [entry.student for entry in entries] == ["Alice", "alice", "bob"]  # both graded
    assert notes == [
        "Alice and alice differ only in case: where file names ignore case (macOS, Windows) their "
        "feedback files would be one file; rename all but one"
    ]


def test_a_folder_whose_name_ends_in_a_newline_is_no_student_id(tmp_path):
    """A regular expression's $ matches before a final newline too: "alice\\n" was graded as a
    student whose feedback files and CSV rows had a line break in their name."""
    for name in ("alice\n", "bob"):
        shutil.copytree(EXAMPLES / "correct", tmp_path / "class" / name)
    entries, notes = find_submissions(tmp_path / "class")
    assert [entry.student for entry in entries] == ["bob"]
    assert notes == [
        "skipped 'alice\\n': 'alice\\n' is not usable as a student id (letters, digits and _ @ . + - only, and not . or .. alone); "
        "rename it, to alice say, and run the same command again"
    ]


def test_an_empty_class_folder_says_so(tmp_path):
    (tmp_path / "class").mkdir()
    book = tmp_path / "fall" / "book.sqlite"  # its folder is made, as --feedback-dir's is
    completed = run("grade-all", str(tmp_path / "class"), "--gradebook", str(book))
    assert completed.returncode == 0 and Gradebook(book).current() == []
    assert f"note: no submissions in {tmp_path / 'class'}: it should hold one folder, .zip or .ipynb" in (
        completed.stderr
    )


def test_progress_outside_a_terminal_is_plain_lines(graded):
    _, _, completed = graded
    assert "\x1b[" not in completed.stderr
    assert any(line.startswith("grading: ") for line in completed.stderr.splitlines())


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_stops_at_once_keeps_what_is_graded_and_exits_130(tmp_path, stop):
    """SIGTERM (a CI time-out, a cancelled job) is taken as Ctrl-C is: the summary says how far the
    run got."""
    root = make_class(tmp_path / "class", copies=INTERRUPTED_CLASS_COPIES)
    book = tmp_path / "gradebook.sqlite"
    process = grading_in_background(root, book, "--jobs", "1", stored=1, stderr=subprocess.PIPE, text=True)
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted after" in stderr and "run the same command again" in stderr
    assert "Traceback" not in stderr
    stored = stored_count(book)
    assert stored >= 1
    completed = run("grade-all", str(root), "--gradebook", str(book))
    assert f"{stored} already in the gradebook" in completed.stderr
    assert stored_count(book) == INTERRUPTED_CLASS_SIZE


def grading_in_a_terminal_that_closes(
    root: Path, book: Path, temp: Path, ignore_hangup: bool
) -> tuple[int, int]:
    """grade-all (2 jobs) on root in a pseudo-terminal of its own, which closes once book holds two
    submissions; with ignore_hangup, as `nohup` starts it. Its exit status and process id."""
    command = ["grade-all", str(root), "--gradebook", str(book), "--jobs", "2"]
    return in_a_terminal_that_closes(command, temp, lambda: stored_count(book) >= 2, ignore_hangup)


def test_a_closed_terminal_stops_the_run_as_ctrl_c_does_and_leaves_nothing_behind(tmp_path):
    """The SIGHUP reaches the whole foreground process group, job processes included. Before 0.4.10
    every process died on the spot, leaving grade-all's and each job's scratch folder in $TMPDIR."""
    root = make_class(tmp_path / "class", copies=INTERRUPTED_CLASS_COPIES)
    book, temp = tmp_path / "gradebook.sqlite", tmp_path / "tmp"
    temp.mkdir()
    status, session = grading_in_a_terminal_that_closes(root, book, temp, ignore_hangup=False)
    assert status == 130
    assert list(temp.iterdir()) == []
    assert living_in_session(session) == []
    assert rows(book, "PRAGMA integrity_check") == [("ok",)]
    assert 2 <= stored_count(book) < INTERRUPTED_CLASS_SIZE


def test_a_run_started_with_nohup_grades_on_when_its_terminal_closes(tmp_path):
    """Every write to the closed terminal fails (EIO). Before 0.4.10 the first one, the live bar's,
    stopped the run with a traceback and exit status 1."""
    root = make_class(tmp_path / "class", copies=INTERRUPTED_CLASS_COPIES)
    book, temp = tmp_path / "gradebook.sqlite", tmp_path / "tmp"
    temp.mkdir()
    status, _ = grading_in_a_terminal_that_closes(root, book, temp, ignore_hangup=True)
    assert status == 0
    assert stored_count(book) == INTERRUPTED_CLASS_SIZE
    assert list(temp.iterdir()) == []


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_in_a_terminal_is_a_live_bar_with_eta():
    from grader.bulk import Outcome, RunSummary
    from grader.progress import LiveProgress, progress_for
    from grader.roster import Entry

    stream = FakeTerminal()
    progress = progress_for(stream)
    assert isinstance(progress, LiveProgress)
    progress.start(3)
    for kind in ("graded", "skipped", "unreadable"):
        progress.advance(Outcome(Entry("x", Path("x"), ""), kind))
    progress.finish(RunSummary(total=3, graded=1, skipped=1, unreadable=1, seconds=1.0))
    text = stream.getvalue()
    assert "ETA" in text and "3/3" in text and "1 graded, 1 skipped, 1 unreadable" in text
    assert "3/3 submissions: 1 graded, 1 already in the gradebook, 1 unreadable" in text


def test_the_live_bar_keeps_its_count_and_eta_whole_in_an_80_column_terminal():
    """Every kind of outcome at once: the counts give way (cut short with "…"), not done/total or
    the time left, which rich cut to "99…" and "0:…" when the counts were written out in full."""
    from grader.bulk import Outcome
    from grader.progress import LiveProgress
    from grader.roster import Entry

    stream = FakeTerminal()
    progress = LiveProgress(stream)
    progress.console.width = 80
    progress.start(1000)
    for kind in ["graded"] * 990 + ["skipped"] * 5 + ["unreadable"] * 2 + ["grader_error"] * 2:
        progress.advance(Outcome(Entry("x", Path("x"), ""), kind))
    progress.bar.refresh()
    frame = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue().split("\r")[-1])
    progress.bar.stop()
    assert " 999/1000 " in frame and re.search(r" ETA \d+:\d\d:\d\d$", frame.rstrip()), frame
    assert "990 graded, 5 skipped" in frame and "…" in frame and len(frame.rstrip()) <= 80


@pytest.mark.parametrize("stream", [io.StringIO(), FakeTerminal()], ids=["plain", "terminal"])
def test_writing_the_feedback_pages_shows_progress(stream):
    """`feedback` draws about 0.15 s of plots a student: a class of hundreds takes a minute."""
    from grader.progress import PagesProgress

    progress = PagesProgress(stream, 3, every=0.0)
    for _ in range(3):
        time.sleep(0.01)
        progress.advance()
    progress.stop()
    text = stream.getvalue()
    if stream.isatty():
        assert "writing feedback" in text and "3/3" in text and "ETA" in text
    else:  # a line for each but the last, which the command's own closing line follows
        lines = text.splitlines()
        assert [line.split(",")[0] for line in lines] == ["writing feedback: 1/3", "writing feedback: 2/3"]
        assert all(re.search(r", [\d.]+/s, about \d+ s left$", line) for line in lines)


def test_a_test_suite_that_cannot_run_stops_the_run_with_one_line_and_exit_3(tmp_path):
    """A broken conftest.py in the grader's own tests fails every submission the same way: the run
    stops at the first, says why once, stores nothing, and the same command finishes after the fix."""
    project = grader_copy(tmp_path / "project")
    conftest = project / "grader" / "hidden_tests" / "conftest.py"
    conftest.write_text("import no_such_module_for_the_grader\n")
    root = tmp_path / "class"
    for i in range(12):
        shutil.copytree(EXAMPLES / "correct", root / f"student{i:02d}")
    book = tmp_path / "gradebook.sqlite"
    command = ("grade-all", str(root), "--gradebook", str(book), "--jobs", "2")
    completed = run(*command, cwd=project)
    assert completed.returncode == 3, completed.stderr
    lines = completed.stderr.strip().splitlines()
    # (it failed once in a full suite on 3.13 under heavy load, output lost: each check shows it now)
    assert "Traceback" not in completed.stderr, completed.stderr
    assert not any(line.startswith("grader error") for line in lines), completed.stderr
    stopped = [line for line in lines if line.startswith("stopped: ")]
    assert len(stopped) == 1, completed.stderr
    assert "pytest could not start the tests: ImportError while loading conftest" in stopped[0], (
        completed.stderr
    )
    assert "No module named 'no_such_module_for_the_grader'" in stopped[0], completed.stderr
    assert any(line.startswith("stopped after 1/12 submissions") for line in lines), completed.stderr
    assert rows(book, "SELECT count(*) FROM submissions") == [(0,)]
    conftest.unlink()
    again = run(*command, cwd=project)
    assert again.returncode == 0, again.stderr
    assert rows(book, "SELECT count(*) FROM submissions WHERE status = 'graded'") == [(12,)]


def test_a_rerun_after_a_test_changed_says_that_the_kept_grades_came_from_other_tests(tmp_path):
    """Fixing a test does not change the grader's version, so the same command skips what it
    graded before; it says so, and --regrade grades those submissions with the fixed test."""
    project = grader_copy(tmp_path / "project")
    root = class_folder(tmp_path / "class", "correct", "relu_prime_at_zero")
    book = tmp_path / "gradebook.sqlite"
    command = ("grade-all", str(root), "--gradebook", str(book))
    first = run(*command, cwd=project)
    assert first.returncode == 0 and "note:" not in first.stderr, first.stderr
    stored = {json.loads(r)["grader_fingerprint"] for (r,) in rows(book, "SELECT report FROM submissions")}
    assert stored == {grader_fingerprint()}, "the same files in another checkout are the same fingerprint"
    test_file = project / "grader" / "hidden_tests" / "test_activations.py"
    test_file.write_text(test_file.read_text() + "\n# fixed\n")
    again = run(*command, cwd=project)
    assert again.returncode == 0 and "0 graded, 2 already in the gradebook" in again.stderr
    assert (
        "note: 2 of the submissions already in the gradebook were graded by other tests, reference solutions "
        "or question banks than these (changed since, same grader version): run again with --regrade to "
        "grade them with these\n"
    ) in again.stderr
    regraded = run(*command, "--regrade", cwd=project)
    assert regraded.returncode == 0 and "2 graded, 0 already in the gradebook" in regraded.stderr
    assert "note:" not in regraded.stderr
    third = run(*command, cwd=project)
    assert "0 graded, 2 already in the gradebook" in third.stderr and "note:" not in third.stderr


def test_a_rerun_with_other_limits_says_that_the_kept_grades_had_other_limits(tmp_path):
    """An instructor who saw time-outs and runs the same command with a longer --timeout would
    otherwise get the same grades back without a word: the limits are not part of what is kept."""
    root = class_folder(tmp_path / "class", "correct", "relu_prime_at_zero")
    book = tmp_path / "gradebook.sqlite"
    command = ("grade-all", str(root), "--gradebook", str(book), "--timeout", "5")
    first = run(*command)
    assert first.returncode == 0 and "note:" not in first.stderr, first.stderr
    limits = {json.dumps(json.loads(r)["limits"]) for (r,) in rows(book, "SELECT report FROM submissions")}
    assert limits == {'{"timeout": 5.0, "total_timeout": 120.0, "memory_mb": 2048}'}
    same = run(*command)
    assert "0 graded, 2 already in the gradebook" in same.stderr and "note:" not in same.stderr
    longer = run(*command[:-1], "30", "--memory-mb", "1024")
    assert longer.returncode == 0 and "0 graded, 2 already in the gradebook" in longer.stderr
    assert (
        "note: 2 of the submissions already in the gradebook were graded with other limits (--timeout 5 "
        "rather than 30, --memory-mb 2048 rather than 1024): run again with --regrade to grade them with these\n"
    ) in longer.stderr
    regraded = run(*command[:-1], "30", "--memory-mb", "1024", "--regrade")
    assert "2 graded, 0 already in the gradebook" in regraded.stderr and "note:" not in regraded.stderr


@pytest.mark.parametrize(("errors", "said"), [(1, "1 grader error"), (2, "2 grader errors")])
def test_the_counts_say_grader_error_in_the_singular_for_one(errors, said):
    summary = RunSummary(total=3, graded=1, grader_errors=[("s", "why")] * errors, seconds=2.0)
    assert f"1 graded, 0 already in the gradebook, 0 unreadable, {said} in 2.0 s" in summary.line()
    progress = PlainProgress(io.StringIO())
    progress.counts.update(graded=1, grader_error=errors)
    assert progress.counts_text() == f"1 graded, 0 skipped, 0 unreadable, {said}"

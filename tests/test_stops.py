"""Commands stopped midway by Ctrl-C, SIGTERM (a CI time-out) or SIGHUP (a closed terminal): exit
130 with one line, no half-written file or folder left to block the next try, no process left.
(`grade` and `grade-all`, which unwind a worker and a gradebook as well, have tests of their own.)

Each command is frozen with SIGSTOP once its output has begun, sent the stop, and let go: the stop
then lands with work still to do, however busy the machine is."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from conftest import (
    EXAMPLES,
    REFERENCE,
    class_folder,
    cli,
    in_a_terminal_that_closes,
    living_in_session,
    looping_submission,
    run_cli,
    signal_a_helper_thread,
)

from grader.quiz.answers import read_answers

STOPS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
STOP_IDS = ["ctrl-c", "sigterm", "sighup"]


def stopped_midway(
    args: list[str], started: Callable[[], bool], stop: signal.Signals, undo: Callable[[], None]
) -> str:
    """hit_midway with stop sent to the command's whole group (as a terminal or a CI runner sends it
    to every process of the job), which must end it with 130."""
    return hit_midway(args, started, lambda group: os.killpg(group, stop), undo, 130)


def hit_midway(
    args: list[str],
    started: Callable[[], bool],
    hit: Callable[[int], None],
    undo: Callable[[], None],
    status: int,
    env: dict[str, str] | None = None,
    program: str | None = None,
) -> str:
    """Run the command in a process group of its own (with env, if given; through program, a
    script for `python -c` that ends by running the CLI, if given); once started() is true, freeze
    the group, hit(its id), let it go and return its stderr, after checking that it exited with
    status and left no process behind. A command that finished before it was frozen (a test
    process kept waiting on a busy machine) is tried again, after undo() has removed what it wrote."""
    for _ in range(5):
        process = subprocess.Popen(
            cli(*args) if program is None else [sys.executable, "-c", program, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env=env,
        )
        deadline = time.monotonic() + 120
        while not started() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        if process.poll() is None:
            os.killpg(
                process.pid, signal.SIGSTOP
            )  # not reaped, the leader holds the group even if it has ended
            if process.poll() is None:
                break
        assert process.returncode == 0, process.stderr.read() if process.stderr else ""
        undo()
    else:
        pytest.fail(f"{args[0]} ended five times before it could be stopped")
    hit(process.pid)
    os.killpg(process.pid, signal.SIGCONT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == status, stderr
    assert "Traceback" not in stderr
    # its own session: the pool's processes, told to stop, get a moment to leave
    assert living_in_session(process.pid, wait=20.0) == [], "a process of the command was left running"
    return stderr


def in_the_loop(temp: Path) -> Callable[[], bool]:
    """started() for `grade` of a looping_submission with TMPDIR temp: true once its first call to
    tanh_prime has come, which is within a second of its scratch folder appearing in temp."""
    scratch_seen: list[float] = []

    def started() -> bool:
        if not scratch_seen and any(temp.iterdir()):
            scratch_seen.append(time.monotonic())
        return bool(scratch_seen) and time.monotonic() > scratch_seen[0] + 1.0

    return started


def interrupted_line(command: str) -> str:
    return (
        f"Error: interrupted (Ctrl-C, SIGTERM or SIGHUP) before {command} finished; the files it writes "
        "are written whole or not at all: run the same command again\n"
    )


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("stops")
    root = class_folder(
        base / "class", "correct", "forgot_hidden_derivative", "no_batch_average", "relu_prime_at_zero"
    )
    for i in range(8):
        shutil.copytree(EXAMPLES / "correct", root / f"copy{i}")
    book = base / "book.sqlite"
    completed = run_cli("grade-all", str(root), "--gradebook", str(book))
    assert completed.returncode == 0, completed.stderr
    return book


def test_feedback_with_a_page_process_killed_midway_still_writes_every_file(gradebook, tmp_path):
    """A process drawing pages killed (SIGKILL: the OOM killer, say) left feedback waiting for good:
    the other one ignored the SIGTERM the pool stops its processes with. Now the pages left are
    drawn by feedback itself."""
    out = tmp_path / "feedback"

    def kill_a_page_process(group: int) -> None:
        children = subprocess.run(["pgrep", "-P", str(group)], capture_output=True, text=True)
        os.kill(int(children.stdout.split()[0]), signal.SIGKILL)

    hit_midway(
        ["feedback", "--gradebook", str(gradebook), "--out", str(out)],
        lambda: any(out.glob("*.html")),
        kill_a_page_process,
        lambda: shutil.rmtree(out),
        0,
    )
    assert sorted(path.suffix for path in out.iterdir()) == [".html"] * 12 + [".md"] * 12  # none partial


def test_feedback_stopped_while_a_page_process_is_stuck_ends_at_once(gradebook, tmp_path):
    """Stopped, feedback waited for its page processes to finish the pages they were drawing, pages
    it then threw away: one that never finished (here frozen, as a process stuck on a lock it
    inherited would be) kept it waiting for good. Now a stop ends them, even one taken by another
    thread than the main one (the main thread wakes now and then to raise it)."""
    out = tmp_path / "feedback"
    process = subprocess.Popen(
        cli("feedback", "--gradebook", str(gradebook), "--out", str(out)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not any(out.glob("*.html")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGSTOP)
    assert process.poll() is None, "feedback ended before it could be stopped"
    pages = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    stuck = int(pages[0])
    # sent to the frozen group, a Ctrl-C may go to any of feedback's threads when it goes on: here
    # one of its pool's, which left the main thread asleep, waiting for a page that never came
    signal_a_helper_thread(process.pid, signal.SIGINT)
    others = subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True, text=True).stdout.split()
    for pid in map(int, others):
        if pid != stuck:
            os.kill(pid, signal.SIGCONT)
    try:
        _, stderr = process.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(stuck, signal.SIGKILL)
    assert process.returncode == 130, stderr
    assert stderr == interrupted_line("feedback")
    assert living_in_session(process.pid, wait=20.0) == [], "a process of the command was left running"


@pytest.mark.parametrize("stop", STOPS, ids=STOP_IDS)
def test_feedback_stopped_midway_leaves_only_whole_files(gradebook, tmp_path, stop):
    out = tmp_path / "feedback"
    stderr = stopped_midway(
        ["feedback", "--gradebook", str(gradebook), "--out", str(out)],
        lambda: any(out.glob("*.html")),
        stop,
        lambda: shutil.rmtree(out),
    )
    assert stderr.endswith(interrupted_line("feedback"))
    written = sorted(path.name for path in out.iterdir())
    assert all(not name.startswith(".") for name in written), written  # no partial file
    assert 2 <= len(written) < 24  # each of the 12 students has two files
    for page in out.glob("*.html"):
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")
    again = run_cli("feedback", "--gradebook", str(gradebook), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert len(list(out.iterdir())) == 24


@pytest.mark.parametrize("stop", STOPS, ids=STOP_IDS)
def test_release_stopped_midway_leaves_no_half_kit(tmp_path, stop):
    """Before 0.4.11, SIGTERM or SIGHUP left half a kit, which the next try refused to write over."""
    out = tmp_path / "kit"
    stderr = stopped_midway(
        ["release", str(out)], lambda: (out / "exercises").is_dir(), stop, lambda: shutil.rmtree(out)
    )
    assert stderr == interrupted_line("release")
    assert not out.exists()
    again = run_cli("release", str(out))
    assert again.returncode == 0, again.stderr
    assert (out / "grader-kit").is_dir() and (out / "answers.toml").is_file()


ROSTER_HEAD = "Student,ID,SIS User ID,SIS Login ID,Section,Backprop\n    Points Possible,,,,,143\n"


def canvas_class(folder: Path, students: int) -> Path:
    """Canvas's "Download Submissions" of students students (as a folder), and its roster beside it."""
    folder.mkdir()
    rows = [ROSTER_HEAD]
    for i in range(students):
        for name in ("activations", "backprop", "gradcheck", "deep"):
            shutil.copyfile(REFERENCE / f"{name}.py", folder / f"student{i}_{1000 + i}_{5000 + i}_{name}.py")
        rows.append(f'"Student, N{i}",{1000 + i},{7000 + i},s{i},Section 1,\n')
    (folder.parent / "grades.csv").write_text("".join(rows), encoding="utf-8")
    return folder


@pytest.mark.parametrize("stop", STOPS, ids=STOP_IDS)
def test_sort_canvas_stopped_midway_leaves_no_half_sorted_folder(tmp_path, stop):
    """Before 0.4.11, Ctrl-C (any stop) left the students sorted so far, and the next try refused
    to sort into that folder."""
    download = canvas_class(tmp_path / "download", 200)
    out = tmp_path / "submissions"
    args = ["sort-canvas", str(download), "--roster", str(tmp_path / "grades.csv"), "--out", str(out)]
    stderr = stopped_midway(
        args, lambda: out.is_dir() and any(out.iterdir()), stop, lambda: shutil.rmtree(out)
    )
    assert stderr == interrupted_line("sort-canvas")
    assert not out.exists()
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert len(list(out.iterdir())) == 200


def test_grade_in_a_terminal_that_closes_exits_130_and_leaves_nothing_behind(tmp_path):
    """Its one line cannot be written to a closed terminal: before 0.4.11 that failed with a
    traceback (to nobody) and exit 1, which means "below --fail-under"."""
    submission = looping_submission(tmp_path / "loops")
    temp = tmp_path / "tmp"
    temp.mkdir()
    status, session = in_a_terminal_that_closes(
        ["grade", str(submission), "--fail-under", "50"], temp, in_the_loop(temp)
    )
    assert status == 130
    assert list(temp.iterdir()) == []
    assert living_in_session(session) == []


def test_grade_stopped_while_it_is_stopped_itself_ends_before_the_call_times_out(tmp_path):
    """A stop sent to a `grade` that is stopped itself (Ctrl-Z, then `kill %1`) waits, and on SIGCONT
    any thread of it that takes the signal may get it: here one other than the main one. Python runs
    the handler in the main thread, which, waiting on a call that loops, raised it only when the
    call's time limit (here 60 s) was up. It now wakes every half second to do so."""
    submission = looping_submission(tmp_path / "loops")
    temp = tmp_path / "tmp"
    temp.mkdir()
    went_on: list[float] = []

    def ctrl_c_to_a_helper_thread(group: int) -> None:
        signal_a_helper_thread(group, signal.SIGINT)
        went_on.append(time.monotonic())

    stderr = hit_midway(
        ["grade", str(submission), "--timeout", "60"],
        in_the_loop(temp),
        ctrl_c_to_a_helper_thread,
        lambda: None,  # a loop that never ends: grade cannot finish before it is frozen
        130,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    assert time.monotonic() - went_on[0] < 20, "the stop waited for the call's time limit"
    assert stderr.count("\n") == 1, stderr
    assert list(temp.iterdir()) == []


SWALLOWED_STOP = """\
import signal, sys
from grader.cli import main

class Finalized:
    def __del__(self):
        signal.raise_signal(signal.SIGTERM)  # its handler raises KeyboardInterrupt in here

def collect(signum, frame):
    Finalized()  # made and dropped at once: its finalizer runs wherever the main thread was

signal.signal(signal.SIGUSR1, collect)
sys.argv[0] = "backprop-grader"
main()
"""


@pytest.mark.parametrize("command", ["grade", "grade-all"])
def test_a_stop_that_a_finalizer_swallowed_still_stops_the_command(tmp_path, command):
    """Python runs a signal's handler wherever the main thread is, in a finalizer that the garbage
    collector runs included, and what a finalizer raises goes to sys.unraisablehook and no further
    (pytest's, in the grader's session, kept it silently): a CI run saw `grade` finish its looping
    submission and exit 0 after SIGTERM. Here the SIGTERM comes from inside a finalizer that a
    SIGUSR1 sent midway runs in the main thread."""
    submission = looping_submission(tmp_path / "class" / "loops")
    temp = tmp_path / "tmp"
    temp.mkdir()
    args = {
        "grade": ["grade", str(submission), "--timeout", "60"],
        "grade-all": ["grade-all", str(submission.parent), "--gradebook", str(tmp_path / "book.sqlite"),
                      "--timeout", "60"],
    }[command]  # fmt: skip
    went_on: list[float] = []

    def swallowed_sigterm(group: int) -> None:
        os.kill(group, signal.SIGUSR1)
        went_on.append(time.monotonic())

    stderr = hit_midway(
        args,
        in_the_loop(temp),
        swallowed_sigterm,
        lambda: None,  # a loop that never ends: the command cannot finish before it is frozen
        130,
        env={**os.environ, "TMPDIR": str(temp)},
        program=SWALLOWED_STOP,
    )
    assert time.monotonic() - went_on[0] < 20, "the stop waited for the call's time limit"
    if command == "grade":
        assert (
            stderr
            == "Error: interrupted (Ctrl-C, SIGTERM or SIGHUP) before grading finished; nothing was graded\n"
        )
    else:
        assert stderr.splitlines()[-1] == "interrupted: run the same command again to finish", stderr
        assert "Exception ignored" not in stderr and "Error" not in stderr, stderr
    assert list(temp.iterdir()) == []


CTRL_C_AT_START = """\
import os, signal, sys
class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "click":  # the CLI's first import of a package of its own
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, CtrlC())
sys.argv = ["backprop-grader", "grade", "."]
from grader.entry import main
main()
"""


def test_a_ctrl_c_while_the_command_starts_is_one_line_and_exit_130(tmp_path):
    """Importing the CLI takes about a tenth of a second, before any command's handlers are in place:
    a Ctrl-C then printed Python's traceback of whatever import it hit. Here it comes as click is
    imported."""
    completed = subprocess.run(
        [sys.executable, "-c", CTRL_C_AT_START], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert completed.returncode == 130, completed.stderr
    assert completed.stderr == (
        "Error: interrupted (Ctrl-C) while backprop-grader was starting, before it did anything: "
        "run the same command again\n"
    )


def test_the_command_starts_through_the_entry_that_takes_a_ctrl_c_at_start():
    (script,) = entry_points(group="console_scripts", name="backprop-grader")
    assert script.value == "grader.entry:main"


def test_feedback_in_a_terminal_that_closes_exits_130_and_leaves_only_whole_files(gradebook, tmp_path):
    out, temp = tmp_path / "feedback", tmp_path / "tmp"
    temp.mkdir()
    status, session = in_a_terminal_that_closes(
        ["feedback", "--gradebook", str(gradebook), "--out", str(out)], temp, lambda: any(out.glob("*.html"))
    )
    assert status == 130
    assert living_in_session(session) == []
    written = [path.name for path in out.iterdir()]
    assert all(not name.startswith(".") for name in written) and len(written) < 24, written


def test_quiz_take_in_a_terminal_that_closes_keeps_its_answers_file(tmp_path):
    """The student's window closes at a question: the file written so far stays whole and theirs,
    and `quiz take` ends with 130 and no process left. Before 0.4.11 SIGHUP killed it outright; in
    0.4.11 it ended with 1, its "Stopped" line and then its traceback lost to the closed terminal."""
    out = tmp_path / "answers.toml"
    shown = bytearray()
    status, session = in_a_terminal_that_closes(
        ["quiz", "take", "--student", "alice", "--out", str(out)],
        tmp_path,
        lambda: b"your answer" in shown,
        shown=shown,
    )
    assert status == 130
    assert living_in_session(session) == []
    answers = read_answers(out)
    assert (answers.student, answers.values) == ("alice", {})

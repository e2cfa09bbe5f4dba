"""The job pool's spares: while a job waits on a call that has run long, another job process takes
the next entry (grader.job_pool.run_pool, grader.long_waits)."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from conftest import EXAMPLES, living_in_session, looping_submission, run_cli, signal_a_helper_thread
from test_bulk import rows

from grader.scratch import process_running

TASKS = """\
import os, pathlib, signal, time
from grader import long_waits

MARKS = pathlib.Path({marks!r})

def work(name):
    (MARKS / f"{{name}}.{{time.monotonic_ns()}}").write_text(str(os.getpid()))
    if name == "waits":  # a job waiting on a loop: until the spares have done their part
        with long_waits.waiting():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if (MARKS / "quick-2-done").exists() and len(list(MARKS.glob("dies.*"))) == 2:
                    return "waited for the spares"
                time.sleep(0.02)
        return "no spare came"
    if name == "dies":
        os._exit(1)
    if name == "terminated" and len(list(MARKS.glob("terminated.*"))) == 1:
        os.kill(os.getpid(), signal.SIGTERM)  # someone's `kill` on the job process, the first time
        time.sleep(60)
    if name == "swallowed" and len(list(MARKS.glob("swallowed.*"))) == 1:
        Finalized()  # a SIGTERM that comes while the collector runs a finalizer, the first time
        time.sleep(60)
    (MARKS / f"{{name}}-done").write_text("")
    return name


class Finalized:
    def __del__(self):
        signal.raise_signal(signal.SIGTERM)  # its handler raises in here, and the hook gets that
"""

SCRIPT = """\
import sys
sys.path.insert(0, {folder!r})
import tasks
from pathlib import Path
from grader.job_pool import run_pool
from grader.job_server import job_server
from grader.roster import Entry

if __name__ == "__main__":
    context = job_server(("tasks",))
    entries = [Entry(name, Path(name), name) for name in {names!r}]
    run_pool(context, entries, 1, lambda e: (tasks.work, e.student), print,
             lambda entry, why: f"failed {{entry.student}}: {{why}}", ("tasks",))
"""


def pool_script(tmp_path: Path, module: str, tasks: str, script: str, **fields: Any) -> tuple[Path, Path]:
    """tmp_path/module.py from tasks and tmp_path/pool.py from script (a template of TASKS' and
    SCRIPT's kind, filled with fields too), and the empty folder the tasks leave their marks in."""
    marks = tmp_path / "marks"
    marks.mkdir()
    (tmp_path / f"{module}.py").write_text(tasks.format(marks=str(marks)))
    path = tmp_path / "pool.py"
    path.write_text(script.format(folder=str(tmp_path), **fields))
    return path, marks


def run_pool_on(tmp_path, names: list[str]) -> tuple[list[str], dict[str, list[int]]]:
    """run_pool with one job on tasks of these names (see TASKS), in a fresh process: what it
    recorded, in order, and the process ids each task was started in."""
    script, marks = pool_script(tmp_path, "tasks", TASKS, SCRIPT, names=names)
    completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180)
    assert completed.returncode == 0, completed.stderr
    assert "Exception ignored" not in completed.stderr, completed.stderr
    started: dict[str, list[int]] = {}
    for path in marks.glob("*.*"):
        started.setdefault(path.name.split(".")[0], []).append(int(path.read_text()))
    return completed.stdout.splitlines(), started


def test_a_spare_grades_the_next_entries_while_a_job_waits_on_a_long_call(tmp_path):
    """One job: it starts on 'waits' (a long wait) with 'quick-1' queued behind it. A spare takes
    'quick-2', then 'dies', whose job process dies twice (the spare pool is started again for its
    second try, then it is given up); 'waits' runs on, once, and 'quick-1' after it."""
    recorded, started = run_pool_on(tmp_path, ["waits", "quick-1", "quick-2", "dies"])
    # 'waits' saw the spares' work done while it waited (tasks that end in the same moment are
    # recorded in either order, so the order is not checked)
    assert sorted(recorded) == [
        "failed dies: the job process grading it died",
        "quick-1",
        "quick-2",
        "waited for the spares",
    ]
    assert len(started["waits"]) == 1  # not tried again when the spares' job processes died
    assert len(set(started["dies"])) == 2  # a new spare for the second try
    regular = started["waits"][0]
    assert started["quick-1"] == [regular]  # queued behind the long wait, in the same job
    assert regular not in started["quick-2"] + started["dies"]  # the spares took those


def test_without_a_long_wait_no_spare_is_started(tmp_path):
    """Ordinary entries keep to the jobs asked for: every task runs in the one job process."""
    recorded, started = run_pool_on(tmp_path, ["quick-1", "quick-2"])
    assert sorted(recorded) == ["quick-1", "quick-2"]
    assert len(set(started["quick-1"] + started["quick-2"])) == 1


def test_a_task_stopped_by_sigterm_is_tried_again_in_a_new_job_process(tmp_path):
    """SIGTERM unwinds the task and its job process leaves; the pool would otherwise take the
    stop for the task's result, and the run would end on it (exit 143) with the rest ungraded."""
    recorded, started = run_pool_on(tmp_path, ["terminated", "quick-1"])
    assert sorted(recorded) == ["quick-1", "terminated"]
    assert len(set(started["terminated"])) == 2


def test_a_sigterm_that_a_finalizer_swallowed_still_ends_the_job_process(tmp_path):
    """Python runs a signal's handler wherever the main thread is, in a finalizer included, and what
    a finalizer raises goes to sys.unraisablehook and no further: the job process ran its task on
    as if no SIGTERM had come (here for a minute), and printed the Terminated with its traceback.
    It is now sent again, and the task is tried again in a new job process, as after any SIGTERM."""
    recorded, started = run_pool_on(tmp_path, ["swallowed", "quick-1"])
    assert sorted(recorded) == ["quick-1", "swallowed"]
    assert len(set(started["swallowed"])) == 2


def test_grade_all_grades_others_while_a_submission_loops(tmp_path):
    """grade-all --jobs 1: while its job waits for a looping submission to time out (twice), a
    spare grades the submissions after it, and their grades are stored first."""
    root = tmp_path / "class"
    root.mkdir()
    looping_submission(root / "a_loops")
    for name in ("b_correct", "c_correct"):
        shutil.copytree(EXAMPLES / "correct", root / name)
    book = tmp_path / "gradebook.sqlite"
    completed = run_cli("grade-all", str(root), "--gradebook", str(book), "--jobs", "1", "--timeout", "5")
    assert completed.returncode == 0, completed.stderr
    order = [student for (student,) in rows(book, "SELECT student FROM submissions ORDER BY id")]
    assert order.index("c_correct") < order.index("a_loops"), order
    timed_out = rows(
        book,
        "SELECT count(*) FROM test_results JOIN submissions ON submissions.id = submission_id "
        "WHERE student = 'a_loops' AND test_results.status = 'timeout'",
    )
    assert timed_out[0][0] > 0


STUCK_TASKS = """\
import os, pathlib, threading, time

def work(name):
    pathlib.Path({marks!r}, f"{{name}}.{{os.getpid()}}").touch()  # one call: a stop cannot leave it half made
    threading.Thread(target=time.sleep, args=(3600,)).start()  # not a daemon: the process cannot end
    return name
"""

STOPPED_SCRIPT = """\
import sys
sys.path.insert(0, {folder!r})
import stuck
from pathlib import Path
from grader import job_pool
from grader.job_server import job_server
from grader.roster import Entry

class Stop(Exception):
    pass

def record(result):
    raise Stop(result)  # as grade-all stops the run on a grader error that would fail everyone

if __name__ == "__main__":
    job_pool.STOP_GRACE_SECONDS = 1.0
    context = job_server(("stuck",))
    entries = [Entry(name, Path(name), name) for name in ("a", "b", "c")]
    try:
        job_pool.run_pool(context, entries, 2, lambda e: (stuck.work, e.student), record,
                          lambda entry, why: why, ("stuck",))
    except Stop:
        print("stopped", flush=True)
"""


def test_a_stopped_run_ends_even_if_a_job_process_cannot(tmp_path):
    """The pool waits for every job process as the run exits: one stuck on its way out (here a
    thread that does not end) kept grade-all from ever exiting, its summary printed, once a full
    $TMPDIR had stopped the run. Such a process is killed after a grace period."""
    script, marks = pool_script(tmp_path, "stuck", STUCK_TASKS, STOPPED_SCRIPT)
    completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "stopped\n"
    job_processes = {int(path.suffix[1:]) for path in marks.iterdir()}
    assert job_processes and not any(process_running(pid) for pid in job_processes)


SENDING_TASKS = """\
import os, pathlib, time

MARKS = pathlib.Path({marks!r})

def work(name):
    data = bytes(32 << 20)  # many times the pipe's buffer: sent in many writes
    (MARKS / "started").write_text(str(os.getpid()))
    while not (MARKS / "go").exists():
        time.sleep(0.01)
    return data
"""

SENDING_SCRIPT = """\
import sys
sys.path.insert(0, {folder!r})
import sending
from pathlib import Path
from grader import job_pool
from grader.job_server import job_server
from grader.roster import Entry
from grader.stop_signals import stop_signals_as_interrupt

if __name__ == "__main__":
    stop_signals_as_interrupt()  # as every command does
    context = job_server(("sending",))
    try:
        job_pool.run_pool(context, [Entry("big", Path("big"), "big")], 1, lambda e: (sending.work, e.student),
                          lambda result: print(len(result), flush=True), lambda entry, why: why, ("sending",))
    except KeyboardInterrupt:
        print("stopped", flush=True)
"""


def wait_until(ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not ready():
        assert time.monotonic() < deadline, f"waited a minute for {what}"
        time.sleep(0.01)


@contextlib.contextmanager
def caught_sending(tmp_path: Path, script: str = SENDING_SCRIPT) -> Iterator[tuple[subprocess.Popen, int]]:
    """SENDING_SCRIPT running, frozen, with its one job process blocked halfway through writing
    its result (32 MiB into a pipe that holds 64 KiB): the script and the job's process id. The
    parent is frozen before the job returns, so the job is caught mid-send whatever the machine's
    speed. Whatever is left of the script's session is killed afterwards. script: SENDING_SCRIPT,
    or one like it."""
    path, marks = pool_script(tmp_path, "sending", SENDING_TASKS, script)
    run = subprocess.Popen(
        [sys.executable, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        started = marks / "started"
        wait_until(lambda: started.exists() and started.read_text() != "", "the job to start its task")
        job = int(started.read_text())
        os.kill(run.pid, signal.SIGSTOP)  # the parent stops reading results
        (marks / "go").touch()
        wchan = Path(f"/proc/{job}/wchan")
        wait_until(lambda: "pipe_write" in wchan.read_text(), "the job to block writing its result")
        yield run, job
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)


def goes_on_and_ends_stopped(run: subprocess.Popen, job: int) -> None:
    """Let caught_sending's frozen run go on after a stop was sent: it must end as a stopped run
    does (exit 0, "stopped" last), its job process gone and nothing of its session left."""
    os.kill(run.pid, signal.SIGCONT)
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 0, stderr
    assert stdout.splitlines()[-1] == "stopped"
    assert not process_running(job)
    assert living_in_session(run.pid, wait=20) == []


def test_a_run_stopped_while_a_job_sends_a_result_ends(tmp_path):
    """SIGTERM to the whole process group (a CI time-out) while a job process was halfway through
    writing a large result left half a message in the pipe: the parent's reader thread waited for
    the rest forever, and the run, stopped, never exited. Now the job finishes the send, then
    leaves."""
    with caught_sending(tmp_path) as (run, job):
        os.killpg(run.pid, signal.SIGTERM)
        goes_on_and_ends_stopped(run, job)


def test_a_job_process_killed_while_it_sends_a_result_costs_only_that_attempt(tmp_path):
    """A job process killed (SIGKILL: the OOM killer, say) halfway through writing its result:
    the reader gives the half message up once it sees the process dead, rather than wait for the
    rest forever, and the task is tried again in a new job process."""
    with caught_sending(tmp_path) as (run, job):
        os.kill(job, signal.SIGKILL)
        os.kill(run.pid, signal.SIGCONT)
        stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 0, stderr
    assert stdout.splitlines() == [str(32 << 20)]


def test_a_run_stopped_while_a_job_stuck_halfway_through_a_send_ends(tmp_path):
    """A run stopped shuts its pool down, which drops the pool's table of processes, then kills a
    process still there after the grace: one stuck halfway through sending a result (here frozen)
    died where the reader, waiting for the rest, could no longer see it die, and the run never
    exited (a stopped `feedback` hung so in CI, its page process frozen mid-send). The stop goes
    to one of the pool's threads, as a stop sent to the stopped run may: the main thread, with no
    result coming to wake it, raises it when it wakes by itself."""
    quick = SENDING_SCRIPT.replace(
        "    stop_signals_as_interrupt()",
        "    job_pool.STOP_GRACE_SECONDS = 1.0\n    stop_signals_as_interrupt()",
    )
    with caught_sending(tmp_path, quick) as (run, job):
        os.kill(job, signal.SIGSTOP)  # it will not finish the send
        signal_a_helper_thread(run.pid, signal.SIGINT)
        goes_on_and_ends_stopped(run, job)


SLOW_MANAGER = """\
import sys, time
sys.path.insert(0, {folder!r})
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import process as futures_process
from grader.job_pool import stop_pool

internals = futures_process._ExecutorManagerThread.join_executor_internals

def slowly(self):  # the pool's thread slow to finish, as on a loaded machine
    time.sleep(1.0)
    internals(self)

futures_process._ExecutorManagerThread.join_executor_internals = slowly

if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    pool.submit(time.sleep, 60)
    time.sleep(0.5)
    manager = pool._executor_manager_thread
    stop_pool(pool, grace=1.0)
    print("running" if manager.is_alive() else "ended")
"""


def test_a_stopped_pool_leaves_no_thread_of_its_own_running(tmp_path):
    """The pool's thread closes its wake-up pipe on its way out, and Python's exit hook writes to
    that pipe: left running after stop_pool, it could close the pipe just then, and a grade-all
    stopped for a gradebook it could not write printed "Bad file descriptor" with a traceback after
    its last line (once in CI). stop_pool now waits for it, here slow to finish."""
    script = tmp_path / "slow_manager.py"
    script.write_text(SLOW_MANAGER.format(folder=str(Path(__file__).resolve().parents[1])))
    completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["ended"]
    assert "Traceback" not in completed.stderr


SERVER_TWICE = """\
import os, sys, time
sys.path.insert(0, {folder!r})
import signal
import multiprocessing.forkserver as forkserver
from pathlib import Path
from grader.job_pool import run_pool
from grader.job_server import job_server
from grader.roster import Entry

def server_pid():
    return forkserver._forkserver._forkserver_pid

if __name__ == "__main__":
    first = job_server(("tasks",))
    pid = server_pid()
    print("same" if job_server(("tasks",)) is first and server_pid() == pid else "another")
    import tempfile
    mine = list(Path(tempfile.gettempdir()).glob(f"backprop-grader-{{os.getpid()}}-*"))
    print(f"{{len(mine)}} scratch folder")
    os.kill(pid, signal.SIGKILL)
    while Path(f"/proc/{{pid}}/stat").read_text().split(")")[-1].split()[0] != "Z":
        time.sleep(0.01)  # dead, and left for multiprocessing to reap
    again = job_server(("tasks",))
    print("started again" if again is first and server_pid() not in (None, pid) else "not started again")
    run_pool(again, [Entry("quick-1", Path("quick-1"), "quick-1")], 1, lambda e: (__import__("tasks").work, e.student),
             print, lambda entry, why: f"failed {{entry.student}}: {{why}}", ("tasks",))
    try:
        job_server(("other",))
    except ValueError as error:
        print(error)
"""


def test_the_job_server_is_started_once_and_again_if_it_died(tmp_path):
    """grade-all starts the job server before it imports the grading code, and grade_all asks for it
    again: the second call gets the same server (no second scratch folder for it), or a new one if
    it died meanwhile, and a call that wants other modules preloaded is refused rather than given a
    server without them."""
    script, _ = pool_script(tmp_path, "tasks", TASKS, SERVER_TWICE)
    completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [
        "same",
        "1 scratch folder",
        "started again",
        "quick-1",
        "the job server was started to preload ('tasks',), not ('other',)",
    ]

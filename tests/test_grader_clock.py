"""The student's time limits stand still while the grader is stopped (Ctrl-Z, kill -STOP), as its
workers, sessions of their own, are not: their answers wait for it."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

from conftest import EXAMPLES, cli

#: tanh_prime, whose first call leaves a note where the test can see it, then takes a second (the
#: function as handed in follows, renamed)
SLOW_FIRST_CALL = """def tanh_prime(z):
    import os, time
    note = os.path.join(os.environ["TMPDIR"], "slow call started")
    if not os.path.exists(note):
        open(note, "w").close()
        time.sleep(1.0)
    return 1 - np.tanh(z) ** 2


def _tanh_prime_as_handed_in(z):
"""


def _note_left_in(temp) -> bool:
    """Whether a process working in a folder under temp (a worker, in its scratch folder) has the
    slow call's note there. Looked for through /proc/PID/cwd: the worker's folder is a tmpfs in
    a mount namespace of its own, which no path outside reaches."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/cwd").startswith(str(temp)) and os.path.exists(
                f"/proc/{pid}/cwd/slow call started"
            ):
                return True
        except OSError:  # gone meanwhile, or not ours to look into
            continue
    return False


def test_a_grader_stopped_longer_than_the_total_time_limit_still_runs_every_call(tmp_path):
    """Before 0.4.10 the limits ran on the wall clock: the slow call took a second, the grader was
    stopped for five meanwhile, and the submission had used up its 4 s for all calls, so the
    tests after it were not run (a class run at the default 120 s lost them to a longer pause)."""
    submission = tmp_path / "submission"
    shutil.copytree(EXAMPLES / "correct", submission)
    activations = submission / "activations.py"
    text = activations.read_text()
    assert text.count("def tanh_prime(z):\n") == 1
    activations.write_text(text.replace("def tanh_prime(z):\n", SLOW_FIRST_CALL))
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        cli("grade", str(submission), "--format", "json", "--timeout", "3", "--total-timeout", "4"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(temp)},
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not _note_left_in(temp) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None and _note_left_in(temp), "the slow call never started"
    process.send_signal(signal.SIGSTOP)
    time.sleep(5.0)
    process.send_signal(signal.SIGCONT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    report = json.loads(stdout)
    failed = [(test["name"], test["message"]) for test in report["tests"] if test["status"] != "passed"]
    assert failed == []
    assert report["percent"] == 100.0


CLOCK_ACROSS_A_STOP = """
import json, os, sys, time
from grader.grader_clock import clock
clock()
time.sleep(0.3)  # a few notes taken
clock_then, wall_then = clock(), time.monotonic()
print("ready", flush=True)
time.sleep(2.0)  # stopped for 1.5 s of it
print(json.dumps([clock() - clock_then, time.monotonic() - wall_then]), flush=True)
"""


def test_the_clock_leaves_out_the_time_the_process_was_stopped():
    process = subprocess.Popen([sys.executable, "-c", CLOCK_ACROSS_A_STOP], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    process.send_signal(signal.SIGSTOP)
    time.sleep(1.5)
    process.send_signal(signal.SIGCONT)
    clock_seconds, wall_seconds = json.loads(process.stdout.readline())
    assert process.wait(timeout=30) == 0
    assert wall_seconds >= 1.9
    assert 0.3 < clock_seconds < wall_seconds - 1.0

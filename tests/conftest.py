"""Shared helpers: build submissions from the reference with a change, grade them."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import platform
import pty
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from grader.grading import grade_path
from grader.results import GradeResult
from grader.worker import WorkerLimits

# This suite's own run is not a graded job, even on GitHub Actions: there the grader would pause
# the runner's workflow commands around all it prints (grader/ci_log.py) and write the job summary.
# The test of that sets GITHUB_ACTIONS itself.
for _variable in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
    os.environ.pop(_variable, None)

# PYTHONDONTWRITEBYTECODE=1, which containers often set, would have every command the suite starts
# compile what it imports (NumPy, pytest, rich, the grader) from source again: after README's
# install (uv compiles nothing up front), a third of test_cli.py's CPU time. The suite's processes
# write their bytecode once, as a user's installed grader has it (workers are told not to,
# grader/worker.py).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

# The grader keeps its call plans in the user's cache folder (grader/plan_cache.py). The suite keeps
# them in a folder of its own, shared by its xdist workers (which inherit it from the process that
# starts them) and by the commands the tests run: the developer's own cache is neither read nor
# written, and each plan is recorded once per run instead of once per command.
if "PYTEST_XDIST_WORKER" not in os.environ:
    _plans = tempfile.mkdtemp(prefix="backprop-grader-test-plans-")
    os.environ["BACKPROP_GRADER_CACHE_DIR"] = _plans
    atexit.register(shutil.rmtree, _plans, True)

# The suite sends Ctrl-C and SIGHUP to commands it starts, and a command inherits a signal that is
# ignored: run in the background from a script (where bash ignores SIGINT) or under nohup, those
# tests would see what an ignored stop does instead. Here the two are as a terminal gives them.
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.signal(signal.SIGHUP, signal.SIG_DFL)

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "reference"
EXERCISES = REPO / "exercises"
EXAMPLES = REPO / "examples" / "submissions"
FAST_LIMITS = WorkerLimits(call_timeout=2.0, submission_timeout=30.0)
#: the numbers of the keyring system calls keyctl and add_key here (-1 where the sandbox's
#: seccomp filter knows none)
KEYCTL, ADD_KEY = {"x86_64": (250, 248), "aarch64": (219, 217)}.get(platform.machine(), (-1, -1))
_TGKILL = {"x86_64": 234, "aarch64": 131}.get(platform.machine(), -1)


def signal_a_helper_thread(pid: int, stop: int) -> None:
    """Send stop to one of process pid's threads other than its main one that does not block it (a
    pool's, say), as the kernel may: a process-wide signal sent to a process that is stopped waits,
    and whichever of the threads that take it runs first on SIGCONT gets it. Python runs the
    handler in the main thread, which must wake up to do so (stop_signals.heeding_stops)."""
    helpers = sorted(
        int(task)
        for task in os.listdir(f"/proc/{pid}/task")
        if int(task) != pid and not _blocked_signals(pid, int(task)) >> (stop - 1) & 1
    )
    if not helpers:
        raise AssertionError(f"process {pid} has no thread but its main one that takes signal {stop}")
    if ctypes.CDLL(None, use_errno=True).syscall(_TGKILL, pid, helpers[0], stop) != 0:
        raise OSError(ctypes.get_errno(), f"tgkill({pid}, {helpers[0]}, {stop}) failed")


def _blocked_signals(pid: int, thread: int) -> int:
    status = Path(f"/proc/{pid}/task/{thread}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigBlk:")), 16)


def copy_reference(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for source in REFERENCE.glob("*.py"):
        shutil.copyfile(source, target / source.name)
    return target


def class_folder(root: Path, *examples: str) -> Path:
    """root, made a class folder holding a copy of each named example submission."""
    for name in examples:
        shutil.copytree(EXAMPLES / name, root / name)
    return root


def grader_copy(project: Path) -> Path:
    """The grader with its tests, reference and quiz, to change a test in: run it as
    `python -m grader` with project as the working folder."""
    for part in ("grader", "reference", "quizzes"):
        shutil.copytree(REPO / part, project / part, ignore=shutil.ignore_patterns("__pycache__"))
    return project


def reference_with(target: Path, changes: dict[str, list[tuple[str, str]]]) -> Path:
    """A copy of reference/ with text replacements; each old text must occur exactly once."""
    copy_reference(target)
    for name, replacements in changes.items():
        path = target / name
        text = path.read_text()
        for old, new in replacements:
            assert text.count(old) == 1, f"{old!r} should occur once in {name}"
            text = text.replace(old, new)
        path.write_text(text)
    return target


def looping_submission(target: Path) -> Path:
    """The correct example submission copied to target, its tanh_prime a loop that never ends."""
    shutil.copytree(EXAMPLES / "correct", target)
    activations = target / "activations.py"
    text = activations.read_text()
    assert text.count("def tanh_prime(z):\n") == 1
    activations.write_text(
        text.replace("def tanh_prime(z):\n", "def tanh_prime(z):\n    while True:\n        pass\n")
    )
    return target


def reference_with_file(target: Path, name: str, source: str) -> Path:
    """A copy of reference/ with one file replaced by source."""
    copy_reference(target)
    (target / name).write_text(source)
    return target


def with_key(directory: Path, student: str = "tester") -> Path:
    """Put the correct answers.toml of student into a submission directory."""
    from grader.paths import quizzes_dir, reference_dir
    from grader.quiz.answers import write_answers
    from grader.quiz.bank import load_quiz
    from grader.quiz.scoring import answer_key
    from grader.reference import load_reference

    quiz = load_quiz(quizzes_dir())
    key = answer_key(quiz, student, load_reference(reference_dir()))
    write_answers(directory / "answers.toml", quiz, student, key, blank=False)
    return directory


def zip_tree(folder: Path) -> Path:
    """Every file below folder in folder.zip, at its path relative to folder, as an LMS's download
    of every submission holds them."""
    archive = folder.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(folder).as_posix())
    return archive


def dig(top: Path, depth: int) -> None:
    """Folders top/d/d/.../d, depth of them below top: deeper than a walk by recursion can go
    (os.makedirs, shutil.rmtree), so a test that digs removes them with grader.scratch.remove_tree
    (pytest's own clean-up of old temporary folders would raise RecursionError on them)."""
    top.mkdir(exist_ok=True)
    here = os.open(top, os.O_RDONLY)
    for _ in range(depth):
        with contextlib.suppress(FileExistsError):
            os.mkdir("d", dir_fd=here)
        below = os.open("d", os.O_RDONLY, dir_fd=here)
        os.close(here)
        here = below
    os.close(here)


#: a user id no file of the grader's belongs to (nobody), for tests of what another user may do
NOBODY = 65534


@contextlib.contextmanager
def small_filesystem(folder: Path, option: str = "size=64k"):
    """folder (made) as a tmpfs mounted with option: a disk that fills up at once. Skips the test
    where no file system can be mounted (not root)."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", option, "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@contextlib.contextmanager
def read_only_folder(folder: Path):
    """folder made read-only for this process and its children: a read-only bind mount where
    this process may mount (root, whom file modes do not stop), else the modes of the folder and
    its files. Skips the test where neither holds (root that may not mount)."""
    if os.geteuid() != 0:
        files = [path for path in folder.iterdir() if path.is_file()]
        for path in [*files, folder]:
            path.chmod(path.stat().st_mode & ~0o222)
        try:
            yield folder
        finally:
            for path in [folder, *files]:
                path.chmod(path.stat().st_mode | 0o200)
        return
    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip(f"cannot make a read-only folder here: {bound.stderr.decode().strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder), str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def in_child(code: Any, user: int | None = None) -> str:
    """What code() returns (a str), run in a forked child, as user (an id, for user and group) if
    given: what the child gives up stays given up there. An exception is reported as its name."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's report is what the test reads
        os.close(read_end)
        try:
            if user is not None:
                os.setgid(user)
                os.setuid(user)
            os.write(write_end, code().encode())
        except Exception as error:  # noqa: BLE001 - reported to the test
            os.write(write_end, f"raised {type(error).__name__}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as report:
        said = report.read()
    os.waitpid(child, 0)
    return said


def grade(path: Path, limits: WorkerLimits = FAST_LIMITS, suite: str = "hidden") -> GradeResult:
    return grade_path(path, suite=suite, limits=limits)


#: what every JSON report keeps to (README, "JSON output (stable)")
REPORT_SCHEMA = json.loads((REPO / "grader" / "report.schema.json").read_text(encoding="utf-8"))


def strict_report(text: str) -> dict[str, Any]:
    """The JSON report text parsed as strict JSON (no NaN or Infinity) and checked against
    grader/report.schema.json by jsonschema, not by the grader's own check."""

    def no_constant(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    report = json.loads(text, parse_constant=no_constant)
    jsonschema.validate(report, REPORT_SCHEMA, cls=jsonschema.Draft7Validator)
    return report


def by_name(result: GradeResult) -> dict:
    return {test.name: test for test in result.tests}


def cli(*args: str, **kwargs) -> list[str]:
    """The command line that runs the installed grader in a fresh process."""
    return [sys.executable, "-m", "grader", *args]


def run_cli(*args: str, timeout: float = 300, **popen: Any) -> subprocess.CompletedProcess:
    """The grader run as a command in a fresh process (popen: env, cwd...), its output as text."""
    return subprocess.run(cli(*args), capture_output=True, text=True, timeout=timeout, **popen)


def run_cli_unread(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """The grader run with stdout a pipe whose reader has already gone, as in `... | head` once head
    has its lines: every write to stdout fails with a broken pipe. stderr comes back as text."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            cli(*args), stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=timeout
        )
    finally:
        os.close(write_end)


@pytest.fixture(scope="session")
def reference_result() -> GradeResult:
    return grade(REFERENCE)


def in_a_terminal_that_closes(
    args: list[str],
    temp: Path,
    ready: Callable[[], bool],
    ignore_hangup: bool = False,
    shown: bytearray | None = None,
) -> tuple[int, int]:
    """The grader run with args in a pseudo-terminal of its own (its TMPDIR temp), which closes, as
    a terminal window or an SSH connection does, once ready() is true; with ignore_hangup, as
    `nohup` starts it. Its exit status and process id (its session's id too). shown, if given,
    gets what the grader wrote on the terminal, as it comes."""
    pid, terminal = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes the grader at once
        try:
            if ignore_hangup:
                signal.signal(signal.SIGHUP, signal.SIG_IGN)
            command = cli(*args)
            os.execve(command[0], command, {**os.environ, "TMPDIR": str(temp)})
        finally:
            os._exit(127)
    deadline = time.monotonic() + 120
    while not ready() and time.monotonic() < deadline:
        if select.select([terminal], [], [], 0.05)[0]:
            try:
                written = os.read(terminal, 65536)  # a terminal nobody reads fills up and blocks it
            except OSError:  # the grader has ended
                break
            if shown is not None:
                shown.extend(written)
    # frozen first, so that the hangup lands with the work still left at ready(), however busy the
    # machine: the kernel sends SIGHUP and SIGCONT to a stopped foreground group
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGSTOP)
    os.close(terminal)  # the kernel hangs up the terminal's session: SIGHUP, then every write fails
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGCONT)
    while (waited := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if waited[0] == 0:
        os.kill(pid, signal.SIGKILL)
        pytest.fail(f"{args[0]} did not end after its terminal closed")
    return os.waitstatus_to_exitcode(waited[1]), pid


def living_in_session(session: int, wait: float = 10.0) -> list[str]:
    """The processes of a session that are still running (not zombies) once they have had
    wait seconds to end."""
    deadline = time.monotonic() + wait
    while True:
        listed = subprocess.run(
            ["ps", "-o", "stat=,args=", "--sid", str(session)], capture_output=True, text=True
        )
        living = [line for line in listed.stdout.splitlines() if not line.lstrip().startswith("Z")]
        if not living or time.monotonic() > deadline:
            return living
        time.sleep(0.1)

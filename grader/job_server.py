"""The server job processes are forked from: multiprocessing's forkserver, with the grading code
imported once, its socket folder where the next run cleans it up, and its resource tracker quiet.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import multiprocessing.util
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from grader.scratch import new_scratch

#: what grade-all's job processes import before their first submission: the grading code
GRADING_PRELOAD = ("grader.grading",)

#: the context job_server() gave this process, its preload, and the scratch folder of its server
_started: tuple[Any, tuple[str, ...], Path] | None = None


def job_server(preload: tuple[str, ...]) -> Any:
    """The multiprocessing context the job processes are started from, its server started now
    (or already, by an earlier call with the same preload: it is started again if it died).

    The server (multiprocessing's forkserver) imports the preload modules once, so each job
    process is forked with them imported; started early, it does that while the caller goes on.
    """
    global _started
    if _started is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["__main__", *preload])
        scratch = new_scratch()
        # on the way out the server is stopped, then multiprocessing removes its own folder (exit
        # priority -100), then the scratch folder goes
        multiprocessing.util.Finalize(None, _stop_server, exitpriority=-99)
        multiprocessing.util.Finalize(
            None, shutil.rmtree, (scratch,), {"ignore_errors": True}, exitpriority=-101
        )
        _keep_sockets_in(scratch)
        _started = context, preload, scratch
    context, started_with, scratch = _started
    if started_with != preload:
        raise ValueError(f"the job server was started to preload {started_with}, not {preload}")
    with _deaf_to_hangups():
        _start_resource_tracker_quietly()
        # after the tracker, whose start unblocks SIGINT
        with _with_this_import_path(starting_in=scratch), _started_deaf_to_ctrl_c():
            multiprocessing.forkserver.ensure_running()
    return context


#: how long the server may take to end once told to (it ends when it has imported what it was importing)
SERVER_STOP_SECONDS = 10.0


def _stop_server() -> None:
    """Tell the server to end and wait until it has, so that its folder is not removed under it.

    A run that ends at once (a gradebook it cannot write: exit 2) used to leave while the server
    was still importing the grading code, and remove its working folder meanwhile: Python 3.13's
    server then failed to import NumPy and printed a traceback to the terminal. Told to end (its
    "alive" pipe closed, as multiprocessing's own ForkServer._stop does), the server ends once it
    has imported what it was importing; one still there SERVER_STOP_SECONDS later is killed.
    """
    server: Any = getattr(multiprocessing.forkserver, "_forkserver", None)
    pid, alive = getattr(server, "_forkserver_pid", None), getattr(server, "_forkserver_alive_fd", None)
    if pid is None or alive is None:
        return
    server._forkserver_pid = server._forkserver_alive_fd = None
    os.close(alive)
    deadline = time.monotonic() + SERVER_STOP_SECONDS
    try:
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.01)
    except ChildProcessError:  # already reaped
        pass


@contextmanager
def _with_this_import_path(starting_in: Path) -> Iterator[None]:
    """Processes started meanwhile import modules from where this process does.

    multiprocessing starts the forkserver with `python -c`, which puts its working folder first on
    sys.path, and the forkserver imports the preload modules (the grading code) with that path: it
    ignores the sys.path it is handed. Run from a folder that holds a `grader` folder (a checkout of
    this project at another version, say), every job process died (an editable install), or graded
    with that folder's code under the installed grader's name. So they start in starting_in (the
    job server's scratch folder, which holds no module), with this process's own first sys.path
    entry (its script's folder, or the working folder for `python -m`) put before PYTHONPATH. The
    folder stays until this process ends: Python 3.13 fails to import an extension module
    (socket's) where the working folder is gone. (The job processes take this process's folder and
    sys.path back from multiprocessing.)
    """
    before = os.environ.get("PYTHONPATH")
    if sys.path and not sys.flags.isolated and not getattr(sys.flags, "safe_path", False):
        first = sys.path[0] or os.getcwd()  # "": the working folder
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (first, before)))
    try:
        with _working_in(starting_in):
            yield
    finally:
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before


@contextmanager
def _working_in(folder: Path) -> Iterator[None]:
    """This process works in folder meanwhile (processes started meanwhile start there)."""
    back = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(back)


@contextmanager
def _deaf_to_hangups() -> Iterator[None]:
    """Processes started meanwhile ignore SIGHUP (an ignored signal stays ignored across exec).

    A closed terminal sends SIGHUP to the whole process group. grade-all takes it as Ctrl-C and
    stops its job processes itself; the resource tracker and the forkserver must outlive that
    stop (each ends once grade-all is gone), or the tracker, killed, is started again with a
    warning and a traceback on the way out.
    """
    try:
        previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    except ValueError:  # not the main thread, which alone may set handlers
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, previous)


@contextmanager
def _started_deaf_to_ctrl_c() -> Iterator[None]:
    """A process started meanwhile starts with SIGINT blocked (a blocked signal stays blocked
    across exec).

    Ctrl-C sends SIGINT to the whole process group. The forkserver ignores it, but only once it
    has imported the grading code: a Ctrl-C in the first moment of a run gave it a
    KeyboardInterrupt halfway through that import, and its traceback on the terminal. Blocked, the
    signal waits until the server ignores it, which drops it. This thread's own Ctrl-C is not lost
    (as it would be if this process ignored SIGINT meanwhile): it waits for the end of the block,
    or another thread of this process takes it at once.
    """
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


#: the longest path a Unix socket may have (sun_path holds 108 bytes, the closing NUL included),
#: and what multiprocessing adds to the folder it makes its own in for the forkserver's socket
_SOCKET_PATH_MAX = 107
_SOCKET_IN_PARENT = len("/pymp-12345678/listener-12345678")


def _keep_sockets_in(scratch: Path) -> None:
    """Have multiprocessing make its folder (pymp-*, the forkserver's socket) in scratch, where the
    socket's path fits (else beside it, or in /tmp) and no folder was made before in this process.

    multiprocessing removes that folder on the way out, but a run killed with kill -9 left it in
    the temp directory for good; inside a scratch folder named after this process, the next run
    removes it with the rest of what the killed run left (scratch.remove_stale_scratch).
    """
    default, tempfile.tempdir = tempfile.tempdir, str(_socket_parent(scratch))
    try:
        multiprocessing.util.get_temp_dir()  # once per process, then kept
    finally:
        tempfile.tempdir = default


def _socket_parent(scratch: Path) -> Path:
    """Where multiprocessing's folder goes: in scratch unless the forkserver's socket would then
    have too long a path (a long TMPDIR), else in the temp directory, else in /tmp, as Python
    3.13's multiprocessing does by itself."""
    for parent in (scratch, scratch.parent, Path("/tmp")):
        if len(os.fsencode(parent)) + _SOCKET_IN_PARENT <= _SOCKET_PATH_MAX:
            return parent
    return scratch.parent


def _start_resource_tracker_quietly() -> None:
    """Start multiprocessing's resource tracker (the forkserver would) with its leak warning off.

    When grade-all is killed (kill -9, the OOM killer), the tracker frees the pool's semaphores
    and warns "There appear to be 5 leaked semaphore objects" on the user's terminal, which
    reads like a fault of the grader's. The tracker takes its warning filters from the command
    line it is started with, which multiprocessing builds from sys.warnoptions."""
    from multiprocessing import resource_tracker

    quiet = "ignore:resource_tracker:UserWarning"
    sys.warnoptions.append(quiet)
    try:
        # In "/", which no run removes: the tracker outlives grade-all, and Python 3.13's, its
        # working folder gone while it still imported the standard library (a run stopped in its
        # first moment), failed with a traceback. It imports nothing but the standard library.
        with _working_in(Path("/")):
            resource_tracker.ensure_running()
    finally:
        sys.warnoptions.remove(quiet)

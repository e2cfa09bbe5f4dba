"""The grader's side of the zygote, the process that forks a fresh worker per submission.

Starting Python and importing NumPy takes longer than running a submission's tests, so
each grader process (each job of a class run) starts one zygote,
`python -I zygote_main.py ...`, which imports NumPy once and then forks a new
worker for every submission (and after every time-out or crash). The zygote never runs
student code and a worker never sees the zygote's socket: each fork closes it before
anything of the submission is read, then walls itself in exactly as a worker started
from scratch would (grader/sandbox/), and gets its own session, limits, scratch
directory and scrubbed environment.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import importlib.util
import json
import os
import platform
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.stop_signals import STOP_SIGNALS

HERE = Path(__file__).resolve().parent
STARTUP_TIMEOUT = 60.0


class ZygoteUnavailable(Exception):
    """The zygote could not be started or did not answer."""


@functools.cache  # the answer is the system's: asked for every submission, worked out once
def unsupported_platform() -> str | None:
    """Why student code cannot be run in a worker here, or None: the zygote forks its workers and
    hands each its pipes over a Unix socket, and a worker takes POSIX resource limits; Windows has
    none of these."""
    needed = (
        ("os.fork", hasattr(os, "fork")),
        ("socket.send_fds", hasattr(socket, "send_fds")),
        ("resource", importlib.util.find_spec("resource") is not None),
    )
    missing = [name for name, present in needed if not present]
    if not missing:
        return None
    return (
        f"backprop-grader runs student code in a forked, walled-in worker, which needs Linux or macOS, "
        f"and {platform.system() or 'this system'} has no {', '.join(missing)}. On Windows, run it inside "
        "WSL (wsl --install), or push your work to GitHub, where the course's check workflow runs the "
        "public tests for you"
    )


@dataclass(frozen=True)
class HeldPlan:
    """A call plan for the zygote to keep decoded (grading.call_plan): its workers then take a
    planned call by its index instead of decoding its arguments again for every submission."""

    identity: str
    requests: tuple[str, ...]  # each wire.serialise()d

    @classmethod
    def of(cls, requests: tuple[str, ...]) -> HeldPlan:
        return cls(hashlib.sha256("\n".join(requests).encode()).hexdigest()[:32], requests)


class ForkedWorker:
    """A worker forked by the zygote: the part of subprocess.Popen that WorkerProcess uses."""

    def __init__(self, pid: int, status_fd: int) -> None:
        self.pid = pid
        self._status_fd = status_fd
        self.returncode: int | None = None

    def wait(self, timeout: float | None = None) -> int:
        """The exit code as Popen gives it (-N: killed by signal N); reported by the zygote."""
        if self.returncode is None:
            if not select.select([self._status_fd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 0.0)
            data = b""
            while len(data) < 4 and (chunk := os.read(self._status_fd, 4 - len(data))):
                data += chunk
            os.close(self._status_fd)
            status = struct.unpack("=i", data)[0] if len(data) == 4 else signal.SIGKILL
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


def hold_stop_signals() -> set[int | signal.Signals]:
    """Block SIGINT, SIGTERM and SIGHUP in this thread while it forks; the mask to restore.

    A handler that raises inside the fork hooks (logging has some) is swallowed as
    "Exception ignored" and the process would not stop.
    """
    return signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


def release_stop_signals(held: set[int | signal.Signals]) -> None:
    signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _unblock_stop_signals() -> None:
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


class Zygote:
    """One running zygote; spawn() asks it for a worker."""

    def __init__(self, environment: dict[str, str]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [
            sys.executable, "-I", str(HERE / "zygote_main.py"), str(HERE / "wire.py"),
            str(HERE / "probe_functions.py"), str(HERE / "sandbox" / "__init__.py"),
            str(HERE / "worker_main" / "__init__.py"),
            str(theirs.fileno()),
        ]  # fmt: skip
        held = hold_stop_signals()
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                cwd="/",
                env=environment,
                start_new_session=True,
                preexec_fn=_unblock_stop_signals,
            )
        finally:
            release_stop_signals(held)
            theirs.close()
        ours.settimeout(STARTUP_TIMEOUT)
        self._socket = ours
        self._lock = threading.Lock()
        self._plans: set[str] = set()
        self.owner = os.getpid()

    def spawn(
        self, request: dict[str, Any], fds: tuple[int, int, int, int], status_fd: int, plan: HeldPlan | None
    ) -> ForkedWorker:
        """Fork a worker with fds (its request, response, output and status pipe ends); with plan,
        one that holds it (its ready message says whether it does)."""
        with self._lock:
            if plan is not None and self._holds(plan):
                request = {**request, "plan": plan.identity}
            try:
                socket.send_fds(self._socket, [json.dumps(request).encode()], list(fds))
                reply = self._socket.recv(4096)
                pid = json.loads(reply)["pid"] if reply else None
            except (OSError, ValueError, KeyError):
                pid = None
        if not isinstance(pid, int) or pid <= 0:
            raise ZygoteUnavailable("the worker zygote did not answer")
        return ForkedWorker(pid, status_fd)

    def forget(self, identity: str) -> None:
        with self._lock:
            self._plans.discard(identity)

    def _holds(self, plan: HeldPlan) -> bool:
        """Whether the zygote holds plan, handing it over first if it does not yet (through an
        unnamed file: a plan is larger than one message on the socket)."""
        if plan.identity not in self._plans:
            try:
                with tempfile.TemporaryFile() as text:
                    text.write(f"[{','.join(plan.requests)}]".encode())  # each request is JSON already
                    text.seek(0)
                    socket.send_fds(
                        self._socket, [json.dumps({"hold_plan": plan.identity}).encode()], [text.fileno()]
                    )
                    reply = self._socket.recv(4096)
                if json.loads(reply).get("holds") == plan.identity:
                    self._plans.add(plan.identity)
            except (OSError, ValueError, AttributeError):
                return False
        return plan.identity in self._plans

    def close(self, grace: float) -> None:
        """Let the zygote go (it ends when its socket closes), killing it after grace seconds."""
        self._socket.close()
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.stop()

    def stop(self) -> None:
        self._socket.close()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()


_zygote: Zygote | None = None
_zygote_lock = threading.Lock()


@atexit.register
def _close_zygote_at_exit() -> None:
    """Let this process's zygote go before the interpreter tears down. Left to the collector, the
    socket and the Popen are finalised in no set order, and a zygote still running then is
    reported as a ResourceWarning (seen at a pytest-xdist worker's exit)."""
    if _zygote_lock.acquire(timeout=1.0):  # a thread still spawning at exit must not hang it
        try:
            if _zygote is not None and _zygote.owner == os.getpid():
                _zygote.close(grace=1.0)
        finally:
            _zygote_lock.release()


def forget_plan(identity: str) -> None:
    """This process's zygote turned out not to hold the plan (it keeps only the last few): hand it
    over again with the next worker."""
    with _zygote_lock:
        if _zygote is not None and _zygote.owner == os.getpid():
            _zygote.forget(identity)


def spawn_worker(
    request: dict[str, Any],
    fds: tuple[int, int, int, int],
    status_fd: int,
    environment: dict[str, str],
    plan: HeldPlan | None = None,
) -> ForkedWorker:
    """A worker from this process's zygote, started on first use and once more if it has died."""
    global _zygote
    with _zygote_lock:
        for attempt in (1, 2):
            zygote = _running_zygote(environment)
            try:
                return zygote.spawn(request, fds, status_fd, plan)
            except ZygoteUnavailable:
                if attempt == 2:
                    raise
                zygote.stop()
                _zygote = None
    raise AssertionError("unreachable")


def start_zygote(environment: dict[str, str]) -> None:
    """Start this process's zygote now if it has none, without waiting for it: it spends about
    70 ms importing NumPy, in its own process, beside the grader's own start-up (pytest's)."""
    with _zygote_lock:
        _running_zygote(environment)


def _running_zygote(environment: dict[str, str]) -> Zygote:
    """This process's zygote (a forked process's parent's is not its own), started if need be;
    called with _zygote_lock held."""
    global _zygote
    if _zygote is None or _zygote.owner != os.getpid() or _zygote.process.poll() is not None:
        if _zygote is not None and _zygote.owner == os.getpid():
            _zygote.stop()
        _zygote = Zygote(environment)
    return _zygote

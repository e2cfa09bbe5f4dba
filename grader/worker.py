"""The grader's side of the worker process that runs student code.

A WorkerProcess is one worker (grader/worker_main/, forked by this process's
zygote, grader/worker_zygote.py) in its own session and process group, with a
scrubbed environment, resource limits and a scratch directory as its working
directory. Requests and responses travel over two private pipes in
the wire format; the child's stdout and stderr go to a third pipe that a
thread drains into a capped buffer, so nothing the student prints can be taken
for a result.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from grader import long_waits, wire
from grader.grader_clock import clock
from grader.sandbox import NAMES, Protection
from grader.stop_signals import WAKE_SECONDS, raise_lost_stop
from grader.worker_zygote import HeldPlan, ZygoteUnavailable, forget_plan, spawn_worker, start_zygote

HERE = Path(__file__).resolve().parent
STARTUP_TIMEOUT = 60.0


@dataclass(frozen=True)
class WorkerLimits:
    """Limits for student code; all configurable from the command line."""

    call_timeout: float = 10.0
    submission_timeout: float = 120.0
    memory_bytes: int = 2 * 1024**3
    output_bytes: int = 64 * 1024
    file_bytes: int = 16 * 1024**2
    disk_bytes: int = 64 * 1024**2  # what student code may write in all (sandbox/disk.py)
    tasks: int = 1024  # processes and threads at once (sandbox.enter_namespaces, RLIMIT_NPROC)
    open_files: int = 256
    sandbox: bool = True  # namespaces, Landlock and seccomp (grader/sandbox/)


class WorkerDied(Exception):
    """The worker exited or broke the protocol during a call."""


_NOT_THIS_CALLS = "the worker sent a reply that does not belong to this call"


@dataclass(frozen=True)
class Answer:
    """The worker's answer to one call, as its bytes came (WorkerProcess.receive_answer)."""

    id: int
    body: bytes | None
    #: what stands for an answer too large to read (body None)
    too_large: dict[str, Any] | None = None

    @cached_property
    def digest(self) -> bytes | None:
        """wire.digest() of the bytes (equal digests, equal answers); None for one too large."""
        return None if self.body is None else wire.digest(self.body)

    def response(self) -> dict[str, Any]:
        """The parsed answer; WorkerDied if it is not a message answering this call."""
        if self.body is None:
            assert self.too_large is not None
            return self.too_large
        response = _parsed(self.body)
        if not isinstance(response, dict) or response.get("id") != self.id:
            raise WorkerDied(_NOT_THIS_CALLS)
        return response


def _parsed(body: bytes) -> Any:
    """wire.parse_body(body); WorkerDied if it is not a message."""
    try:
        return wire.parse_body(body)
    except wire.WireError as problem:
        raise WorkerDied(str(problem)) from None


class WorkerTimeout(Exception):
    """The worker did not answer within the time limit."""


class WorkerStartFailed(Exception):
    """The worker died or hung before any student code was loaded: the grader's problem."""


def scrubbed_environment(scratch: Path) -> dict[str, str]:
    """The only environment variables student code sees: no tokens, no CI secrets."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(scratch),
        "TMPDIR": str(scratch),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def worker_rlimits(limits: WorkerLimits) -> dict[str, int]:
    """The resource limits a worker puts on itself before any student code (worker_main.LIMITS),
    and the room on its own disk (disk_bytes, sandbox.bound_disk)."""
    return {
        "memory_bytes": limits.memory_bytes,
        "cpu_seconds": max(1, int(limits.submission_timeout) + 5),
        "file_bytes": limits.file_bytes,
        "core_bytes": 0,
        "open_files": limits.open_files,
        "tasks": limits.tasks,
        "disk_bytes": limits.disk_bytes,  # not an rlimit: the room on the worker's own tmpfs
    }


def parse_protections(data: Any, requested: bool) -> tuple[Protection, ...]:
    """The ready message's report, checked: one entry per known protection, text capped."""
    reported = {}
    if isinstance(data, list):
        for item in data:
            if isinstance(item, dict) and item.get("name") in NAMES:
                reported[item["name"]] = Protection(
                    item["name"], item.get("active") is True, str(item.get("detail", ""))[:200]
                )
    why = "not reported by the worker" if requested else "turned off"
    return tuple(reported.get(name, Protection(name, False, why)) for name in NAMES)


#: how long the grader lets prefetched answers pile up before reading them
LINGER_SECONDS = 0.003

#: the workers this process runs now (see kill_running_workers); weak, so that one dropped without
#: stop() is no leak
_running: weakref.WeakSet[WorkerProcess] = weakref.WeakSet()


def kill_running_workers() -> None:
    """Kill every worker this process runs, at once and without waiting: for a process that must
    leave without unwinding (a worker left behind would run its student's code until its CPU limit)."""
    for worker in list(_running):
        try:
            os.killpg(worker.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


#: the zygote's environment; each worker it forks sets its own scratch folder as HOME and TMPDIR
ZYGOTE_ENVIRONMENT = scrubbed_environment(Path("/"))


def start_worker_zygote() -> None:
    """Get the process that forks the workers going (see worker_zygote.start_zygote)."""
    start_zygote(ZYGOTE_ENVIRONMENT)


class WorkerProcess:
    """One running worker for one submission directory."""

    def __init__(
        self,
        submission: Path,
        scratch: Path,
        limits: WorkerLimits,
        stopped: tuple[tuple[str, str], ...] = (),
        plan: HeldPlan | None = None,
    ) -> None:
        """stopped: (module, function) pairs the worker replaces by a function that fails at once;
        plan: a call plan for the worker to hold (see worker_zygote.HeldPlan)."""
        self._plan = plan
        self.limits = limits
        req_read, self._req_write = os.pipe()
        self._resp_read, resp_write = os.pipe()
        out_read, out_write = os.pipe()
        status_read, status_write = os.pipe()
        request = {
            "submission": str(submission),
            "scratch": str(scratch),
            "sandbox": limits.sandbox,
            "limits": worker_rlimits(limits),
            "stopped": [list(pair) for pair in stopped],
        }
        child_ends = (req_read, resp_write, out_write, status_write)
        try:
            self.process = spawn_worker(request, child_ends, status_read, ZYGOTE_ENVIRONMENT, plan)
        except ZygoteUnavailable as problem:
            for fd in (*child_ends, status_read, self._req_write, self._resp_read, out_read):
                os.close(fd)
            raise WorkerStartFailed(f"the worker could not be started: {problem}") from None
        for fd in child_ends:
            os.close(fd)
        _running.add(self)
        # requests are written as the worker takes them (see send), never blocking on a full pipe
        os.set_blocking(self._req_write, False)
        self._outgoing = bytearray()
        self._inbox = bytearray()
        self._awaited: deque[int] = deque()
        self._output = bytearray()
        self._drain = threading.Thread(target=self._drain_output, args=(out_read,), daemon=True)
        self._drain.start()
        self._ready = False
        self.protections: tuple[Protection, ...] = ()
        #: the identity of the call plan the worker holds decoded, if it holds plan
        self.held_plan: str | None = None
        self._stopped = False
        self._next_id = 0

    def _drain_output(self, fd: int) -> None:
        with os.fdopen(fd, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                room = self.limits.output_bytes - len(self._output)
                if room > 0:
                    self._output += chunk[:room]

    def output(self) -> str:
        """What the student's code wrote straight to file descriptors 1 and 2 (capped)."""
        return bytes(self._output).decode("utf-8", "replace")

    def wait_ready(self) -> None:
        """Wait for the worker's first message, which reports the protections it put up."""
        if not self._ready:
            try:
                message = self._read(clock() + STARTUP_TIMEOUT)
            except (WorkerDied, WorkerTimeout) as problem:
                self._drain.join(timeout=2)
                raise WorkerStartFailed(f"the worker did not start ({problem or 'no answer'}): "
                                        f"{self.output()[-1500:]}") from None  # fmt: skip
            if not isinstance(message, dict) or message.get("ready") is not True:
                raise WorkerStartFailed("the worker's first message was not a ready message")
            self.protections = parse_protections(message.get("protections"), self.limits.sandbox)
            if self._plan is not None and message.get("plan") == self._plan.identity:
                self.held_plan = self._plan.identity
            elif self._plan is not None:
                forget_plan(self._plan.identity)
            self._ready = True

    def call(self, request: str, timeout: float) -> dict[str, Any]:
        """Send one request (wire.serialise()d) and return the raw response; WorkerTimeout or
        WorkerDied otherwise."""
        self.send([request])
        return self.receive(timeout)

    def send(self, requests: Iterable[str]) -> None:
        """Queue requests (each wire.serialise()d, without an id) for the worker, which answers them
        one after another, in order; their bytes are written while receive() waits, so the pipe
        never fills up both ways at once."""
        self.wait_ready()
        for request in requests:
            self._next_id += 1
            self._outgoing += wire.frame_with_id(request, self._next_id)
            self._awaited.append(self._next_id)
        self._flush()

    def receive(self, timeout: float) -> dict[str, Any]:
        """The response to the oldest request not yet answered, within timeout seconds of now."""
        return self.receive_answer(timeout).response()

    def receive_answer(self, timeout: float) -> Answer:
        """receive(), its bytes read but not parsed yet: a class run's tests need few of them parsed
        (grader.passed_tests). Bytes that do not end as an answer to this call does (with its id)
        are WorkerDied at once; Answer.response() finds any other fault."""
        if not self._awaited:
            raise RuntimeError("no request is waiting for a response")
        expected = self._awaited.popleft()
        deadline = clock() + timeout
        length = self._read_length(deadline)
        if length > wire.MAX_RESPONSE_BYTES:  # dropped unread: the call's failure, not the worker's
            self._skip_exactly(length, deadline)
            return Answer(expected, None, wire.too_large_response(expected, length))
        body = self._read_exactly(length, deadline)
        # the worker puts the id last (first in its stand-in for an answer too large); the
        # parse checks it for good, this finds at once bytes that are no answer to this call
        if not (body.endswith(b'"id":%d}' % expected) or body.startswith(b'{"id":%d,' % expected)):
            raise WorkerDied(_NOT_THIS_CALLS)
        return Answer(expected, body)

    def _flush(self) -> None:
        """Write as much of the queued requests as the pipe takes now."""
        try:
            while self._outgoing:
                written = os.write(self._req_write, self._outgoing[: 1 << 16])
                del self._outgoing[:written]
        except BlockingIOError:
            pass
        except OSError:  # the worker is gone: its exit is seen when the response is read
            self._outgoing.clear()

    def _read(self, deadline: float) -> Any:
        return _parsed(self._read_exactly(self._read_length(deadline), deadline))

    def _read_length(self, deadline: float) -> int:
        try:
            return wire.body_length(self._read_exactly(wire.HEADER.size, deadline))
        except wire.WireError as problem:
            raise WorkerDied(str(problem)) from None

    def _skip_exactly(self, size: int, deadline: float) -> None:
        """Read size bytes and let them go, never holding more than a read's worth."""
        while size:
            if not self._inbox:
                self._read_exactly(1, deadline)  # waits for what arrives and takes its first byte
                size -= 1
            taken = min(size, len(self._inbox))
            del self._inbox[:taken]
            size -= taken

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        # reads take whatever has arrived (answers to prefetched calls come many at a time)
        while len(self._inbox) < size:
            remaining = deadline - clock()
            if remaining <= 0:
                raise WorkerTimeout()
            ready, writable = self._wait(remaining)
            if writable:
                self._flush()
            if not ready:
                continue
            chunk = os.read(self._resp_read, 1 << 20)
            if not chunk:
                raise WorkerDied(self._exit_description())
            self._inbox += chunk
            if self._awaited and len(chunk) < 1 << 16:
                # More answers are on their way (the rest of a prefetched plan): let them pile up
                # rather than wake up for each one. Writing to a pipe no one waits on is cheap, so
                # this saves the worker and the grader about a tenth of their time in a class run;
                # a submission's grading ends at most LINGER_SECONDS later.
                time.sleep(max(0.0, min(LINGER_SECONDS, deadline - clock())))
        taken = bytes(self._inbox[:size])
        del self._inbox[:size]
        return taken

    def _wait(self, seconds: float) -> tuple[list[int], list[int]]:
        """Wait up to seconds for the worker's answer (or room for the requests still queued);
        a wait for a call's answer that outlasts long_waits.LONG_CALL_SECONDS is reported as a long
        one. Not so the wait for the worker to start: on a loaded machine that takes long for
        every submission, and spares would only load it more."""
        writing = [self._req_write] if self._outgoing else []
        if not self._ready:
            return self._select(writing, seconds)
        quick = min(seconds, long_waits.LONG_CALL_SECONDS)
        ready, writable, _ = select.select([self._resp_read], writing, [], quick)
        if ready or writable or seconds <= quick:
            return ready, writable
        with long_waits.waiting():
            return self._select(writing, seconds - quick)

    def _select(self, writing: list[int], seconds: float) -> tuple[list[int], list[int]]:
        """select() on the response pipe (and writing) for up to seconds, waking every
        stop_signals.WAKE_SECONDS to raise a stop that another thread took, or that a finalizer
        swallowed (see heeding_stops)."""
        deadline = clock() + seconds
        while True:
            left = deadline - clock()
            ready, writable, _ = select.select(
                [self._resp_read], writing, [], max(0.0, min(left, WAKE_SECONDS))
            )
            if ready or writable or left <= WAKE_SECONDS:
                return ready, writable
            raise_lost_stop()

    def _exit_description(self) -> str:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the worker closed its connection"
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            return f"the process was killed by signal {name}"
        return f"the process exited with status {code}"

    def stop(self) -> None:
        """Kill the worker and everything in its process group; wait for it."""
        if self._stopped:
            return
        self._stopped = True
        _running.discard(self)
        for fd in (self._req_write, self._resp_read):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self._drain.join(timeout=2)

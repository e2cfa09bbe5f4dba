"""Job processes: a fixed number of processes that run tasks (grading one submission, say) in
parallel, forked from a server that imported the grading code once (grader.job_server), and as
many spares, which run tasks only while a job waits on a call that has run long
(grader.long_waits).

They leave Ctrl-C to the parent, which stops them (each cleans up what it runs: its worker, its
scratch folder), and they stop by themselves when the parent is gone, even killed with SIGKILL.
A job process that dies takes only its tasks with it, even halfway through sending a result: they
are tried once more.
"""

from __future__ import annotations

import importlib
import os
import select
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures import process as futures_process
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from grader import long_waits
from grader.half_sent_results import give_up_half_sent_results, processes_of
from grader.roster import Entry
from grader.scratch import process_running, remove_scratch_of
from grader.stop_signals import WAKE_SECONDS, raise_lost_stop, stops_held_back, when_a_finalizer_swallows

Task = tuple[Any, ...]  # a function run in a job process and its arguments


def run_pool(
    context: Any,
    entries: list[Entry],
    jobs: int,
    task: Callable[[Entry], Task],
    record: Callable[[Any], None],
    failed: Callable[[Entry, str], Any],
    preload: tuple[str, ...] = (),
    cleanup: Callable[[], None] | None = None,
) -> None:
    """Run task(entry) in job processes started from context (see job_server), calling record with
    each result: jobs of them, at most 2 tasks per job in flight, and while a job waits on a call
    that has run long (grader.long_waits), a spare job process takes the next entry, so that a
    looping submission costs its job's time but not the run's. preload: modules each job process
    imports first; cleanup: what a job process runs (a module-level function) if it must leave
    without its main thread (see _end_with).

    A job process that dies takes only its tasks' attempts with it: its pool is rebuilt and they
    are tried once more; after that, record gets failed(entry, why) for them instead.
    """
    queue = deque(entries)
    attempts: dict[str, int] = {}
    pools = _Pools(context, jobs, (os.getpid(), preload, cleanup))
    try:
        while True:
            while queue and (spare := pools.wants()) is not None:
                pools.submit(queue.popleft(), task, spare)
            if not pools.running:
                break
            # a job may start a long wait meanwhile; and a stop another thread took (stop_signals.heeding_stops),
            # or one a finalizer swallowed, is raised when the main thread wakes
            timeout = _POLL_SECONDS if queue else WAKE_SECONDS
            finished, _ = wait(pools.running, timeout=timeout, return_when=FIRST_COMPLETED)
            raise_lost_stop()
            broken: set[bool] = set()  # which pools lost a job process: spare or regular
            for future in finished:
                entry, spare = pools.done(future)
                try:
                    record(future.result())
                except BrokenProcessPool:
                    broken.add(spare)
                    attempts[entry.student] = attempts.get(entry.student, 0) + 1
                    if attempts[entry.student] < 2:
                        queue.appendleft(entry)
                    else:
                        record(failed(entry, "the job process grading it died"))
            for spare in broken:
                queue.extendleft(pools.rebuild(spare))
    except BaseException:
        pools.stop()
        raise
    pools.shutdown()


#: how often the pool looks for jobs that wait on a long call, while entries are left to hand out
_POLL_SECONDS = 0.05


class _Pools:
    """The job processes of a run: the regular ones, and the spares, started only when a job first
    waits on a long call, which get a task only while a job waits (at most one per waiting job)."""

    def __init__(self, context: Any, jobs: int, initargs: tuple[Any, ...]) -> None:
        self._context, self._jobs = context, jobs
        # one flag per task in flight (long_waits): 2 per regular job, 1 per spare
        self._flags = context.RawArray("b", 3 * jobs)
        self._free = list(range(3 * jobs))
        self._initargs = (*initargs, self._flags)
        self._regular = self._executor()
        self._spare: ProcessPoolExecutor | None = None
        #: the tasks in flight: their entry, flag and whether a spare runs it
        self.running: dict[Future, tuple[Entry, int, bool]] = {}

    def _executor(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            max_workers=self._jobs, mp_context=self._context, initializer=_job_init, initargs=self._initargs
        )
        give_up_half_sent_results(pool)
        return pool

    def wants(self) -> bool | None:
        """Whether the next task should go to a spare (True) or a regular job (False), or nowhere yet."""
        spares = sum(spare for _, _, spare in self.running.values())
        if len(self.running) - spares < 2 * self._jobs:
            return False
        waiting = sum(self._flags[flag] for _, flag, _ in self.running.values())
        return True if spares < min(self._jobs, waiting) else None

    def submit(self, entry: Entry, task: Callable[[Entry], Task], spare: bool) -> None:
        flag = self._free.pop()
        self._flags[flag] = 0
        if spare and self._spare is None:
            self._spare = self._executor()
        pool = self._spare if spare else self._regular
        assert pool is not None
        function, *args = task(entry)
        with stops_held_back():  # the pool may start a job process for it
            future = pool.submit(_run_task, flag, function, *args)
        self.running[future] = (entry, flag, spare)

    def done(self, future: Future) -> tuple[Entry, bool]:
        """Forget a task that is done: its entry, and whether a spare ran it."""
        entry, flag, spare = self.running.pop(future)
        self._flags[flag] = 0
        self._free.append(flag)
        return entry, spare

    def rebuild(self, spare: bool) -> list[Entry]:
        """Replace the pool (spare or regular) that lost a job process, and return the entries its
        other tasks in flight take with them; the other pool's tasks run on."""
        lost = [self.done(future)[0] for future, (_, _, s) in list(self.running.items()) if s == spare]
        if spare:
            assert self._spare is not None
            self._spare.shutdown(wait=True)
            self._spare = None  # started again when a job next waits
        else:
            self._regular.shutdown(wait=True)
            self._regular = self._executor()
        return lost

    def stop(self) -> None:
        """Stop at once: terminate the job processes (they remove their workers and scratch folders)."""
        for pool in (self._regular, self._spare):
            if pool is not None:
                stop_pool(pool)

    def shutdown(self) -> None:
        for pool in (self._regular, self._spare):
            if pool is not None:
                pool.shutdown(wait=True)


def _run_task(flag: int, function: Callable[..., Any], *args: Any) -> Any:
    """In a job process: function(*args), with flag raised while it waits on a long call.

    Stopped (SIGTERM), the process leaves once what ran has unwound (its worker stopped, its scratch
    folder removed): the pool would take the Terminated for the task's result and wait for the next."""
    try:
        long_waits.working_on(flag)
        try:
            return function(*args)
        finally:
            long_waits.working_on(None)
    except Terminated as stop:
        _leave(stop)


def stop_pool(pool: ProcessPoolExecutor, grace: float | None = None) -> None:
    """Stop at once: terminate the pool's processes (job processes remove their workers and scratch
    folders), with nothing left to run.

    One still there grace seconds (default STOP_GRACE_SECONDS) later is killed, and its scratch
    folders removed for it: the pool waits for every process to end when this process exits, so
    one stuck on its way out (seen once, after a run stopped for a full $TMPDIR) kept grade-all from
    ever exiting, its summary printed."""
    grace = STOP_GRACE_SECONDS if grace is None else grace
    processes = processes_of(pool)
    manager = getattr(pool, "_executor_manager_thread", None)  # shutdown() forgets it
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(timeout=STOP_GRACE_SECONDS)
            if process.pid is not None:
                remove_scratch_of(process.pid)
    # The pool's thread ends once its processes have, closing its wake-up pipe on the way: let it.
    # Left running, it could close that pipe just as Python's exit hook writes to it (CPython
    # gh-125451: 3.11, 3.12 before 3.12.8, 3.13.0), which printed "Bad file descriptor" with a
    # traceback after the command's last line (a grade-all stopped for a gradebook it could not
    # write, once in CI).
    if manager is not None:
        manager.join(timeout=STOP_GRACE_SECONDS)


#: how long stopped job processes get to clean up and leave before they are killed
STOP_GRACE_SECONDS = 10.0


def _job_init(
    parent: int, preload: tuple[str, ...], cleanup: Callable[[], None] | None = None, flags: Any = None
) -> None:
    """Job processes leave Ctrl-C and a closed terminal (SIGHUP) to the parent, and clean up
    (worker, scratch) when terminated, or when the parent process is gone. flags: the pool's
    long-wait flags (long_waits.share)."""
    global _cleanup
    _cleanup = cleanup
    long_waits.share(flags)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_cleanly)
    _keep_lost_terminations()
    _send_results_whole()
    try:
        _end_with(parent, cleanup)
        for module in preload:
            importlib.import_module(module)  # paid once, before the first task
    except Terminated as stop:
        # stopped before any task (the parent died at once): the pool would print the exception
        # with its traceback on the terminal grade-all was started from
        os._exit(stop.status)


#: what this job process cleans up on its way out after a stop (run_pool's cleanup)
_cleanup: Callable[[], None] | None = None


def _leave(stop: Terminated) -> None:
    """Leave this job process at once, after its cleanup."""
    try:
        if _cleanup is not None:
            _cleanup()
    finally:
        os._exit(stop.status)


def _send_results_whole() -> None:
    """In a job process: send every result whole, and never a stop as a task's result.

    A result larger than the pipe's buffer goes in several writes. A SIGTERM between two of them
    (the pool's own stop, or a CI time-out's signal to the whole process group) left half a
    message in the pipe: the parent's reader thread waited for the rest forever, and grade-all,
    its summary printed, never exited. So a SIGTERM waits while a result is sent, and lands right
    after it. (Blocking the signal would not do: the process's other threads, such as _end_with's,
    would take it, and Python runs the handler in the main thread all the same.) A Terminated
    that reached the pool (SIGTERM as _run_task began, before its `try`) is not sent: the process
    leaves, as _run_task would have.

    The pool sends every result through concurrent.futures.process._sendback_result (Python 3.10
    to 3.13 at least); a Python without it sends them as before."""
    send = getattr(futures_process, "_sendback_result", None)
    if send is None:
        return

    def send_whole(*args: Any, **kwargs: Any) -> None:
        global _sending
        stop = getattr(kwargs.get("exception"), "exc", None)
        if isinstance(stop, Terminated):
            _leave(stop)
        _sending = True
        try:
            send(*args, **kwargs)
        finally:
            _sending = False
        if _waiting_stop is not None:
            raise _waiting_stop

    futures_process._sendback_result = send_whole


#: whether this job process is sending a result, and the stop that came meanwhile
_sending = False
_waiting_stop: Terminated | None = None


def _end_with(parent: int, cleanup: Callable[[], None] | None = None) -> None:
    """Terminate this process (as SIGTERM does, cleaning up) once the process parent has ended.

    A parent (grade-all) killed with SIGKILL cannot stop its job processes, and nothing else would: each
    would wait for work forever, with its pytest session and worker zygote, and keep the job
    server alive too. A pidfd becomes readable when its process ends; where there is none (Linux
    before 5.3) the parent is looked for once a second.

    If the main thread is still there EXIT_GRACE_SECONDS later, the stop is waiting: the main
    thread is sending a result (see _send_results_whole), and with the parent gone that write
    blocks for good once the pipe is full (the other job processes hold its reading end, so it
    never fails). The process then runs cleanup and leaves from here.
    """
    try:
        handle: int | None = os.pidfd_open(parent)
    except ProcessLookupError:
        _terminate_main_thread()
        return
    except (AttributeError, OSError):
        handle = None

    def watch() -> None:
        if handle is not None:
            readable = select.poll()  # poll, unlike select, takes any descriptor number
            readable.register(handle, select.POLLIN)
            readable.poll()
        else:
            while process_running(parent):
                time.sleep(1.0)
        remove_scratch_of(parent)  # the job server's socket: the parent, killed, could not
        _terminate_main_thread()
        time.sleep(EXIT_GRACE_SECONDS)  # the main thread unwinds and leaves well within this
        try:
            if cleanup is not None:
                cleanup()
        finally:
            os._exit(128 + signal.SIGTERM)

    threading.Thread(target=watch, name="backprop-grader-parent-watch", daemon=True).start()


#: how long a job process whose parent is gone gives its main thread to unwind and leave
EXIT_GRACE_SECONDS = 10.0


def _terminate_main_thread() -> None:
    # to the main thread itself: a signal another thread takes would not interrupt the main
    # thread's wait for work, and its handler would run only once that wait ended
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    signal.pthread_kill(main_thread, signal.SIGTERM)


class Terminated(SystemExit):
    """SIGTERM in a job process. As a SystemExit it unwinds whatever runs (the worker is stopped,
    the scratch folder removed) and ends a job that waits for work; _run_task catches it and
    leaves, since the pool takes whatever a task raises for its result and goes on."""

    @property
    def status(self) -> int:
        """The exit status to leave with: 128 + the signal's number."""
        return self.code if isinstance(self.code, int) else 1


def _keep_lost_terminations() -> None:
    """In a job process: a SIGTERM whose Terminated a finalizer swallowed is sent again.

    Python runs a signal's handler wherever the main thread is, in a finalizer that the garbage
    collector runs there included, and what a finalizer raises goes to sys.unraisablehook and no
    further. The job process graded on as if no stop had come (grade-all killed it once its grace
    ran out), and the hook printed the Terminated and its traceback on grade-all's terminal. (The
    commands' own KeyboardInterrupt is kept by stop_signals.) Sent again by a thread a moment
    later, once the main thread has left the hook, the signal is handled in the main thread's own
    code: in a task, or in the wait for the next one."""
    when_a_finalizer_swallows(Terminated, _terminate_again_soon)


#: how long the thread that sends a lost SIGTERM again waits for the main thread to leave the hook:
#: a handler that ran in there would raise out of the hook, and the stop be lost once more
_RESEND_DELAY_SECONDS = 0.05


def _terminate_again_soon() -> None:
    def terminate_again() -> None:
        time.sleep(_RESEND_DELAY_SECONDS)
        _terminate_main_thread()

    threading.Thread(target=terminate_again, name="backprop-grader-lost-stop", daemon=True).start()


def _exit_cleanly(signum: int, frame: Any) -> None:
    global _waiting_stop
    stop = Terminated(128 + signum)
    if _sending:  # it lands once the result is sent (_send_results_whole)
        _waiting_stop = stop
        return
    raise stop

"""StudentSession: call a student's functions in the worker as if they were local.

The hidden tests see only this proxy. Every call crosses the process boundary
as plain data (grader.wire); a function that raises, hangs, exits or crashes
the interpreter comes back as a StudentFailure, and the worker is restarted for
the next call. Time limits hold per call and per submission.
"""

from __future__ import annotations

import copy
import dataclasses
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.call_outcome import (
    TOP_LEVEL_HINT,
    CallOutcome,
    RecordedCall,
    StudentCodeError,
    StudentFailure,
    crash_message,
    outcome_from,
)
from grader.exercise_api import MODULE_OF
from grader.grader_clock import clock
from grader.planned_calls import PlannedCall, PlanRecording, Probe, nudged
from grader.sandbox import Protection
from grader.worker import Answer, WorkerDied, WorkerLimits, WorkerProcess, WorkerStartFailed, WorkerTimeout
from grader.worker_zygote import HeldPlan

#: after this many time-outs of one function its further calls are not run
TIMEOUTS_BEFORE_SKIPPING = 2
#: calls kept for diagnosing a failed test (the smallest failing ones are among the first)
MAX_RECORDED_CALLS = 64


class StudentSession:
    """The student's functions for one submission, run in a (restartable) worker."""

    def __init__(
        self, submission: Path, limits: WorkerLimits | None = None, plan: HeldPlan | None = None
    ) -> None:
        """plan: the call plan each worker should hold (see CallPlan), if calls will be prefetched."""
        self.submission = submission
        self.limits = limits or WorkerLimits()
        self._plan = plan
        self._worker: WorkerProcess | None = None
        self._imported: set[str] = set()
        self._hanging_modules: set[str] = set()
        self._timeouts: dict[str, int] = {}
        self._spent = 0.0
        self.printed: list[str] = []
        self.worker_starts = 0
        self._finished = False
        self.protections: tuple[Protection, ...] = ()
        #: the calls since the last forget_calls(), for diagnosing a failed test
        self.calls: list[RecordedCall] = []
        self._recording: list[PlannedCall] | None = None
        self._nudge = False
        #: outcomes of prefetched calls by PlannedCall.key, oldest first
        self._prefetched: dict[Hashable, deque[_Prefetched]] = {}
        #: the calls taken since note_taken_calls(), while they can still be taken again
        self._taken: list[tuple[CallSlot, bytes]] | None = None
        self._replayable = False

    def forget_calls(self) -> None:
        self.calls = []

    def note_taken_calls(self) -> None:
        """From now on, note each call taken from the prefetched plan (see taken_calls)."""
        self._taken = []
        self._replayable = True

    def taken_calls(self) -> TakenCalls | None:
        """The calls taken since note_taken_calls(), in order, with their answers' digests, if they
        were at least one and every call since then was a prefetched one whose answer came back
        whole and printed nothing: another submission whose answers_ahead() to the same calls are
        the same answered them alike. None otherwise (a call ran on its own, timed out, crashed
        or printed)."""
        taken, self._taken = self._taken, None
        if not taken or not self._replayable:
            return None
        return TakenCalls(tuple(call for call, _ in taken), tuple(digest for _, digest in taken))

    def answers_ahead(self, calls: Sequence[CallSlot]) -> tuple[bytes, ...] | None:
        """The digests of the prefetched answers that calls, made in this order now, would take
        (see TakenCalls); None if one of them would not take a whole prefetched answer."""
        if self._finished:
            return None
        ahead: dict[Hashable, int] = {}
        digests = []
        for key, _ in calls:
            kept = self._prefetched.get(key)
            position = ahead.get(key, 0)
            answer = kept[position].answer if kept and position < len(kept) else None
            if answer is None or (digest := answer.digest) is None:
                return None
            digests.append(digest)
            ahead[key] = position + 1
        return tuple(digests)

    def take_again(self, calls: Sequence[CallSlot]) -> None:
        """Take the prefetched answers to calls as a test making them in this order would, without
        looking at them: for a test that answers_ahead() showed to have passed with them already
        (grader.passed_tests). Their time counts against the submission all the same."""
        for key, module in calls:
            taken = self._prefetched[key].popleft()
            self._spent += taken.seconds
            self._imported.add(module)

    def start(self) -> None:
        """Start a worker if none runs: the first (wait_ready), or a new one after a time-out or crash."""
        if self._worker is None:
            stopped = tuple(
                (MODULE_OF[function], function)
                for function, count in self._timeouts.items()
                if count >= TIMEOUTS_BEFORE_SKIPPING
            )
            self._worker = WorkerProcess(self.submission, self.submission, self.limits, stopped, self._plan)
            self.worker_starts += 1

    def wait_ready(self) -> tuple[Protection, ...]:
        """Start the worker if needed and return the protections it reports (WorkerStartFailed if it cannot start)."""
        self.start()
        assert self._worker is not None
        self._worker.wait_ready()
        self.protections = self._worker.protections
        return self.protections

    def finish(self) -> None:
        """Stop the worker for good: later calls fail at once instead of starting a new one
        (a test still running when grading was interrupted must not leave a worker behind)."""
        self._finished = True
        self.close()

    def close(self) -> None:
        if self._worker is not None:
            self._keep_output(self._worker)
            self._worker.stop()
            self._worker = None

    def _keep_output(self, worker: WorkerProcess) -> None:
        if text := worker.output():
            self._remember(text)

    def _remember(self, text: str) -> None:
        """Keep what student code printed, up to the output limit for the whole submission."""
        room = self.limits.output_bytes - sum(len(part) for part in self.printed)
        if room > 0:
            self.printed.append(text[:room])

    def __getattr__(self, function: str) -> Callable[..., Any]:
        if function not in MODULE_OF:
            raise AttributeError(
                f"{function!r} is not one of the exercises' functions: a test can call only those "
                "listed in grader/exercise_api.py (EXERCISES)"
            )

        def call_and_return(*args: Any, **kwargs: Any) -> Any:
            return self.call_or_raise(function, *args, **kwargs).result

        return call_and_return

    def call_or_raise(self, function: str, *args: Any, **kwargs: Any) -> CallOutcome:
        """Like call, but a student fault raises StudentCodeError (status error or timeout)."""
        outcome = self.call(function, *args, **kwargs)
        if outcome.failure is not None:
            raise StudentCodeError(outcome.failure)
        return outcome

    def call(self, function: str, *args: Any, **kwargs: Any) -> CallOutcome:
        """Call the student's function with plain-data arguments; never raises for student faults."""
        planned = PlannedCall(function, args, kwargs)
        outcome = self._nudged(self._take_prefetched(planned) or self._call(planned))
        if len(self.calls) < MAX_RECORDED_CALLS:
            self.calls.append(RecordedCall(function, _copied(args), _copied(kwargs), outcome))
        return outcome

    def call_repeatedly(
        self, function: str, times: int, feed: tuple[int, int], *args: Any, keep: int | None = None
    ) -> CallOutcome:
        """Up to `times` calls in a row inside the worker, each given item feed[1] of the previous
        result as argument feed[0]; the outcome's result is the list of results, each but the last
        cut down to its item keep when keep is given. Not recorded for diagnoses (only the report's
        plots use it); a student fault raises StudentCodeError."""
        planned = PlannedCall(function, args, {}, {"times": times, "feed": list(feed), "keep": keep})
        outcome = self._nudged(self._take_prefetched(planned) or self._call(planned))
        if outcome.failure is not None:
            raise StudentCodeError(outcome.failure)
        return outcome

    def record_for_plan(self, recording: PlanRecording) -> None:
        """From now on, append every call that runs (not prefetched) to recording.calls, and hand
        the tests nudged results if recording.nudge (grading.call_plan)."""
        self._recording = recording.calls
        self._nudge = recording.nudge

    @property
    def recording(self) -> bool:
        """Whether this session records a plan (record_for_plan): its grade is thrown away."""
        return self._recording is not None

    def untaken(self) -> list[PlannedCall]:
        """The prefetched calls no test took, and those a time-out or crash left unsent."""
        return [call for kept in self._prefetched.values() for p in kept for call in (p.planned, *p.rest)]

    def prefetch(self, plan: Sequence[PlannedCall]) -> None:
        """Run plan's calls now, in order, as the tests will make them, sending each request without
        waiting for the answer to the one before (the worker answers in order, so each call still
        gets its own time limit). call() then takes a planned call's outcome instead of running it.

        The grade is the same as without a plan: a call's time counts against the submission only
        when a test takes its outcome, and prefetching stops at the first call that times out or
        crashes the worker, whose outcome counts (as a strike against the function) only if a test
        takes it. When one does, prefetching goes on from the next planned call in a new worker,
        which is where the calls would go without a plan."""
        pending = [p for p in plan if self._skip_reason(p.function, p.module) is None]
        if not pending:
            return
        try:
            self.wait_ready()
        except WorkerStartFailed:  # left for the calls themselves to report
            self.close()
            return
        worker = self._worker
        assert worker is not None
        worker.send(p.message_for(worker.held_plan) for p in pending)
        batch = tuple(pending)
        imported = set(self._imported)
        spent = 0.0
        for index, planned in enumerate(batch):
            timeout = min(self.limits.call_timeout, self.limits.submission_timeout - self._spent - spent)
            if timeout <= 0:
                break
            started = clock()
            crash = None
            answer = None
            try:
                answer = worker.receive_answer(timeout)
            except WorkerTimeout:
                pass
            except WorkerDied as died:
                # bytes that were no answer (the student's own, written into the pipe) may have
                # been taken for the answer before this one: the crash is the first such call's
                index, planned, died = self._first_not_an_answer(batch, index, died)
                crash = StudentFailure("crash", crash_message(planned.function, str(died)))
            seconds = clock() - started
            if answer is None:
                first_call = planned.module not in imported
                self._keep(
                    _Prefetched(
                        planned,
                        seconds,
                        batch,
                        index,
                        crash=crash,
                        timeout=timeout,
                        first_call_to_module=first_call,
                    )
                )
                break
            spent += seconds
            imported.add(planned.module)
            self._keep(_Prefetched(planned, seconds, batch, index, answer=answer))
        else:
            return
        # the worker is stuck, dead, or busy with calls no one will wait for: later calls get a new one
        self.close()

    def _keep(self, prefetched: _Prefetched) -> None:
        self._prefetched.setdefault(prefetched.planned.key, deque()).append(prefetched)

    def _take_prefetched(self, planned: PlannedCall) -> CallOutcome | None:
        kept = self._prefetched.get(planned.key)
        if not kept:
            return None
        taken = kept.popleft()
        self._spent += taken.seconds
        if taken.answer is None:
            self._replayable = False
            failure = taken.crash or self._charge_timeout(
                planned.function, planned.module, taken.timeout, taken.first_call_to_module
            )
            self.prefetch(taken.rest)
            return CallOutcome(failure=failure)
        self._imported.add(planned.module)
        try:
            response = taken.answer.response()
        except WorkerDied as died:
            return CallOutcome(failure=self._not_an_answer(taken, died))
        outcome = self._outcome_of(taken.planned, response)
        if self._taken is not None:
            if taken.answer.digest is None or outcome.printed:
                self._replayable = False
            else:
                self._taken.append(((planned.key, planned.module), taken.answer.digest))
        return outcome

    def _first_not_an_answer(
        self, batch: tuple[PlannedCall, ...], index: int, died: WorkerDied
    ) -> tuple[int, PlannedCall, WorkerDied]:
        """The first call of batch, up to index (whose answer died), whose kept answer is no answer
        (with why), its answer and those after it dropped; else index's own."""
        for earlier in range(index):
            kept = next((p for p in self._prefetched.get(batch[earlier].key, ()) if p.batch is batch
                         and p.index == earlier), None)  # fmt: skip
            if kept is None or kept.answer is None:
                continue
            try:
                kept.answer.response()
            except WorkerDied as problem:
                self._drop_answered_from(batch, earlier)
                return earlier, batch[earlier], problem
        return index, batch[index], died

    def _drop_answered_from(self, batch: tuple[PlannedCall, ...], index: int) -> list[PlannedCall]:
        """Drop what batch's calls from index on got back and no test took yet; those calls (and
        the ones a time-out or crash among them left unsent), in order."""
        dropped: set[int] = set()
        for key, kept in self._prefetched.items():
            stays: deque[_Prefetched] = deque()
            for prefetched in kept:
                if prefetched.batch is not batch or prefetched.index < index:
                    stays.append(prefetched)
                    continue
                dropped.add(prefetched.index)
                if prefetched.answer is None:
                    dropped.update(range(prefetched.index + 1, len(batch)))
            self._prefetched[key] = stays
        return [batch[place] for place in sorted(dropped)]

    def _not_an_answer(self, taken: _Prefetched, died: WorkerDied) -> StudentFailure:
        """What came back for a prefetched call was no answer to it (bytes the student's code wrote
        into the pipe, say), found as it is taken: as when it is found as it comes, the call is a
        crash, the worker goes, and what it answered after is dropped, the calls no test took yet
        being made again from here in a new worker."""
        self._replayable = False
        again = self._drop_answered_from(taken.batch, taken.index + 1)
        self.close()
        self.prefetch(again)
        return StudentFailure("crash", crash_message(taken.planned.function, str(died)))

    def _nudged(self, outcome: CallOutcome) -> CallOutcome:
        if not self._nudge or outcome.failure is not None:
            return outcome
        return dataclasses.replace(outcome, result=nudged(outcome.result))

    def _call(self, planned: PlannedCall) -> CallOutcome:
        self._replayable = False
        if self._recording is not None:
            self._recording.append(planned.frozen())
        skipped = self._skip_reason(planned.function, planned.module)
        if skipped is not None:
            return CallOutcome(failure=skipped)
        timeout = min(self.limits.call_timeout, self.limits.submission_timeout - self._spent)
        self.start()
        assert self._worker is not None
        started = clock()
        try:
            response = self._worker.call(planned.serialised, timeout)
        except WorkerTimeout:
            return CallOutcome(failure=self._after_timeout(planned.function, planned.module, timeout))
        except WorkerDied as died:
            self.close()
            return CallOutcome(failure=StudentFailure("crash", crash_message(planned.function, str(died))))
        finally:
            self._spent += clock() - started
        self._imported.add(planned.module)
        return self._outcome_of(planned, response)

    def _outcome_of(self, planned: PlannedCall, response: dict[str, Any]) -> CallOutcome:
        outcome = outcome_from(planned, response)
        if outcome.printed:
            self._remember(f"[{planned.function}] {outcome.printed}")
        return outcome

    def _skip_reason(self, function: str, module: str) -> StudentFailure | None:
        if self._finished:
            return StudentFailure("budget", "not run: grading of this submission was stopped")
        if self._spent >= self.limits.submission_timeout:
            return StudentFailure(
                "budget",
                f"not run: the submission used up its total time limit of "
                f"{self.limits.submission_timeout:g} s",
            )
        if module in self._hanging_modules:
            return StudentFailure("timeout", f"not run: importing {module}.py never finished{TOP_LEVEL_HINT}")
        if self._timeouts.get(function, 0) >= TIMEOUTS_BEFORE_SKIPPING:
            return StudentFailure("timeout", f"not run: {function} already timed out twice")
        return None

    def _after_timeout(self, function: str, module: str, timeout: float) -> StudentFailure:
        first_call_to_module = module not in self._imported
        self.close()
        return self._charge_timeout(function, module, timeout, first_call_to_module)

    def _charge_timeout(
        self, function: str, module: str, timeout: float, first_call_to_module: bool
    ) -> StudentFailure:
        """Count a time-out against function (or against importing module, when no call to it had
        ever returned) and say what happened."""
        self._timeouts[function] = self._timeouts.get(function, 0) + 1
        if first_call_to_module:
            self._hanging_modules.add(module)
            return StudentFailure(
                "timeout",
                f"{function}, or importing {module}.py before its first call, did not finish within "
                f"{timeout:g} s; look for a loop that never ends{TOP_LEVEL_HINT}",
            )
        return StudentFailure(
            "timeout",
            f"{function} did not return within {timeout:g} s; look for a loop that never ends "
            f"(or very slow code: the exercises need only a few array operations)",
        )


#: a call as the prefetched plan knows it: its PlannedCall.key and module
CallSlot = tuple[Hashable, str]


@dataclass(frozen=True)
class TakenCalls:
    """The calls a test took from the prefetched plan, in order, and the digests of their answers
    (Answer.digest): equal digests, answers equal byte for byte."""

    calls: tuple[CallSlot, ...]
    answers: tuple[bytes, ...]


@dataclass(frozen=True)
class _Prefetched:
    """A prefetched call's result: an answer, a crash, or (neither) a time-out after timeout seconds."""

    planned: PlannedCall
    seconds: float
    #: the calls prefetched together (in one worker, in order), and this one's place among them
    batch: tuple[PlannedCall, ...]
    index: int
    answer: Answer | None = None
    crash: StudentFailure | None = None
    timeout: float = 0.0
    first_call_to_module: bool = False

    @property
    def rest(self) -> tuple[PlannedCall, ...]:
        """The planned calls after a time-out or crash, never sent (or never read)."""
        return () if self.answer is not None else self.batch[self.index + 1 :]


def _copied(value: Any) -> Any:
    """A copy of plain data deep enough that nothing done to value later changes it (arrays
    copied, containers rebuilt; numbers, strings and probes are immutable; anything else deepcopied)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if type(value) in (list, tuple):
        return type(value)(_copied(item) for item in value)
    if type(value) is dict:
        return {key: _copied(item) for key, item in value.items()}
    if value is None or isinstance(value, (int, float, str, bytes, Probe, np.generic)):
        return value
    return copy.deepcopy(value)

"""StudentSession: call a student's functions in the worker as if they were local.

The hidden tests see only this proxy. Every call crosses the process boundary
as plain data (grader.wire); a function that raises, hangs, exits or crashes
the interpreter comes back as a StudentFailure, and the worker is restarted for
the next call. Time limits hold per call and per submission.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import wire
from grader.exercise_api import MODULE_OF, signature_of
from grader.sandbox import Protection
from grader.worker import WorkerDied, WorkerLimits, WorkerProcess, WorkerTimeout

#: after this many time-outs of one function its further calls are not run
TIMEOUTS_BEFORE_SKIPPING = 2
#: calls kept for diagnosing a failed test (the smallest failing ones are among the first)
MAX_RECORDED_CALLS = 64


@dataclass(frozen=True)
class Probe:
    """A scalar function (from grader.probe_functions) passed to numerical_gradient by name."""

    name: str


@dataclass(frozen=True)
class StudentFailure:
    """Why a call to student code produced no value: kind is the machine-readable cause."""

    kind: str  # exception | signature | timeout | crash | missing_file | import | missing_function | bad_return | budget
    message: str

    @property
    def status(self) -> str:
        return "timeout" if self.kind in ("timeout", "budget") else "error"


@dataclass(frozen=True)
class CallOutcome:
    """What one call returned, plus what it did to its arguments and what it printed."""

    result: Any = None
    args_after: tuple = ()
    kwargs_after: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    printed: str = ""
    failure: StudentFailure | None = None


@dataclass(frozen=True)
class RecordedCall:
    """A call as the grader made it (copies of the arguments before the call) and its outcome."""

    function: str
    args: tuple
    kwargs: Mapping[str, Any]
    outcome: CallOutcome


class StudentCodeError(Exception):
    """Raised into a hidden test when the student's function produced no value."""

    def __init__(self, failure: StudentFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class StudentSession:
    """The student's functions for one submission, run in a (restartable) worker."""

    def __init__(self, submission: Path, limits: WorkerLimits | None = None) -> None:
        self.submission = submission
        self.limits = limits or WorkerLimits()
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

    def forget_calls(self) -> None:
        self.calls = []

    def start(self) -> None:
        """Start the worker now (it imports NumPy while the grader collects its tests)."""
        if self._worker is None:
            self._worker = WorkerProcess(self.submission, self.submission, self.limits)
            self._imported = set()
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
            raise AttributeError(function)

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
        module = MODULE_OF[function]
        skipped = self._skip_reason(function, module)
        if skipped is not None:
            return CallOutcome(failure=skipped)
        outcome = self._call(function, module, args, kwargs)
        if len(self.calls) < MAX_RECORDED_CALLS:
            self.calls.append(RecordedCall(function, copy.deepcopy(args), copy.deepcopy(kwargs), outcome))
        return outcome

    def call_repeatedly(self, function: str, times: int, feed: tuple[int, int], *args: Any) -> CallOutcome:
        """Up to `times` calls in a row inside the worker, each given item feed[1] of the previous
        result as argument feed[0]; the outcome's result is the list of results. Not recorded for
        diagnoses (only the report's plots use it); a student fault raises StudentCodeError."""
        module = MODULE_OF[function]
        skipped = self._skip_reason(function, module)
        if skipped is not None:
            raise StudentCodeError(skipped)
        outcome = self._call(function, module, args, {}, {"times": times, "feed": list(feed)})
        if outcome.failure is not None:
            raise StudentCodeError(outcome.failure)
        return outcome

    def _call(
        self, function: str, module: str, args: tuple, kwargs: dict[str, Any], repeat: dict | None = None
    ) -> CallOutcome:
        request = {
            "module": module,
            "function": function,
            "args": wire.encode(_probes_to_plain(list(args))),
            "kwargs": wire.encode(_probes_to_plain(kwargs)),
            "repeat": repeat,
        }
        timeout = min(self.limits.call_timeout, self.limits.submission_timeout - self._spent)
        self.start()
        assert self._worker is not None
        started = time.monotonic()
        try:
            response = self._worker.call(request, timeout)
        except WorkerTimeout:
            return CallOutcome(failure=self._after_timeout(function, module, timeout))
        except WorkerDied as died:
            self.close()
            return CallOutcome(failure=StudentFailure("crash", _crash_message(function, str(died))))
        finally:
            self._spent += time.monotonic() - started
        self._imported.add(module)
        outcome = _outcome_from(function, response)
        if outcome.printed:
            self._remember(f"[{function}] {outcome.printed}")
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
            return StudentFailure("timeout", f"not run: importing {module}.py never finished")
        if self._timeouts.get(function, 0) >= TIMEOUTS_BEFORE_SKIPPING:
            return StudentFailure("timeout", f"not run: {function} already timed out twice")
        return None

    def _after_timeout(self, function: str, module: str, timeout: float) -> StudentFailure:
        first_call_to_module = module not in self._imported
        self.close()
        if first_call_to_module:
            self._hanging_modules.add(module)
        self._timeouts[function] = self._timeouts.get(function, 0) + 1
        return StudentFailure(
            "timeout",
            f"{function} did not return within {timeout:g} s; look for a loop that never ends "
            f"(or very slow code: the exercises need only a few array operations)",
        )


def _probes_to_plain(value: Any) -> Any:
    if isinstance(value, Probe):
        return {"__probe__": value.name}
    if isinstance(value, dict):
        return {key: _probes_to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_probes_to_plain(item) for item in value]
    return value


def _crash_message(function: str, how: str) -> str:
    return (
        f"{function} ended the worker process ({how}); calling sys.exit or os._exit, "
        f"or crashing the interpreter, costs the test"
    )


def _outcome_from(function: str, response: dict[str, Any]) -> CallOutcome:
    """Check and decode a worker response; anything malformed is the student's fault."""
    try:
        printed = str(response.get("stdout", ""))[: wire.MAX_STRING_CHARS]
        warnings = tuple(str(w)[:500] for w in response.get("warnings", [])[:20])
        if not response.get("ok"):
            return CallOutcome(
                printed=printed,
                warnings=warnings,
                failure=_failure_from(function, response.get("error") or {}),
            )
        return CallOutcome(
            result=wire.decode(response.get("result")),
            args_after=tuple(wire.decode(response.get("args_after") or [])),
            kwargs_after=wire.decode(response.get("kwargs_after") or {}),
            warnings=warnings,
            printed=printed,
        )
    except (wire.WireError, TypeError, ValueError, AttributeError) as problem:
        return CallOutcome(failure=StudentFailure("bad_return", f"{function} sent back {problem}"))


def _failure_from(function: str, error: dict[str, Any]) -> StudentFailure:
    kind = str(error.get("kind", "exception"))
    kind = kind if kind in _MESSAGES else "exception"
    where = str(error.get("where", ""))[:300]
    details = {
        "function": function,
        "module": MODULE_OF[function],
        "type": str(error.get("type", ""))[:100],
        "message": str(error.get("message", ""))[:2000],
        "where": f" ({where})" if where else "",
        "expected": signature_of(function),
        "theirs": str(error.get("signature", ""))[:300] or "different",
    }
    if kind == "exception" and details["type"] == "NotImplementedError":
        kind = "not_implemented"
    return StudentFailure(kind, _MESSAGES[kind].format(**details))


_MESSAGES = {
    "exception": "{function} raised {type}: {message}{where}",
    "not_implemented": "{function} is not implemented yet: it raises NotImplementedError{where}",
    "signature": "{function} could not be called as {expected}: yours is {theirs} ({type}: {message})",
    "missing_file": "{module}.py is missing from the submission, so {function} could not be graded",
    "import": "{module}.py could not be imported: {type}: {message}{where}",
    "missing_function": "{module}.py does not define {expected}",
    "bad_return": "{function} {message}; return NumPy arrays or floats",
}

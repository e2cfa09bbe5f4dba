"""Name the mistake behind a failed test by reproducing the student's output.

For every call the test made to the student's code (and that returned), the
catalog's mutants are run on the same arguments in the grader's own process. A
mistake is named only when its mutant reproduces the student's outcome on every
one of those calls and differs from the reference on at least one of them, so
an arbitrary wrong answer is reported as "no known mistake", never as a guess.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from grader.call_outcome import RecordedCall
from grader.diagnosis.catalog import BY_ID, CATALOG, Misconception
from grader.diagnosis.evidence import call_size, evidence
from grader.diagnosis.gradient_view import gradient_view
from grader.diagnosis.mutants import mutant
from grader.diagnosis.observe import Observation, of_function, of_student, same_value, tolerance
from grader.memo import Memo
from grader.reference import load_reference
from grader.results import Diagnosis, TestResult

NO_KNOWN_MISTAKE = "no known mistake"
#: a mistake seen directly rather than reproduced by a mutant, so not in the catalog: any function
#: can miss its return, and its calls then give None whatever the rest of its code does
NO_RETURN_VALUE = "no_return_value"


class _Calls:
    """The test's returned calls with the student's and the reference's observations."""

    def __init__(self, calls: Sequence[RecordedCall], reference_dir: Path) -> None:
        ref = load_reference(reference_dir)
        self.calls = [call for call in calls if call.outcome.failure is None]
        self.student = [of_student(call) for call in self.calls]
        self.reference = [of_function(getattr(ref, call.function), call) for call in self.calls]
        self.tolerance = [tolerance(call) for call in self.calls]

    def wrong(self) -> list[int]:
        """Indices of the calls whose outcome differs from the reference's, smallest input first."""
        indices = [
            i
            for i in range(len(self.calls))
            if _differs(self.student[i], self.reference[i], self.tolerance[i])
        ]
        return sorted(indices, key=lambda i: call_size(self.calls[i]))


#: a class makes the same mistakes on the same inputs: a test whose calls went exactly as they
#: went for an earlier submission gets the diagnosis that one got
_diagnoses = Memo[Diagnosis | None](1024)


def diagnose(calls: Sequence[RecordedCall], reference_dir: Path) -> Diagnosis | None:
    """The diagnosis of a failed test from the calls it made; None when the student's code never
    returned, or when nothing it returned differs from the reference's and no mistake explains it."""
    seen = (str(reference_dir), [_as_seen(call) for call in calls])
    return _diagnoses.get((), seen, lambda: _diagnose(calls, reference_dir))


def _as_seen(call: RecordedCall) -> tuple:
    """Everything of a call that its diagnosis depends on, as plain data."""
    outcome = call.outcome
    failure = (outcome.failure.kind, outcome.failure.message) if outcome.failure else None
    if failure is not None:
        return (call.function, call.args, dict(call.kwargs), failure)
    return (
        call.function, call.args, dict(call.kwargs), outcome.result, outcome.args_after, dict(outcome.kwargs_after),
        outcome.warnings,
    )  # fmt: skip


def _diagnose(calls: Sequence[RecordedCall], reference_dir: Path) -> Diagnosis | None:
    recorded = _Calls(calls, reference_dir)
    if not recorded.calls:
        return None
    wrong = recorded.wrong()
    shown = wrong[0] if wrong else None
    proof = None
    if shown is not None:
        proof = evidence(
            recorded.calls[shown],
            recorded.reference[shown],
            recorded.student[shown],
            recorded.tolerance[shown],
        )
    view = gradient_view(recorded.calls, reference_dir)
    matches = [entry for entry in CATALOG if _explains(entry, recorded, reference_dir)]
    if not matches and shown is not None and _returned_nothing(recorded, shown):
        return Diagnosis(
            NO_RETURN_VALUE,
            "no value returned",
            "The function returned None, which is what a Python function gives when it ends without a "
            "return statement, or when its return is on a branch (an if or else) that the call did not take.",
            "End the function with return and the value it computed, on every branch.",
            evidence=proof,
            gradient_check=view,
        )
    if not matches and proof is None and not view:
        # every returned value agrees with the reference's: the test failed on something else (a
        # dtype, a type, a property), which its own message says; "no known mistake" adds nothing
        return None
    if not matches:
        return Diagnosis(
            None,
            NO_KNOWN_MISTAKE,
            "The output matches none of the typical mistakes in the grader's catalog."
            + (
                " Compare the expected and received values of the smallest failing call below."
                if proof
                else ""
            ),
            "Work through that call by hand (or print the intermediate arrays) and compare each step "
            "with the formulas in the exercise's docstring.",
            evidence=proof,
            gradient_check=view,
        )
    failing = {recorded.calls[i].function for i in wrong}
    matches.sort(key=lambda entry: entry.replaces not in failing)
    first = matches[0]
    return Diagnosis(
        first.id,
        first.name,
        first.explanation,
        first.hint,
        also=tuple(entry.id for entry in matches[1:]),
        evidence=proof,
        gradient_check=view,
    )


def _returned_nothing(recorded: _Calls, index: int) -> bool:
    """Whether the call returned None where the reference returns a value."""
    return recorded.student[index].result is None and recorded.reference[index].result is not None


def _explains(entry: Misconception, recorded: _Calls, reference_dir: Path) -> bool:
    """Does the mistake reproduce every returned call and differ from the reference on one of them?"""
    mutated = mutant(entry.id, reference_dir)
    shows_itself = False
    for call, student, reference, tol in zip(
        recorded.calls, recorded.student, recorded.reference, recorded.tolerance, strict=True
    ):
        predicted = of_function(getattr(mutated, call.function), call)
        if predicted.raised or not _reproduces(predicted, student, tol):
            return False
        shows_itself = shows_itself or _differs(predicted, reference, tol)
    return shows_itself


def _reproduces(predicted: Observation, student: Observation, tol: tuple[float, float]) -> bool:
    """The mistake's value, and also its changed arguments and warnings when it has them."""
    if not same_value(predicted.result, student.result, tol):
        return False
    if predicted.mutated and not same_value(predicted.args_after, student.args_after, tol):
        return False
    return not (predicted.warned and not student.warned)


def _differs(observed: Observation, reference: Observation, tol: tuple[float, float]) -> bool:
    if reference.raised:
        return not observed.raised
    return (
        not same_value(observed.result, reference.result, tol)
        or (observed.mutated and not reference.mutated)
        or (observed.warned and not reference.warned)
    )


def prefer_consistent(tests: Sequence[TestResult]) -> tuple[TestResult, ...]:
    """Where a test's output fits several mistakes, name first the one other tests single out.

    A test stops at its first wrong call, so that call may not tell two mistakes
    apart (ReLU'(0) = 1 and a missing derivative agree when every z ≥ 0); the
    submission's other tests usually do.
    """
    sole = Counter(
        t.diagnosis.mistake for t in tests if t.diagnosis and t.diagnosis.mistake and not t.diagnosis.also
    )
    chosen = []
    for test in tests:
        diagnosis = test.diagnosis
        if diagnosis is not None and diagnosis.mistake is not None and diagnosis.also:
            candidates = [diagnosis.mistake, *diagnosis.also]
            best = BY_ID[max(candidates, key=lambda mistake: sole[mistake])]
            if best.id != diagnosis.mistake:
                others = tuple(c for c in candidates if c != best.id)
                named = replace(
                    diagnosis,
                    mistake=best.id,
                    name=best.name,
                    explanation=best.explanation,
                    hint=best.hint,
                    also=others,
                )
                test = replace(test, diagnosis=named)
        chosen.append(test)
    return tuple(chosen)

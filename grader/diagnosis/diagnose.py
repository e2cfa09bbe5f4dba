"""Name the mistake behind a failed test by reproducing the student's output.

For every call the test made to the student's code (and that returned), the
catalog's mutants are run on the same arguments in the grader's own process. A
mistake is named only when its mutant reproduces the student's outcome on every
one of those calls and differs from the reference on at least one of them, so
an arbitrary wrong answer is reported as "no known mistake", never as a guess.

A test's few calls can fit a mistake by chance (at z = 0, σ(z)(1 − z) is σ(z)). A
mistake lives in one function, so prefer_consistent reads the submission's failed tests
together: a mistake whose function answered one of them otherwise than the mistake
would is named for none, one whose function a test did not call is named for that
test only if a test that did call it has the mistake too, and none is named for a test
whose answers rest on a function that went wrong in a way no known mistake explains.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from enum import Enum
from pathlib import Path
from types import SimpleNamespace

from grader.call_outcome import RecordedCall
from grader.diagnosis.catalog import BY_ID, CATALOG, Misconception
from grader.diagnosis.evidence import call_size, evidence
from grader.diagnosis.gradient_view import gradient_view
from grader.diagnosis.mutants import mutant
from grader.diagnosis.observe import Observation, of_function, of_student, same_value, tolerance
from grader.exercise_api import MODULE_OF
from grader.memo import Memo
from grader.reference import load_reference
from grader.results import Diagnosis, Evidence, TestResult

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

    def evidence(self, index: int) -> Evidence:
        """What call index shows: the call, and the first part of its outcome that differs."""
        return evidence(self.calls[index], self.reference[index], self.student[index], self.tolerance[index])


#: a class makes the same mistakes on the same inputs: a test whose calls went exactly as they
#: went for an earlier submission gets the diagnosis that one got
_diagnoses = Memo[Diagnosis | None](1024)


def diagnose(calls: Sequence[RecordedCall], reference_dir: Path) -> Diagnosis | None:
    """The diagnosis of a failed test from the calls it made; None when the student's code never
    returned, or when nothing it returned differs from the reference's and no mistake explains it."""
    seen = (str(reference_dir), [_as_seen(call) for call in calls])
    return _diagnoses.get((), seen, lambda: _diagnose(calls, reference_dir))


def diagnose_error(
    calls: Sequence[RecordedCall], reference_dir: Path, among: Collection[str]
) -> Diagnosis | None:
    """The mistakes of among (catalog ids) that explain a test the student's code raised in (status
    error): their mutants raise an exception of the same class on the call that raised, where the
    reference returns, and reproduce every call before it. None when none does, or when the last
    call did not raise in the student's own code (a time-out, a stub, a missing file).

    A shape error fits many mistakes by chance (any product with the wrong matrix raises one), so
    prefer_consistent asks only about the mistakes that failed tests name from the values returned."""
    failure = calls[-1].outcome.failure if calls else None
    if failure is None or not failure.raised or not among:
        return None
    seen = ("raised", str(reference_dir), sorted(among), [_as_seen(call) for call in calls])
    return _diagnoses.get((), seen, lambda: _diagnose_error(calls, reference_dir, among))


def _diagnose_error(
    calls: Sequence[RecordedCall], reference_dir: Path, among: Collection[str]
) -> Diagnosis | None:
    *before, raising = calls
    recorded = _Calls(before, reference_dir)
    failure = raising.outcome.failure
    assert failure is not None
    if of_function(getattr(load_reference(reference_dir), raising.function), raising).raised:
        return None  # raising is right there: the test failed on what was raised, not a mistake's
    matches = []
    for entry in CATALOG:
        if entry.id not in among:
            continue
        mutants = (mutant(entry.id, reference_dir, form) for form in range(len(entry.forms)))
        if any(
            _raised_class(of_function(getattr(mutated, raising.function), raising)) == failure.raised
            and _reproduces_every(mutated, recorded)
            for mutated in mutants
        ):
            matches.append(entry)
    if not matches:
        return None
    first, *others = matches
    return Diagnosis(
        first.id, first.name, first.explanation, first.hint, also=tuple(entry.id for entry in others)
    )


def _raised_class(observation: Observation) -> str:
    """'ValueError' of an observation that raised 'ValueError: ...' ('' when it returned)."""
    return observation.raised.partition(":")[0]


def _reproduces_every(mutated: SimpleNamespace, recorded: _Calls) -> bool:
    """Whether a mutant answers every returned call as the student's code did."""
    return all(
        _reproduces(of_function(getattr(mutated, call.function), call), student, tol)
        for call, student, tol in zip(recorded.calls, recorded.student, recorded.tolerance, strict=True)
    )


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
    proof = recorded.evidence(shown) if shown is not None else None
    view = gradient_view(recorded.calls, reference_dir)
    verdicts = {entry.id: _verdict(entry, recorded, reference_dir) for entry in CATALOG}
    matches = [entry for entry in CATALOG if verdicts[entry.id][0] is _Verdict.EXPLAINS]
    failing = {recorded.calls[i].function for i in wrong}
    unknown = _no_known_mistake(
        Diagnosis(
            None,
            NO_KNOWN_MISTAKE,
            "",
            "",
            evidence=proof,
            gradient_check=view,
            ruled_out=tuple(
                mistake for mistake, (verdict, _, _) in verdicts.items() if verdict is _Verdict.RULED_OUT
            ),
            called=tuple(sorted({call.function for call in calls})),
            wrong=tuple(sorted(failing)),
            rests_on=tuple(
                sorted({BY_ID[mistake].replaces for mistake, (_, shifts, _) in verdicts.items() if shifts})
            ),
        )
    )
    if not matches and shown is not None and _returned_nothing(recorded, shown):
        return replace(
            unknown,
            mistake=NO_RETURN_VALUE,
            name="no value returned",
            explanation="The function returned None, which is what a Python function gives when it ends "
            "without a return statement, or when its return is on a branch (an if or else) that the "
            "call did not take.",
            hint="End the function with return and the value it computed, on every branch.",
        )
    if not matches and proof is None and not view:
        # every returned value agrees with the reference's: the test failed on something else (a
        # dtype, a type, a property), which its own message says; "no known mistake" adds nothing
        return None
    if not matches:
        return unknown
    matches.sort(key=lambda entry: entry.replaces not in failing)
    first = matches[0]
    form = verdicts[first.id][2]
    if (where := _where_it_shows(first, form, recorded, wrong, reference_dir)) not in (None, shown):
        unknown = replace(unknown, evidence=recorded.evidence(where))
    return _naming(unknown, first, [entry.id for entry in matches])


def _where_it_shows(
    entry: Misconception, form: int, recorded: _Calls, wrong: list[int], reference_dir: Path
) -> int | None:
    """The first of the wrong calls on which the mutant of entry's form answers otherwise than the
    reference: the evidence to show under its name. The smallest wrong call may be wrong for another
    reason (a second mistake, or x restored a bit off), which would make the named mistake look
    unfounded."""
    mutated = mutant(entry.id, reference_dir, form)
    for index in wrong:
        call = recorded.calls[index]
        predicted = of_function(getattr(mutated, call.function), call)
        if _differs(predicted, recorded.reference[index], recorded.tolerance[index]):
            return index
    return None


def _no_known_mistake(diagnosis: Diagnosis) -> Diagnosis:
    """diagnosis as "no known mistake", with what the test's calls showed (its evidence, gradient
    view and the facts prefer_consistent reads)."""
    return replace(
        diagnosis,
        mistake=None,
        name=NO_KNOWN_MISTAKE,
        explanation="The output matches none of the typical mistakes in the grader's catalog."
        + (
            " Compare the expected and received values of the smallest failing call below."
            if diagnosis.evidence
            else ""
        ),
        hint="Work through that call by hand (or print the intermediate arrays) and compare each step "
        "with the formulas in the exercise's docstring.",
        also=(),
    )


def _returned_nothing(recorded: _Calls, index: int) -> bool:
    """Whether the call returned None where the reference returns a value."""
    return recorded.student[index].result is None and recorded.reference[index].result is not None


class _Verdict(Enum):
    EXPLAINS = "explains"  # reproduces every returned call, and differs from the reference on one
    RULED_OUT = "ruled out"  # its graded function (graded_in), called itself, answered otherwise
    NEITHER = "neither"


def _verdict(entry: Misconception, recorded: _Calls, reference_dir: Path) -> tuple[_Verdict, bool, int]:
    """What the test's returned calls say of the mistake, whether one of its mutants answered a call
    of another function otherwise than the reference (the test's answers rest on the mistake's
    function), and the form that explains the test (0 when none does). The mistake explains the test
    when one of its forms does, and is ruled out only when every form is."""
    verdicts = [_form_verdict(entry, form, recorded, reference_dir) for form in range(len(entry.forms))]
    shifts = any(shift for _, shift in verdicts)
    for form, (verdict, _) in enumerate(verdicts):
        if verdict is _Verdict.EXPLAINS:
            return verdict, shifts, form
    if all(verdict is _Verdict.RULED_OUT for verdict, _ in verdicts):
        return _Verdict.RULED_OUT, shifts, 0
    return _Verdict.NEITHER, shifts, 0


def _form_verdict(
    entry: Misconception, form: int, recorded: _Calls, reference_dir: Path
) -> tuple[_Verdict, bool]:
    """_verdict of one of the mistake's forms."""
    mutated = mutant(entry.id, reference_dir, form)
    shows_itself = missed = shifts = False
    for call, student, reference, tol in zip(
        recorded.calls, recorded.student, recorded.reference, recorded.tolerance, strict=True
    ):
        if missed and call.function != entry.graded_in:
            continue  # only a call of the mistake's own function can still rule it out
        predicted = of_function(getattr(mutated, call.function), call)
        changed = _differs(predicted, reference, tol)
        shifts = shifts or (changed and call.function != entry.replaces)
        if not _reproduces(predicted, student, tol):
            # a helper's mistake (forward, deep_forward) shows only through the graded function
            # that calls it: that one answering otherwise rules it out
            if call.function == entry.graded_in:
                return _Verdict.RULED_OUT, shifts
            missed = True
        else:
            shows_itself = shows_itself or changed
    if missed or not shows_itself:
        return _Verdict.NEITHER, shifts
    return _Verdict.EXPLAINS, shifts


def _reproduces(predicted: Observation, student: Observation, tol: tuple[float, float]) -> bool:
    """The mistake's value, and also its changed arguments and warnings when it has them (never
    when it raised, where the student's call returned)."""
    if predicted.raised:
        return False
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


def prefer_consistent(
    tests: Sequence[TestResult],
    raised_calls: Mapping[tuple[str, str], Sequence[RecordedCall]],
    reference_dir: Path,
) -> tuple[TestResult, ...]:
    """Name each test's mistake as the submission's tests together have it.

    A test's few calls can fit a mistake by chance, so a mistake is named for no test
    - when a failed test ruled it out (see _verdict), or
    - for a test that did not call the function the mistake lives in, unless a failed
      test that did call it has the mistake among its own: a wrong train_step whose
      sgd_update passed its tests does not have its mistake in sgd_update, or
    - for a test whose answers rest on another function (a catalog mistake in it changes
      them) that gave wrong answers no known mistake explains in a failed test, unless a
      failed test that called the mistake's function and rests on no such function has
      it too: a weight_gradients whose db is 0.0 leaves train_step's biases where they
      were, which is not train_step's "biases not updated".
    A test left with no mistake gets "no known mistake". Where a test's output fits
    several mistakes, the first named is the one other tests single out: a test stops
    at its first wrong call, so that call may not tell two mistakes apart (ReLU'(0) = 1
    and a missing derivative agree when every z ≥ 0); the submission's other tests
    usually do. When the one singled out lives in a graded function this test did not
    call, the mistakes of the functions it did call are no longer listed beside it.

    An errored test (the student's code raised; raised_calls holds its calls by (exercise,
    name)) is named last, and only for a mistake that a failed test is named for: see
    diagnose_error. It rules nothing out.
    """
    chosen = _consistent(tests)
    named = Counter(
        mistake
        for t in chosen
        if t.status == "failed" and t.diagnosis
        for mistake in _candidates(t.diagnosis)[:1]
    )
    if not named:
        return chosen
    return tuple(_named_if_it_raises(test, raised_calls, reference_dir, named) for test in chosen)


def _named_if_it_raises(
    test: TestResult,
    raised_calls: Mapping[tuple[str, str], Sequence[RecordedCall]],
    reference_dir: Path,
    named: Counter[str],
) -> TestResult:
    """test, if it errored, with the diagnosis diagnose_error gives it among named (the mistakes
    failed tests are named for), the most often named first."""
    calls = raised_calls.get((test.exercise, test.name))
    if test.status != "error" or calls is None:
        return test
    try:
        diagnosis = diagnose_error(calls, reference_dir, named)
    except Exception:  # a diagnosis is a bonus; it must never cost the grade
        return test
    if diagnosis is None:
        return test
    candidates = _candidates(diagnosis)
    best = max(candidates, key=lambda mistake: named[mistake])
    return replace(test, diagnosis=_naming(diagnosis, BY_ID[best], candidates))


def _consistent(tests: Sequence[TestResult]) -> tuple[TestResult, ...]:
    """prefer_consistent on tests whose diagnoses are all failed tests'."""
    ruled_out = {mistake for t in tests if t.diagnosis for mistake in t.diagnosis.ruled_out}
    tests = [_without(test, lambda mistake, _: mistake in ruled_out) for test in tests]
    shown_where_made = _shown_where_made(tests)

    def unsupported(mistake: str, diagnosis: Diagnosis) -> bool:
        lives_in = BY_ID[mistake].replaces
        return lives_in in MODULE_OF and lives_in not in diagnosis.called and mistake not in shown_where_made

    tests = [_without(test, unsupported) for test in tests]
    unexplained = {
        function
        for t in tests
        if t.diagnosis and t.diagnosis.mistake not in BY_ID
        for function in t.diagnosis.wrong
    }

    def on_unexplained(mistake: str, diagnosis: Diagnosis) -> bool:
        lives_in = BY_ID[mistake].replaces
        return any(piece != lives_in and piece in unexplained for piece in diagnosis.rests_on)

    shown_on_its_own = _shown_where_made(tests, but_not=on_unexplained)
    tests = [
        _without(test, lambda mistake, d: mistake not in shown_on_its_own and on_unexplained(mistake, d))
        for test in tests
    ]
    sole = Counter(
        t.diagnosis.mistake for t in tests if t.diagnosis and t.diagnosis.mistake and not t.diagnosis.also
    )
    chosen = []
    for test in tests:
        diagnosis = test.diagnosis
        if diagnosis is not None and diagnosis.mistake is not None and diagnosis.also:
            named = candidates = _candidates(diagnosis)
            best = BY_ID[max(candidates, key=lambda mistake: sole[mistake])]
            if sole[best.id] and best.graded_in not in diagnosis.called:
                # the test's function is wrong through one it uses, whose mistake other tests single
                # out and which explains this test on its own: a second mistake in the test's own
                # function adds nothing (an update that adds the gradient and output_delta given
                # the target first would cancel out in train_step)
                candidates = [
                    c for c in candidates if c == best.id or BY_ID[c].replaces not in diagnosis.called
                ]
            if candidates != named or best.id != diagnosis.mistake:
                test = replace(test, diagnosis=_naming(diagnosis, best, candidates))
        chosen.append(test)
    return tuple(chosen)


def _shown_where_made(
    tests: Sequence[TestResult], but_not: Callable[[str, Diagnosis], bool] = lambda mistake, diagnosis: False
) -> set[str]:
    """The catalog mistakes a failed test that called the mistake's own function has among its own
    (leaving out those but_not(mistake, diagnosis) of that test)."""
    return {
        mistake
        for t in tests
        if t.diagnosis
        for mistake in _candidates(t.diagnosis)
        if BY_ID[mistake].replaces in t.diagnosis.called and not but_not(mistake, t.diagnosis)
    }


def _candidates(diagnosis: Diagnosis) -> list[str]:
    """The catalog mistakes a diagnosis names, first one first ([] for none, or no value returned)."""
    mistake = diagnosis.mistake
    return [mistake, *diagnosis.also] if mistake is not None and mistake in BY_ID else []


def _without(test: TestResult, dropped: Callable[[str, Diagnosis], bool]) -> TestResult:
    """test with the catalog mistakes that dropped(mistake, diagnosis) taken from its diagnosis."""
    diagnosis = test.diagnosis
    if diagnosis is None:
        return test
    named = _candidates(diagnosis)
    candidates = [mistake for mistake in named if not dropped(mistake, diagnosis)]
    if len(candidates) == len(named):  # nothing dropped (or no catalog mistake named)
        return test
    if not candidates:
        return replace(test, diagnosis=_no_known_mistake(diagnosis))
    return replace(test, diagnosis=_naming(diagnosis, BY_ID[candidates[0]], candidates))


def _naming(diagnosis: Diagnosis, first: Misconception, candidates: list[str]) -> Diagnosis:
    """diagnosis naming first, with the other candidates as also."""
    return replace(
        diagnosis,
        mistake=first.id,
        name=first.name,
        explanation=first.explanation,
        hint=first.hint,
        also=tuple(c for c in candidates if c != first.id),
    )

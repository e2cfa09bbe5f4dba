"""Result types of grading: frozen dataclasses with no I/O and no formatting."""

from __future__ import annotations

from dataclasses import dataclass, field

STATUSES = ("passed", "failed", "error", "timeout")


@dataclass(frozen=True)
class TestResult:
    """One hidden or public test.

    status: passed (full points) | failed (wrong values) | error (the student's
    code raised, is missing or could not be called) | timeout (it did not return).
    """

    __test__ = False  # not a pytest test class

    name: str
    exercise: str
    score: float
    max_score: float
    status: str
    message: str = ""
    description: str = ""


@dataclass(frozen=True)
class ExerciseSummary:
    name: str
    score: float
    max_score: float


@dataclass(frozen=True)
class GradeResult:
    """Everything known about one graded submission."""

    submission: str
    tests: tuple[TestResult, ...]
    notes: tuple[str, ...] = ()
    student_output: str = ""
    grader_version: str = ""
    seconds: float = 0.0
    suite: str = "hidden"
    exercises_order: tuple[str, ...] = field(default=())

    @property
    def score(self) -> float:
        return round(sum(test.score for test in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(test.max_score for test in self.tests), 6)

    @property
    def percent(self) -> float:
        return round(100.0 * self.score / self.max_score, 2) if self.max_score else 0.0

    def exercises(self) -> tuple[ExerciseSummary, ...]:
        names = list(self.exercises_order)
        names += [t.exercise for t in self.tests if t.exercise not in names]
        return tuple(
            ExerciseSummary(
                name,
                round(sum(t.score for t in self.tests if t.exercise == name), 6),
                round(sum(t.max_score for t in self.tests if t.exercise == name), 6),
            )
            for name in dict.fromkeys(names)
        )

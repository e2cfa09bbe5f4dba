"""Result types of grading: frozen dataclasses with no I/O and no formatting."""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.sandbox import Protection

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
    public: bool = False  # one of the public tests students can run themselves


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
    quiz: QuizResult | None = None
    protections: tuple[Protection, ...] = ()

    @property
    def score(self) -> float:
        """Points of the tests plus the quiz's."""
        quiz = self.quiz.score if self.quiz else 0.0
        return round(sum(test.score for test in self.tests) + quiz, 6)

    @property
    def max_score(self) -> float:
        quiz = self.quiz.max_score if self.quiz else 0.0
        return round(sum(test.max_score for test in self.tests) + quiz, 6)

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


@dataclass(frozen=True)
class QuestionResult:
    """One quiz question as scored for one student."""

    id: str
    score: float
    max_score: float
    correct: bool
    feedback: str


@dataclass(frozen=True)
class QuizResult:
    """The quiz part of a grade; messages say why it may be incomplete (no answers file, ...)."""

    questions: tuple[QuestionResult, ...]
    messages: tuple[str, ...] = ()
    student: str | None = None

    @property
    def score(self) -> float:
        return round(sum(q.score for q in self.questions), 6)

    @property
    def max_score(self) -> float:
        return round(sum(q.max_score for q in self.questions), 6)

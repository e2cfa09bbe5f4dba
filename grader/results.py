"""Result types of grading: frozen dataclasses with no I/O and no formatting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.sandbox import Protection

if TYPE_CHECKING:
    from grader.worker import WorkerLimits

STATUSES = ("passed", "failed", "error", "timeout")


@dataclass(frozen=True)
class Evidence:
    """The smallest call on which the student's function and the reference disagree."""

    call: str  # e.g. "relu_prime(z=[-1.0, 0.0, 2.0])"
    expected: str
    received: str
    where: str  # which part and which entries differ


@dataclass(frozen=True)
class ParameterError:
    """One row of the gradient-check view: a parameter's gradient against finite differences."""

    parameter: str  # "W1", "layer 2 b", ...
    relative_error: float | None  # None: the student's gradient has the wrong shape, or NaN or inf
    ok: bool


@dataclass(frozen=True)
class Diagnosis:
    """Why a test failed, in the course's terms.

    mistake is the catalog id of the mistake that reproduces the student's output
    exactly (also: other entries that reproduce it just as well), or None when no
    known mistake does ("no known mistake").
    """

    mistake: str | None
    name: str
    explanation: str
    hint: str
    also: tuple[str, ...] = ()
    evidence: Evidence | None = None
    gradient_check: tuple[ParameterError, ...] = ()
    # for grader.diagnosis.diagnose.prefer_consistent, not part of the report: the catalog ids the
    # test's calls rule out for the whole submission, the functions the test called, those whose
    # answers differed from the reference's, and those its answers rest on (a catalog mistake in
    # one of them changes the answer of a call of another)
    ruled_out: tuple[str, ...] = field(default=(), metadata={"report": False})
    called: tuple[str, ...] = field(default=(), metadata={"report": False})
    wrong: tuple[str, ...] = field(default=(), metadata={"report": False})
    rests_on: tuple[str, ...] = field(default=(), metadata={"report": False})


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
    # for failed tests graded with the reference, and errored ones (diagnose.prefer_consistent)
    diagnosis: Diagnosis | None = None


@dataclass(frozen=True)
class ExerciseSummary:
    name: str
    score: float
    max_score: float


@dataclass(frozen=True)
class Series:
    """One curve: the student's values (None where their code gave none) and the reference's."""

    student: list[float | None]
    reference: list[float]


@dataclass(frozen=True)
class PlotData:
    """The numbers behind `grade --report`'s plots (grader.plot_data)."""

    depths: list[int]
    #: activation -> ‖dW‖ of the first layer, one value per depth
    first_layer_norm: dict[str, Series]
    #: activation -> ‖dW‖ of each layer of the deepest network, first layer first
    layer_norms: dict[str, Series]
    loss: Series
    #: parameter label -> relative error of the student's gradient (None: no usable gradient)
    gradient_errors: dict[str, float | None]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LimitsUsed:
    """The limits the student's code ran under, named as the options that set them."""

    timeout: float  # seconds per call
    total_timeout: float  # seconds for all calls of the submission together
    memory_mb: int


def limits_used(limits: WorkerLimits) -> LimitsUsed:
    return LimitsUsed(limits.call_timeout, limits.submission_timeout, limits.memory_bytes // 2**20)


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
    plots: PlotData | None = None  # only when asked for (grade --report, grade-all)
    grader_fingerprint: str = ""  # of the files that graded it (grader/fingerprint.py)
    limits: LimitsUsed | None = None

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


#: how the feedback of a question left blank begins
NOT_ANSWERED = "Not answered."


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

    def answered(self, question: QuestionResult) -> bool:
        """Whether the student answered question: one left blank is not, nor is any question of a
        quiz whose answers file is missing or cannot be read (its feedback is that message)."""
        return not question.feedback.startswith(NOT_ANSWERED) and question.feedback not in self.messages

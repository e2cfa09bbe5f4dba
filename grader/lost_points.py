"""Lost points grouped by cause, so that one cause is explained once.

A file that does not import fails every test of it with the same message, and one known
mistake (the 1/n of the batch average missing, say) fails a dozen tests: listed test by
test, such a report is a wall of repeats, and GitHub shows only the first 10 error
annotations of a step. Each report that lists lost points (terminal, feedback, GitHub)
therefore lists groups: the tests of one exercise file that lost points with the same
status and either the same message or the same diagnosed mistake, in the order of their
first test.

Works on TestResults and on their JSON form alike (the feedback is rebuilt from the gradebook's
JSON reports), through the small Lost view.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from grader.results import TestResult

T = TypeVar("T")

#: test names shown for a group before "and N more"
NAMES_SHOWN = 3


@dataclass(frozen=True)
class Lost:
    """What grouping needs of a test that lost points."""

    name: str
    exercise: str
    status: str
    message: str
    mistake: str | None
    score: float
    max_score: float

    @classmethod
    def of_result(cls, test: TestResult) -> Lost:
        mistake = test.diagnosis.mistake if test.diagnosis is not None else None
        return cls(test.name, test.exercise, test.status, test.message, mistake, test.score, test.max_score)

    @classmethod
    def of_json(cls, test: dict[str, Any]) -> Lost:
        diagnosis = test.get("diagnosis") or {}
        return cls(
            str(test["name"]), str(test["exercise"]), str(test["status"]), str(test.get("message", "")),
            diagnosis.get("mistake"), float(test["score"]), float(test["max_score"]),
        )  # fmt: skip

    @property
    def points(self) -> float:
        """The points lost."""
        return self.max_score - self.score

    def cause(self) -> Hashable:
        if self.mistake is not None:
            return (self.exercise, self.status, "mistake", self.mistake)
        return (self.exercise, self.status, "message", self.message)


@dataclass(frozen=True)
class LostGroup(Generic[T]):
    """Tests (as given to group_lost) of one exercise that lost points for one cause; first is
    the one whose message and diagnosis stand for the group."""

    tests: tuple[T, ...]
    lost: tuple[Lost, ...]

    @property
    def first(self) -> T:
        return self.tests[0]

    @property
    def points(self) -> float:
        """The points lost, in all."""
        return sum(test.points for test in self.lost)

    @property
    def score(self) -> float:
        return sum(test.score for test in self.lost)

    @property
    def max_score(self) -> float:
        return sum(test.max_score for test in self.lost)

    @property
    def same_message(self) -> bool:
        """Whether every test of the group failed with the first one's message."""
        return all(test.message == self.lost[0].message for test in self.lost)

    def names(self, quote: Callable[[str], str] = str, shown: int = NAMES_SHOWN) -> str:
        """The group's test names as name_list gives them."""
        return name_list([test.name for test in self.lost], quote, shown)


def name_list(names: Sequence[str], quote: Callable[[str], str] = str, shown: int = NAMES_SHOWN) -> str:
    """'a, b, c and 4 more' (every name when there are at most shown + 1), each name quoted."""
    quoted = [quote(name) for name in names]
    if len(quoted) <= shown + 1:
        return ", ".join(quoted[:-1]) + (" and " if len(quoted) > 1 else "") + quoted[-1]
    return ", ".join(quoted[:shown]) + f" and {len(quoted) - shown} more"


def clause_list(clauses: Sequence[str], shown: int) -> str:
    """'a; b; c; and 4 more': the first shown clauses, then how many are left out."""
    more = f"; and {len(clauses) - shown} more" if len(clauses) > shown else ""
    return "; ".join(clauses[:shown]) + more


def group_lost(tests: Iterable[T], view: Callable[[T], Lost]) -> list[LostGroup[T]]:
    """The tests that lost points, grouped by cause (see the module docstring), in order.
    view: Lost.of_result or Lost.of_json, whichever fits the tests."""
    groups: dict[Hashable, list[tuple[T, Lost]]] = {}
    for test in tests:
        lost = view(test)
        if lost.points > 0 or lost.status != "passed":
            groups.setdefault(lost.cause(), []).append((test, lost))
    return [_group(members) for members in groups.values()]


def _group(members: Sequence[tuple[T, Lost]]) -> LostGroup[T]:
    return LostGroup(tuple(test for test, _ in members), tuple(lost for _, lost in members))


def quiz_said_once(feedbacks: Iterable[str], messages: Sequence[str]) -> bool:
    """Whether the quiz's one message is every question's feedback (no answers.toml, or one that
    cannot be read: quiz.scoring.unanswered), so that the questions need no line each."""
    return len(messages) == 1 and all(feedback == messages[0] for feedback in feedbacks)

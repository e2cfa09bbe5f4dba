"""Where a class stands: score distribution, pass rate of every test, the commonest failures and
the commonest diagnosed mistakes.

Computed over each student's current submission in a gradebook; no I/O beyond reading it.
Failures and mistakes are counted in students, as the feedback groups lost points by cause
(grader.lost_points): one student whose gradcheck.py is missing fails its six tests, but that
is one failure of one student, not six failures that push everything else off the list.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from grader.gradebook import Gradebook

#: numbers vary from student to student; a failure's pattern is its message with them masked
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
TOP_FAILURES = 10


@dataclass(frozen=True)
class TestStat:
    __test__ = False

    name: str
    exercise: str
    passed: int
    total: int

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass(frozen=True)
class FailureStat:
    """A failure message (numbers masked) of one exercise's tests: how many students have it, in
    which tests."""

    exercise: str
    pattern: str
    students: int
    tests: tuple[str, ...]


@dataclass(frozen=True)
class MistakeStat:
    """A mistake of the diagnosis catalog: how many students made it, in which tests it showed."""

    mistake: str  # its catalog id
    name: str
    students: int
    tests: tuple[str, ...]


@dataclass(frozen=True)
class ClassStats:
    students: int
    graded: int
    #: (student, why) of each submission that could not be read: the students to ask again
    unreadable_students: tuple[tuple[str, str], ...]
    percents: tuple[float, ...]
    tests: tuple[TestStat, ...]
    failures: tuple[FailureStat, ...]
    mistakes: tuple[MistakeStat, ...] = ()

    @property
    def unreadable(self) -> int:
        return len(self.unreadable_students)

    @property
    def summary(self) -> dict[str, float]:
        """mean, median, standard deviation, min and max of the percents (empty if none)."""
        p = self.percents
        if not p:
            return {}
        return {
            "mean": statistics.fmean(p),
            "median": statistics.median(p),
            "stdev": statistics.pstdev(p),
            "min": min(p),
            "max": max(p),
        }

    def histogram(self, width: float = 10.0) -> list[tuple[float, float, int]]:
        """(low, high, count) bins over 0–100; 100 falls in the last bin."""
        bins = int(100 / width)
        counts = [0] * bins
        for percent in self.percents:
            counts[min(bins - 1, int(percent // width))] += 1
        return [(i * width, (i + 1) * width, counts[i]) for i in range(bins)]


def class_stats(gradebook: Gradebook) -> ClassStats:
    """The class's statistics, reading each current submission once (gradebook.each_current): a
    class of any size takes memory for its counts, not for its reports."""
    students, percents, unreadable = 0, [], []
    mistakes, names = _Tally(), {}
    for stored in gradebook.each_current():
        students += 1
        if stored.status != "graded":
            unreadable.append((stored.student, stored.error))
            continue
        percents.append(stored.percent)
        for test in stored.report.get("tests", []):
            diagnosis = test.get("diagnosis") or {}
            if diagnosis.get("mistake"):
                mistakes.add(diagnosis["mistake"], stored.id, str(test.get("name", "")))
                names[diagnosis["mistake"]] = str(diagnosis.get("name", diagnosis["mistake"]))
    passed: Counter[str] = Counter()
    seen: dict[str, str] = {}
    failures = _Tally()
    for submission, name, exercise, status, message in gradebook.current_test_rows():
        seen.setdefault(name, exercise)
        if status == "passed":
            passed[name] += 1
        else:
            failures.add((exercise, failure_pattern(status, message)), submission, name)
    graded = len(percents)
    tests = tuple(TestStat(name, exercise, passed[name], graded) for name, exercise in seen.items())
    return ClassStats(
        students=students,
        graded=graded,
        unreadable_students=tuple(sorted(unreadable)),
        percents=tuple(percents),
        tests=tuple(sorted(tests, key=lambda t: (t.rate, t.name))),
        failures=tuple(
            FailureStat(exercise, pattern, count, tests)
            for (exercise, pattern), count, tests in failures.commonest()
        ),
        mistakes=tuple(
            MistakeStat(key, names[key], count, tests) for key, count, tests in mistakes.commonest()
        ),
    )


class _Tally:
    """Students (by submission id) and test names of each key, for the commonest keys."""

    def __init__(self) -> None:
        self.students: dict[Any, set[int]] = {}
        self.tests: dict[Any, dict[str, None]] = {}  # insertion-ordered set

    def add(self, key: Any, submission: int, test: str) -> None:
        self.students.setdefault(key, set()).add(submission)
        self.tests.setdefault(key, {})[test] = None

    def commonest(self, top: int = TOP_FAILURES) -> list[tuple[Any, int, tuple[str, ...]]]:
        """(key, students, tests) of the top keys: most students first, then most tests."""
        ranked = sorted(self.students, key=lambda k: (-len(self.students[k]), -len(self.tests[k]), str(k)))
        return [(key, len(self.students[key]), tuple(self.tests[key])) for key in ranked[:top]]


def failure_pattern(status: str, message: str) -> str:
    """The first line of a failure message with its numbers masked as #, prefixed by the status."""
    first = (message.strip().splitlines() or [""])[0][:200]
    return f"{status}: {_NUMBER.sub('#', first)}"

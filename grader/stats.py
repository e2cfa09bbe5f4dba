"""Where a class stands: score distribution, pass rate of every test, the commonest failures.

Computed over each student's current submission in a gradebook; no I/O beyond reading it.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

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
    test: str
    pattern: str
    count: int


@dataclass(frozen=True)
class ClassStats:
    students: int
    graded: int
    unreadable: int
    percents: tuple[float, ...]
    tests: tuple[TestStat, ...]
    failures: tuple[FailureStat, ...]

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
    current = gradebook.current()
    graded = [s for s in current if s.status == "graded"]
    rows = gradebook.test_rows([s.id for s in graded])
    passed: Counter[str] = Counter()
    seen: dict[str, str] = {}
    failures: Counter[tuple[str, str]] = Counter()
    for name, exercise, status, message in rows:
        seen.setdefault(name, exercise)
        if status == "passed":
            passed[name] += 1
        else:
            failures[(name, failure_pattern(status, message))] += 1
    tests = tuple(TestStat(name, exercise, passed[name], len(graded)) for name, exercise in seen.items())
    return ClassStats(
        students=len(current),
        graded=len(graded),
        unreadable=len(current) - len(graded),
        percents=tuple(s.percent for s in graded),
        tests=tuple(sorted(tests, key=lambda t: (t.rate, t.name))),
        failures=tuple(FailureStat(t, p, n) for (t, p), n in failures.most_common(TOP_FAILURES)),
    )


def failure_pattern(status: str, message: str) -> str:
    """The first line of a failure message with its numbers masked as #, prefixed by the status."""
    first = (message.strip().splitlines() or [""])[0][:200]
    return f"{status}: {_NUMBER.sub('#', first)}"

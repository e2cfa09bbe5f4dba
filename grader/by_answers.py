"""What was worked out from a submission's answers to some calls, found again for a later
submission whose answers to the same calls are byte for byte the same (a class run's memo:
grader/passed_tests.py for tests, grader/plot_data.py for the plots' numbers).

Answers are compared by their digests (StudentSession.answers_ahead), and found ones are taken
from the session as the code that worked the value out would have taken them, so that its
prefetched calls, and their time, are spent all the same.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from grader.student import CallSlot, StudentSession, TakenCalls

T = TypeVar("T")

#: sets of answers kept per name and calls: a class's ways of getting the functions called right
KEPT_ANSWERS = 64
#: sets of calls kept per name (code whose calls depend on the answers makes more than one)
KEPT_CALLS = 4


class ByAnswers(Generic[T]):
    """For each name: the calls made, and a value for each set of answers (digests) to them, the
    most recently used last."""

    def __init__(self) -> None:
        self._kept: dict[str, OrderedDict[tuple[CallSlot, ...], OrderedDict[tuple[bytes, ...], T]]] = {}

    def take_again(self, name: str, session: StudentSession) -> T | None:
        """The value kept for the answers session has ahead to one of name's sets of calls, with
        those calls taken from session; None (nothing taken) if there is none."""
        for calls, answers in self._kept.get(name, {}).items():
            ahead = session.answers_ahead(calls)
            if ahead is not None and ahead in answers:
                answers.move_to_end(ahead)
                session.take_again(calls)
                return answers[ahead]
        return None

    def keep(self, name: str, taken: TakenCalls, value: T) -> None:
        """Keep value for name's calls answered so (StudentSession.taken_calls)."""
        kept = self._kept.setdefault(name, OrderedDict())
        answers = kept.setdefault(taken.calls, OrderedDict())
        kept.move_to_end(taken.calls)
        answers[taken.answers] = value
        answers.move_to_end(taken.answers)
        while len(answers) > KEPT_ANSWERS:
            answers.popitem(last=False)
        while len(kept) > KEPT_CALLS:
            kept.popitem(last=False)

"""Tests that passed, by the answers their calls got: a class run grades a test once for all the
students whose functions answered its calls alike.

Students who write a function the same way get the very same bytes back from it, and a class
writes each function in a few ways. A test's outcome depends only on its calls' answers (its
inputs come from its name, the reference is the same for everyone), so once a test has passed for
one submission it passes for every later one whose answers to the same calls are byte for byte the
same: such a test is not run again, its calls are taken as it would take them
(StudentSession.take_again), and it is recorded as passed.

Only plain tests are kept (suite_runner.run_test: only the grader's fixtures and marks, no
conftest.py), and only when every call they made was a prefetched one whose answer came back whole
and printed nothing (StudentSession.taken_calls). A test that made no call is never kept: what it
checked is not in any answer. Failed tests always run, for their message and diagnosis.
"""

from __future__ import annotations

from grader.by_answers import ByAnswers
from grader.student import StudentSession, TakenCalls


class PassedTests:
    """For each test (by node id), the calls it made when it passed and the answers it passed with."""

    def __init__(self) -> None:
        self._passed = ByAnswers[bool]()

    def take_again(self, nodeid: str, session: StudentSession) -> bool:
        """True, with the calls taken from session, if the answers session has ahead for the calls
        of one of the test's kept passes are byte for byte those it passed with: it passes again."""
        return self._passed.take_again(nodeid, session) is not None

    def keep(self, nodeid: str, taken: TakenCalls) -> None:
        """Note that the test passed with these calls answered so (StudentSession.taken_calls)."""
        self._passed.keep(nodeid, taken, True)

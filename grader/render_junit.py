"""GradeResult -> JUnit XML (one testsuite per exercise file and one for the quiz).

Written with junitparser, which GitLab's, Jenkins' and most CI test reports read;
a failed test is a <failure>, a test whose code raised, crashed or timed out an <error>.
"""

from __future__ import annotations

import re

from junitparser import Error, Failure, JUnitXml, TestCase, TestSuite

from grader.ci_log import inert_xml
from grader.render_diagnosis import test_diagnosis_lines
from grader.results import GradeResult


def render_junit(result: GradeResult) -> str:
    xml = JUnitXml("backprop-grader")
    for exercise in result.exercises():
        suite = TestSuite(f"{exercise.name}.py")
        for test in (t for t in result.tests if t.exercise == exercise.name):
            case = TestCase(test.name, classname=f"backprop.{exercise.name}")
            if test.status == "failed":
                failure = Failure(test.message or "wrong values", "failed")
                failure.text = "\n".join([test.message, *test_diagnosis_lines(test)])
                case.result = [failure]
            elif test.status != "passed":
                error = Error(test.message or test.status, test.status)
                if test.diagnosis is not None:  # an errored test named for a mistake (diagnose_error)
                    error.text = "\n".join([test.message, *test_diagnosis_lines(test)])
                case.result = [error]
            case.system_out = f"points: {test.score:g}/{test.max_score:g}. {test.description}"
            suite.add_testcase(case)
        suite.add_property("points", f"{exercise.score:g}/{exercise.max_score:g}")
        xml.add_testsuite(suite)
    if result.quiz:
        suite = TestSuite("quiz")
        for question in result.quiz.questions:
            case = TestCase(question.id, classname="backprop.quiz")
            if not question.correct:
                case.result = [Failure(question.feedback, "wrong answer")]
            case.system_out = f"points: {question.score:g}/{question.max_score:g}"
            suite.add_testcase(case)
        xml.add_testsuite(suite)
    xml.update_statistics()
    text = xml.tostring()
    return inert_xml(_xml_chars_only(text.decode("utf-8") if isinstance(text, bytes) else str(text)))


#: what XML 1.0 may not hold even escaped: the control characters (printable() already wrote out
#: a student's as \x01), lone surrogates (mended() did) and the noncharacters U+FFFE and U+FFFF
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_chars_only(document: str) -> str:
    """document with each character XML may not hold written as its escape (\\ufffe): one in a
    student's exception message made the whole report unreadable to a CI's test-report parser."""
    return _NOT_XML.sub(lambda found: f"\\u{ord(found.group()):04x}", document)

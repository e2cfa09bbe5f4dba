"""GradeResult -> JUnit XML (one testsuite per exercise file and one for the quiz).

Written with junitparser, which GitLab's, Jenkins' and most CI test reports read;
a failed test is a <failure>, a test whose code raised, crashed or timed out an <error>.
"""

from __future__ import annotations

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
                case.result = [Error(test.message or test.status, test.status)]
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
    return inert_xml(text.decode("utf-8") if isinstance(text, bytes) else str(text))

"""Each typical mistake loses points exactly where it should, and only there."""

import pytest
from conftest import by_name, grade, reference_with
from mistakes import MISTAKES


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_mistake_costs_the_right_tests(tmp_path, mistake):
    result = grade(reference_with(tmp_path / "submission", {mistake.file: list(mistake.replacements)}))
    tests = by_name(result)
    for name in mistake.must_fail:
        assert name in tests, f"no test named {name}"
        assert tests[name].status != "passed" and tests[name].score == 0, f"{name} should have failed"
        assert tests[name].message, f"{name} failed without saying why"
    exercises = {summary.name: summary for summary in result.exercises()}
    for name in mistake.must_pass:
        if name in exercises:
            assert exercises[name].score == exercises[name].max_score, f"{name} should keep all its points"
        else:
            assert tests[name].status == "passed", f"{name} should pass: {tests[name].message}"
    assert 0 < result.percent < 100

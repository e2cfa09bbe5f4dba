"""Student code runs in a separate worker: a function that fails, hangs or crashes costs its tests only.

The hostile tricks (reading the solution, killing the grader, fork bombs, ...) are in
tests/adversarial/ and tests/test_adversarial.py."""

import re
import textwrap
import time

import pytest
from conftest import REFERENCE, by_name, copy_reference, grade

from grader.worker import WorkerLimits

ACTIVATIONS = (REFERENCE / "activations.py").read_text()
TANH_TESTS = ("test_matches_reference[float64-tanh_prime]", "test_lesson_example[tanh' peaks at 0]")


#: an exception whose message cannot be read: str() of it raises it again (indented for a body)
UNREADABLE_ERROR = (
    "    class Unreadable(Exception):\n        def __str__(self):\n            raise Unreadable()\n"
)


def with_tanh_prime(tmp_path, body: str, header: str = ""):
    """The reference, with tanh_prime replaced by a hostile one."""
    target = copy_reference(tmp_path / "submission")
    source = header + ACTIVATIONS + f"\n\ndef tanh_prime(z):\n{body}\n"
    (target / "activations.py").write_text(source)
    return target


def assert_only_tanh_lost(result, status):
    tests = by_name(result)
    for name in TANH_TESTS:
        assert tests[name].status == status, f"{name}: {tests[name].status} {tests[name].message}"
    exercises = {e.name: e for e in result.exercises()}
    assert exercises["gradcheck"].score == exercises["gradcheck"].max_score
    assert tests["test_matches_reference[float64-sigmoid]"].status == "passed"
    return tests


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            "    raise RuntimeError('boom')",
            "error",
            r"tanh_prime raised RuntimeError: boom \(activations\.py:\d+ in tanh_prime\)",
        ),
        ("    import sys\n    sys.exit(0)", "error", r"raised SystemExit"),
        (
            "    import os\n    os._exit(0)",
            "error",
            r"ended the worker process \(the process exited with status 0\)",
        ),
        ("    import ctypes\n    ctypes.string_at(0)", "error", r"killed by signal SIGSEGV"),
        (
            "    class Liar:\n        def __eq__(self, other):\n            return True\n    return Liar()",
            "error",
            r"returned an object of type Liar, which is not a number or an array",
        ),
        (
            "    import subprocess\n    subprocess.run(['true'])",
            "error",
            r"tanh_prime raised PermissionError: \[Errno 1\] Operation not permitted \(activations\.py:\d+ "
            r"in tanh_prime\); grading runs your code walled in, where it may start no program or process",
        ),
        (
            "    return open('/etc/hostname').read()",
            "error",
            r"\[Errno 13\] Permission denied: '/etc/hostname' \(activations\.py:\d+ in tanh_prime\); "
            r"grading runs your code walled in, .* reach no file outside your submission's folder",
        ),
        (
            f"{UNREADABLE_ERROR}    raise Unreadable()",
            "error",
            r"tanh_prime raised Unreadable: \(its message could not be read: reading it raised in turn\) "
            r"\(activations\.py:\d+ in tanh_prime\)$",
        ),
        (
            "    return 10**5000",
            "error",
            r"^tanh_prime returned an integer of about 5001 digits, too large for NumPy's integers; return",
        ),
        (
            "    import numpy as np\n    return np.broadcast_to(np.ones(1), (10**9,))",
            "error",
            r"^tanh_prime sent back an array of 7629\.4 MiB for one call, more than the grader takes in",
        ),
    ],
    ids=["raises", "sys.exit", "os._exit", "segfault", "lying object", "a program", "a file outside",
         "unreadable exception", "huge int", "huge view"],
)  # fmt: skip
def test_a_failing_function_costs_only_its_tests(tmp_path, body, status, message):
    """Of the last three, the first two once ended the worker (exit 70: "ended the worker process
    ... calling sys.exit or os._exit") and the third got a blank message."""
    tests = assert_only_tanh_lost(grade(with_tanh_prime(tmp_path, body)), status)
    assert re.search(message, tests[TANH_TESTS[0]].message), tests[TANH_TESTS[0]].message


def test_an_endless_loop_times_out_and_grading_goes_on(tmp_path):
    limits = WorkerLimits(call_timeout=0.5, submission_timeout=30)
    started = time.monotonic()
    result = grade(with_tanh_prime(tmp_path, "    while True:\n        pass"), limits)
    assert_only_tanh_lost(result, "timeout")
    messages = [t.message for t in result.tests if t.status == "timeout"]
    timed_out = [m.split()[0] for m in messages if "did not return within 0.5 s" in m]
    assert timed_out == ["tanh_prime", "tanh_prime"], "only the looping function is waited for, twice"
    assert any("not run: tanh_prime already timed out twice" in m for m in messages)
    # its callers fail at once when they reach it, and only with the activation that uses it
    assert any(
        m.startswith("output_delta stopped at its call to tanh_prime, which already timed out twice")
        for m in messages
    )
    assert time.monotonic() - started < 15


def test_a_module_that_raises_an_unreadable_exception_on_import_costs_only_its_exercise(tmp_path):
    """Reading the exception's message raises in turn: the worker describes it by its type and
    place and lives on, where it used to end with every call of the file ("ended the worker")."""
    target = copy_reference(tmp_path / "submission")
    with (target / "activations.py").open("a") as source:
        source.write(f"\n\n{textwrap.dedent(UNREADABLE_ERROR)}raise Unreadable()\n")
    result = grade(target)
    exercises = {e.name: e for e in result.exercises()}
    assert exercises["gradcheck"].score == exercises["gradcheck"].max_score
    assert exercises["activations"].score == 0
    sigmoid = by_name(result)["test_matches_reference[float64-sigmoid]"]
    assert sigmoid.message.startswith(
        "activations.py could not be imported: Unreadable: (its message could not be read: reading it "
        "raised in turn) (activations.py:"
    ), sigmoid.message


def test_a_module_that_hangs_on_import_costs_only_its_exercise(tmp_path):
    target = copy_reference(tmp_path / "submission")
    (target / "gradcheck.py").write_text("while True:\n    pass\n")
    result = grade(target, WorkerLimits(call_timeout=0.5, submission_timeout=30))
    exercises = {e.name: e for e in result.exercises()}
    assert exercises["gradcheck"].score == 0
    assert {t.status for t in result.tests if t.exercise == "gradcheck"} == {"timeout"}
    assert all(
        exercises[name].score == exercises[name].max_score for name in ("activations", "backprop", "deep")
    )
    messages = {t.message for t in result.tests if t.exercise == "gradcheck"}
    hint = '(code outside the functions runs when the file is imported: put your own trial runs under if __name__ == "__main__":)'
    assert messages == {
        f"numerical_gradient, or importing gradcheck.py before its first call, did not finish within 0.5 s; look for "
        f"a loop that never ends {hint}",
        f"not run: importing gradcheck.py never finished {hint}",
    }


def test_the_total_time_limit_stops_a_slow_submission(tmp_path):
    limits = WorkerLimits(call_timeout=0.3, submission_timeout=2)
    body = "    import time\n    time.sleep(0.25)\n    return 1 - __import__('numpy').tanh(z) ** 2"
    result = grade(with_tanh_prime(tmp_path, body), limits)
    assert any("used up its total time limit of 2 s" in t.message for t in result.tests)


def test_output_written_to_the_raw_file_descriptors_is_captured_and_capped(tmp_path):
    body = "    import os\n    os.write(1, b'x' * 200000)\n    return z * 0"
    result = grade(with_tanh_prime(tmp_path, body))
    assert "xxxx" in result.student_output
    assert len(result.student_output) <= 64 * 1024


def test_what_a_file_prints_at_its_top_level_is_shown_with_the_file_named(tmp_path):
    """A student's own trial runs at the top of a file print when grading imports it; they belong
    in what the report shows the student, even when the file then hangs."""
    target = copy_reference(tmp_path / "submission")
    with (target / "activations.py").open("a") as source:
        source.write("\nimport sys\nprint('my sigmoid at 0:', sigmoid(0.0), sys.stdout.isatty())\n")
    (target / "gradcheck.py").write_text("print('about to loop')\nwhile True:\n    pass\n")
    result = grade(target, WorkerLimits(call_timeout=0.5, submission_timeout=30))
    assert "[importing activations.py] my sigmoid at 0: 0.5 False\n" in result.student_output
    assert "[importing gradcheck.py] about to loop\n" in result.student_output
    exercises = {e.name: e for e in result.exercises()}
    assert exercises["activations"].score == exercises["activations"].max_score

"""One grader process grading submission after submission (as each job of grade-all does).

The pytest session and the zygote that forks workers are started once per process; what a
test or a worker saw of one submission must never reach the next one.
"""

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, FAST_LIMITS, REFERENCE, cli, grade, reference_with

from grader import worker_zygote
from grader.call_outcome import CallOutcome
from grader.grading import grade_path
from grader.render_json import result_to_dict
from grader.student import StudentSession

ORDER = ["relu_prime_at_zero", "correct", "sign_flipped_update", "forgot_hidden_derivative", "correct"]


def outcomes(tests: list[dict]) -> dict[str, tuple[str, float]]:
    return {test["name"]: (test["status"], test["score"]) for test in tests}


#: right, but not to the last bit as the reference writes it (so some of its tests run again in a
#: row, grader/passed_tests.py), and wrong in the same function
WRITTEN_OTHERWISE = {
    "tanh_prime_factored": (
        "    return 1.0 - np.tanh(z) ** 2\n",
        "    t = np.tanh(z)\n    return (1.0 - t) * (1.0 + t)\n",
    ),
    "tanh_prime_wrong": ("    return 1.0 - np.tanh(z) ** 2\n", "    return 1.0 - np.tanh(z)\n"),
}


def test_each_submission_in_a_row_gets_what_a_fresh_process_gives_it(tmp_path):
    folders = {name: EXAMPLES / name for name in ORDER}
    for name, change in WRITTEN_OTHERWISE.items():
        folders[name] = reference_with(tmp_path / name, {"activations.py": [change]})
    order = [*ORDER, "tanh_prime_factored", "tanh_prime_wrong", "tanh_prime_factored", "correct"]
    fresh = {}
    for name, folder in folders.items():
        completed = subprocess.run(cli("grade", str(folder), "--format", "json"),
                                   capture_output=True, text=True, timeout=300)  # fmt: skip
        assert completed.returncode in (0, 1), completed.stderr
        fresh[name] = outcomes(json.loads(completed.stdout)["tests"])
    for name in order:
        in_a_row = outcomes(result_to_dict(grade(folders[name]))["tests"])
        assert in_a_row == fresh[name], name
    assert any(status != "passed" for status, _ in fresh["relu_prime_at_zero"].values())
    assert any(status != "passed" for status, _ in fresh["tanh_prime_wrong"].values())
    assert all(status == "passed" for status, _ in fresh["tanh_prime_factored"].values())


def test_a_submission_that_breaks_its_worker_does_not_break_the_next(tmp_path):
    crashing = reference_with(tmp_path / "crash", {"activations.py": [
        ("def sigmoid(z):\n", "def sigmoid(z):\n    import os\n    os._exit(3)\n")]})  # fmt: skip
    assert grade(crashing).score < grade(REFERENCE).score  # sigmoid and what uses it are lost
    result = grade(EXAMPLES / "correct")
    assert result.score == result.max_score


def test_a_dead_zygote_is_replaced_and_a_live_one_reused():
    grade_path(EXAMPLES / "correct", limits=FAST_LIMITS)
    first = worker_zygote._zygote
    assert first is not None and first.process.poll() is None
    grade_path(EXAMPLES / "correct", limits=FAST_LIMITS)
    assert worker_zygote._zygote is first, "the zygote should serve every submission of the process"
    first.process.kill()
    first.process.wait()
    result = grade_path(EXAMPLES / "correct", limits=FAST_LIMITS)
    assert result.score == result.max_score
    assert worker_zygote._zygote is not first and worker_zygote._zygote.process.poll() is None


GRADE_AND_EXIT = """
import sys
from pathlib import Path
from grader import worker_zygote
from grader.grading import grade_path
grade_path(Path(sys.argv[1]))
print(worker_zygote._zygote.process.pid)
"""


def test_a_process_that_graded_leaves_no_zygote_and_no_warning_behind():
    """The zygote is let go before the interpreter tears down: once the grading process has
    ended, its zygote has too, and `python -X dev` reports no unclosed socket or running child."""
    completed = subprocess.run([sys.executable, "-X", "dev", "-c", GRADE_AND_EXIT, str(EXAMPLES / "correct")],
                               capture_output=True, text=True, timeout=300)  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    zygote = int(completed.stdout.split()[-1])
    assert not Path(f"/proc/{zygote}").exists(), "the zygote outlived the process that started it"
    assert "ResourceWarning" not in completed.stderr, completed.stderr


def test_grading_in_a_row_keeps_nothing_of_earlier_submissions():
    """A long class run must not grow: no session, call outcome or failure of a graded submission
    stays reachable (pytest's items, fixtures and hooks are reused for the next one)."""
    grade_path(EXAMPLES / "sign_flipped_update", limits=FAST_LIMITS)  # the session is started
    before = live_objects()
    for _ in range(3):
        grade_path(EXAMPLES / "sign_flipped_update", limits=FAST_LIMITS)
    assert live_objects() == before


def live_objects() -> dict[str, int]:
    gc.collect()
    kinds = {"sessions": StudentSession, "call outcomes": CallOutcome, "failures": pytest.ExceptionInfo}
    alive = gc.get_objects()
    return {name: sum(isinstance(thing, kind) for thing in alive) for name, kind in kinds.items()}


def test_each_submission_in_a_row_gets_the_plot_numbers_it_gets_alone(tmp_path, monkeypatch):
    """The plots' numbers are worked out once for the submissions that answer their calls alike
    (grader/plot_data.py): in a row, each submission still gets its own."""
    from grader import plot_data

    folders = [REFERENCE, EXAMPLES / "forgot_hidden_derivative", REFERENCE]
    folders.append(
        reference_with(tmp_path / "factored", {"activations.py": [WRITTEN_OTHERWISE["tanh_prime_factored"]]})
    )
    folders.append(EXAMPLES / "forgot_hidden_derivative")

    def plots(folder):
        return json.dumps(
            result_to_dict(grade_path(folder, limits=FAST_LIMITS, plots=True))["plots"], default=str
        )

    worked_out = []
    collect = plot_data._collect

    def counted(session, side):
        if not session.recording:  # the plan's recordings, if this process has not made them yet
            worked_out.append(1)
        return collect(session, side)

    monkeypatch.setattr(plot_data, "_collect", counted)
    plot_data._drawn.clear()
    in_a_row = [plots(folder) for folder in folders]
    # once for the reference's answers (tanh' is in none of the plots' calls, so the factored
    # one's are the same) and once for the wrong hidden_delta's
    assert len(worked_out) == 2
    alone = []
    for folder in folders:
        plot_data._drawn.clear()
        alone.append(plots(folder))
    assert in_a_row == alone
    assert in_a_row[0] != in_a_row[1] and in_a_row[0] == in_a_row[2] == in_a_row[3]

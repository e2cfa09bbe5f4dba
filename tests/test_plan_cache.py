"""Call plans kept on disk between runs (grader/plan_cache.py): read back as recorded, recorded again
whenever what is kept is not exactly a plan, never kept from a grading that went wrong, private,
out of student code's reach, and never needed: without a folder to keep them in, grading is the same."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import EXAMPLES, FAST_LIMITS, copy_reference, run_cli, with_key

from grader import grading, plan_cache
from grader.plan_cache import CACHE_VARIABLE, FORMAT, UNUSED_FOR, keep_plan, plan_name
from grader.planned_calls import CallPlan, PlannedCall
from grader.worker import WorkerLimits

NAME = plan_name("hidden", False, FAST_LIMITS)


@pytest.fixture
def plans(tmp_path, monkeypatch) -> Path:
    """A folder of kept plans of this test's own, and a process that has recorded no plan yet."""
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    monkeypatch.setattr(grading, "_plans", {})
    return tmp_path / "cache" / "plans"


def plan_of_the_next_process(monkeypatch) -> tuple[CallPlan | None, int]:
    """call_plan as the next command's process makes it (no plan in its memory yet), and how many
    times it graded the reference for it (0: it read a kept plan; 2: it recorded one)."""
    monkeypatch.setattr(grading, "_plans", {})
    graded = 0
    original = grading._grade_reference

    def counted(*args, **kwargs):
        nonlocal graded
        graded += 1
        return original(*args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(grading, "_grade_reference", counted)
        plan = grading.call_plan("hidden", False, FAST_LIMITS)
    return plan, graded


def described(plan) -> list[tuple]:
    return [(c.function, c.key, c.serialised, c.request, c.repeat, c.index) for c in plan.calls]


def test_a_kept_plan_is_read_back_as_recorded_and_spares_both_gradings_of_the_reference(plans, monkeypatch):
    recorded = grading.call_plan("hidden", False, FAST_LIMITS)
    assert recorded is not None and len(recorded.calls) > 200
    assert [path.name for path in plans.iterdir()] == [NAME]
    again, graded = plan_of_the_next_process(monkeypatch)
    assert graded == 0, "the kept plan should have been used, not the reference graded again"
    assert again is not None
    assert again.held == recorded.held, "the worker should be sent the same calls in the same order"
    assert described(again) == described(recorded)


TAMPERED = {
    "empty": lambda text: "",
    "cut short": lambda text: text[: len(text) // 2],
    "another format": lambda text: text.replace(f'"format": {FORMAT}', f'"format": {FORMAT + 1}', 1),
    "a key of another function": lambda text: json.dumps(
        {
            **json.loads(text),
            "calls": [[call[0], ["relu", *call[1][1:]], call[2]] for call in json.loads(text)["calls"]],
        }
    ),
    "a key that is code": lambda text: json.dumps(
        {
            "format": FORMAT,
            "calls": [["sigmoid", "__import__('pathlib').Path('RAN').touch()", '{"function": "sigmoid"}']],
        }
    ),
    "a function no student writes": lambda text: json.dumps(
        {
            "format": FORMAT,
            "calls": [["system", ["system", [], [], []], '{"module": "os", "function": "system"}']],
        }
    ),
    "not an object": lambda text: "[1, 2, 3]",
}


@pytest.mark.parametrize("tamper", TAMPERED.values(), ids=TAMPERED.keys())
def test_a_kept_plan_that_is_not_exactly_a_plan_is_recorded_again_and_replaced(
    plans, monkeypatch, tamper, tmp_path
):
    recorded = grading.call_plan("hidden", False, FAST_LIMITS)
    kept = plans / NAME
    kept.write_text(tamper(kept.read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    again, graded = plan_of_the_next_process(monkeypatch)
    assert graded == 2, "the plan should have been recorded again"
    assert again is not None and described(again) == described(recorded)
    assert not (tmp_path / "RAN").exists(), "a kept key is read as data, never run"
    after, graded = plan_of_the_next_process(monkeypatch)
    assert graded == 0, "the plan recorded again should have replaced the one that was not a plan"
    assert after is not None and described(after) == described(recorded)


def test_a_plan_recorded_while_the_reference_ran_out_of_time_is_used_but_not_kept(plans, monkeypatch):
    original = grading._grade_reference
    first = []

    def late_once(suite, plots, limits, plan, recording):
        graded = original(suite, plots, limits, plan, recording)
        if not first and graded is not None:  # the first grading: one test took too long
            first.append(graded)
            late = dataclasses.replace(graded.tests[0], status="timeout")
            graded = dataclasses.replace(graded, tests=(late, *graded.tests[1:]))
        return graded

    monkeypatch.setattr(grading, "_grade_reference", late_once)
    plan = grading.call_plan("hidden", False, FAST_LIMITS)
    assert plan is not None and len(plan.calls) > 200
    assert not plans.exists() or list(plans.iterdir()) == []


def test_each_condition_of_a_recording_gets_a_plan_of_its_own(monkeypatch):
    names = {
        plan_name("hidden", False, FAST_LIMITS),
        plan_name("hidden", True, FAST_LIMITS),
        plan_name("public", False, FAST_LIMITS),
        plan_name("hidden", False, WorkerLimits(call_timeout=3.0, submission_timeout=30.0)),
        plan_name("hidden", False, None),
    }
    monkeypatch.setattr(plan_cache, "grader_fingerprint", lambda: "a test changed")
    names.add(plan_name("hidden", False, FAST_LIMITS))
    monkeypatch.undo()
    monkeypatch.setattr(np, "__version__", "1.0.0")
    names.add(plan_name("hidden", False, FAST_LIMITS))
    assert len(names) == 7
    assert plan_name("hidden", False, None) == plan_name("hidden", False, WorkerLimits())


def test_kept_plans_are_private_and_those_unused_for_a_month_are_removed(plans, monkeypatch):
    plans.mkdir(parents=True, mode=0o755)
    old, cut_short, recent = plans / "hidden-old.json", plans / ".tmp1234.part", plans / "public-recent.json"
    for path in (old, cut_short, recent):
        path.write_text("{}")
    month_ago = time.time() - UNUSED_FOR - 60
    for path in (old, cut_short):
        os.utime(path, (month_ago, month_ago))
    plan = grading.call_plan("hidden", False, FAST_LIMITS)
    assert plan is not None
    assert sorted(path.name for path in plans.iterdir()) == sorted([NAME, recent.name])
    assert plans.stat().st_mode & 0o777 == 0o700
    assert (plans / NAME).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("opened", ["folder", "file"])
def test_a_kept_plan_that_another_user_could_have_written_is_recorded_again(plans, monkeypatch, opened):
    recorded = grading.call_plan("hidden", False, FAST_LIMITS)
    (plans if opened == "folder" else plans / NAME).chmod(0o777 if opened == "folder" else 0o666)
    again, graded = plan_of_the_next_process(monkeypatch)
    assert graded == 2
    assert again is not None and described(again) == described(recorded)
    assert (plans.stat().st_mode & 0o777, (plans / NAME).stat().st_mode & 0o777) == (0o700, 0o600)


def test_reading_a_kept_plan_keeps_it_from_being_removed_as_unused(plans):
    grading.call_plan("hidden", False, FAST_LIMITS)
    month_ago = time.time() - UNUSED_FOR - 60
    os.utime(plans / NAME, (month_ago, month_ago))
    assert plan_cache.kept_plan(NAME) is not None
    keep_plan("public-other.json", [])
    assert (plans / NAME).exists()


def test_a_plan_whose_key_json_cannot_hold_is_not_kept_and_grading_goes_on(plans):
    call = PlannedCall.restored("relu", ("relu", 0.5, (), ()), '{"function": "relu"}', {"function": "relu"})
    keep_plan(NAME, [call])
    assert not plans.exists() or list(plans.iterdir()) == []


def digests(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}


def test_grade_without_a_folder_to_keep_plans_in_grades_the_same_and_says_nothing(tmp_path):
    a_file = tmp_path / "a file"
    a_file.write_text("")
    without = {k: v for k, v in os.environ.items() if k != CACHE_VARIABLE}
    example = str(EXAMPLES / "no_batch_average")
    unwritable = run_cli(
        "grade", example, "--format", "json", env=without | {"XDG_CACHE_HOME": str(a_file / "x")}
    )
    switched_off = run_cli("grade", example, "--format", "json", env={**os.environ, CACHE_VARIABLE: ""})
    kept = run_cli(
        "grade", example, "--format", "json", env={**os.environ, CACHE_VARIABLE: str(tmp_path / "c")}
    )
    for completed in (unwritable, switched_off, kept):
        assert completed.returncode == 0, completed.stderr
        assert completed.stderr == ""
    assert list((tmp_path / "c" / "plans").iterdir()), "a writable folder keeps the plan"
    scores = [json.loads(c.stdout)["percent"] for c in (unwritable, switched_off, kept)]
    assert scores == [45.45] * 3


def test_student_code_cannot_change_or_add_a_kept_plan(tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, CACHE_VARIABLE: str(cache)}
    first = run_cli("grade", str(EXAMPLES / "correct"), env=env)
    assert first.returncode == 0, first.stderr
    before = digests(cache / "plans")
    assert len(before) == 1
    submission = with_key(copy_reference(tmp_path / "submission"))
    with open(submission / "activations.py", "a", encoding="utf-8") as module:
        module.write(  # as if it knew every name (the worker may not even list the folder)
            "\nimport os as _os\n"
            f"_PLANS = {str(cache / 'plans')!r}\n"
            f"for _name in [*{sorted(before)!r}, 'hidden-planted.json']:\n"
            "    try:\n"
            "        with open(_os.path.join(_PLANS, _name), 'w') as _file:\n"
            '            _file.write(\'{"format": 1, "calls": []}\')\n'
            "    except OSError:\n"
            "        pass\n"
        )
    graded = run_cli("grade", str(submission), "--format", "json", env=env)
    assert graded.returncode == 0, graded.stderr
    assert json.loads(graded.stdout)["percent"] == 100.0
    assert digests(cache / "plans") == before

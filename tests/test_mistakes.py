"""Each typical mistake loses points exactly where it should, only there, and is named for what it is."""

import json
import os
import re
import subprocess

import numpy as np
import pytest
from conftest import EXAMPLES, REPO, by_name, cli, grade, reference_with, strict_report
from junitparser import Error, Failure, JUnitXml
from mistakes import MISTAKES, NUDGES, STEP_HIDDEN_DELTA

from grader.call_outcome import RecordedCall
from grader.compare import PLACEHOLDER
from grader.diagnosis.catalog import BY_ID, CATALOG
from grader.diagnosis.evidence import evidence as evidence_of
from grader.diagnosis.evidence import format_result, format_value, part_name
from grader.diagnosis.observe import Observation
from grader.exercise_api import EXERCISES
from grader.feedback import feedback_markdown
from grader.gradient_check import ParameterCheck
from grader.reference import load_reference
from grader.render_json import render_json


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_mistake_costs_the_right_tests(tmp_path, mistake):
    result = grade(reference_with(tmp_path / "submission", {mistake.file: list(mistake.replacements)}))
    tests = by_name(result)
    for name in mistake.must_fail:
        assert name in tests, f"no test named {name}"
        assert tests[name].status != "passed" and tests[name].score == 0, f"{name} should have failed"
        assert tests[name].message, f"{name} failed without saying why"
    for name, text in mistake.must_say:
        assert text in tests[name].message, f"{name} should say {text!r}: {tests[name].message}"
    for name in mistake.named_errors:
        assert tests[name].status == "error", f"{name} should have raised: {tests[name].message}"
        assert tests[name].diagnosis is not None and tests[name].diagnosis.mistake == mistake.diagnosis, name
    exercises = {summary.name: summary for summary in result.exercises()}
    for name in mistake.must_pass:
        if name in exercises:
            assert exercises[name].score == exercises[name].max_score, f"{name} should keep all its points"
        else:
            assert tests[name].status == "passed", f"{name} should pass: {tests[name].message}"
    assert 0 < result.percent < 100
    _assert_diagnosed(result, mistake.diagnosis)
    strict_report(render_json(result))


def _assert_diagnosed(result, mistake):
    """Every failed test names the mistake (or lists it among equally good fits); at least one names it first."""
    failed = [t for t in result.tests if t.status == "failed"]
    assert failed
    for test in failed:
        if test.message.endswith(PLACEHOLDER):
            # a hygiene test that withheld its points from a placeholder's output (PlaceholderResult)
            # compares no values, and the plugin diagnoses none (sigmoid_prime_without_parentheses
            # returns zeros)
            assert test.diagnosis is None, test.name
            continue
        diagnosis = test.diagnosis
        assert diagnosis is not None, f"{test.name} has no diagnosis"
        assert mistake in (diagnosis.mistake, *diagnosis.also), (
            f"{test.name}: diagnosed {diagnosis.mistake} (also {diagnosis.also}), expected {mistake}"
        )
    for test in (t for t in result.tests if t.status == "error" and t.diagnosis is not None):
        # an errored test is named only for a mistake the failed tests name (prefer_consistent)
        assert mistake in (test.diagnosis.mistake, *test.diagnosis.also), (
            f"{test.name} errored as {test.diagnosis.mistake} (also {test.diagnosis.also}), expected {mistake}"
        )
        assert test.diagnosis.evidence is None
    named = [t for t in failed if t.diagnosis is not None and t.diagnosis.mistake == mistake]
    assert named, f"no test names {mistake} first"
    entry = BY_ID[mistake]
    assert named[0].diagnosis.name == entry.name and named[0].diagnosis.hint == entry.hint
    assert named[0].diagnosis.evidence is not None and named[0].diagnosis.evidence.call


def test_every_catalog_entry_has_a_mistake_to_diagnose():
    assert len(CATALOG) >= 20
    assert len(BY_ID) == len(CATALOG), "catalog ids must be unique"
    assert {m.diagnosis for m in MISTAKES} == set(BY_ID)
    documented = (REPO / "docs" / "diagnosis.md").read_text()
    for entry in CATALOG:
        assert entry.name and entry.explanation and entry.hint and entry.exercise
        assert f"| `{entry.id}` | {entry.name} |" in documented, (
            f"{entry.id} is missing from docs/diagnosis.md"
        )
    assert f"for a typical mistake: {len(CATALOG)} of them," in (REPO / "README.md").read_text()


def test_every_mutant_of_the_catalog_is_kept_from_one_diagnosis_to_the_next():
    """A diagnosis asks for every catalog entry's mutant in turn. A cache of mutants smaller than the
    catalog missed on every one of them: once the catalog passed its 64, each diagnosis compiled the
    reference files again for every entry, and diagnosing took about ten times as long."""
    from grader.diagnosis.mutants import mutant

    mutant.cache_clear()
    for _ in range(2):
        for entry in CATALOG:
            for form in range(len(entry.forms)):
                mutant(entry.id, REPO / "reference", form)
    assert mutant.cache_info().misses == sum(len(entry.forms) for entry in CATALOG) > len(CATALOG)


def test_a_correct_submission_gets_no_diagnosis(reference_result):
    assert all(t.status == "passed" and t.diagnosis is None for t in reference_result.tests)


def test_float64_results_for_float32_input_keep_every_point(tmp_path):
    """activations.py's docstring accepts float32 input back as float32 or float64: a student who
    computes everything in float64 (np.where(z > 0, 1.0, 0.0), say) loses nothing for it."""
    submission = reference_with(
        tmp_path / "s", {"activations.py": [("if not np.issubdtype(z.dtype, np.floating):\n        ", "")]}
    )
    mine, z = load_reference(submission), np.linspace(-3.0, 3.0, 7, dtype=np.float32)
    assert {getattr(mine, f)(z).dtype for f in EXERCISES["activations"]} == {np.dtype(np.float64)}
    lost = [f"{t.name}: {t.message}" for t in grade(submission).tests if t.score < t.max_score]
    assert lost == []


def test_a_failure_that_no_value_shows_gets_no_diagnosis(tmp_path):
    """relu_prime returning booleans: every value agrees with the reference's, so the test's own
    message says what is wrong, and a 'no known mistake' under it would only be noise."""
    result = grade(
        reference_with(
            tmp_path / "s", {"activations.py": [("return (z > 0).astype(z.dtype)", "return z > 0")]}
        )
    )
    failed = [t for t in result.tests if t.status == "failed"]
    assert [t.name for t in failed] == ["test_returns_floats_and_leaves_input_alone[relu_prime]"]
    assert failed[0].message == "relu_prime returned bool values; return floats (e.g. .astype(float))"
    assert failed[0].diagnosis is None


def test_a_random_wrong_answer_is_not_given_a_false_name(tmp_path):
    wrong = "return np.sin(3.0 * z) * 0.3 + 0.2"
    result = grade(
        reference_with(tmp_path / "s", {"activations.py": [("return (z > 0).astype(z.dtype)", wrong)]})
    )
    failed = [t for t in result.tests if t.status == "failed"]
    assert failed
    for test in failed:
        assert test.diagnosis is not None and test.diagnosis.mistake is None, test.name
        assert test.diagnosis.name == "no known mistake" and not test.diagnosis.also
    relu_prime = by_name(result)["test_matches_reference[float64-relu_prime]"].diagnosis
    evidence = relu_prime.evidence
    assert evidence.call.startswith("relu_prime(z=")
    assert evidence.expected != evidence.received and evidence.where
    # counted in words no count changes (stats groups messages with their numbers masked)
    wheres = [t.diagnosis.evidence.where for t in failed]
    assert any(re.search(r"; it differs in \d+ of \d+ entries$", where) for where in wheres), wheres
    assert not any(re.search(r"\b1 of \d+ entries differ\b|\bof 1 entries\b", where) for where in wheres), (
        wheres
    )


def test_a_mistake_that_fits_a_few_calls_by_chance_is_not_named(tmp_path):
    """2σ(1 − σ) is no catalog mistake, but at z = 0 it gives 0.5, which is σ(0) ("σ' returned σ(z)
    itself"), and it doubles every gradient, which with lr = 0.5 is a step without the learning
    rate. Neither may be named: the other sigmoid_prime tests rule out the first, and sgd_update,
    which passed its own tests, is not where the second would be."""
    doubled = "    s = sigmoid(z)\n    return 2.0 * s * (1.0 - s)"
    result = grade(
        reference_with(
            tmp_path / "s", {"activations.py": [("    s = sigmoid(z)\n    return s * (1.0 - s)", doubled)]}
        )
    )
    tests = by_name(result)
    assert tests["test_lesson_example[sigmoid' peaks at 0]"].status == "failed"
    assert tests["test_train_step_matches_reference[8]"].status == "failed"
    assert all(tests[name].status == "passed" for name in tests if "sgd_update" in name)
    failed = [t for t in result.tests if t.status == "failed"]
    named = {t.name: (t.diagnosis.mistake, t.diagnosis.also) for t in failed if t.diagnosis.mistake}
    assert not named
    assert all(t.diagnosis.name == "no known mistake" for t in failed)


UNCATALOGUED = {
    # each got a catalog mistake's name in some tests before 0.4.17 (the last before 0.4.18; in brackets)
    "2 y_hat f'(z) for the output delta (the sign flipped)": (
        "backprop.py",
        "return 2.0 * (y_hat - np.asarray(y)) * activation_prime(z, activation)",
        "return 2.0 * y_hat * activation_prime(z, activation)",
    ),
    "half the step (the factor 2 dropped)": (
        "backprop.py",
        "return np.asarray(param) - lr * np.asarray(grad)",
        "return np.asarray(param) - 0.5 * lr * np.asarray(grad)",
    ),
    "identity at the deep output (the output delta without f')": (
        "deep.py",
        'output_delta(activations[-1], Y, zs[-1], "sigmoid")',
        'output_delta(activations[-1], Y, zs[-1], "identity")',
    ),
    "db = 0.0, a number (the biases not updated)": (
        "backprop.py",
        "return delta.T @ a_prev / n, delta.mean(axis=0)",
        "return delta.T @ a_prev / n, 0.0",
    ),
    # and three beside a catalog mistake of 0.4.19 or 0.4.20 (in brackets) that must not take its name
    "x_plus and x_minus, both x, nudged before f runs: a gradient of zeros (x_plus = x and x_minus = x)": (
        "gradcheck.py",
        "            x[index] = original + eps\n            f_plus = f(x)\n            x[index] = original - eps\n"
        "            f_minus = f(x)\n",
        "            x_plus = x\n            x_plus[index] += eps\n            x_minus = x\n"
        "            x_minus[index] -= eps\n            f_plus = f(x_plus)\n            f_minus = f(x_minus)\n",
    ),
    "range(len(x)) with the row saved as a view: f_minus is f at x (a whole row of x nudged at once)": (
        "gradcheck.py",
        "    for index in np.ndindex(np.shape(x)):\n        original = x[index]\n",
        "    for index in range(len(x)):\n        original = x[index]\n",
    ),
    "tanh' in the output delta whatever the activation (σ' whatever the activation)": (
        "backprop.py",
        "return 2.0 * (y_hat - np.asarray(y)) * activation_prime(z, activation)",
        'return 2.0 * (y_hat - np.asarray(y)) * activation_prime(z, "tanh")',
    ),
}


@pytest.mark.parametrize("change", UNCATALOGUED.values(), ids=UNCATALOGUED)
def test_a_mistake_in_no_catalog_gets_no_name_in_any_test(tmp_path, change):
    file, old, new = change
    result = grade(reference_with(tmp_path / "s", {file: [(old, new)]}))
    failed = [t for t in result.tests if t.status == "failed"]
    assert failed
    named = {t.name: t.diagnosis.name for t in failed if t.diagnosis is not None and t.diagnosis.mistake}
    assert not named


def test_a_mistake_shown_on_its_own_keeps_its_name_where_another_piece_is_unexplained(tmp_path):
    """tanh' scaled by 0.9 (no catalog mistake) and the output delta without f': the sigmoid output
    delta tests, which tanh' does not touch, show the second mistake on its own, so the
    training-step tests, whose answers also rest on hidden_delta (wrong with tanh, unexplained),
    still name it. The db = 0.0 case in UNCATALOGUED is the other side of the same rule."""
    result = grade(
        reference_with(
            tmp_path / "s",
            {
                "activations.py": [("return 1.0 - np.tanh(z) ** 2", "return 1.0 - 0.9 * np.tanh(z) ** 2")],
                "backprop.py": [
                    (
                        "return 2.0 * (y_hat - np.asarray(y)) * activation_prime(z, activation)",
                        "return 2.0 * (y_hat - np.asarray(y))",
                    )
                ],
            },
        )
    )
    tests = by_name(result)
    unexplained = tests["test_hidden_delta_matches_reference[float64-tanh]"].diagnosis
    assert unexplained.mistake is None and "hidden_delta" in unexplained.wrong
    for name in (
        "test_output_delta_matches_reference[float64-sigmoid]",
        "test_train_step_matches_reference[8]",
        "test_train_step_on_a_chain_worked_by_hand",
    ):
        assert tests[name].status == "failed"
        assert tests[name].diagnosis.mistake == "output_delta_without_derivative", name
    assert "hidden_delta" in tests["test_train_step_matches_reference[8]"].diagnosis.rests_on


def test_the_call_shown_under_a_named_mistake_is_one_the_mistake_shows_on(tmp_path):
    """range(len(x)) with x[i] += eps, -= 2·eps, += eps: whole rows nudged, and each put back a bit
    off. On a vector x the loop is right, so its smallest failing call is wrong only in the bits x
    was left with, which shows nothing of the rows; the call shown must be a matrix."""
    in_place = (
        "        x[index] += eps\n        f_plus = f(x)\n        x[index] -= 2 * eps\n        f_minus = f(x)\n"
        "        x[index] += eps\n"
    )
    loop = ("    for index in np.ndindex(np.shape(x)):\n", "    for index in range(len(x)):\n")
    tests = by_name(grade(reference_with(tmp_path / "s", {"gradcheck.py": [loop, (NUDGES, in_place)]})))
    for name in ("test_matches_exact_derivative[cubic]", "test_matches_reference_on_random_points"):
        diagnosis = tests[name].diagnosis
        assert diagnosis.mistake == "rows_nudged_whole", name
        assert ", x=[[" in diagnosis.evidence.call and "modified" not in diagnosis.evidence.where, name


def test_the_evidence_names_each_part_of_a_result_as_its_docstring_does():
    """A pair, a list of pairs or a dict came back as subscripts ("in [0]", "in [0][0]", "in
    [0]['W1']"), which a student had to work out; the docstrings call them dW, layer 1's dW and
    new_params['W1']."""
    wheres = {}
    for folder in ("no_batch_average", "forgot_hidden_derivative"):
        result = grade(EXAMPLES / folder)
        if folder == "no_batch_average":  # the test's own message, too, names the part first
            message = by_name(result)["test_gradients_of_one_example_twice_are_that_examples"].message
            assert message.startswith("dW of weight_gradients of the lesson's two-layer example"), message
            assert ") at index [0, 0]: expected" in message, message
        for test in result.tests:
            if test.diagnosis is not None and test.diagnosis.evidence is not None:
                function = test.diagnosis.evidence.call.split("(")[0]
                wheres.setdefault(function, set()).add(test.diagnosis.evidence.where.split(" at ")[0])
    assert wheres["weight_gradients"] == {"in dW"}
    assert wheres["deep_gradients"] == {"in layer 1's dW"}
    assert wheres["train_step"] == {"in new_params['W1']"}
    assert wheres["hidden_delta"] == {"in the result"}
    assert part_name("weight_gradients", (1,)) == "db"
    assert part_name("deep_gradients", (2, 1)) == "layer 3's db"
    assert part_name("train_step", (1,)) == "the loss"
    assert part_name("deep_gradients", (0,)) == "layer 1's pair (dW, db)"  # None where it should be
    assert part_name("deep_gradients", (0, 2)) == "[0][2]"  # a layer's "pair" of three


def test_a_zero_in_a_result_is_shown_without_its_sign_and_an_input_with_it():
    """The reference's δ where ReLU'(z) = 0 and δ_next < 0 is −0.0, and messages said "expected -0"
    and "[[-0.]]" as if the sign were what the student got wrong. An input keeps its sign: ReLU'(−0.0)
    is a case of its own."""
    tests = by_name(grade(EXAMPLES / "forgot_hidden_derivative"))
    lesson = tests["test_lesson_example[hidden ReLU with z = -0.3: delta]"]
    assert lesson.message.endswith("at index [0, 0]: expected 0, got -0.1752"), lesson.message
    assert lesson.diagnosis.evidence.expected == "[[0.]]"
    assert not [t.message for t in tests.values() if re.search(r"(?<![\w.])-0(?![\d.])", t.message)]
    relu_prime = by_name(grade(EXAMPLES / "relu_prime_at_zero"))["test_relu_prime_is_zero_at_zero_and_below"]
    assert "expected 0, got 1, for input -0;" in relu_prime.message
    assert format_result((np.array([-0.0, 1.5], dtype=np.float32), {"b": -0.0})) == "([0. , 1.5], {'b': 0})"
    assert format_value(np.array([-0.0], dtype=np.float32), True) == "np.array([-0.], dtype=float32)"
    check = ParameterCheck("W1", 1.0, (0, 1), analytic=-0.0, numeric=-0.0).describe()
    assert check.endswith("at [0, 1] yours is 0, finite differences give 0"), check


def test_an_argument_changed_by_rounding_alone_is_shown_to_the_last_digit(tmp_path):
    """x put back by arithmetic is a bit or two off: printed to five digits, before and after look
    the same, so the evidence says where it changed with every digit that tells them apart."""
    mistake = next(m for m in MISTAKES if m.diagnosis == "x_restored_by_arithmetic")
    result = grade(reference_with(tmp_path / "s", {mistake.file: list(mistake.replacements)}))
    evidence = by_name(result)["test_restores_x"].diagnosis.evidence
    assert evidence.expected.removeprefix("x unchanged: ") == evidence.received.removeprefix("x changed to ")
    found = re.fullmatch(
        r"the argument x was modified by the call: at \[(\d+), (\d+)\] it holds (\S+) where it held (\S+)",
        evidence.where,
    )
    assert found, evidence.where
    held, holds = float(found[4]), float(found[3])
    assert holds != held and abs(holds - held) < 1e-12


def test_a_dict_argument_changed_in_place_is_shown_by_the_array_that_changed(tmp_path):
    """train_step's params changed in place showed the whole dict twice, unchanged and changed, and
    said only "the argument params was modified": the array that changed, and where, is the news."""
    mistake = next(m for m in MISTAKES if m.name == "train_step's arrays updated in place")
    result = grade(reference_with(tmp_path / "s", {mistake.file: list(mistake.replacements)}))
    evidence = by_name(result)["test_train_step_leaves_inputs_alone"].diagnosis.evidence
    assert evidence.expected.startswith("params['W1'] unchanged: [["), evidence.expected
    assert evidence.received.startswith("params['W1'] changed to [["), evidence.received
    assert re.fullmatch(
        r"the argument params\['W1'\] was modified by the call: at \[0, 0\] it holds \S+ where it held \S+",
        evidence.where,
    ), evidence.where
    params = {"W1": np.ones((1, 1)), "b1": np.zeros(1)}
    call = RecordedCall("train_step", (params, np.ones((1, 1)), np.ones((1, 1)), 0.1), {}, None)
    popped = evidence_of(
        call,
        Observation(args_before=(params,), args_after=(params,)),
        Observation(args_before=(params,), args_after=({"W1": params["W1"]},)),
        (1e-6, 1e-9),
    )
    assert (popped.expected, popped.received) == ("params['b1'] unchanged: [0.]", "params['b1'] removed")


def test_a_sigmoid_that_overflows_at_large_z_is_told_so_and_named(tmp_path):
    """e^z / (1 + e^z) overflows at the other end from the naive 1 / (1 + e^(−z)): the stability
    test's message names both ends, and the diagnosis the form the student wrote."""
    stable = "    e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))"
    result = grade(
        reference_with(
            tmp_path / "s", {"activations.py": [(stable, "    return np.exp(z) / (1 + np.exp(z))")]}
        )
    )
    stability = by_name(result)["test_sigmoid_is_stable_at_large_inputs"]
    assert stability.status == "failed"
    assert "e^z for very large z" in stability.message and "e^(−|z|)" in stability.message
    assert stability.diagnosis.mistake == "sigmoid_overflows_for_large_z"


def test_a_sigmoid_clipped_for_float64_is_told_that_float32_overflows_sooner(tmp_path):
    """Clipping z to ±500 keeps e^(−z) finite in float64 but not in float32 (e^z overflows there
    above z ≈ 88.7): the message says float32 and why, and the call shown is marked float32."""
    stable = "    e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))"
    clipped = "    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))"
    result = grade(reference_with(tmp_path / "s", {"activations.py": [(stable, clipped)]}))
    tests = by_name(result)
    stability = tests["test_sigmoid_is_stable_at_large_inputs"]
    assert stability.status == "failed"
    assert "large |z| in float32" in stability.message and "88.7" in stability.message
    assert "dtype=float32)" in stability.diagnosis.evidence.call
    assert all(
        tests[name].status == "passed" for name in tests if "sigmoid" in name and name != stability.name
    )


def test_a_function_that_returns_nothing_is_diagnosed_as_such_in_every_format(tmp_path):
    """A computed value with no return: no catalog mutant returns None, so it is seen directly."""
    submission = reference_with(
        tmp_path / "s", {"activations.py": [("    return s * (1.0 - s)", "    s * (1.0 - s)")]}
    )
    result = grade(submission)
    failed = [t for t in result.tests if t.status == "failed" and t.exercise == "activations"]
    assert failed and all(t.diagnosis.mistake == "no_return_value" for t in failed)
    assert all(
        "returned None, expected a NumPy array: is its return statement missing?" in t.message for t in failed
    )
    first = failed[0].diagnosis
    assert first.name == "no value returned" and first.evidence.received.startswith("None")
    callers = {
        t.message for t in result.tests if t.status == "error" and t.name.startswith("test_output_delta")
    }
    assert callers == {
        "output_delta raised TypeError: unsupported operand type(s) for *: 'float' and 'NoneType' (backprop.py:45 "
        "in output_delta); a None there usually comes from a function without a return statement: check what the "
        "calls on that line return"
    }
    github = _run("grade", str(submission), "--format", "github")
    annotation = next(line for line in github.splitlines() if "Likely mistake: no value returned" in line)
    line = int(re.search(r"line=(\d+)", annotation).group(1))
    assert (submission / "activations.py").read_text().splitlines()[line - 1].startswith("def sigmoid_prime")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("    return np.maximum(z, 0.0).astype(z.dtype, copy=False)", "    return max(z, 0.0)"),
            "an array went where one True or False is "
            "expected (`if z > 0:`, `max(0, z)`, `and`, `or`), which asks about the whole array at once: to "
            "decide element by element, use np.where(z > 0, a, b), np.maximum(0, z) or (z > 0).astype(z.dtype) "
            "instead of .any() or .all()",
        ),
        (
            ("    e = np.exp(-np.abs(z))", "    import math\n    e = math.exp(-abs(z))"),
            "an array went where one number is expected: math.exp, math.tanh and the math module's other "
            "functions, float() and int() take a single number, while NumPy's (np.exp, np.tanh, np.maximum) "
            "work on every element of an array",
        ),
        (
            (
                "    z = as_float_array(z)\n    return (z > 0).astype(z.dtype)",
                "    return (z > 0).astype(float)",
            ),
            "the functions take a plain number as well as an array (see the docstring), and a number has "
            "none of an array's methods: make it an array first, as as_float_array(z) in activations.py does",
        ),
        (
            ("    return 1.0 - np.tanh(z) ** 2", "    return 1.0 - np.tanh(z) ^ 2"),
            "in Python, ^ is the bitwise exclusive or, not a power: write x**2 (or np.square(x)) for x squared",
        ),
    ],
    ids=["max on an array", "math.exp on an array", "an array's method on a number", "^ for a power"],
)
def test_code_numpy_rejects_in_words_that_hide_the_fix_is_told_what_to_write(tmp_path, change, message):
    """Code written for one number, which the lessons' scalar examples pass, given an array (NumPy's
    own message, "Use a.any() or a.all()", points away from the fix), code written for arrays given
    one number, and ^ written for a power (NumPy speaks of ufunc 'bitwise_xor' and casting rules)."""
    result = grade(reference_with(tmp_path / "s", {"activations.py": [change]}))
    messages = {t.message for t in result.tests if t.status == "error"}
    assert messages and all(m.endswith(f"; {message}") for m in messages), messages


SHAPES_HINT = (
    "; two arrays' shapes do not fit together there: compare each one's shape with the docstring's (print "
    "them, x.shape, in a trial run of your own), and check which one the formula multiplies by its "
    "transpose (.T) and in which order"
)


@pytest.mark.parametrize("suite", ["public", "hidden"])
def test_arrays_whose_shapes_do_not_fit_are_told_to_compare_them_with_the_docstring(tmp_path, suite):
    """W_next transposed in the hidden delta: the public tests' one-unit layers cannot tell, and the
    first layers of other sizes fail in NumPy's words about gufunc signatures and core dimensions."""
    change = ("@ np.asarray(W_next))", "@ np.asarray(W_next).T)")
    result = grade(reference_with(tmp_path / "s", {"backprop.py": [change]}), suite=suite)
    messages = {t.message for t in result.tests if t.status == "error"}
    assert messages and all(m.endswith(SHAPES_HINT) for m in messages), messages
    assert any("matmul: Input operand 1 has a mismatch in its core dimension 0" in m for m in messages)


def test_a_matrix_product_written_as_star_is_told_that_star_works_entry_by_entry(tmp_path):
    """NumPy says only that the operands "could not be broadcast together"."""
    change = (
        "(np.asarray(delta_next) @ np.asarray(W_next))",
        "(np.asarray(delta_next) * np.asarray(W_next))",
    )
    result = grade(reference_with(tmp_path / "s", {"backprop.py": [change]}))
    messages = {t.message for t in result.tests if t.status == "error"}
    assert messages and all(
        "operands could not be broadcast together with shapes" in m
        and m.endswith(
            "; two arrays' shapes do not fit together there: *, + and the other operators work entry by entry, "
            "so both need one shape (or shapes NumPy can broadcast): compare each one's shape with the "
            "docstring's (print them, x.shape, in a trial run of your own), and where you meant a matrix "
            "product, write @ (or np.dot)"
        )
        for m in messages
    ), messages


TRAIN_STEP_THROUGH_W1 = (STEP_HIDDEN_DELTA, STEP_HIDDEN_DELTA.replace('params["W2"]', 'params["W1"]'))


def test_tests_a_mistake_makes_raise_are_named_for_it_where_a_failed_test_shows_it(tmp_path):
    """δ2 sent back through W1 returns a wrong shape on the one-unit chain worked by hand (a failed
    test, named from the values) and raises a shape error in every other train_step test: those
    are named for it too, grouped as one cause of lost points."""
    result = grade(reference_with(tmp_path / "s", {"backprop.py": [TRAIN_STEP_THROUGH_W1]}))
    tests = by_name(result)
    assert tests["test_train_step_on_a_chain_worked_by_hand"].diagnosis.mistake == "hidden_delta_through_W1"
    errored = [t for t in result.tests if t.status == "error"]
    assert {t.name for t in errored} >= {
        "test_train_step_matches_reference[1]",
        "test_train_step_leaves_inputs_alone",
    }
    for test in errored:
        assert test.message.startswith("train_step raised ValueError") and test.message.endswith(SHAPES_HINT)
        assert test.diagnosis is not None and test.diagnosis.mistake == "hidden_delta_through_W1", test.name
    strict_report(render_json(result))
    text = _run("grade", str(tmp_path / "s"))
    assert f"in {len(errored)} tests (" in text
    assert "Likely mistake: the hidden delta sent back through W1 instead of W2 (explained above)." in text
    # GitHub's annotation is on train_step, where the mistake is, not on the line of hidden_delta
    # that raised (which the message names)
    source = (tmp_path / "s" / "backprop.py").read_text().splitlines()
    train_step = next(n for n, line in enumerate(source, 1) if line.startswith("def train_step("))
    annotations = _run("grade", str(tmp_path / "s"), "--format", "github").splitlines()
    errored_line = next(line for line in annotations if f"{len(errored)} tests" in line)
    assert f",line={train_step}," in errored_line, errored_line
    errors = [
        result
        for suite in JUnitXml.fromstring(_run("grade", str(tmp_path / "s"), "--format", "junit"))
        for case in suite
        for result in case.result
        if isinstance(result, Error)
    ]
    assert len(errors) == len(errored)
    assert all(
        "Likely mistake: the hidden delta sent back through W1 instead of W2" in e.text for e in errors
    )


def test_a_shape_error_that_no_failed_test_explains_is_named_for_nothing(tmp_path):
    """W2 transposed where δ2 goes back (δ2 @ W2.T): the one-unit chain cannot tell, so no test
    fails, and the mistake of sending δ2 through W1 would raise a ValueError on the same calls.
    An error alone is no evidence for it: every train_step test errors with no diagnosis."""
    change = (TRAIN_STEP_THROUGH_W1[0], 'delta1 = hidden_delta(delta2, params["W2"].T, z1, "relu")')
    result = grade(reference_with(tmp_path / "s", {"backprop.py": [change]}))
    assert not [t for t in result.tests if t.status == "failed"]
    errored = [t for t in result.tests if t.status == "error"]
    assert errored and all(t.message.startswith("train_step raised ValueError") for t in errored)
    assert all(t.diagnosis is None for t in errored)


def test_a_submission_that_raises_everywhere_runs_no_mistake_for_its_errors(tmp_path, monkeypatch):
    """Errored tests are diagnosed only for mistakes failed tests name: with no failed test, no
    mutant runs (trying all 70 on every raising call doubled the grading of such a submission)."""
    import grader.diagnosis.diagnose as diagnose

    loaded = []
    monkeypatch.setattr(diagnose, "mutant", lambda *args: loaded.append(args))
    change = ("def sigmoid(z):\n", "def sigmoid(z):\n    z = np.reshape(z, (-1, 1)) @ np.ones((2, 1))\n")
    result = grade(reference_with(tmp_path / "s", {"activations.py": [change]}))
    errored = [t for t in result.tests if t.status == "error"]
    assert len(errored) > 20 and not [t for t in result.tests if t.status == "failed"]
    assert all(
        t.message.startswith(("sigmoid raised ValueError", "sigmoid_prime raised")) for t in errored[:3]
    )
    assert loaded == []


NAME = "ReLU'(0) taken as 1"


def _run(*args):
    done = subprocess.run(
        cli(*args), capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "300"}
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_diagnosis_in_every_format():
    """The JSON test carries the diagnosis; text, GitHub, JUnit, Gradescope and feedback name it."""
    submission = EXAMPLES / "relu_prime_at_zero"
    report = json.loads(_run("grade", str(submission), "--format", "json"))
    tests = {t["name"]: t for t in report["tests"]}
    diagnosis = tests["test_output_delta_matches_reference[float64-relu]"]["diagnosis"]
    assert diagnosis["mistake"] == "relu_prime_one_at_zero" and diagnosis["name"] == NAME
    assert diagnosis["evidence"]["call"].startswith("output_delta(") and diagnosis["gradient_check"] == []
    assert all(t["diagnosis"] is None for t in report["tests"] if t["status"] == "passed")

    text = _run("grade", str(submission))
    assert f"Likely mistake: {NAME}. ReLU has a corner" in text and f"{NAME} (explained above)" in text

    annotations = [line for line in _run("grade", str(submission), "--format", "github").splitlines()
                   if "test_output_delta_matches_reference[float64-relu]" in line]  # fmt: skip
    source = (submission / "activations.py").read_text().splitlines()
    line = int(re.search(r"line=(\d+)", annotations[0]).group(1))
    assert "activations.py" in annotations[0] and source[line - 1].startswith("def relu_prime")

    junit = JUnitXml.fromstring(_run("grade", str(submission), "--format", "junit"))
    failures = [r for suite in junit for case in suite for r in case.result if isinstance(r, Failure)]
    assert any(NAME in (failure.text or "") for failure in failures)

    gradescope = json.loads(_run("grade", str(submission), "--format", "gradescope"))
    assert any(NAME in t["output"] for t in gradescope["tests"])

    markdown = feedback_markdown("dan", report)
    assert (
        "Likely mistake: **ReLU'(0) taken as 1**" in markdown
        and "Hint: Use the strict comparison" in markdown
    )


def test_gradient_check_view_names_the_layer_that_is_off():
    report = json.loads(_run("grade", str(EXAMPLES / "forgot_hidden_derivative"), "--format", "json"))
    rows = {
        row["parameter"]: row
        for row in next(t for t in report["tests"] if t["name"] == "test_train_step_matches_reference[8]")[
            "diagnosis"
        ]["gradient_check"]
    }
    assert not rows["W1"]["ok"] and not rows["b1"]["ok"] and rows["W1"]["relative_error"] > 1e-2
    assert rows["W2"]["ok"] and rows["b2"]["ok"] and rows["W2"]["relative_error"] < 1e-8


def test_a_deep_gradients_that_returns_one_pair_too_few_is_told_how_many_it_returned(tmp_path):
    result = grade(
        reference_with(tmp_path / "s", {"deep.py": [("    return grads\n", "    return grads[:1]\n")]})
    )
    messages = [
        t.message for t in result.tests if t.status == "failed" and "deep_gradients returned" in t.message
    ]
    assert messages, [t.message for t in result.tests if t.status == "failed"]
    assert all(
        re.search(r"deep_gradients returned a list of length 1 for a network of \d+ layers", m)
        for m in messages
    )


def test_a_deep_gradients_whose_loop_stops_before_the_first_layer_is_told_it_left_none(tmp_path):
    """for layer in range(L - 1, 0, -1) never reaches layer 0: grads[0] stays None, which the tests
    used to report only as 'expected a pair (dW, db)'."""
    stops_short = (
        "for layer in reversed(range(len(weights))):",
        "for layer in range(len(weights) - 1, 0, -1):",
    )
    result = grade(reference_with(tmp_path / "s", {"deep.py": [stops_short]}))
    lost = [t for t in result.tests if t.score < t.max_score]
    assert lost and all(t.exercise == "deep" for t in lost)
    assert all(t.message.startswith("layer 1: expected a pair (dW, db), got None (") for t in lost), [
        t.message for t in lost
    ]


def test_a_helpers_mistake_that_fits_by_chance_is_ruled_out_by_the_function_that_calls_it():
    """Gradients not averaged double the one-unit chain's dW (its example twice), and so does ReLU at
    the deep network's output there (ŷ = ReLU(0) = 0, δ2 twice as large): the chain test fits both.
    deep_forward is never called by a test, so only deep_gradients' other failed tests, which the
    helper's mistake does not reproduce, can rule it out; before they did, every such submission's
    report said 'The output also fits: the hidden activation applied in the output layer too'."""
    result = grade(EXAMPLES / "no_batch_average")
    chain = by_name(result)["test_chain_of_single_units_worked_by_hand[relu]"]
    assert chain.status == "failed" and chain.diagnosis.mistake == "gradients_not_averaged"
    for test in result.tests:
        if test.diagnosis is not None:
            assert "hidden_activation_at_deep_output" not in (test.diagnosis.mistake, *test.diagnosis.also)


def test_a_mistake_of_a_function_the_test_uses_that_other_tests_single_out_is_named_alone():
    """sgd_update adding the gradient makes train_step climb the loss, as output_delta given the
    target first does; train_step's tests cannot tell the two apart. The student's sgd_update fails
    its own tests, so train_step's name its mistake and not the second one as well, which together
    with it would cancel out."""
    result = grade(EXAMPLES / "sign_flipped_update")
    steps = [t for t in result.tests if t.name.startswith("test_train_step") and t.status == "failed"]
    assert len(steps) >= 3
    for test in steps:
        assert test.diagnosis is not None and test.diagnosis.mistake == "update_adds_gradient", test.name
        assert test.diagnosis.also == (), (test.name, test.diagnosis.also)

"""Tolerances accept float noise and reject wrong formulas; the reference meets the lessons' numbers."""

import numpy as np
import pytest

from grader.cases import LESSON_CASES, WORKED_CHAINS
from grader.compare import assert_close, assert_close_parts, assert_unchanged
from grader.gradient_check import THRESHOLD, check_parameters, relative_error
from grader.paths import reference_dir
from grader.probe_functions import PROBES, cubic_central_difference
from grader.reference import load_reference
from grader.stats import failure_pattern

ref = load_reference(reference_dir())


@pytest.mark.parametrize("case", LESSON_CASES, ids=[c.id for c in LESSON_CASES])
def test_reference_reproduces_every_worked_example(case):
    got = getattr(ref, case.function)(*case.call_args(), **case.kwargs)
    assert_close_parts(got, case.expected, case.id, atol=case.atol, rtol=0)


@pytest.mark.parametrize("chain", WORKED_CHAINS, ids=[c.activation for c in WORKED_CHAINS])
def test_reference_reproduces_the_chains_worked_by_hand(chain):
    weights, biases, X, Y = chain.deep_args()
    for (dW, db), (want_dW, want_db) in zip(
        ref.deep_gradients(weights, biases, X, Y, chain.activation), chain.gradients, strict=True
    ):
        np.testing.assert_allclose(dW, [list(want_dW)], rtol=0, atol=1e-15)
        np.testing.assert_allclose(db, [want_db], rtol=0, atol=1e-15)
    if chain.activation == "relu":  # train_step's network has a ReLU hidden layer
        new, loss = ref.train_step(chain.params(), X, Y, 0.5)
        assert loss == 0.25
        assert [new[key].tolist() for key in ("W1", "b1", "W2", "b2")] == [
            [[1.0625, 0.625]],
            [0.0625],
            [[0.75]],
            [-0.875],
        ]


def test_exact_central_difference_of_cubic_is_what_the_reference_computes():
    x = np.linspace(-2.0, 2.0, 9)
    for eps in (0.1, 1e-2):
        want = cubic_central_difference(x, eps)
        assert np.allclose(
            ref.numerical_gradient(PROBES["cubic"], x.copy(), eps=eps), want, rtol=1e-9, atol=1e-9
        )
    # the step's error is large enough at eps = 0.1 to tell a step of 1e-5 apart
    assert (
        np.min(np.abs(cubic_central_difference(x, 0.1) - ref.numerical_gradient(PROBES["cubic"], x.copy())))
        > 1e-3
    )


def test_the_lessons_by_hand_iterations_converge_to_two():
    w, losses = np.array([[1.0]]), []
    for _ in range(30):
        y_hat = np.array([[3.0]]) @ w.T
        losses.append(ref.squared_error(y_hat, [[6.0]]))
        delta = ref.output_delta(y_hat, [[6.0]], y_hat, "identity")
        w = ref.sgd_update(w, ref.weight_gradients(delta, [[3.0]])[0], 0.1)
    assert losses[:2] == pytest.approx([9.0, 5.76])
    assert w[0, 0] == pytest.approx(2.0, abs=1e-2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("function", ["sigmoid", "sigmoid_prime", "relu", "relu_prime", "tanh_prime"])
def test_an_equivalent_formula_passes_in_both_precisions(dtype, function):
    z = np.linspace(-40, 40, 801).astype(dtype)
    alternatives = {
        "sigmoid": lambda z: 0.5 * (1 + np.tanh(z / 2)),
        "sigmoid_prime": lambda z: 0.25 / np.cosh(z / 2) ** 2,
        "relu": lambda z: z * (z > 0),
        "relu_prime": lambda z: np.heaviside(z, 0.0).astype(z.dtype),
        "tanh_prime": lambda z: 1 / np.cosh(z) ** 2,
    }
    with np.errstate(over="ignore"):
        assert_close(alternatives[function](z), getattr(ref, function)(z), function, inputs=z)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "wrong",
    [
        lambda z: ref.sigmoid(z) * (1 - z),
        lambda z: 1 - np.tanh(z),
        lambda z: ref.sigmoid(z) / 4,
        lambda z: 2 * ref.sigmoid_prime(z),
    ],
    ids=["σ' from z", "tanh' without square", "scaled sigmoid", "doubled"],
)
def test_a_wrong_formula_fails_in_both_precisions(dtype, wrong):
    z = np.linspace(-3, 3, 61).astype(dtype)
    right = {0: ref.sigmoid_prime, 1: ref.tanh_prime, 2: ref.sigmoid, 3: ref.sigmoid_prime}
    for fn in right.values():
        try:
            assert_close(wrong(z), fn(z), "f", inputs=z)
        except AssertionError:
            continue
        assert np.allclose(wrong(z), fn(z)), "a wrong formula passed"


def test_single_example_and_large_inputs_are_fine():
    z = np.array([[-1000.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert_close(ref.sigmoid(z), [[0.0, 1.0]], "sigmoid")
        assert_close(ref.tanh_prime(z), [[0.0, 0.0]], "tanh'")
    dW, db = ref.weight_gradients(np.array([[2.0]]), np.array([[3.0, 4.0]]))
    assert dW.shape == (1, 2) and db.shape == (1,)


def test_assert_close_names_the_wrong_entry_and_the_ratio():
    with pytest.raises(AssertionError, match=r"at index \[1\]: expected 2, got 4 \(2× the expected value\)"):
        assert_close([1.0, 4.0], [1.0, 2.0], "f")
    with pytest.raises(AssertionError, match=r"returned shape \(2, 1\), expected \(1, 2\)"):
        assert_close(np.zeros((2, 1)), np.zeros((1, 2)), "f")
    with pytest.raises(
        AssertionError, match="returned None, expected a NumPy array: is its return statement"
    ):
        assert_close(None, 1.0, "f")


def test_a_result_just_outside_the_tolerance_is_told_its_relative_error():
    """A ratio that reads 1× says nothing: float16 results and large finite-difference steps miss
    by a relative error the message must give, with what the tolerance allows there."""
    with pytest.raises(
        AssertionError,
        match=r"expected 2, got 2\.0002 \(a relative error of 0\.0001, where 2e-07 is allowed\); "
        r"off in 1 of 2 entries$",
    ):
        assert_close([1.0, 2.0002], [1.0, 2.0], "f", rtol=1e-7, atol=2e-7)
    with pytest.raises(AssertionError, match=r"\(1\.01× the expected value\); off in 2 of 2 entries$"):
        assert_close([1.01, 2.02], [1.0, 2.0], "f")


def test_failures_of_one_kind_make_one_stats_pattern_whatever_their_counts():
    """stats groups failure messages with their numbers masked: a count may not change the words
    around it ("1 entry is off" beside "2 entries are off" made two groups of one failure)."""
    messages = []
    for got in ([1.0, 4.0, 3.0], [2.0, 4.0, 3.0]):  # one wrong entry of three, then two
        with pytest.raises(AssertionError) as raised:
            assert_close(got, [1.0, 2.0, 3.0], "f")
        messages.append(str(raised.value))
    assert messages[0].endswith("off in 1 of 3 entries") and messages[1].endswith("off in 2 of 3 entries")
    assert failure_pattern("failed", messages[0]) == failure_pattern("failed", messages[1])


def test_assert_unchanged_shows_the_first_change_to_the_last_digit():
    """A change by rounding alone must be visible in the message, not just "modified"."""
    before = np.array([[0.5, 1.4188579305227222], [2.0, np.nan]])
    after = before.copy()
    assert_unchanged(before, after, "x")  # nan where nan was counts as unchanged
    after[0, 1] = np.nextafter(after[0, 1], 2.0)
    after[1, 0] = 3.0
    with pytest.raises(AssertionError) as raised:
        assert_unchanged(before, after, "x", "put it back")
    assert str(raised.value) == (
        "x was modified by the call: at [0, 1] it holds 1.4188579305227225 where it held 1.4188579305227222; "
        "put it back"
    )
    with pytest.raises(
        AssertionError, match=r"^X was modified by the call \(shaped \(3,\), not \(2,\)\); work on"
    ):
        assert_unchanged(np.zeros(2), np.zeros(3), "X")
    with pytest.raises(
        AssertionError, match=r"^lr was modified by the call: it holds 0\.25 where it held 0\.5;"
    ):
        assert_unchanged(np.float32(0.5), np.float32(0.25), "lr")
    # float32 to float32's own digits (0.4629632532596588 is the float64 widening's)
    param = np.array([0.46296325], dtype=np.float32)
    with pytest.raises(AssertionError, match=r": at \[0\] it holds 0\.46296328 where it held 0\.46296325;"):
        assert_unchanged(param, np.nextafter(param, np.float32(1)), "param")


def test_relative_error_has_a_floor_and_flags_a_factor_of_two():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1e-12]), np.array([1.000001e-12])) < THRESHOLD
    assert relative_error(np.array([1.0, 2.0]), np.array([2.0, 4.0])) == pytest.approx(2 / 6)
    checks = check_parameters({"W": np.array([[1.0, 2.0]])}, {"W": np.array([[1.0, 4.0]])})
    assert not checks[0].ok and checks[0].worst_index == (0, 1)
    assert (
        "W: relative error 3.3e-01 (limit 1e-05); at [0, 1] yours is 2, finite differences give 4"
        == checks[0].describe()
    )


def test_reference_numerical_gradient_restores_x_and_is_second_order():
    x = np.array([0.3, -1.2, 2.0])
    before = x.copy()
    grad = ref.numerical_gradient(lambda v: float(np.sum(v**3)), x)
    assert np.array_equal(x, before)
    assert np.max(np.abs(grad - 3 * x**2)) < 1e-8

"""What the worker reports of a call's arguments afterwards: every change the call made to them,
however it made it. (When a call changed nothing the worker says so instead of sending them back,
and the grader uses its own copy; a change it missed would go unseen by the leaves-inputs-alone
checks.)"""

import numpy as np
import pytest
from conftest import FAST_LIMITS, copy_reference

from grader.student import StudentSession

WEIGHTS = [np.arange(6.0).reshape(2, 3), np.ones((1, 2))]
BIASES = [np.zeros(2), np.zeros(1)]
X, Y = np.ones((4, 3)), np.zeros((4, 1))
PARAMS = {"W1": np.ones((2, 2)), "b1": np.zeros(2), "W2": np.ones((1, 2)), "b2": np.zeros(1)}

#: what deep_gradients (first) or train_step (second) does to its arguments -> what they are after it
CHANGES = {
    "nothing": ("pass", lambda w, b, p: None),
    "an array changed in place": ("weights[0] *= 2", lambda w, b, p: w[0].__imul__(2)),
    "a list's item replaced": ("weights[1] = weights[1] * 3", lambda w, b, p: w.__setitem__(1, w[1] * 3)),
    "an item replaced by an equal one": ("biases[0] = biases[0].copy()", lambda w, b, p: None),
    "a list made longer": ("biases.append(np.ones(3))", lambda w, b, p: b.append(np.ones(3))),
    "a list emptied": ("biases.clear()", lambda w, b, p: b.clear()),
    "an array reshaped in place": ("weights[0].shape = (3, 2)", lambda w, b, p: w.__setitem__(0, w[0].reshape(3, 2))),
    "a dict's entry replaced": ("params['W1'] = params['W1'] + 1", lambda w, b, p: p.__setitem__("W1", p["W1"] + 1)),
    "a dict's entry added": ("params['extra'] = 1.5", lambda w, b, p: p.__setitem__("extra", 1.5)),
    "a dict's entry removed": ("del params['b2']", lambda w, b, p: p.pop("b2")),
}  # fmt: skip


def submission(tmp_path, statement: str):
    folder = copy_reference(tmp_path / "submission")
    (folder / "deep.py").write_text(
        "import numpy as np\n\n\ndef deep_gradients(weights, biases, X, Y, activation='sigmoid'):\n"
        f"    {statement if 'params' not in statement else 'pass'}\n    return []\n"
    )
    (folder / "backprop.py").write_text(
        "import numpy as np\n\n\ndef train_step(params, X, Y, lr):\n"
        f"    {statement if 'params' in statement else 'pass'}\n    return dict(params), 0.0\n"
    )
    return folder


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_the_arguments_after_a_call_hold_every_change_it_made(tmp_path, change):
    statement, expected_change = CHANGES[change]
    weights, biases = [w.copy() for w in WEIGHTS], [b.copy() for b in BIASES]
    params = {key: value.copy() for key, value in PARAMS.items()}
    expected_change(weights, biases, params)
    session = StudentSession(submission(tmp_path, statement), FAST_LIMITS)
    try:
        deep = session.call("deep_gradients", WEIGHTS, BIASES, X, Y, "relu")
        step = session.call("train_step", PARAMS, X, Y, 0.1)
    finally:
        session.finish()
    assert deep.failure is None and step.failure is None
    after_weights, after_biases = deep.args_after[:2]
    assert [w.tolist() for w in after_weights] == [w.tolist() for w in weights]
    assert [b.tolist() for b in after_biases] == [b.tolist() for b in biases]
    after_params = step.args_after[0]
    assert set(after_params) == set(params)
    assert all(np.asarray(after_params[key]).tolist() == np.asarray(params[key]).tolist() for key in params)


@pytest.mark.parametrize(
    ("statement", "what"),
    [
        ("weights.append(object())", "an object of type object, which is not a number or an array"),
        ("biases.append([0.0] * 10**6)", "a list of 1,000,000 entries"),
    ],
    ids=["an object", "a long list"],
)
def test_arguments_the_grader_cannot_read_back_are_said_to_be_the_arguments(tmp_path, statement, what):
    """The call returned plain arrays, but left in its arguments what cannot be sent back: the
    message said it 'returned' an object, and what the call printed was lost with it."""
    statement = f"print('my trial run')\n    {statement}"
    session = StudentSession(submission(tmp_path, statement), FAST_LIMITS)
    try:
        deep = session.call("deep_gradients", WEIGHTS, BIASES, X, Y, "relu")
    finally:
        session.finish()
    assert deep.failure is not None and deep.failure.kind == "bad_arguments"
    assert deep.failure.message == (
        f"deep_gradients put what the grader cannot read back into the arguments it was given ({what}); "
        "leave its arguments as they are (work on copies)"
    )
    assert deep.printed == "my trial run\n"


def test_a_key_that_cannot_be_compared_is_an_argument_changed_not_a_failure_to_answer(tmp_path):
    """Whether a dict argument changed compared its keys with !=: a key of the student's whose
    __ne__ raises ended the call with 'train_step no comparing; return NumPy arrays or floats'."""
    key = "type('K', (), {'__ne__': lambda s, o: 1 / 0, '__eq__': lambda s, o: 1 / 0, '__hash__': lambda s: 1})()"
    statement = f"kept = dict(params); params[{key}] = params.pop('b2'); params = kept"  # returns kept
    session = StudentSession(submission(tmp_path, statement), FAST_LIMITS)
    try:
        step = session.call("train_step", PARAMS, X, Y, 0.1)
    finally:
        session.finish()
    assert step.failure is not None and step.failure.message == (
        "train_step put what the grader cannot read back into the arguments it was given (a dict with a "
        "key of type K, not a string); leave its arguments as they are (work on copies)"
    )

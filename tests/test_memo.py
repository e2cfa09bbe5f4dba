"""Values worked out once per process: found again only for the very same owners and arguments."""

import numpy as np
import pytest

from grader.memo import Memo
from grader.wire import fingerprint


class Owner:
    """Unhashable, like the reference's namespace."""

    __hash__ = None  # type: ignore[assignment]


def counting_memo():
    memo, calls = Memo[str](size=2), []

    def get(owner, arguments):
        return memo.get((owner,), arguments, lambda: calls.append(1) or f"value {len(calls)}")

    return get, calls


def test_the_same_owner_and_arguments_find_the_value_worked_out_first():
    get, calls = counting_memo()
    owner = Owner()
    assert get(owner, (np.arange(3.0), "relu")) == "value 1"
    assert get(owner, (np.arange(3.0), "relu")) == "value 1"
    assert len(calls) == 1


@pytest.mark.parametrize(
    "other",
    [
        (np.arange(3.0), "sigmoid"),
        (np.arange(3.0).astype(np.float32), "relu"),
        (np.arange(3.0).reshape(3, 1), "relu"),
        [np.arange(3.0), "relu"],
        (np.array([-0.0, 1.0, 2.0]), "relu"),
    ],
    ids=["another string", "another dtype", "another shape", "a list, not a tuple", "-0.0 for 0.0"],
)
def test_arguments_that_differ_in_any_way_are_worked_out_again(other):
    get, calls = counting_memo()
    owner = Owner()
    get(owner, (np.array([0.0, 1.0, 2.0]), "relu"))
    assert get(owner, other) == "value 2"


def test_another_owner_with_equal_arguments_is_worked_out_again_and_owners_are_kept_alive():
    get, calls = counting_memo()
    get(Owner(), (1.0,))  # the memo holds this owner, so its id cannot be taken by the next one
    assert get(Owner(), (1.0,)) == "value 2"


def test_the_least_recently_used_value_goes_first_past_the_size():
    get, calls = counting_memo()
    owner = Owner()
    get(owner, 1), get(owner, 2), get(owner, 1), get(owner, 3)  # size 2: 2 is dropped, 1 was used
    assert get(owner, 1) == "value 1"
    assert get(owner, 2) == "value 4"


def test_a_large_array_is_told_apart_by_a_digest_that_keeps_the_key_small():
    """Memos live for a whole class run; keys holding each array's bytes grew with the student's
    output. Past 64 bytes an array is keyed by a 128-bit digest of them."""
    get, calls = counting_memo()
    owner, big = Owner(), np.linspace(0.0, 1.0, 100_000)
    nudged = big.copy()
    nudged[-1] = np.nextafter(1.0, 2.0)  # one bit of one entry
    assert [get(owner, big), get(owner, big.copy()), get(owner, nudged)] == ["value 1", "value 1", "value 2"]
    assert len(calls) == 2
    assert len(repr(fingerprint(big))) < 200

"""Only plain data crosses the process boundary, and malformed data is refused."""

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import wire


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        -2.5,
        float("inf"),
        "text",
        [1, 2.0],
        {"W1": np.eye(2)},
        np.float32(1.5),
        np.arange(6, dtype=np.int32).reshape(2, 3),
        np.zeros((0, 3)),
        np.array(2.0),
        np.ones((2, 2), dtype=np.float32),
    ],
)
def test_plain_values_round_trip(value):
    decoded = wire.decode(wire.parse_body(wire.frame(wire.encode(value))[4:]))
    if isinstance(value, (np.ndarray, np.generic)):
        assert decoded.dtype == np.asarray(value).dtype and decoded.shape == np.shape(value)
        assert np.array_equal(decoded, value)
    elif isinstance(value, dict):
        assert np.array_equal(decoded["W1"], value["W1"])
    else:
        assert decoded == value


def test_tuples_become_lists():
    assert wire.decode(wire.encode((1, 2))) == [1, 2]


@pytest.mark.parametrize(
    "value",
    [object(), np.array(["a"]), np.array([object()]), {1: 2}, lambda: 0, b"bytes", 1 + 2j],
    ids=["object", "string array", "object array", "int key", "function", "bytes", "complex"],
)
def test_non_plain_values_are_refused(value):
    with pytest.raises(wire.WireError):
        wire.encode(value)


def test_subclasses_lose_their_methods():
    class Lying(float):
        def __eq__(self, other):
            return True

    decoded = wire.decode(wire.encode(Lying(0.25)))
    assert type(decoded) is float and decoded != 0.5


@pytest.mark.parametrize(
    "data",
    [
        {"__ndarray__": ["|O", [1], "AAAA"]},
        {"__ndarray__": ["<f8", [2], "AAAAAAAAAAA="]},
        {"__ndarray__": ["<f8", [-1], ""]},
        {"__ndarray__": ["<f8", [1], 5]},
        {"__ndarray__": ["<f8", [1]]},
        {"__ndarray__": ["<f8", [0] * 100, ""]},
        {"__ndarray__": ["<f8", [10**30, 0], ""]},
    ],
    ids=[
        "object dtype",
        "short data",
        "negative shape",
        "data not text",
        "missing part",
        "more dimensions than NumPy has",
        "an empty array of a huge side",
    ],
)
def test_malformed_arrays_are_refused(data):
    with pytest.raises(wire.WireError):
        wire.decode(data)


def test_messages_past_the_size_limit_are_refused():
    header = wire.HEADER.pack(wire.MAX_MESSAGE_BYTES + 1)
    with pytest.raises(wire.WireError):
        wire.read_message(io.BytesIO(header))


@pytest.mark.parametrize(
    "body",
    [b"{]", b"\xff", b"[" * 100_000 + b"]" * 100_000, b'{"result": 1' + b"0" * 5000 + b', "id":1}'],
    ids=["bad JSON", "not UTF-8", "nested", "an int longer than Python reads"],
)
def test_a_message_the_grader_cannot_read_is_a_wire_error(body):
    """What comes from the worker's side may be forged by the student's code: whatever it is,
    reading it fails one way (the worker is then treated as broken), never with another exception."""
    with pytest.raises(wire.WireError):
        wire.read_message(io.BytesIO(wire.HEADER.pack(len(body)) + body))


def test_a_lone_surrogate_from_the_worker_is_mended_and_a_pair_kept():
    """A student's exception message may hold half a surrogate pair, which no file, terminal or
    SQLite could take; a whole pair (an emoji) is a character like any other."""
    body = b'{"error": "bad \\udcff here \\ud83d\\ude00", "args": ["\\uDCFF"]}'
    message = wire.parse_body(body)
    assert message == {"error": "bad \\udcff here \U0001f600", "args": ["\\udcff"]}
    assert wire.parse_body(b'{"error": "plain"}') == {"error": "plain"}


def test_a_closed_stream_is_eof():
    with pytest.raises(EOFError):
        wire.read_message(io.BytesIO(b"\x00\x00"))


#: an array as the wire writes it, [dtype, shape, base64 bytes], with any shape, including ones
#: with a 0 (no bytes to check the other sides against) and sides past what NumPy can index
_ARRAY_SPEC = st.tuples(
    st.sampled_from(sorted(wire.ALLOWED_DTYPES)),
    st.lists(st.integers(-1, 3) | st.integers(-2, 2**70), max_size=70),
    st.sampled_from(["", "AAAAAAAAAAA=", "AA=="]) | st.text(max_size=8),
).map(list)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=4), inner, max_size=4)
        | st.fixed_dictionaries({"__ndarray__": _ARRAY_SPEC | st.lists(inner, max_size=4)})
    ),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(_JSON)
def test_whatever_json_the_worker_sends_decoding_gives_plain_data_or_a_wire_error(data):
    """The worker's messages may be forged by the student's code: decoding one either rebuilds
    plain data (arrays only of allowed dtypes) or raises WireError, never anything else."""
    try:
        value = wire.decode(data)
    except wire.WireError:
        return
    arrays = [value] if isinstance(value, np.ndarray) else []
    assert all(array.dtype.str in wire.ALLOWED_DTYPES for array in arrays)


def test_an_answer_past_the_limit_is_refused_before_its_bytes_are_copied_out():
    """A broadcast view holds a few bytes; written out it would take 8 GB. encode counts the
    bytes an answer holds before it copies any: its arrays', and 8 for each entry of a list,
    tuple or dict."""
    view = np.broadcast_to(np.ones(1), (10**9,))
    with pytest.raises(wire.TooLarge, match=r"^an array of 7629\.4 MiB$"):
        wire.encode({"dW": [view]}, max_bytes=wire.MAX_RESPONSE_BYTES)
    with pytest.raises(wire.TooLarge, match=r"^0\.3 MiB or more$"):  # 80,000 + 240,000 bytes
        wire.encode([np.broadcast_to(np.ones(1), (30_000,))] * 10**4, max_bytes=wire.MAX_RESPONSE_BYTES)
    with pytest.raises(wire.TooLarge, match=r"^a list of 1,000,000 entries$"):
        wire.encode([0.0] * 10**6, max_bytes=wire.MAX_RESPONSE_BYTES)
    under = [np.ones(1000), (np.ones((10, 10), dtype=np.float32), 2.0)]
    assert wire.decode(wire.encode(under, max_bytes=8432))[0].tolist() == [1.0] * 1000
    with pytest.raises(wire.TooLarge):
        wire.encode(under, max_bytes=8431)  # 8000 + 400 bytes, and 2 + 2 entries
    assert wire.encode(np.ones(10**5))  # the grader's own messages have no such limit


class _RaisingList(list):
    def __iter__(self):
        raise RuntimeError()


class _LyingDict(dict):
    def items(self):
        raise MemoryError()


def test_a_containers_own_methods_are_not_what_reads_it():
    """A list, tuple or dict subclass is read as its base type holds it: its own __iter__ or
    items() raising gave its call a blank message ('tanh_prime ; return NumPy arrays or floats')."""
    value = _RaisingList([np.ones(2), _LyingDict(w=(1.0, 2))])
    assert wire.decode(wire.encode(value))[1] == {"w": [1.0, 2]}


class _Int(int):
    pass


@pytest.mark.parametrize(
    "value",
    [2**64, -(2**63) - 1, -(2**64), -(10**5000), _Int(10**400), [1.0, (2, 3 * 10**30)]],
    ids=["2**64", "-(2**63)-1", "-(2**64)", "-(10**5000)", "int subclass", "nested"],
)
def test_an_integer_numpy_cannot_hold_is_refused_without_writing_it_out(value):
    """np.asarray makes such an int an object; one of 5000 digits is past what Python writes as
    text at all, and the worker died writing its answer."""
    with pytest.raises(
        wire.WireError, match=r"^an integer of about \d+ digits, too large for NumPy's integers$"
    ):
        wire.encode(value)


def test_integers_numpy_holds_pass_as_they_are():
    assert wire.decode(wire.encode([2**64 - 1, -(2**63), 0, True])) == [2**64 - 1, -(2**63), 0, True]


@pytest.mark.parametrize(
    "value, says",
    [
        (np.ones(3, dtype=complex), "an array of dtype complex128, not a type of number the grader takes"),
        (np.zeros((1,) * 33), "an array of 33 dimensions, more than the 32 the grader takes"),
        ({1: 2.0}, "a dict with a key of type int, not a string"),
    ],
    ids=["complex", "33 dimensions", "int key"],
)
def test_what_the_grader_does_not_take_is_named_in_words_that_follow_returned(value, says):
    """The worker's message reads 'relu returned ' + this: complex numbers are numbers, and an
    array of too many dimensions was found only by the grader, in words of its own."""
    with pytest.raises(wire.WireError) as refused:
        wire.encode(value)
    assert str(refused.value).startswith(says)

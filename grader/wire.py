"""The only data that crosses between the grader and the worker running student code.

Messages are length-prefixed JSON. Values are plain: None, bool, int, float,
str, lists, dicts with string keys, and numeric NumPy arrays encoded as
{"__ndarray__": [dtype, shape, base64 bytes]}. Nothing is ever unpickled or
evaluated, so a student object cannot reach the grader: decode() rebuilds
arrays from raw bytes after checking the dtype against an allow-list and the
byte count against the shape. fingerprint() summarises plain data for comparing
and caching it (the worker: did a call change its arguments; the grader: which
prefetched call is this).

This module imports only the standard library and NumPy because the worker
loads it by path before the student's code runs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
import struct
import sys
from collections.abc import Hashable
from typing import Any, BinaryIO

import numpy as np

from grader.mended_text import mended_all

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
#: The largest answer to one call the grader takes in. The reference's largest is 26 KB; the
#: grader holds a submission's prefetched answers until its tests take them, so a submission
#: answering each of its ~500 calls with 8 MB once held 3.4 GB in the grader's process. The
#: worker sends too_large_response instead; the grader drops a larger one unread all the same.
MAX_RESPONSE_BYTES = 256 * 1024
MAX_STRING_CHARS = 20_000
MAX_DEPTH = 16
MAX_ARRAY_DIMENSIONS = 32  # NumPy's own limit is 64 (older releases: 32)
ALLOWED_DTYPES = frozenset(
    {"<f2", "<f4", "<f8", "|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8"}
)
_NOT_TAKEN = "not a type of number the grader takes (floats of 16 to 64 bits, integers, booleans)"
_ARRAY_TAG = "__ndarray__"
HEADER = struct.Struct(">I")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class WireError(ValueError):
    """A value that is not plain data, or a message that breaks the format."""


class TooLarge(WireError):
    """A value whose arrays hold more bytes than encode was told to take: a worker's answer that
    could never be sent (MAX_RESPONSE_BYTES), found before its bytes are copied out. A broadcast
    view of a billion entries holds a few bytes, but writing it out would take gigabytes."""


class _Room:
    """How many bytes one encode() may still take: an array's own, 8 for each entry of a list,
    tuple or dict (the least the grader would hold it in)."""

    def __init__(self, most: int) -> None:
        self.most, self.used = most, 0

    def take(self, nbytes: int, what: str) -> None:
        """Count nbytes more; what names the value they are, if it alone is past the limit."""
        self.used += nbytes
        if nbytes > self.most:
            raise TooLarge(what)
        if self.used > self.most:  # what is not yet counted is not looked at
            raise TooLarge(f"{_mib(self.used)} or more")


#: the ints NumPy holds as integers (int64 below 0, uint64 above): np.asarray makes any other an
#: object, and a far longer one would not even be written out as JSON (sys.get_int_max_str_digits),
#: which ended the worker
_INT_LOWEST, _INT_HIGHEST = -(2**63), 2**64 - 1


def _digits(value: int) -> str:
    """About how many decimal digits value has, without writing it out."""
    return f"about {int(value.bit_length() * 0.30103) + 1} digits"


def _mib(nbytes: int) -> str:
    return f"{nbytes / 1024**2:.1f} MiB"


def encode(value: Any, max_bytes: int | None = None) -> Any:
    """Turn a value into JSON-ready plain data, or raise WireError naming what is not plain
    (TooLarge once its arrays hold more than max_bytes together, before they are written out)."""
    return _encode(value, 0, None if max_bytes is None else _Room(max_bytes))


def _encode(value: Any, depth: int, room: _Room | None) -> Any:
    if depth > MAX_DEPTH:
        raise WireError("value is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value[:MAX_STRING_CHARS] if isinstance(value, str) else value
    if type(value) is int and not _INT_LOWEST <= value <= _INT_HIGHEST:
        raise WireError(f"an integer of {_digits(value)}, too large for NumPy's integers")
    if isinstance(value, (int, float)) and type(value) in (int, float, bool):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if room is not None:
            room.take(array.nbytes, f"an array of {_mib(array.nbytes)}")
        return _encode_array(array)
    if isinstance(value, (int, float)):
        # int/float subclasses (np.float64 is handled above) could carry lying methods.
        return float(value) if isinstance(value, float) else _encode(int(value), depth, room)
    for base in (list, tuple, dict):
        if isinstance(value, base):
            return _encode_container(value, base, depth, room)
    raise WireError(f"an object of type {type(value).__name__}, which is not a number or an array")


def _encode_container(value: Any, base: Any, depth: int, room: _Room | None) -> Any:
    # a subclass's own __len__, __iter__ or items() could raise or lie: it is read as its base holds it
    if room is not None:
        entries = base.__len__(value)
        room.take(8 * entries, f"a {base.__name__} of {entries:,} entries")
    if base is not dict:
        return [_encode(item, depth + 1, room) for item in base.__iter__(value)]
    out = {}
    for key, item in dict.items(value):
        if type(key) is not str:
            raise WireError(f"a dict with a key of type {type(key).__name__}, not a string")
        out[key] = _encode(item, depth + 1, room)
    return out


def _encode_array(array: np.ndarray) -> dict:
    dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    array = array.astype(dtype, copy=False)
    if dtype.str not in ALLOWED_DTYPES:
        raise WireError(f"an array of dtype {array.dtype}, {_NOT_TAKEN}")
    if array.ndim > MAX_ARRAY_DIMENSIONS:
        raise WireError(
            f"an array of {array.ndim} dimensions, more than the {MAX_ARRAY_DIMENSIONS} the grader takes"
        )
    data = binascii.b2a_base64(array.tobytes(), newline=False).decode("ascii")
    return {_ARRAY_TAG: [dtype.str, list(array.shape), data]}


def decode(data: Any, depth: int = 0) -> Any:
    """Rebuild a value from plain data, checking every array; raise WireError on anything else."""
    if depth > MAX_DEPTH:
        raise WireError("value is nested too deeply")
    if data is None or type(data) in (bool, int, float):
        return data
    if type(data) is str:
        return data[:MAX_STRING_CHARS]
    if type(data) is list:
        return [decode(item, depth + 1) for item in data]
    if type(data) is dict:
        if _ARRAY_TAG in data:
            return _decode_array(data)
        return {str(key): decode(item, depth + 1) for key, item in data.items()}
    raise WireError(f"unexpected JSON value of type {type(data).__name__}")


_DTYPES = {name: np.dtype(name) for name in ALLOWED_DTYPES}


# _from_base64(text): the bytes of base64 text; binascii.Error or ValueError for anything but the
# alphabet, with its padding where it belongs (non-ASCII included). Chosen once: binascii's
# strict_mode, the faster call, came with Python 3.11.
if sys.version_info >= (3, 11):

    def _from_base64(text: str) -> bytes:
        return binascii.a2b_base64(text, strict_mode=True)

else:

    def _from_base64(text: str) -> bytes:
        return base64.b64decode(text, validate=True)


def _decode_array(data: dict) -> np.ndarray:
    spec = data[_ARRAY_TAG]
    if len(data) != 1 or type(spec) is not list or len(spec) != 3:
        raise WireError("malformed array")
    dtype_str, shape, payload = spec
    dtype = _DTYPES.get(dtype_str) if type(dtype_str) is str else None
    if dtype is None:
        raise WireError(f"array dtype {dtype_str!r} is not allowed")
    if type(shape) is not list or len(shape) > MAX_ARRAY_DIMENSIONS:
        raise WireError(f"array shape must be a list of at most {MAX_ARRAY_DIMENSIONS} non-negative integers")
    for size in shape:
        # no larger than a message: with a 0 elsewhere in the shape, no payload would bound it
        if type(size) is not int or not 0 <= size <= MAX_MESSAGE_BYTES:
            raise WireError("array shape must be a list of non-negative integers no larger than a message")
    if type(payload) is not str:
        raise WireError("array data must be base64 text")
    try:
        raw = _from_base64(payload)
    except (binascii.Error, ValueError):
        raise WireError("array data is not base64 text") from None
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise WireError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def fingerprint(value: Any) -> Hashable:
    """Equal for equal values of equal types, dtypes and shapes; an array's bytes are part of it.

    Finer than equality (a tuple and a list of the same items differ, so do 0.0 and -0.0), never
    coarser for plain data (an array of more than 64 bytes is summarised by a 128-bit BLAKE2b
    digest of them, which no one can make collide). Objects of other types are summarised by
    type name and repr, so a value whose repr leaves out its contents must not be fingerprinted.
    """
    if isinstance(value, np.ndarray):
        data = value.tobytes()
        # memos keep their keys for a whole class run: a digest keeps a large array's key small
        return ("array", value.dtype.str, value.shape, data if len(data) <= 64 else digest(data))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple([fingerprint(item) for item in value]))
    if isinstance(value, dict):
        return ("dict", tuple([(key, fingerprint(item)) for key, item in value.items()]))
    if isinstance(value, np.generic):
        return ("scalar", value.dtype.str, value.tobytes())
    if type(value) is float:
        return ("float", value.hex())
    return (type(value).__name__, repr(value))


def digest(data: bytes) -> bytes:
    """A 128-bit BLAKE2b digest of data: equal for equal bytes, and no one can make two others collide."""
    return hashlib.blake2b(data, digest_size=16).digest()


def frame(message: Any) -> bytes:
    """Serialise one already-encoded message with its length prefix."""
    body = serialise(message).encode("utf-8")
    return HEADER.pack(len(body)) + body


def serialise(message: Any) -> str:
    """The JSON text of an already-encoded message (a dict), without its length prefix."""
    return json.dumps(message, allow_nan=True, separators=(",", ":"))


def frame_with_id(serialised: str, message_id: int) -> bytes:
    """frame() of the dict serialise() gave, with an "id" entry added (not already in it)."""
    body = f'{serialised[:-1]},"id":{int(message_id)}}}'.encode()
    return HEADER.pack(len(body)) + body


def body_length(header: bytes) -> int:
    """Length of the body announced by a header; WireError past the limit."""
    (length,) = HEADER.unpack(header)
    if length > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {length} bytes is larger than the limit")
    return length


def parse_body(body: bytes) -> Any:
    """The JSON value of a message body (still to be decode()d), its text mended (mended_text)."""
    try:
        value = json.loads(body.decode("utf-8"))
        # a \ud800-\udfff escape may be half a pair: a lone surrogate would break every write of it
        return mended_all(value) if _SURROGATE_ESCAPE.search(body) else value
    except ValueError as error:  # UnicodeDecodeError, JSONDecodeError, and an int too long to read
        raise WireError(f"message is not valid JSON: {error}") from None
    except RecursionError:  # no message of the grader's nests deeper than MAX_DEPTH
        raise WireError("message nests too deeply to read") from None


def too_large_response(call_id: Any, length: int) -> dict[str, Any]:
    """The response that stands for an answer of length bytes, past MAX_RESPONSE_BYTES."""
    return {
        "id": call_id,
        "ok": False,
        "error": {"kind": "too_large", "message": _mib(length)},
    }


def write_message(stream: BinaryIO, message: Any) -> None:
    """Send one already-encoded message on a blocking stream."""
    stream.write(frame(message))
    stream.flush()


def read_message(stream: BinaryIO) -> Any:
    """Read one message from a blocking stream; EOFError when the other side is gone."""
    return parse_body(_read_exactly(stream, body_length(_read_exactly(stream, HEADER.size))))


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)

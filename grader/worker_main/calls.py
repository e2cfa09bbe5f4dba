"""What a call needs around it in the worker: whether it changed its arguments, a training
loop run in one message, its printed output captured, and the output of a file's import."""

import inspect
import io
import os
import sys

import numpy as np

MAX_CAPTURE = 16_000


def changed(before):
    """Whether any list, dict or array resolve() saw holds something else now. Each container's
    items are compared by identity: an item put in place of another counts as a change even if
    equal, and a change inside an item is found when that item's own entry is checked."""
    for value, held in before:
        kind = type(value)
        if kind is np.ndarray:
            if (value.dtype.str, value.shape, value.tobytes()) != held:
                return True
        else:
            now = list(value.items()) if kind is dict else value
            if len(now) != len(held):
                return True
            for new, old in zip(now, held):
                if kind is dict:
                    # a key the student put there is compared by nothing of its own (its __ne__ may raise)
                    if type(new[0]) is not str or new[0] != old[0] or new[1] is not old[1]:
                        return True
                elif new is not old:
                    return True
    return False


def repeated(function, args, kwargs, times, argument, item, keep=None):
    """[each call's result] of up to `times` calls, each given the previous result's item as
    its argument-th argument (a training loop run here: one message instead of one per step).
    Stops early when a result has no such item. With keep, every result but the last is cut
    down to its item keep (the loss of a training step: the parameters need not travel)."""
    results = []
    for _ in range(times):
        result = function(*args, **kwargs)
        results.append(result)
        try:
            args[argument] = result[item]
        except (TypeError, IndexError, KeyError):
            break
    if keep is not None:
        for index, result in enumerate(results[:-1]):
            try:
                results[index] = result[keep]
            except (TypeError, IndexError, KeyError):
                pass
    return results


def without_probes(value):
    if callable(value):
        return None
    if isinstance(value, dict):
        return {key: without_probes(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_probes(item) for item in value]
    return value


def signature_text(function):
    try:
        return f"{function.__name__}{inspect.signature(function)}"
    except (TypeError, ValueError):
        return ""


class captured_output:
    """Send print() and sys.stderr writes of the student's code to one buffer (or to stream)."""

    def __init__(self, stream=None):
        self.buffer = io.StringIO() if stream is None else stream

    def __enter__(self):
        self.saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.buffer
        return self.buffer

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self.saved
        return False


class PrintedWhileImporting(io.TextIOBase):
    """What a file prints at its top level (a student's own trial runs, say), written at once to
    file descriptor 1, whose output the grader keeps and shows: unbuffered, so that what a file
    printed before it hung is shown too. The first write names the file; MAX_CAPTURE at most.
    (A text stream, as StringIO is: code that asks sys.stdout whether it is a terminal is told no.)"""

    def __init__(self, module):
        super().__init__()
        self.label, self.room = f"[importing {module}.py] ", MAX_CAPTURE

    def write(self, text):
        shown, self.label = (self.label + text)[: self.room], ""
        self.room -= len(shown)
        if shown:
            os.write(1, shown.encode("utf-8", "replace"))
        return len(text)

    def flush(self):
        pass

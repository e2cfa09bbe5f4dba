"""Text from outside the grader made safe to encode as UTF-8 (SQLite, files, the terminal), and
to show in a terminal.

Two things put lone surrogates into a Python str: a file name that is not UTF-8 (os.listdir
keeps its bytes as surrogates) and a "\\udcff" escape in JSON (a student's exception message,
a notebook's source). Such a str cannot be encoded, so writing it anywhere raises
UnicodeEncodeError; mended text shows each as its escape instead.
"""

from __future__ import annotations

import re
from typing import Any

#: control characters other than newline and tab: C0, DEL and C1 (escape sequences start with them)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def mended(text: str) -> str:
    """text, with each lone surrogate written as its backslash escape (\\udcff)."""
    if encodable(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def printable(text: str) -> str:
    """mended text with each control character but newline and tab written as its escape (\\x1b).
    A student's message, printed output or file name, shown in a terminal, then cannot move the
    cursor, clear the screen, colour the report, set the window's title or write the clipboard."""
    text = mended(text)
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def encodable(*texts: str) -> bool:
    """Whether every text can be encoded as UTF-8 as it is (no lone surrogates)."""
    try:
        for text in texts:
            text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def mended_all(value: Any) -> Any:
    """value (plain data: dicts, lists, strings, numbers) with every string and key mended."""
    if isinstance(value, str):
        return mended(value)
    if isinstance(value, list):
        return [mended_all(item) for item in value]
    if isinstance(value, tuple):
        return tuple(mended_all(item) for item in value)
    if isinstance(value, dict):
        return {mended_all(key): mended_all(item) for key, item in value.items()}
    return value

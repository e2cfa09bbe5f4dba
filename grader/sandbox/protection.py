"""What each wall reports (Protection), and the few calls into libc that every wall makes."""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass

NAMES = ("user_namespace", "network", "pid_namespace", "disk", "filesystem", "processes", "not_root")


@dataclass(frozen=True)
class Protection:
    name: str
    active: bool
    detail: str


def libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def failed(what: str) -> str:
    return f"{what} failed: {os.strerror(ctypes.get_errno())}"


def write_setting(path: str, text: str) -> None:
    """Write text to a /proc file in one write(), as the kernel's settings are read (OSError if
    refused). Not through open(): a worker that gave up root may not read Python's codecs."""
    setting = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(setting, text.encode())
    finally:
        os.close(setting)


_PR_SET_NO_NEW_PRIVS = 38


def no_new_privs() -> bool:
    """Required by Landlock and seccomp for an unprivileged process."""
    return libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0

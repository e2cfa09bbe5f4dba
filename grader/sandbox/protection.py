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


_PR_SET_NO_NEW_PRIVS = 38


def no_new_privs() -> bool:
    """Required by Landlock and seccomp for an unprivileged process."""
    return libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0

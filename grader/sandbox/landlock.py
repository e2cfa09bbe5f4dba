"""Landlock: the files a worker may read and write, and what else it may not reach."""

from __future__ import annotations

import ctypes
import os
import platform
import stat
import struct

from .protection import Protection, no_new_privs
from .protection import failed as _error
from .protection import libc as _libc

_SYS_LANDLOCK_CREATE_RULESET, _SYS_LANDLOCK_ADD_RULE, _SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_ALL_V1 = (1 << 13) - 1
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, or 0 without Landlock."""
    if platform.system() != "Linux":
        return 0
    version = _libc().syscall(_SYS_LANDLOCK_CREATE_RULESET, None, 0, 1)
    return max(0, version)


def open_for_rules(read_only: list[str], list_only: tuple[str, ...] = ()) -> tuple[tuple[int, int], ...]:
    """(descriptor, rights) for restrict_filesystem's opened: each existing path of read_only (to read)
    and list_only (to list) opened once, by a process that forks many children to wall in (they
    inherit the descriptors, and each child closes them with close_rules once walled in)."""
    if landlock_abi() == 0:
        return ()  # no rules to make (and no O_PATH outside Linux)
    reading = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
    opened = []
    for paths, rights in ((list_only, _FS_READ_DIR), (read_only, reading)):
        for path in paths:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            opened.append((fd, _rights_for(fd, rights)))
    return tuple(opened)


def _rights_for(fd: int, rights: int) -> int:
    """rights, less those that only folders have when fd is not a folder."""
    return rights if stat.S_ISDIR(os.fstat(fd).st_mode) else rights & _FILE_RIGHTS


def close_rules(opened: tuple[tuple[int, int], ...]) -> None:
    for fd, _ in opened:
        try:
            os.close(fd)
        except OSError:
            pass


def restrict_filesystem(read_write: list[str], opened: tuple[tuple[int, int], ...] = ()) -> Protection:
    """Allow everything in read_write, what open_for_rules opened (reading, or listing only), and
    nothing else."""
    abi = landlock_abi()
    if abi == 0:
        return Protection("filesystem", False, "Landlock is not available in this kernel")
    handled = _FS_ALL_V1 | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0)
    handled |= _FS_IOCTL_DEV if abi >= 5 else 0
    handled_net = (_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0
    scoped = (_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL) if abi >= 6 else 0
    attr = struct.pack("=QQQ", handled, handled_net, scoped)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    libc = _libc()
    ruleset = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.c_char_p(attr[:size]), size, 0)
    if ruleset < 0:
        return Protection("filesystem", False, _error("landlock_create_ruleset"))
    try:
        for fd, rights in opened:
            _add_rule(libc, ruleset, fd, rights & handled)
        for path in read_write:
            try:
                _allow(libc, ruleset, path, handled, handled)
            except OSError as error:
                # without its rule the worker could not even read its own files, and every test
                # would blame the student: say so instead, and let --require-sandbox decide
                return Protection(
                    "filesystem", False, f"could not open {path} for its rule: {error.strerror}"
                )
        if not no_new_privs() or libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            return Protection("filesystem", False, _error("landlock_restrict_self"))
    finally:
        os.close(ruleset)
    extra = ", TCP and signals to the outside blocked" if abi >= 6 else ""
    return Protection("filesystem", True, f"active: Landlock ABI {abi}{extra}")


def _allow(libc: ctypes.CDLL, ruleset: int, path: str, rights: int, handled: int) -> None:
    """Add the rule for path (OSError if it cannot be opened)."""
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        _add_rule(libc, ruleset, fd, _rights_for(fd, rights) & handled)
    finally:
        os.close(fd)


def _add_rule(libc: ctypes.CDLL, ruleset: int, fd: int, rights: int) -> None:
    rule = struct.pack("=Qi", rights, fd)
    libc.syscall(_SYS_LANDLOCK_ADD_RULE, ruleset, 1, ctypes.c_char_p(rule), 0)

"""seccomp: the system calls a worker may not make."""

from __future__ import annotations

import ctypes
import platform
import struct

from .protection import Protection, no_new_privs
from .protection import failed as _error
from .protection import libc as _libc

_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_RET_ALLOW, _RET_ERRNO, _RET_KILL_PROCESS = 0x7FFF0000, 0x00050000, 0x80000000
_EPERM, _ENOSYS = 1, 38
_CLONE_THREAD = 0x00010000
#: machine -> (audit arch, clone, clone3, [the syscalls that fail with EPERM]): those that start a
#: process or program; those that make a socket, or an io_uring, whose operations (a socket and
#: its connect among them) seccomp does not see; those of the kernel's keyrings; and
#: inotify_add_watch. Landlock does not stop a connect() to a Unix socket with a path, and the
#: network namespace does not hold those: student code could reach any such server the grader's
#: user may, the session's D-Bus (which starts programs) or a Docker daemon among them. Keyrings
#: are in no namespace: a worker, whatever its user, possesses the grader's session keyring and
#: could read the keys in it (Kerberos tickets, where the login keeps them there). Nor does
#: Landlock stop a watch on a folder it walls off: the worker would see which files of the
#: reference or the hidden tests are opened, and when. Then ptrace and its kin, which reach other
#: processes' memory and files: the pid namespace hides the grader and Landlock refuses it, but
#: where neither stands, a worker of the grader's own user could read the grader's memory, and
#: the reference's results in it. Last, new namespaces and mounts: the worker has every
#: capability in its user namespace until bound_disk drops them, and student code could otherwise
#: make a user and mount namespace of its own and a tmpfs there of any size (memory that no
#: RLIMIT_AS counts), or, where no Landlock stands, unmount the worker's tmpfs. And memory that
#: RLIMIT_AS does not count either: System V shared memory outlives its mapping (attach a segment,
#: fill it, detach, again: 3 GiB held by a worker limited to 1 GiB), and so do message queues,
#: and a memfd holds what is written to it unmapped (256 of them at RLIMIT_FSIZE each: 4 GiB).
_MOUNTING = [428, 429, 430, 431, 432, 433, 442]  # open_tree, move_mount, fsopen, fsconfig, fsmount,
# fspick, mount_setattr: the same numbers on every architecture (as memfd_secret, 447)
# fmt: off
_SYSCALLS = {
    # fork, vfork, execve, execveat; socket, socketpair; io_uring_setup, _enter, _register;
    # add_key, request_key, keyctl; inotify_add_watch; ptrace, process_vm_readv, _writev, kcmp,
    # pidfd_getfd; unshare, setns, mount, umount2, pivot_root, chroot; shmget, semget, msgget,
    # memfd_create, memfd_secret
    "x86_64": (
        0xC000003E,
        56,
        435,
        [57, 58, 59, 322, 41, 53, 425, 426, 427, 248, 249, 250, 254, 101, 310, 311, 312, 438,
         272, 308, 165, 166, 155, 161, *_MOUNTING, 29, 64, 68, 319, 447],
    ),
    "aarch64": (
        0xC00000B7,
        220,
        435,
        [221, 281, 198, 199, 425, 426, 427, 217, 218, 219, 27, 117, 270, 271, 272, 438,
         97, 268, 40, 39, 41, 51, *_MOUNTING, 194, 190, 186, 279, 447],
    ),
}
# fmt: on


def _filter(arch: int, clone: int, clone3: int, blocked: list[int]) -> bytes:
    """A classic-BPF seccomp program (the kernel's struct sock_filter, 8 bytes per instruction).

    Instructions are (code, true-label, false-label, k); a label names the instruction a
    conditional jump goes to, None meaning the next one. Offsets are computed from the labels.
    """
    ld, jeq, jset, jge, ret = 0x20, 0x15, 0x45, 0x35, 0x06
    program: list[tuple[str | None, int, str | None, str | None, int]] = [
        (None, ld, None, None, 4),  # seccomp_data.arch
        (None, jeq, None, "kill", arch),
        (None, ld, None, None, 0),  # seccomp_data.nr
        (None, jge, "eperm", None, 0x40000000),  # the x32 ABI
        (None, jeq, "enosys", None, clone3),  # clone3 hides its flags; glibc then falls back to clone
        *[(None, jeq, "eperm", None, number) for number in blocked],
        (None, jeq, "check_clone", None, clone),
        (None, ret, None, None, _RET_ALLOW),
        ("check_clone", ld, None, None, 16),  # low word of args[0]: clone's flags
        (None, jset, "allow", "eperm", _CLONE_THREAD),
        ("allow", ret, None, None, _RET_ALLOW),
        ("eperm", ret, None, None, _RET_ERRNO | _EPERM),
        ("enosys", ret, None, None, _RET_ERRNO | _ENOSYS),
        ("kill", ret, None, None, _RET_KILL_PROCESS),
    ]
    where = {label: index for index, (label, *_) in enumerate(program) if label}

    def offset(index: int, label: str | None) -> int:
        return 0 if label is None else where[label] - index - 1

    return b"".join(
        struct.pack("=HBBI", code, offset(i, jt), offset(i, jf), k)
        for i, (_, code, jt, jf, k) in enumerate(program)
    )


def block_new_processes() -> Protection:
    """seccomp filter: the worker may start threads, but no process and no program; it can make
    no socket (it answers through pipes it already has), use no keyring, watch no file, trace or
    read no other process, make or enter no namespace, mount or unmount nothing, and hold no
    memory outside its address space (no System V IPC object, no memfd)."""
    spec = _SYSCALLS.get(platform.machine())
    if platform.system() != "Linux" or spec is None:
        return Protection(
            "processes", False, f"no seccomp filter for {platform.system()} {platform.machine()}"
        )
    code = _filter(*spec)
    buffer = ctypes.create_string_buffer(code, len(code))
    program = struct.pack("=HxxxxxxQ", len(code) // 8, ctypes.addressof(buffer))
    libc = _libc()
    if not no_new_privs():
        return Protection("processes", False, _error("prctl(PR_SET_NO_NEW_PRIVS)"))
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.c_char_p(program), 0, 0) != 0:
        return Protection("processes", False, _error("seccomp"))
    return Protection(
        "processes",
        True,
        "active: seccomp blocks fork, exec, new processes, sockets, keyrings, file watches, tracing, "
        "namespaces, mounts and shared memory",
    )

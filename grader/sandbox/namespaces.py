"""New user, network, IPC and PID namespaces, and a worker that ends with its parent."""

from __future__ import annotations

import ctypes
import os
import platform
import signal

from .protection import Protection, write_setting
from .protection import failed as _error
from .protection import libc as _libc

#: kernel settings with which distributions refuse unprivileged processes user namespaces (or the
#: privilege in them that the other namespaces need): (sysctl, the refusing value, the allowing one).
#: Ubuntu 24.04 and newer, GitHub's ubuntu-latest runners among them, set the first.
USERNS_SWITCHES = (
    ("kernel.apparmor_restrict_unprivileged_userns", "1", "0"),
    ("kernel.unprivileged_userns_clone", "0", "1"),
)


def namespace_error(what: str, sysctls: str = "/proc/sys") -> str:
    """_error, and the kernel setting behind it with the command that lifts it, if one refuses."""
    detail = _error(what)
    for name, refusing, allowing in USERNS_SWITCHES:
        try:
            with open(os.path.join(sysctls, *name.split(".")), encoding="ascii") as setting:
                value = setting.read().strip()
        except (OSError, ValueError):
            continue
        if value == refusing:
            return (
                f"{detail}; this kernel sets {name}={refusing}: `sudo sysctl -w {name}={allowing}` lifts it"
            )
    return detail


CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000


def enter_namespaces(close_in_parent: tuple[int, ...] = (), tasks: int | None = None) -> list[Protection]:
    """unshare user, network, IPC and PID namespaces, then fork: only the child returns.

    The parent stays behind as a plain waiter (it closes close_in_parent so the
    grader sees the child's end of the pipes only) and exits with the child's status.
    tasks: the most processes and threads the PID namespace may hold, where the kernel keeps a
    pid_max per namespace (Linux 6.14 and newer). Every thread takes a process id of the whole
    machine too, and a machine with the usual pid_max of 32768 has no more: a worker that started
    threads until its memory limit (some 58,000 of 32 KiB) would leave no process id for anyone.
    """
    if platform.system() != "Linux":
        return [
            Protection(name, False, "needs Linux") for name in ("user_namespace", "network", "pid_namespace")
        ]
    libc = _libc()
    user = libc.unshare(CLONE_NEWUSER) == 0
    user_detail = "active" if user else namespace_error("unshare(CLONE_NEWUSER)")
    net, net_detail = _network_and_ipc(libc)
    pid_ns = libc.unshare(CLONE_NEWPID) == 0
    pid_detail = (
        "active: the worker is PID 1 of its own namespace"
        if pid_ns
        else namespace_error("unshare(CLONE_NEWPID)")
    )
    if pid_ns:
        _fork_and_wait(close_in_parent)
        if tasks is not None and _bounded_pids(tasks):
            pid_detail += f", which holds at most {tasks} processes and threads"
    return [
        Protection("user_namespace", user, user_detail),
        Protection("network", net, net_detail),
        Protection("pid_namespace", pid_ns, pid_detail),
    ]


def _network_and_ipc(libc: ctypes.CDLL) -> tuple[bool, str]:
    """New network and IPC namespaces: no network, and none of the System V shared memory,
    semaphores and message queues (or POSIX message queues) of processes outside, which are
    no files, so Landlock does not guard them. (whether the network one stands, detail)"""
    if libc.unshare(CLONE_NEWNET | CLONE_NEWIPC) == 0:
        return True, "active: only an unconfigured loopback, and IPC objects of its own"
    ipc_failed = _error("unshare(CLONE_NEWIPC)")
    if libc.unshare(CLONE_NEWNET) == 0:  # a kernel built without IPC namespaces
        return True, f"active: only an unconfigured loopback (but IPC objects shared: {ipc_failed})"
    return False, namespace_error("unshare(CLONE_NEWNET)")


def _bounded_pids(tasks: int) -> bool:
    """Set this PID namespace's pid_max (it holds ids 1 to pid_max - 1); whether the kernel took it."""
    try:
        write_setting("/proc/sys/kernel/pid_max", str(tasks + 1))
    except OSError:  # a kernel with one pid_max for all namespaces refuses it (or no /proc)
        return False
    return True


def _fork_and_wait(close_in_parent: tuple[int, ...]) -> None:
    child = os.fork()
    if child == 0:
        die_with_parent()  # PID 1 of its namespace: its processes all end with it
        return
    for fd in close_in_parent:
        try:
            os.close(fd)
        except OSError:
            pass
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):  # die the same way, so the grader can say what happened
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """Have the kernel kill this process when its parent ends. A worker runs in a session of its
    own, which killing the grader's process group (kill -9 of a whole grade-all) does not reach:
    the zygote then ends with the grader, and its workers with it, a loop of a student's
    included. Call it after the last change of user (which clears it). parent: the parent's pid,
    to catch one that ended before this took effect. Linux only."""
    if platform.system() != "Linux":
        return
    _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent is not None and os.getppid() != parent:
        os._exit(70)

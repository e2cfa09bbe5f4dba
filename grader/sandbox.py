"""The walls around the worker, built with the kernel's unprivileged mechanisms.

The worker calls these before any student code is imported, in this order:

    give_up_root()         when the grader runs as root (in a container, on Gradescope): the
                           worker becomes a user of its own, which can write only its folder and
                           read only what every user may read, with or without the walls below
    die_with_parent()      the worker ends when the zygote does (the grader killed outright)
    enter_namespaces()     new user, network, IPC and PID namespaces; the worker forks and goes on
                           as PID 1 of the new PID namespace, so when it ends the kernel kills
                           every process it left behind, and no process outside can be signalled
    restrict_filesystem()  Landlock: read-only access to the standard library and NumPy,
                           read-write access to the submission's private copy, nothing else
                           (no /proc, no home, no reference, no other submissions)
    block_new_processes()  seccomp: fork, vfork, execve, non-thread clone, socket, socketpair,
                           io_uring_setup, the keyring calls and inotify_add_watch fail with EPERM

Each returns a Protection saying whether it took effect and, if not, why; a
kernel without the feature is reported, not fatal. Standard library only: the
worker loads this file by path, like wire.py.
"""

from __future__ import annotations

import ctypes
import os
import platform
import signal
import stat
import struct
from dataclasses import dataclass

NAMES = ("user_namespace", "network", "pid_namespace", "filesystem", "processes", "not_root")


@dataclass(frozen=True)
class Protection:
    name: str
    active: bool
    detail: str


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _error(what: str) -> str:
    return f"{what} failed: {os.strerror(ctypes.get_errno())}"


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


# ---- root ----------------------------------------------------------------------------------

#: a worker of a grader that runs as root takes this user and group id plus its process id: no
#: account has it, and no two workers running at once share it, so none can signal or trace another
UNPRIVILEGED_ID_BASE = 1_000_000_000
#: how the names of the folders the grader makes for submissions begin (grader/scratch.py)
SCRATCH_PREFIX = "backprop-grader-"


def give_up_root(own: str, unreadable: str | None) -> Protection:
    """If this process is root, become a user id of the worker's own, as user and group, with no
    other groups, for good. Root in a container reads and writes every file the grader has (its
    code, the reference, the hidden tests), also where no Landlock stands; the new user reads only
    what every user may read and writes only own. unreadable: what hidden_from_others found of
    the Python installation; the worker cannot give up root if it could not read Python then.

    own (the submission's private copy) is handed to that user first if the grader made it: its
    name, or its parent's, begins with SCRATCH_PREFIX. The first worker of a submission makes
    what the grader copied into own readable by every user (once: a worker started again after a
    time-out or crash only takes own over, however many files student code has made in it), and
    own is the worker's alone (0700). Such a parent is then opened for passing (not listing).
    Every folder above must let other users pass already, or the worker stays root and says why
    (see confined_root)."""
    if os.geteuid() != 0:
        return Protection("not_root", True, "active: the grader does not run as root")
    if unreadable is not None:
        return Protection("not_root", False, f"the worker stays root: other users cannot read {unreadable}, "
                          "where Python or NumPy is installed")  # fmt: skip
    own = os.path.realpath(own)
    parent = os.path.dirname(own)
    scratch = os.path.basename(parent).startswith(SCRATCH_PREFIX)
    blocked = _not_passable(os.path.dirname(parent) if scratch else parent)
    if blocked is not None:
        return Protection("not_root", False, f"the worker stays root: other users cannot pass {blocked} "
                          "to reach its folder (set TMPDIR to a folder such as /tmp)")  # fmt: skip
    worker_id = UNPRIVILEGED_ID_BASE + os.getpid()
    try:
        if scratch or os.path.basename(own).startswith(SCRATCH_PREFIX):
            if os.stat(own).st_uid == 0:  # the grader's copy, which no worker has had yet
                _readable_to_all(own)
            os.chown(own, worker_id, worker_id)
            os.chmod(own, 0o700)
            if scratch:
                os.chmod(parent, 0o711)
        os.setgroups([])
        os.setgid(worker_id)  # for root these set the real, effective and saved ids alike
        os.setuid(worker_id)
    except OSError as error:
        return Protection("not_root", False, f"the worker stays root: giving it up failed ({error})")
    return Protection("not_root", True, f"active: the worker runs as user {worker_id}, not as root")


def _readable_to_all(own: str) -> None:
    """Let every user read the files in own and pass and list its folders (not own itself)."""
    for folder, folders, files in os.walk(own):
        for names, needed in ((folders, stat.S_IROTH | stat.S_IXOTH), (files, stat.S_IROTH)):
            for name in names:
                path = os.path.join(folder, name)
                mode = os.lstat(path).st_mode
                if not stat.S_ISLNK(mode) and mode & needed != needed:
                    os.chmod(path, stat.S_IMODE(mode) | needed)


def confined_root(user: Protection, walls: list[Protection]) -> Protection:
    """user (give_up_root's report) once the walls stand: a worker that stayed root has no power
    left beyond an ordinary user's when it is in a user namespace of its own (no privilege
    outside it) and Landlock bounds every file it reads or writes."""
    standing = {wall.name for wall in walls if wall.active}
    if user.active or not {"user_namespace", "filesystem"} <= standing:
        return user
    why = user.detail.removeprefix("the worker stays root: ")
    return Protection("not_root", True, f"active: the worker stays root ({why}) but has no privilege "
                      "outside its user namespace, and Landlock bounds its files")  # fmt: skip


def hidden_from_others(paths: list[str]) -> str | None:
    """The first folder that a user other than its owner and group cannot pass, on the way to
    each of paths or at it (a folder must be listable, a file readable), or None."""
    for path in paths:
        real = os.path.realpath(path)
        if not os.path.exists(real):
            continue
        if (blocked := _not_passable(os.path.dirname(real))) is not None:
            return blocked
        needed = stat.S_IROTH | stat.S_IXOTH if os.path.isdir(real) else stat.S_IROTH
        if os.stat(real).st_mode & needed != needed:
            return real
    return None


def _not_passable(folder: str) -> str | None:
    """The topmost of folder and the folders above it that other users cannot pass, or None."""
    for above in reversed(_folders_above(folder)):
        if not os.stat(above).st_mode & stat.S_IXOTH:
            return above
    return None


def _folders_above(folder: str) -> list[str]:
    """folder and every folder above it, up to /."""
    above = [folder]
    while (parent := os.path.dirname(above[-1])) != above[-1]:
        above.append(parent)
    return above


# ---- namespaces ---------------------------------------------------------------------------

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000


def enter_namespaces(close_in_parent: tuple[int, ...] = ()) -> list[Protection]:
    """unshare user, network, IPC and PID namespaces, then fork: only the child returns.

    The parent stays behind as a plain waiter (it closes close_in_parent so the
    grader sees the child's end of the pipes only) and exits with the child's status.
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


# ---- Landlock -----------------------------------------------------------------------------

_SYS_LANDLOCK_CREATE_RULESET, _SYS_LANDLOCK_ADD_RULE, _SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
_PR_SET_NO_NEW_PRIVS = 38
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_ALL_V1 = (1 << 13) - 1
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1


def no_new_privs() -> bool:
    """Required by Landlock and seccomp for an unprivileged process."""
    return _libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0


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


# ---- seccomp ------------------------------------------------------------------------------

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
#: reference or the hidden tests are opened, and when.
_SYSCALLS = {
    # fork, vfork, execve, execveat; socket, socketpair; io_uring_setup, _enter, _register;
    # add_key, request_key, keyctl; inotify_add_watch
    "x86_64": (0xC000003E, 56, 435, [57, 58, 59, 322, 41, 53, 425, 426, 427, 248, 249, 250, 254]),
    "aarch64": (0xC00000B7, 220, 435, [221, 281, 198, 199, 425, 426, 427, 217, 218, 219, 27]),
}


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
    no socket (it answers through pipes it already has), use no keyring and watch no file."""
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
        "active: seccomp blocks fork, exec, new processes, sockets, keyrings and file watches",
    )

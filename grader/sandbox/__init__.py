"""The walls around the worker, built with the kernel's unprivileged mechanisms.

The worker calls these before any student code is imported, in this order:

    give_up_root()         when the grader runs as root (in a container, on Gradescope): the
                           worker becomes a user of its own, which can write only its folder and
                           read only what every user may read, with or without the walls below
    die_with_parent()      the worker ends when the zygote does (the grader killed outright)
    enter_namespaces()     new user, network, IPC and PID namespaces; the worker forks and goes on
                           as PID 1 of the new PID namespace, so when it ends the kernel kills
                           every process it left behind, and no process outside can be signalled;
                           the namespace holds a bounded number of tasks where the kernel allows
    bound_disk()           a mount namespace, and the submission's private copy moved onto a tmpfs
                           of bounded size there; then every capability is dropped
    restrict_filesystem()  Landlock: read-only access to the standard library and NumPy,
                           read-write access to the submission's private copy, nothing else
                           (no /proc, no home, no reference, no other submissions)
    block_new_processes()  seccomp: fork, vfork, execve, non-thread clone, socket, socketpair,
                           io_uring_setup, the keyring calls, inotify_add_watch, tracing, new
                           namespaces, mounts, System V IPC objects and memfds fail with EPERM

Each returns a Protection saying whether it took effect and, if not, why; a
kernel without the feature is reported, not fatal. One module per wall: root.py, namespaces.py,
disk.py, landlock.py, seccomp.py (protection.py: the report, and what they share). Standard library only,
and relative imports only: the zygote loads this package by path (zygote_main.load_by_path), as
it loads wire.py, under a name of its own.
"""

from .disk import bound_disk
from .landlock import close_rules, landlock_abi, open_for_rules, restrict_filesystem
from .namespaces import USERNS_SWITCHES, die_with_parent, enter_namespaces, namespace_error
from .protection import NAMES, Protection, no_new_privs
from .root import SCRATCH_PREFIX, UNPRIVILEGED_ID_BASE, confined_root, give_up_root, hidden_from_others
from .seccomp import block_new_processes

__all__ = [
    "NAMES",
    "SCRATCH_PREFIX",
    "UNPRIVILEGED_ID_BASE",
    "USERNS_SWITCHES",
    "Protection",
    "block_new_processes",
    "bound_disk",
    "close_rules",
    "confined_root",
    "die_with_parent",
    "enter_namespaces",
    "give_up_root",
    "hidden_from_others",
    "landlock_abi",
    "namespace_error",
    "no_new_privs",
    "open_for_rules",
    "restrict_filesystem",
]

"""A disk of the worker's own: its private copy moved onto a tmpfs of bounded size, so that
student code cannot fill the file system the grader, its gradebook and other submissions share."""

from __future__ import annotations

import ctypes
import os
import stat
import struct

from .protection import Protection, write_setting
from .protection import failed as _error
from .protection import libc as _libc

_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV = 2, 4
_MNT_DETACH = 2
_CAPABILITY_VERSION_3 = 0x20080522
_PR_GET_DUMPABLE, _PR_SET_DUMPABLE = 3, 4
#: files and folders student code may make beyond those of the copy (tmpfs keeps each in memory)
SPARE_INODES = 4096
#: entries of the copy a worker moves at most: a submission has at most unpack.MAX_FILES files
COPY_LIMIT = 10_000
_CHUNK = 1 << 20


def bound_disk(own: str, room: int, ids: tuple[int, int] | None) -> Protection:
    """Put own (the submission's private copy, this process's working folder) on a tmpfs of its
    own, in a mount namespace of its own: big enough for the copy's files plus room bytes, and
    SPARE_INODES more files. The copy is moved there file by file; what student code writes
    vanishes with the worker, so one started again after a time-out or crash finds the copy as
    the grader made it. Then every capability the user namespace gave is dropped: mapping the
    worker's own user and group into the namespace, which files on the tmpfs need, would otherwise
    let those capabilities override the permissions of that user's files.

    ids: this process's effective user and group ids from before it entered its user namespace
    (enter_namespaces), in which they read as the overflow id; None when there is no such
    namespace. Must come before restrict_filesystem, after which no mount can be made. Where it
    cannot stand, own stays where it is, and the report says why."""
    if ids is None:
        return Protection("disk", False, "needs the user namespace, which is not active")
    try:
        source = os.open(own, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        return Protection("disk", False, f"could not open {own}: {error.strerror}")
    try:
        return _moved(source, own, room, ids)
    finally:
        os.close(source)


def _moved(source: int, own: str, room: int, ids: tuple[int, int]) -> Protection:
    try:
        entries = _listing(source)
    except OSError as error:
        return Protection("disk", False, f"could not read {own}: {error.strerror}")
    if entries is None:
        return Protection("disk", False, f"{own} holds more than {COPY_LIMIT} files and folders")
    libc = _libc()
    try:
        if (why := _map_own_ids(libc, *ids)) is not None:
            return Protection("disk", False, why)
        if libc.unshare(_CLONE_NEWNS) != 0:
            return Protection("disk", False, _error("unshare(CLONE_NEWNS)"))
        page = os.sysconf("SC_PAGE_SIZE")
        size = room + sum(-(-max(1, entry[3]) // page) * page for entry in entries)
        options = f"size={size},nr_inodes={len(entries) + SPARE_INODES},mode=0700"
        libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
        if libc.mount(b"tmpfs", os.fsencode(own), b"tmpfs", _MS_NOSUID | _MS_NODEV, options.encode()) != 0:
            return Protection("disk", False, _error("mounting a tmpfs"))
        try:
            _copy(source, own, entries)
        except OSError as error:
            libc.umount2(os.fsencode(own), _MNT_DETACH)
            return Protection("disk", False, f"could not move the copy onto its tmpfs: {error.strerror}")
        finally:
            os.chdir(own)  # the working folder was the one the tmpfs now covers (or uncovered again)
    finally:
        if not _dropped_capabilities(libc):
            os._exit(70)  # never run student code with them: the grader reports a worker that did not start
    return Protection(
        "disk", True, f"active: its folder is a tmpfs of its own, with {room / 2**20:g} MiB of room"
    )


def _listing(source: int) -> list[tuple[str, int, int, int, str]] | None:
    """(path relative to source, file type, permission bits, size, link target) of everything
    under source, folders before what they hold; None past COPY_LIMIT entries."""
    entries: list[tuple[str, int, int, int, str]] = []
    folders = [""]
    while folders:
        folder = folders.pop()
        fd = os.open(
            folder or ".", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=source
        )
        try:
            names = os.listdir(fd)
        finally:
            os.close(fd)
        for name in names:
            path = os.path.join(folder, name)
            info = os.stat(path, dir_fd=source, follow_symlinks=False)
            kind = stat.S_IFMT(info.st_mode)
            target = os.readlink(path, dir_fd=source) if kind == stat.S_IFLNK else ""
            entries.append((path, kind, stat.S_IMODE(info.st_mode), info.st_size, target))
            if kind == stat.S_IFDIR:
                folders.append(path)
            if len(entries) > COPY_LIMIT:
                return None
    return entries


def _copy(source: int, own: str, entries: list[tuple[str, int, int, int, str]]) -> None:
    """Make entries (of _listing) again under own, their contents read from source."""
    target = os.open(own, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for path, kind, mode, _, link in entries:
            if kind == stat.S_IFDIR:
                os.mkdir(path, mode | stat.S_IRWXU, dir_fd=target)
            elif kind == stat.S_IFLNK:
                os.symlink(link, path, dir_fd=target)
            elif kind == stat.S_IFREG:
                _copy_file(source, target, path, mode)
    finally:
        os.close(target)


def _copy_file(source: int, target: int, path: str, mode: int) -> None:
    reading = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=source)
    try:
        writing = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode, dir_fd=target)
        try:
            while chunk := os.read(reading, _CHUNK):
                os.write(writing, chunk)  # a tmpfs writes all of it, or raises
        finally:
            os.close(writing)
    finally:
        os.close(reading)


def _map_own_ids(libc: ctypes.CDLL, uid: int, gid: int) -> str | None:
    """Map this process's user and group ids (uid and gid, outside) to themselves in its user
    namespace (a tmpfs made there can hold only files of mapped ids); why not, or None.

    A worker that gave up root is not dumpable (the kernel's rule after a change of user), and
    then its /proc/self files are root's, which it may not write: it is made dumpable for the
    while, before any student code runs."""
    dumpable = libc.prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0)
    if dumpable != 1:
        libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
    try:
        for name, text in (
            ("setgroups", "deny"),
            ("uid_map", f"{uid} {uid} 1"),
            ("gid_map", f"{gid} {gid} 1"),
        ):
            try:
                write_setting(f"/proc/self/{name}", text)
            except OSError as error:
                return f"could not write /proc/self/{name}: {error.strerror}"
        return None
    finally:
        if dumpable != 1:
            libc.prctl(_PR_SET_DUMPABLE, max(0, dumpable), 0, 0, 0)


def _dropped_capabilities(libc: ctypes.CDLL) -> bool:
    """Drop every capability (effective, permitted, inheritable) for good; whether that worked."""
    header = ctypes.create_string_buffer(struct.pack("=Ii", _CAPABILITY_VERSION_3, 0))
    data = ctypes.create_string_buffer(struct.pack("=6I", 0, 0, 0, 0, 0, 0))
    return libc.capset(header, data) == 0

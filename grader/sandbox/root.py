"""Root given up: a worker of a grader that runs as root (a container, Gradescope) becomes a
user of its own before the other walls go up."""

from __future__ import annotations

import os
import stat

from .protection import Protection

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
    what the grader copied into own readable by every user (once), and a worker started again
    after a time-out or crash takes over what the workers before it made there (_take_over); own
    is the worker's alone (0700). Such a parent is then opened for passing (not listing).
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
            else:
                _take_over(own, worker_id)
            os.chown(own, worker_id, worker_id)
            os.chmod(own, 0o700)
            if scratch:
                os.chmod(parent, 0o711)
        os.setgroups([])
        os.setgid(worker_id)  # for root these set the real, effective and saved ids alike
        os.setuid(worker_id)
    except OSError as error:
        return Protection("not_root", False, f"the worker stays root: giving it up failed ({error})")
    return Protection("not_root", True, "active: the worker runs as a user of its own, not as root")


def _readable_to_all(own: str) -> None:
    """Let every user read the files in own and pass and list its folders (not own itself)."""
    for folder, folders, files in os.walk(own):
        for names, needed in ((folders, stat.S_IROTH | stat.S_IXOTH), (files, stat.S_IROTH)):
            for name in names:
                path = os.path.join(folder, name)
                mode = os.lstat(path).st_mode
                if not stat.S_ISLNK(mode) and mode & needed != needed:
                    os.chmod(path, stat.S_IMODE(mode) | needed)


#: how many entries of own a worker started again looks at, at most, to take over what earlier
#: workers made (a submission that made more has its later files left as they are)
TAKE_OVER_LIMIT = 10_000


def _take_over(own: str, worker_id: int) -> None:
    """Make what earlier workers of this submission made in own this worker's (worker_id's).

    A worker started again after a time-out or crash is a user of its own, and the files the one
    before it made are that one's: student code that writes a file as it is imported (np.save at
    a notebook's top level) would find it unwritable, and its file would not import the second
    time. Only what a worker's user id owns changes hands, and no file that also has a name
    elsewhere (a hard link); the earlier worker is gone, so nothing changes during the walk.
    It is done as far as it goes: whatever student code left (a tree too deep for a path, too
    many files) must not keep the worker from giving up root."""
    seen = 0
    folders = [own]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    seen += 1
                    if seen > TAKE_OVER_LIMIT:
                        return
                    info = entry.stat(follow_symlinks=False)
                    is_folder = stat.S_ISDIR(info.st_mode)
                    if is_folder:
                        folders.append(entry.path)
                    if UNPRIVILEGED_ID_BASE <= info.st_uid != worker_id and (is_folder or info.st_nlink == 1):
                        os.lchown(entry.path, worker_id, worker_id)
        except OSError:
            continue


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

"""What went wrong in a student's file, said in the terms of the student's own files: where
an error was raised, and a hint where Python's message does not teach the cause."""

import errno
import linecache
import os
import re
import resource
import traceback

#: x in `from .x import`, `from pkg.x import`, `import pkg.x` and `from . import x`
OWN_MODULE_IN_A_PACKAGE = re.compile(
    r"^\s*(?:(?:from|import)\s+(?:\.+|[\w.]+\.)(\w+)|from\s+\.+\s*import\s+(\w+))"
)
#: the byte-order marks UTF-16 text starts with (little- and big-endian)
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def import_hint(error, submission):
    """A message that names the cause where Python's does not teach it: an exercise file imported
    through a package, a module that grading cannot import, or a file saved as UTF-16 (Windows
    Notepad's "Unicode"), of which Python only says that the source "cannot contain null bytes"."""
    if isinstance(error, ImportError) and (own := own_module_imported_as_in_a_package(error, submission)):
        return {"message": f"{str(error)[:2000]}: the submission's files are graded side by side, in no "
                f"folder or package, so import the file by its name alone: from {own} import ..."}  # fmt: skip
    if isinstance(error, ModuleNotFoundError) and isinstance(error.name, str) and error.name:
        return {"message": f"{str(error)[:2000]}: grading can import only NumPy, Python's standard library "
                f"and the submission's own files; remove that import, or put {error.name[:100]}.py beside the "
                "exercise files if it is yours"}  # fmt: skip
    if not unreadable_source(error):
        return {}
    for name in sorted(os.listdir(submission)):
        path = os.path.join(submission, name)
        if name.endswith(".py") and os.path.isfile(path):
            with open(path, "rb") as file:
                if message := null_bytes_cause(name, file.read(MAX_SOURCE_READ)):
                    return {"message": message}
    return {}


#: how much of a file null_bytes_cause looks at (exercise files are a few KiB)
MAX_SOURCE_READ = 1 << 20


def null_bytes_cause(name, source):
    """Why the bytes source of the file name hold the NUL bytes Python refuses, or "" if they hold
    none: UTF-16 text, with its byte-order mark or without (then nearly every other byte is 0, as
    in ASCII text saved so), or another NUL, such as those a save cut short by a crash can leave."""
    if b"\0" not in source:
        return ""
    if source[:2] in UTF16_MARKS or looks_like_utf16(source):
        return (f"{name} is saved as UTF-16 text (Notepad's \"Unicode\"), which Python cannot read: "
                "save it again as UTF-8")  # fmt: skip
    line = source.count(b"\n", 0, source.index(b"\0")) + 1
    return (f"{name} holds a NUL byte (a zero byte) on line {line}, which Python source cannot hold: "
            "delete it, or save the file again as plain UTF-8 text")  # fmt: skip


def looks_like_utf16(source):
    """Whether source reads as UTF-16 without a byte-order mark: one of its two byte positions is
    0 in at least nine pairs in ten (ASCII characters saved as UTF-16)."""
    pairs = len(source) // 2
    return pairs >= 4 and any(source[start::2].count(0) >= 0.9 * pairs for start in (0, 1))


def own_module_imported_as_in_a_package(error, submission):
    """The submission's module that the failing line imports relative to a package (from
    .activations, from exercises.activations: the kit's folder, which works in the student's
    own Python started above it), or None."""
    line = ""
    for frame, lineno in own_frames(error.__traceback__, submission):
        line = linecache.getline(frame.f_code.co_filename, lineno)
    found = OWN_MODULE_IN_A_PACKAGE.search(line)
    module = found and (found.group(1) or found.group(2))
    return module if module and os.path.isfile(os.path.join(submission, module + ".py")) else None


def describe(error, submission, importing=False):
    """The type, message and place of an exception of the student's code (importing: with whether
    it came from running the file, and a hint). Reading them runs the exception's own code (its
    __str__, its properties), which may raise in turn: then its type and place alone, so that the
    worker lives on to answer the next call."""
    try:
        described = {
            "type": type(error).__name__,
            "message": str(error)[:2000] + disk_hint(error, submission),
            "where": where(error.__traceback__, submission, error),
        }
        if importing:
            described.update(ran=raised_by_running(error), **import_hint(error, submission))
        return described
    except BaseException:  # noqa: BLE001 - whatever the student's exception raises
        return {
            "type": TYPE_NAME.__get__(type(error)),  # not through a metaclass of the student's
            "message": UNREADABLE,
            "where": where(error.__traceback__, submission),
            **({"ran": True} if importing else {}),
        }


TYPE_NAME = type.__dict__["__name__"]
UNREADABLE = "(its message could not be read: reading it raised in turn)"


#: what a write fails with when it meets the worker's limits: its own disk full, a file too large
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def disk_hint(error, submission):
    """For a write that met the worker's limits, what they are (Python says only "No space left
    on device" or "File too large", of a disk the student cannot see); otherwise ""."""
    if not isinstance(error, OSError) or error.errno not in DISK_FULL:
        return ""
    per_file = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    limits = [] if per_file == resource.RLIM_INFINITY else [f"of at most {per_file / 2**20:.0f} MiB each"]
    own_disk = os.path.ismount(submission)  # its tmpfs (sandbox.bound_disk), mounted on the folder
    if own_disk:
        disk = os.statvfs(submission)
        limits.append(f"{disk.f_blocks * disk.f_frsize / 2**20:.0f} MiB in all")
    if not limits:
        return ""
    where = ", in its own folder, which is gone afterwards" if own_disk else ""
    return f": code being graded may write files {' and '.join(limits)}{where}"


def where(tb, submission, error=None):
    if isinstance(error, SyntaxError) and error.filename:
        return f"{os.path.basename(error.filename)}:{error.lineno}"
    place = ""
    for frame, lineno in own_frames(tb, submission):
        place = f"{os.path.basename(frame.f_code.co_filename)}:{lineno} in {frame.f_code.co_name}"
    return place


def own_frames(tb, submission):
    """(frame, line number) of each level of tb that is in one of the submission's files."""
    own = os.path.realpath(submission)
    for frame, lineno in traceback.walk_tb(tb):
        filename = frame.f_code.co_filename
        # "<frozen importlib._bootstrap>": its dirname "" is the cwd
        if not filename.startswith("<") and os.path.dirname(os.path.realpath(filename)) == own:
            yield frame, lineno


def unreadable_source(error):
    """Whether error is Python's for a file that is not source text it can read: "null bytes", as
    a file saved as UTF-16 holds (a SyntaxError here, a ValueError in some Python versions)."""
    return isinstance(error, (SyntaxError, ValueError)) and "null bytes" in str(error)


def raised_by_running(error):
    """Whether error came from code that ran on import (a file's top level, or what it called), not
    from reading a file (a syntax error, unreadable_source) or finding a module. (The import system
    takes its own frames out of tracebacks, so they cannot tell.)"""
    return not (isinstance(error, (SyntaxError, ImportError)) or unreadable_source(error))

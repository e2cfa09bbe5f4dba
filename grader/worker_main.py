"""The worker process that runs a student's code: serve() is what it does.

Forked by the zygote (grader/zygote_main.py, started by grader/worker_zygote.py), which has
imported NumPy once for all the workers it forks. A worker puts itself behind the walls of
grader/sandbox/ (namespaces, Landlock, seccomp), takes its resource limits, then cuts the import
path down to the submission and the standard library, so neither the grader package, the
reference solutions nor the hidden tests can be imported by name, let alone read. Its first
message reports which walls stand; that is sent before any student code exists in the
process. It then answers call requests one at a time until its request pipe closes.
Everything it sends back goes through wire.encode, so only plain data leaves this process.

This file is not imported by the grader; the zygote loads it by path, and it is given the
wire, probe_functions and sandbox modules the zygote loaded the same way.
"""

import importlib
import importlib.machinery
import importlib.util
import inspect
import io
import linecache
import os
import re
import resource
import sys
import time
import traceback
import warnings

import numpy as np

MAX_CAPTURE = 16_000
#: x in `from .x import`, `from pkg.x import`, `import pkg.x` and `from . import x`
OWN_MODULE_IN_A_PACKAGE = re.compile(
    r"^\s*(?:(?:from|import)\s+(?:\.+|[\w.]+\.)(\w+)|from\s+\.+\s*import\s+(\w+))"
)
#: the byte-order marks UTF-16 text starts with (little- and big-endian)
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def restrict_imports(submission, stdlib_path):
    """Keep the submission and the standard library (stdlib_path) on the path; drop site-packages
    and finders."""
    sys.path[:] = [submission] + stdlib_path
    standard = (
        importlib.machinery.BuiltinImporter,
        importlib.machinery.FrozenImporter,
        importlib.machinery.PathFinder,
    )
    sys.meta_path[:] = [finder for finder in sys.meta_path if finder in standard]
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()


class NotRunAgain(BaseException):
    """Raised in place of a function the grader no longer runs (it timed out twice). A
    BaseException, so that `except Exception` in student code lets it through."""


def not_run_again(name):
    def stopped(*args, **kwargs):
        raise NotRunAgain(name)

    stopped.__name__ = name
    return stopped


class Worker:
    def __init__(self, submission, wire, probes, stopped=(), plan=None):
        """plan: the zygote's decoded call plan (see held_plan), or None."""
        self.submission = submission
        self.wire = wire
        self.probes = probes
        self.modules = {}
        self.stopped = [tuple(pair) for pair in stopped]
        self.plan = list(plan) if plan is not None else None

    def call_of(self, request):
        """(module, function, args, kwargs, repeat) of a request: a planned call by its index (each
        taken once: its arguments are the zygote's copy, which the call may change), else decoded."""
        if "planned" not in request:
            return decoded_call(request, self.wire)
        index = request["planned"]
        if self.plan is None or type(index) is not int or not 0 <= index < len(self.plan):
            raise ValueError(f"no planned call {index!r}")
        call, self.plan[index] = self.plan[index], None
        if call is None:
            raise ValueError(f"planned call {index} was already taken")
        return call

    def stop_hanging_functions(self):
        """Replace each function the grader stopped running (module, name) by one that raises
        NotRunAgain at once, before any other module can import it: a call that reaches it
        then fails at once instead of hanging until its time limit."""
        while self.stopped:
            module_name, function = self.stopped.pop()
            module = self.module(module_name)
            if not isinstance(module, dict) and callable(getattr(module, function, None)):
                setattr(module, function, not_run_again(function))

    def module(self, name):
        if name not in self.modules:
            self.modules[name] = self._import(name)
        return self.modules[name]

    def _import(self, name):
        if not os.path.isfile(os.path.join(self.submission, name + ".py")):
            return {"kind": "missing_file", "type": "", "message": f"{name}.py is missing"}
        try:
            with captured_output(PrintedWhileImporting(name)):
                return importlib.import_module(name)
        except BaseException as error:  # noqa: BLE001 - anything the student's import raises
            return {
                "kind": "import",
                **self.describe(error),
                "ran": raised_by_running(error),
                **self.import_hint(error),
            }

    def import_hint(self, error):
        """A message that names the cause where Python's does not teach it: an exercise file imported
        through a package, a module that grading cannot import, or a file saved as UTF-16 (Windows
        Notepad's "Unicode"), of which Python only says that the source "cannot contain null bytes"."""
        if isinstance(error, ImportError) and (own := self.own_module_imported_as_in_a_package(error)):
            return {"message": f"{str(error)[:2000]}: the submission's files are graded side by side, in no "
                    f"folder or package, so import the file by its name alone: from {own} import ..."}  # fmt: skip
        if isinstance(error, ModuleNotFoundError) and isinstance(error.name, str) and error.name:
            return {"message": f"{str(error)[:2000]}: grading can import only NumPy, Python's standard library "
                    f"and the submission's own files; remove that import, or hand in {error.name[:100]}.py if "
                    "it is yours"}  # fmt: skip
        if not unreadable_source(error):
            return {}
        for name in sorted(os.listdir(self.submission)):
            path = os.path.join(self.submission, name)
            if name.endswith(".py") and os.path.isfile(path):
                with open(path, "rb") as file:
                    if file.read(2) in UTF16_MARKS:
                        return {"message": f"{name} is saved as UTF-16 text (Notepad's \"Unicode\"), which "
                                f"Python cannot read: save it again as UTF-8"}  # fmt: skip
        return {}

    def own_module_imported_as_in_a_package(self, error):
        """The submission's module that the failing line imports relative to a package (from
        .activations, from exercises.activations: the kit's folder, which works in the student's
        own Python started above it), or None."""
        line = ""
        for frame, lineno in self.own_frames(error.__traceback__):
            line = linecache.getline(frame.f_code.co_filename, lineno)
        found = OWN_MODULE_IN_A_PACKAGE.search(line)
        module = found and (found.group(1) or found.group(2))
        return module if module and os.path.isfile(os.path.join(self.submission, module + ".py")) else None

    def describe(self, error):
        return {
            "type": type(error).__name__,
            "message": str(error)[:2000],
            "where": self.where(error.__traceback__, error),
        }

    def where(self, tb, error=None):
        if isinstance(error, SyntaxError) and error.filename:
            return f"{os.path.basename(error.filename)}:{error.lineno}"
        place = ""
        for frame, lineno in self.own_frames(tb):
            place = f"{os.path.basename(frame.f_code.co_filename)}:{lineno} in {frame.f_code.co_name}"
        return place

    def own_frames(self, tb):
        """(frame, line number) of each level of tb that is in one of the submission's files."""
        own = os.path.realpath(self.submission)
        for frame, lineno in traceback.walk_tb(tb):
            filename = frame.f_code.co_filename
            # "<frozen importlib._bootstrap>": its dirname "" is the cwd
            if not filename.startswith("<") and os.path.dirname(os.path.realpath(filename)) == own:
                yield frame, lineno

    def resolve(self, value, before):
        """value with each probe's name replaced by the probe; every list, dict and array in it is
        appended to before with what it holds now (see changed)."""
        if type(value) is dict:
            if set(value) == {"__probe__"}:
                return self.probes.PROBES[value["__probe__"]]
            value = {key: self.resolve(item, before) for key, item in value.items()}
            before.append((value, list(value.items())))
        elif type(value) is list:
            value = [self.resolve(item, before) for item in value]
            before.append((value, list(value)))
        elif type(value) is np.ndarray:
            before.append((value, (value.dtype.str, value.shape, value.tobytes())))
        return value

    def handle(self, request):
        self.stop_hanging_functions()
        module_name, function_name, args, kwargs, repeat = self.call_of(request)
        module = self.module(module_name)
        if isinstance(module, dict):
            return {"ok": False, "error": module}
        function = getattr(module, function_name, None)
        if not callable(function):
            return {
                "ok": False,
                "error": {
                    "kind": "missing_function",
                    "type": "",
                    "message": f"{function_name} is not defined",
                },
            }
        before = []
        args = self.resolve(args, before)
        kwargs = self.resolve(kwargs, before)
        started = time.perf_counter()
        with captured_output() as output, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with np.errstate(over="warn", invalid="warn", divide="warn"):
                    if repeat is None:
                        result = function(*args, **kwargs)
                    else:
                        result = repeated(
                            function, args, kwargs, int(repeat["times"]), *repeat["feed"], repeat.get("keep")
                        )
                error = None
            except BaseException as raised:  # noqa: BLE001 - SystemExit included on purpose
                error = self.describe(raised)
                error["kind"] = "exception"
                if isinstance(raised, NotRunAgain):
                    error["kind"] = "not_run_again"
                    error["stopped"] = str(raised)[:100]
                if isinstance(raised, TypeError) and raised.__traceback__.tb_next is None:
                    error["kind"] = "signature"
                    error["signature"] = signature_text(function)
        response = {
            "ok": error is None,
            "seconds": time.perf_counter() - started,
            "stdout": output.getvalue()[:MAX_CAPTURE],
            "warnings": [f"{w.category.__name__}: {w.message}"[:500] for w in caught[:20]],
        }
        if error is not None:
            response["error"] = error
            return response
        try:
            response["result"] = self.wire.encode(result)
            if not changed(before):
                response["unchanged"] = True  # the grader has the arguments: no need to send them back
            else:
                response["args_after"] = self.wire.encode(without_probes(args))
                response["kwargs_after"] = self.wire.encode(without_probes(kwargs))
        except self.wire.WireError as problem:
            return {
                "ok": False,
                "error": {"kind": "bad_return", "type": "", "message": f"returned {problem}"},
            }
        return response


def unreadable_source(error):
    """Whether error is Python's for a file that is not source text it can read: "null bytes", as
    a file saved as UTF-16 holds (a SyntaxError here, a ValueError in some Python versions)."""
    return isinstance(error, (SyntaxError, ValueError)) and "null bytes" in str(error)


def raised_by_running(error):
    """Whether error came from code that ran on import (a file's top level, or what it called), not
    from reading a file (a syntax error, unreadable_source) or finding a module. (The import system
    takes its own frames out of tracebacks, so they cannot tell.)"""
    return not (isinstance(error, (SyntaxError, ImportError)) or unreadable_source(error))


def decoded_call(request, wire):
    """(module, function, args, kwargs, repeat) of a request, its arguments decoded."""
    decode = wire.decode
    return (request["module"], request["function"], decode(request["args"]),
            decode(request["kwargs"]), request.get("repeat"))  # fmt: skip


def changed(before):
    """Whether any list, dict or array resolve() saw holds something else now. Each container's
    items are compared by identity: an item put in place of another counts as a change even if
    equal, and a change inside an item is found when that item's own entry is checked."""
    for value, held in before:
        kind = type(value)
        if kind is np.ndarray:
            if (value.dtype.str, value.shape, value.tobytes()) != held:
                return True
        else:
            now = list(value.items()) if kind is dict else value
            if len(now) != len(held):
                return True
            for new, old in zip(now, held):
                if kind is dict:
                    if new[0] != old[0] or new[1] is not old[1]:
                        return True
                elif new is not old:
                    return True
    return False


def repeated(function, args, kwargs, times, argument, item, keep=None):
    """[each call's result] of up to `times` calls, each given the previous result's item as
    its argument-th argument (a training loop run here: one message instead of one per step).
    Stops early when a result has no such item. With keep, every result but the last is cut
    down to its item keep (the loss of a training step: the parameters need not travel)."""
    results = []
    for _ in range(times):
        result = function(*args, **kwargs)
        results.append(result)
        try:
            args[argument] = result[item]
        except (TypeError, IndexError, KeyError):
            break
    if keep is not None:
        for index, result in enumerate(results[:-1]):
            try:
                results[index] = result[keep]
            except (TypeError, IndexError, KeyError):
                pass
    return results


def without_probes(value):
    if callable(value):
        return None
    if isinstance(value, dict):
        return {key: without_probes(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_probes(item) for item in value]
    return value


def signature_text(function):
    try:
        return f"{function.__name__}{inspect.signature(function)}"
    except (TypeError, ValueError):
        return ""


class captured_output:
    """Send print() and sys.stderr writes of the student's code to one buffer (or to stream)."""

    def __init__(self, stream=None):
        self.buffer = io.StringIO() if stream is None else stream

    def __enter__(self):
        self.saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.buffer
        return self.buffer

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self.saved
        return False


class PrintedWhileImporting(io.TextIOBase):
    """What a file prints at its top level (a student's own trial runs, say), written at once to
    file descriptor 1, whose output the grader keeps and shows: unbuffered, so that what a file
    printed before it hung is shown too. The first write names the file; MAX_CAPTURE at most.
    (A text stream, as StringIO is: code that asks sys.stdout whether it is a terminal is told no.)"""

    def __init__(self, module):
        super().__init__()
        self.label, self.room = f"[importing {module}.py] ", MAX_CAPTURE

    def write(self, text):
        shown, self.label = (self.label + text)[: self.room], ""
        self.room -= len(shown)
        if shown:
            os.write(1, shown.encode("utf-8", "replace"))
        return len(text)

    def flush(self):
        pass


def wall_in(sandbox, submission, pipe_fds, readable):
    """Apply every protection; return what each one did (sandbox.Protection). readable: what
    sandbox.open_for_rules gave for readable_paths()."""
    protections = sandbox.enter_namespaces(close_in_parent=pipe_fds)
    protections.append(sandbox.restrict_filesystem([submission], readable))
    protections.append(sandbox.block_new_processes())
    return protections


def serve(submission, wire, probes, sandbox, pipes, use_sandbox, stopped, prepared, limits, plan=None):
    """Wall the process in, report the walls, then answer call requests until the pipe closes.
    prepared: what the zygote worked out once for all workers (see Prepared); limits: resource
    limits by LIMITS's names; plan: (identity, decoded calls) of the plan the zygote holds for it."""
    req_fd, resp_fd = pipes
    submission = os.path.realpath(submission)
    user = sandbox.give_up_root(submission, prepared.python_hidden)  # whether or not the walls go up
    sandbox.die_with_parent(prepared.zygote_pid)
    walls = wall_in(sandbox, submission, pipes, prepared.readable) if use_sandbox else []
    protections = [
        {"name": p.name, "active": p.active, "detail": p.detail}
        for p in (*walls, sandbox.confined_root(user, walls))
    ]
    sandbox.close_rules(prepared.readable)
    # set once the walls stand: their rules take more descriptors than a worker may have open
    for name, value in limits.items():
        resource.setrlimit(LIMITS[name], (value, value))
    restrict_imports(submission, prepared.stdlib_path)
    requests = os.fdopen(req_fd, "rb", buffering=1 << 16)  # prefetched requests come many at a time
    responses = os.fdopen(resp_fd, "wb", buffering=0)
    identity, calls = plan or (None, None)
    worker = Worker(submission, wire, probes, stopped, calls)
    wire.write_message(responses, {"ready": True, "protections": protections, "plan": identity})
    while True:
        try:
            request = wire.read_message(requests)
        except EOFError:
            return 0
        try:
            response = worker.handle(request)
        except Exception as problem:  # noqa: BLE001 - a malformed request must not kill the loop
            response = {
                "ok": False,
                "error": {
                    "kind": "bad_return",
                    "type": type(problem).__name__,
                    "message": str(problem)[:2000],
                },
            }
        response["id"] = request.get("id")
        framed = wire.frame(response)
        if len(framed) - wire.HEADER.size > wire.MAX_RESPONSE_BYTES:  # saves sending what is dropped
            framed = wire.frame(wire.too_large_response(response["id"], len(framed) - wire.HEADER.size))
        responses.write(framed)


LIMITS = {
    "memory_bytes": resource.RLIMIT_AS,
    "cpu_seconds": resource.RLIMIT_CPU,
    "file_bytes": resource.RLIMIT_FSIZE,
    "core_bytes": resource.RLIMIT_CORE,
    "open_files": resource.RLIMIT_NOFILE,
}

"""Entry point of the worker process that runs a student's code.

Started by grader/worker.py as
`python -I worker_main.py SUBMISSION WIRE PROBES SANDBOX REQ_FD RESP_FD USE_SANDBOX`.
It imports NumPy, puts itself behind the walls of sandbox.py (namespaces,
Landlock, seccomp), then cuts the import path down to the submission and the
standard library, so neither the grader package, the reference solutions nor
the hidden tests can be imported by name, let alone read. Its first message
reports which walls stand; that is sent before any student code exists in the
process. It then answers call requests one at a time until its request pipe
closes. Everything it sends back goes through wire.encode, so only plain data
leaves this process.

This file is not imported by the grader; it is run by path, and it loads
wire.py, probe_functions.py and sandbox.py by path for the same reason.
"""

import importlib
import importlib.machinery
import importlib.util
import inspect
import io
import os
import sys
import sysconfig
import time
import traceback
import warnings

import numpy as np

MAX_CAPTURE = 16_000


def load_by_path(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def restrict_imports(submission):
    """Keep the submission and the standard library on the path; drop site-packages and finders."""
    stdlib = {os.path.realpath(sysconfig.get_path(key)) for key in ("stdlib", "platstdlib")}
    kept = []
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else entry
        in_stdlib = any(real == root or real.startswith(root + os.sep) for root in stdlib)
        if (in_stdlib or entry.endswith(".zip")) and "site-packages" not in real:
            kept.append(entry)
    sys.path[:] = [submission] + kept
    standard = (
        importlib.machinery.BuiltinImporter,
        importlib.machinery.FrozenImporter,
        importlib.machinery.PathFinder,
    )
    sys.meta_path[:] = [finder for finder in sys.meta_path if finder in standard]
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()


class Worker:
    def __init__(self, submission, wire, probes):
        self.submission = submission
        self.wire = wire
        self.probes = probes
        self.modules = {}

    def module(self, name):
        if name not in self.modules:
            self.modules[name] = self._import(name)
        return self.modules[name]

    def _import(self, name):
        if not os.path.isfile(os.path.join(self.submission, name + ".py")):
            return {"kind": "missing_file", "type": "", "message": f"{name}.py is missing"}
        try:
            with captured_output():
                return importlib.import_module(name)
        except BaseException as error:  # noqa: BLE001 - anything the student's import raises
            return {"kind": "import", **self.describe(error)}

    def describe(self, error):
        return {
            "type": type(error).__name__,
            "message": str(error)[:2000],
            "where": self.where(error.__traceback__, error),
        }

    def where(self, tb, error=None):
        place = ""
        if isinstance(error, SyntaxError) and error.filename:
            return f"{os.path.basename(error.filename)}:{error.lineno}"
        for frame, lineno in traceback.walk_tb(tb):
            filename = frame.f_code.co_filename
            if os.path.dirname(os.path.realpath(filename)) == os.path.realpath(self.submission):
                place = f"{os.path.basename(filename)}:{lineno} in {frame.f_code.co_name}"
        return place

    def resolve(self, value):
        if isinstance(value, dict):
            if set(value) == {"__probe__"}:
                return self.probes.PROBES[value["__probe__"]]
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        return value

    def handle(self, request):
        module = self.module(request["module"])
        if isinstance(module, dict):
            return {"ok": False, "error": module}
        function = getattr(module, request["function"], None)
        if not callable(function):
            return {
                "ok": False,
                "error": {
                    "kind": "missing_function",
                    "type": "",
                    "message": f"{request['function']} is not defined",
                },
            }
        args = self.resolve(self.wire.decode(request["args"]))
        kwargs = self.resolve(self.wire.decode(request["kwargs"]))
        started = time.perf_counter()
        with captured_output() as output, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with np.errstate(over="warn", invalid="warn", divide="warn"):
                    result = function(*args, **kwargs)
                error = None
            except BaseException as raised:  # noqa: BLE001 - SystemExit included on purpose
                error = self.describe(raised)
                error["kind"] = "exception"
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
            response["args_after"] = self.wire.encode(without_probes(args))
            response["kwargs_after"] = self.wire.encode(without_probes(kwargs))
        except self.wire.WireError as problem:
            return {
                "ok": False,
                "error": {"kind": "bad_return", "type": "", "message": f"returned {problem}"},
            }
        return response


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
    """Send print() and sys.stderr writes of the student's code to one buffer."""

    def __enter__(self):
        self.buffer = io.StringIO()
        self.saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.buffer
        return self.buffer

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self.saved
        return False


def readable_paths():
    """What the worker may read once walled in: the standard library (each entry but its
    site-packages), NumPy, and the system's shared libraries; and the standard library's
    folder to list (the importer needs its names; listing reads no file)."""
    paths, listed = [], []
    for key in ("stdlib", "platstdlib"):
        root = sysconfig.get_path(key)
        if os.path.isdir(root):
            listed.append(root)
            paths += [
                os.path.join(root, name)
                for name in os.listdir(root)
                if name not in ("site-packages", "dist-packages")
            ]
    numpy_dir = os.path.dirname(np.__file__)
    paths += [numpy_dir, numpy_dir + ".libs"] + system_libraries()
    return paths, tuple(listed)


def system_libraries():
    """The entries of the system's library folders, but not their Python folders: a grader
    installed system-wide would keep its hidden tests there."""
    entries = set()
    for root in ("/usr/lib", "/lib", "/lib64", "/usr/lib64"):
        real = os.path.realpath(root)
        if os.path.isdir(real):
            entries.update(
                os.path.join(real, name) for name in os.listdir(real) if not name.startswith("python")
            )
    return sorted(entries)


def wall_in(sandbox, submission, pipe_fds):
    """Apply every protection; return what each one did, as plain data."""
    protections = sandbox.enter_namespaces(close_in_parent=pipe_fds)
    readable, listed = readable_paths()
    protections.append(sandbox.restrict_filesystem(readable, [submission], listed))
    protections.append(sandbox.block_new_processes())
    return [{"name": p.name, "active": p.active, "detail": p.detail} for p in protections]


def main(argv):
    submission, wire_path, probes_path, sandbox_path, req_fd, resp_fd, use_sandbox = argv[1:8]
    submission = os.path.realpath(submission)
    wire = load_by_path("_bpg_wire", wire_path)
    probes = load_by_path("_bpg_probes", probes_path)
    protections = []
    if use_sandbox == "1":
        protections = wall_in(
            load_by_path("_bpg_sandbox", sandbox_path), submission, (int(req_fd), int(resp_fd))
        )
    restrict_imports(submission)
    requests = os.fdopen(int(req_fd), "rb", buffering=0)
    responses = os.fdopen(int(resp_fd), "wb", buffering=0)
    worker = Worker(submission, wire, probes)
    wire.write_message(responses, {"ready": True, "protections": protections})
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
        wire.write_message(responses, response)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""The worker process that runs a student's code: serve() is what it does.

Forked by the zygote (grader/zygote_main.py, started by grader/worker_zygote.py), which has
imported NumPy once for all the workers it forks. A worker puts itself behind the walls of
grader/sandbox/ (namespaces, Landlock, seccomp), takes its resource limits, then cuts the import
path down to the submission and the standard library, so neither the grader package, the
reference solutions nor the hidden tests can be imported by name, let alone read. Its first
message reports which walls stand; that is sent before any student code exists in the
process. It then answers call requests one at a time until its request pipe closes.
Everything it sends back goes through wire.encode, so only plain data leaves this process.

This package is not imported by the grader; the zygote loads it by path (its modules import
each other relatively), and it is given the wire, probe_functions and sandbox modules the
zygote loaded the same way. failures.py says what went wrong in the student's terms; calls.py
holds what a call needs around it.
"""

import importlib
import importlib.machinery
import importlib.util
import os
import resource
import sys
import warnings

import numpy as np

from .calls import (
    MAX_CAPTURE,
    PrintedWhileImporting,
    captured_output,
    changed,
    repeated,
    signature_text,
    without_probes,
)
from .failures import describe


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
                **describe(error, self.submission, importing=True),
            }

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
            return failed("missing_function", f"{function_name} is not defined")
        before = []
        args = self.resolve(args, before)
        kwargs = self.resolve(kwargs, before)
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
                error = describe(raised, self.submission)
                error["kind"] = "exception"
                if isinstance(raised, NotRunAgain):
                    error["kind"] = "not_run_again"
                    error["stopped"] = str(raised)[:100]
                if isinstance(raised, TypeError) and raised.__traceback__.tb_next is None:
                    error["kind"] = "signature"
                    error["signature"] = signature_text(function)
        response = {
            "ok": error is None,
            "stdout": output.getvalue()[:MAX_CAPTURE],
            "warnings": [f"{w.category.__name__}: {w.message}"[:500] for w in caught[:20]],
        }
        if error is not None:
            response["error"] = error
            return response
        most = self.wire.MAX_RESPONSE_BYTES  # an array past it could never be sent: not copied out
        try:
            response["result"] = self.wire.encode(result, max_bytes=most)
        except self.wire.TooLarge as problem:
            return failed("too_large", str(problem), response)
        except self.wire.WireError as problem:
            return failed("bad_return", f"returned {problem}", response)
        if not changed(before):
            response["unchanged"] = True  # the grader has the arguments: no need to send them back
            return response
        try:
            response["args_after"] = self.wire.encode(without_probes(args), max_bytes=most)
            response["kwargs_after"] = self.wire.encode(without_probes(kwargs), max_bytes=most)
        except self.wire.WireError as problem:  # too large, too
            return failed("bad_arguments", str(problem), response)
        return response


def failed(kind, message, response=None, error_type=""):
    """A reply that the call failed (kind: call_outcome's StudentFailure kinds); with response, the
    call's own, what it printed and warned of kept."""
    kept = {key: response[key] for key in ("stdout", "warnings")} if response else {}
    return {"ok": False, **kept, "error": {"kind": kind, "type": error_type, "message": message}}


def decoded_call(request, wire):
    """(module, function, args, kwargs, repeat) of a request, its arguments decoded."""
    decode = wire.decode
    return (request["module"], request["function"], decode(request["args"]),
            decode(request["kwargs"]), request.get("repeat"))  # fmt: skip


def wall_in(sandbox, submission, pipe_fds, readable, disk_bytes, tasks):
    """Apply every protection; return what each one did (sandbox.Protection). readable: what
    sandbox.open_for_rules gave for readable_paths(); disk_bytes: what student code may write;
    tasks: the most processes and threads it may have (also RLIMIT_NPROC, set later)."""
    ids = os.geteuid(), os.getegid()  # inside the user namespace they read as the overflow id
    protections = sandbox.enter_namespaces(close_in_parent=pipe_fds, tasks=tasks)
    protections.append(sandbox.bound_disk(submission, disk_bytes, ids if protections[0].active else None))
    protections.append(sandbox.restrict_filesystem([submission], readable))
    protections.append(sandbox.block_new_processes())
    return protections


def serve(submission, wire, probes, sandbox, pipes, use_sandbox, stopped, prepared, limits, plan=None):
    """Wall the process in, report the walls, then answer call requests until the pipe closes.
    prepared: what the zygote worked out once for all workers (see Prepared); limits: resource
    limits by LIMITS's names, and disk_bytes (sandbox.bound_disk's room); plan: (identity,
    decoded calls) of the plan the zygote holds for it."""
    req_fd, resp_fd = pipes
    submission = os.path.realpath(submission)
    user = sandbox.give_up_root(submission, prepared.python_hidden)  # whether or not the walls go up
    sandbox.die_with_parent(prepared.zygote_pid)
    limits = dict(limits)
    disk_bytes = limits.pop("disk_bytes")
    walls = (
        wall_in(sandbox, submission, pipes, prepared.readable, disk_bytes, limits.get("tasks"))
        if use_sandbox
        else []
    )
    protections = [
        {"name": p.name, "active": p.active, "detail": p.detail}
        for p in (*walls, sandbox.confined_root(user, walls))
    ]
    sandbox.close_rules(prepared.readable)
    # set once the walls stand: their rules take more descriptors than a worker may have open
    for name, value in limits.items():
        _, hard = resource.getrlimit(LIMITS[name])
        # a lower hard limit (a shared server's nproc in limits.conf) stands: raising it would fail
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
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
            described = describe(problem, submission)  # it may be the student's: its own code may raise
            message = described["message"] or f"could not be answered ({described['type']})"
            response = failed("bad_return", message, error_type=described["type"])
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
    # counted per user namespace (Linux 5.14 and newer): the worker's threads; root is exempt
    "tasks": resource.RLIMIT_NPROC,
}

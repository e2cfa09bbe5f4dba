"""Entry point of the worker zygote: one process that has paid for NumPy and forks a fresh
worker per submission.

Started by grader/worker_zygote.py as `python -I zygote_main.py WIRE PROBES SANDBOX WORKER
CONTROL_FD` with a scrubbed environment, it loads wire.py, probe_functions.py, sandbox/ and
worker_main/ by path (this file is not imported by the grader either), works out once what
every worker's walls need (Prepared), and then forks a worker on each request from the grader
(see zygote()). The forked child runs worker_main.serve; the zygote itself never imports or
runs anything of a submission.
"""

import gc
import importlib.util
import json
import os
import select
import signal
import socket
import struct
import sys
import sysconfig

import numpy as np


def load_by_path(name, path):
    """The module at path, imported under name; a package's __init__.py brings its package (whose
    modules import each other relatively, so under name too)."""
    package = [os.path.dirname(path)] if os.path.basename(path) == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=package)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def standard_library_path():
    """The entries of sys.path that are the standard library's (no site-packages)."""
    stdlib = {os.path.realpath(sysconfig.get_path(key)) for key in ("stdlib", "platstdlib")}
    kept = []
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else entry
        in_stdlib = any(real == root or real.startswith(root + os.sep) for root in stdlib)
        if (in_stdlib or entry.endswith(".zip")) and "site-packages" not in real:
            kept.append(entry)
    return kept


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


def python_folders(stdlib_roots, stdlib_path):
    """What a worker that gave up root must still read as another user (sandbox.give_up_root):
    the standard library's folders and NumPy's."""
    return [*stdlib_roots, *(entry for entry in stdlib_path if entry), os.path.dirname(np.__file__)]


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


class Prepared:
    """What every worker needs and the zygote works out once: the paths a worker may read, opened
    for its Landlock rules (each worker closes its inherited copies once walled in), the
    standard library's entries of sys.path, whether other users can read Python and NumPy, and
    the zygote's pid (a worker's parent)."""

    def __init__(self, sandbox):
        self.zygote_pid = os.getpid()
        paths, listed = readable_paths()
        self.readable = sandbox.open_for_rules(paths, listed)
        self.stdlib_path = standard_library_path()
        self.python_hidden = sandbox.hidden_from_others(python_folders(listed, self.stdlib_path))


def zygote(control_fd, wire, probes, sandbox, worker):
    """Fork a worker for every request on the control socket; report each one's exit status.

    A request is a JSON object (submission, scratch, limits, sandbox, and the plan it should
    hold, if any) sent with four file descriptors: the worker's request and response pipes, its
    output pipe and a status pipe that only this process keeps. The reply is the worker's pid.
    When a worker ends, its wait status (4 bytes) is written to its status pipe, which is then
    closed. {"hold_plan": identity} with one descriptor, a file with a call plan, asks the zygote
    to keep that plan decoded for the workers to come (see hold_plan). The zygote never runs
    student code: a worker is forked before anything of the submission is read.
    """
    control = socket.socket(fileno=control_fd)
    prepared = Prepared(sandbox)
    # Objects that exist now are never collected: moving them out of the collector's reach keeps
    # a worker's garbage collections from writing to (and so copying) the pages they share with this process.
    gc.freeze()
    wake_read, wake_write = os.pipe()
    for fd in (wake_read, wake_write):
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    status_fds = {}
    plans = {}
    while True:
        try:
            ready, _, _ = select.select([control, wake_read], [], [])
        except InterruptedError:
            continue
        if wake_read in ready:
            drain(wake_read)
            reap(status_fds)
        if control not in ready:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(control, 65536, 4)
        except OSError:
            data, fds = b"", []
        if not data:
            return 0  # the grader has gone
        if len(fds) == 1:  # a call plan to hold for the workers to come
            control.sendall(json.dumps({"holds": hold_plan(data, fds[0], wire, worker, plans)}).encode())
            continue
        if len(fds) != 4:
            for fd in fds:
                os.close(fd)
            control.sendall(b"{}")
            continue
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                control.close()
                for fd in (wake_read, wake_write, fds[3], *status_fds.values()):
                    os.close(fd)
                request = json.loads(data)
                plan = request.get("plan")
                code = forked_worker(
                    request, fds[0], fds[1], fds[2], (wire, probes, sandbox, worker), prepared,
                    (plan, plans[plan]) if plan in plans else None,
                )  # fmt: skip
            finally:
                os._exit(code)
        for fd in fds[:3]:
            os.close(fd)
        status_fds[pid] = fds[3]
        control.sendall(json.dumps({"pid": pid}).encode())


def hold_plan(data, fd, wire, worker, plans):
    """Read a call plan (a JSON list of requests) from fd and keep it decoded in plans under the
    identity data names ({"hold_plan": identity}), the last few only; the identity, or None if
    the plan could not be read."""
    try:
        with os.fdopen(fd, "rb") as text:
            identity = json.loads(data)["hold_plan"]
            plans[identity] = [worker.decoded_call(request, wire) for request in json.loads(text.read())]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    while len(plans) > 4:
        del plans[next(iter(plans))]
    return identity


def drain(fd):
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


def reap(status_fds):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd = status_fds.pop(pid, None)
        if fd is not None:
            try:
                os.write(fd, struct.pack("=i", status))
            except OSError:
                pass
            os.close(fd)


def forked_worker(request, req_fd, resp_fd, out_fd, parts, prepared, plan):
    """In the forked child: what a process started by subprocess would get, then worker_main.serve.
    parts: the wire, probe_functions, sandbox and worker_main modules."""
    wire, probes, sandbox, worker = parts
    os.setsid()
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.close(out_fd)
    scratch = request["scratch"]
    os.chdir(scratch)
    os.environ["HOME"] = os.environ["TMPDIR"] = scratch
    return worker.serve(
        request["submission"],
        wire,
        probes,
        sandbox,
        (req_fd, resp_fd),
        request["sandbox"],
        request.get("stopped", ()),
        prepared,
        request["limits"],
        plan,
    )


def main(argv):
    if len(argv) != 6:
        sys.stderr.write("usage: zygote_main.py WIRE PROBES SANDBOX WORKER CONTROL_FD\n")
        return 2
    wire_path, probes_path, sandbox_path, worker_path, control_fd = argv[1:6]
    wire = load_by_path("_bpg_wire", wire_path)
    probes = load_by_path("_bpg_probes", probes_path)
    sandbox = load_by_path("_bpg_sandbox", sandbox_path)
    worker = load_by_path("_bpg_worker", worker_path)
    return zygote(int(control_fd), wire, probes, sandbox, worker)


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stderr.flush()
    os._exit(code)  # no teardown of NumPy and the held plans: the grader may be waiting for this exit

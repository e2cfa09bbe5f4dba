"""What `grade` says about its protections, on this kernel and on one that lacks some."""

import ctypes
import dataclasses
import json
import os
import re
import resource
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import EXAMPLES, FAST_LIMITS, KEYCTL, REFERENCE, REPO, cli, copy_reference, dig, in_child

from grader import sandbox, zygote_main
from grader.scratch import remove_tree
from grader.student import StudentSession

OLD_KERNEL = [sys.executable, str(Path(__file__).parent / "helpers" / "old_kernel.py")]
CORRECT = str(EXAMPLES / "correct")
LACKING = {"user_namespace", "network", "pid_namespace", "disk", "filesystem"}


def _python_hidden() -> str | None:
    _, roots = zygote_main.readable_paths()
    return sandbox.hidden_from_others(zygote_main.python_folders(roots, zygote_main.standard_library_path()))


#: whether a worker here stays root when no wall stands: the grader runs as root and other users
#: cannot read the Python it runs on (a pyenv under /root, say), so no other user could run it
ROOT_STAYS = os.geteuid() == 0 and _python_hidden() is not None
MISSING = LACKING | ({"not_root"} if ROOT_STAYS else set())

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the sandbox is built from Linux features"
)


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), capture_output=True, text=True, timeout=120)


def test_json_names_every_protection_with_its_state():
    report = json.loads(run(*cli("grade", CORRECT, "--format", "json")).stdout)
    assert set(report["sandbox"]) == LACKING | {"processes", "not_root"}
    assert report["sandbox"]["not_root"]["active"]
    assert report["sandbox"]["filesystem"]["detail"].startswith("active: Landlock ABI")
    assert report["sandbox"]["disk"] == {
        "active": True,
        "detail": "active: its folder is a tmpfs of its own, with 64 MiB of room",
    }


def test_without_namespaces_and_landlock_grading_still_works_and_says_what_is_missing():
    completed = run(*OLD_KERNEL, *cli("grade", CORRECT, "--format", "json"))
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["percent"] == 100.0
    sandbox = report["sandbox"]
    assert {name for name, p in sandbox.items() if not p["active"]} == MISSING
    assert sandbox["filesystem"]["detail"] == "Landlock is not available in this kernel"
    assert "Function not implemented" in sandbox["user_namespace"]["detail"]
    assert sandbox["disk"]["detail"] == "needs the user namespace, which is not active"
    assert sandbox["processes"]["active"]


def test_the_text_report_warns_when_protections_are_missing():
    completed = run(*OLD_KERNEL, *cli("grade", CORRECT))
    assert completed.returncode == 0, completed.stderr
    text = " ".join(completed.stdout.split())  # undo the line wrapping
    assert "filesystem ✗ (Landlock is not available in this kernel)" in text
    assert "processes ✓" in text
    assert f"{len(MISSING)} protection(s) missing" in text


def test_require_sandbox_turns_a_missing_protection_into_exit_2():
    completed = run(*OLD_KERNEL, *cli("grade", CORRECT, "--require-sandbox", "--format", "json"))
    assert completed.returncode == 2
    assert completed.stdout == ""
    error = completed.stderr.strip()
    assert len(error.splitlines()) == 1 and "Traceback" not in error
    assert "filesystem is not active (Landlock is not available in this kernel)" in error
    assert "leave out --require-sandbox" in error


def test_require_sandbox_passes_where_every_protection_stands():
    completed = run(*cli("grade", CORRECT, "--require-sandbox"))
    assert completed.returncode == 0, completed.stderr
    assert "protection(s) missing" not in completed.stdout


def test_grade_all_with_require_sandbox_stops_before_grading_anyone(tmp_path):
    book = tmp_path / "gradebook.sqlite"
    completed = run(
        *OLD_KERNEL, *cli("grade-all", str(EXAMPLES), "--gradebook", str(book), "--require-sandbox")
    )
    assert completed.returncode == 2
    assert "filesystem is not active" in completed.stderr and "Traceback" not in completed.stderr
    assert not book.exists()


def test_a_writable_folder_that_cannot_be_opened_leaves_the_filesystem_wall_down_and_says_so(tmp_path):
    """Without its rule the worker could not read its own submission, and every test would blame
    the student; the report says instead which folder could not be opened (and nothing is walled)."""
    missing = tmp_path / "no such folder"
    code = (
        "from grader.sandbox import restrict_filesystem\n"
        f"protection = restrict_filesystem([{str(missing)!r}])\n"
        "print(protection.active, protection.detail)\n"
        "print(len(open(__import__('sys').executable, 'rb').read(16)))\n"  # still readable: no wall
    )
    completed = run(sys.executable, "-c", code)
    assert completed.returncode == 0, completed.stderr
    first, second = completed.stdout.splitlines()
    assert first == f"False could not open {missing} for its rule: No such file or directory"
    assert second == "16"


def attempt(action) -> str:
    try:
        action()
    except OSError as error:
        return type(error).__name__
    return "done"


def test_behind_the_seccomp_filter_no_socket_io_uring_keyring_watch_trace_or_mount_can_be_used_but_threads_run(
    tmp_path,
):
    """Landlock lets a connect() to a Unix socket with a path through, and the network namespace
    does not hold those; an io_uring would make sockets past the filter, which does not see its
    operations. Keyrings are in no namespace, and a watch on a walled-off folder sees its files
    opened. Where no pid namespace and no Landlock stand, a worker could read the grader's memory.
    A namespace of its own would let student code mount a tmpfs of any size (memory no limit
    counts) or, without Landlock, unmount the worker's; System V segments and memfds hold memory
    that the worker's limit does not count either. Threads must still work: NumPy starts them."""

    def walled() -> str:
        protection = sandbox.block_new_processes()
        libc = ctypes.CDLL(None, use_errno=True)
        ring = libc.syscall(_IO_URING_SETUP, 8, ctypes.create_string_buffer(120))
        ring_error = os.strerror(ctypes.get_errno())
        keyring = libc.syscall(KEYCTL, 0, -3, 0)  # the session keyring's id
        keyring_error = os.strerror(ctypes.get_errno())
        watch = libc.inotify_add_watch(libc.inotify_init1(0), str(REPO / "reference").encode(), 0xFFF)
        watch_error = os.strerror(ctypes.get_errno())
        copied = ctypes.create_string_buffer(len(parents_secret))
        local = _IoVec(ctypes.cast(copied, ctypes.c_void_p), len(parents_secret))
        remote = _IoVec(ctypes.cast(parents_secret, ctypes.c_void_p), len(parents_secret))  # same address
        read = libc.process_vm_readv(os.getppid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
        read_error = os.strerror(ctypes.get_errno())
        unshared = libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS)
        unshare_error = os.strerror(ctypes.get_errno())
        mounted = libc.mount(b"tmpfs", bytes(mount_point), b"tmpfs", 0, None)
        mount_error = os.strerror(ctypes.get_errno())
        if mounted == 0:  # the filter failed: take the tmpfs away again before the test says so
            libc.umount2(bytes(mount_point), 0)
        system_v = [libc.shmget(0, 4096, 0o1600), libc.semget(0, 1, 0o1600), libc.msgget(0, 0o1600)]
        system_v_error = os.strerror(ctypes.get_errno())
        thread = threading.Thread(target=lambda: None)
        return " ".join(
            [
                str(protection.active),
                attempt(lambda: socket.socket(socket.AF_UNIX)),
                attempt(lambda: socket.socket(socket.AF_INET)),
                attempt(socket.socketpair),
                "io_uring: " + ("made" if ring >= 0 else ring_error),
                "keyring: " + ("found" if keyring >= 0 else keyring_error),
                "watch: " + ("set" if watch >= 0 else watch_error),
                "the parent's memory: " + (copied.raw.decode() if read >= 0 else read_error),
                "namespaces: " + ("made" if unshared == 0 else unshare_error),
                "mount: " + ("made" if mounted == 0 else mount_error),
                "System V IPC: " + ("made" if max(system_v) >= 0 else system_v_error),
                "memfd: " + attempt(lambda: os.memfd_create("held")),
                attempt(lambda: (thread.start(), thread.join())),
            ]
        )

    parents_secret = ctypes.create_string_buffer(b"the-reference's-results", 23)
    mount_point = os.fsencode(tmp_path)
    assert in_child(walled) == (
        "True PermissionError PermissionError PermissionError io_uring: Operation not permitted "
        "keyring: Operation not permitted watch: Operation not permitted "
        "the parent's memory: Operation not permitted namespaces: Operation not permitted "
        "mount: Operation not permitted System V IPC: Operation not permitted memfd: PermissionError done"
    )


_IO_URING_SETUP = 425  # the same number on every architecture
_CLONE_NEWUSER, _CLONE_NEWNS = 0x10000000, 0x00020000


def session_of_reference_with(tmp_path: Path, code: str, **limits: int) -> StudentSession:
    """A session (not yet started) on a copy of reference/ with code added to backprop.py, its
    worker's limits FAST_LIMITS with limits changed."""
    folder = copy_reference(tmp_path / "submission")
    with open(folder / "backprop.py", "a") as source:
        source.write(code)
    return StudentSession(folder, dataclasses.replace(FAST_LIMITS, **limits))


#: backprop.py's squared_error, made to write files of 1 MiB until the disk refuses; it answers
#: what it wrote, how many such files it found when it began, what it read back of the first one,
#: and its effective capabilities (their low word)
FILLER = """

def squared_error(y_hat, y):
    import ctypes, os, struct
    found = len([name for name in os.listdir(".") if name.startswith("filler-")])
    written = 0
    try:
        for i in range(64):
            with open(f"filler-{i}", "wb", buffering=0) as out:
                written += out.write(b"x" * (1 << 20))
    except OSError:
        pass
    with open("filler-0", "rb") as back:
        read_back = len(back.read())
    header = ctypes.create_string_buffer(struct.pack("=Ii", 0x20080522, 0))
    data = ctypes.create_string_buffer(24)
    ctypes.CDLL(None).capget(header, data)
    return [float(written), float(found), float(read_back), float(struct.unpack("=6I", data.raw)[0])]
"""


def test_student_code_writes_only_its_room_on_a_disk_of_its_own_and_each_worker_starts_clean(tmp_path):
    """Student code could once fill the file system the grader shares with its gradebook and the
    other submissions, with files of up to 16 MiB each until its time ran out (4.5 GB in two
    time-outs of 3 s here). Its folder is now a tmpfs with room for disk_bytes; what it writes
    there is readable to it, never reaches the grader's copy, and is gone with the worker."""
    room = 4 * 2**20
    session = session_of_reference_with(tmp_path, FILLER, disk_bytes=room)
    folder = session.submission
    try:
        first = session.call("squared_error", np.zeros((1, 1)), np.zeros((1, 1)))
        on_disk = sorted(path.name for path in folder.iterdir())
        session.close()  # the next call starts another worker, as after a time-out
        second = session.call("squared_error", np.zeros((1, 1)), np.zeros((1, 1)))
    finally:
        session.finish()
    assert first.failure is None and second.failure is None
    for written, _, read_back, capabilities in (first.result, second.result):
        assert room - 2**16 <= written <= room, "the room and no more"
        assert read_back == 2**20, "what it wrote, it reads back"
        assert capabilities == 0, "the user namespace's capabilities dropped"
    assert (first.result[1], second.result[1]) == (0, 0), "each worker begins with the copy as handed in"
    assert on_disk == sorted(path.name for path in REFERENCE.glob("*.py")), (
        "nothing written to the grader's copy"
    )


class _IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("length", ctypes.c_size_t)]


@pytest.fixture
def scratch_folder():
    """A folder laid out as grading lays out a submission's: scratch/submission beside scratch/unpacked."""
    scratch = Path(tempfile.mkdtemp(prefix=sandbox.SCRATCH_PREFIX))
    (scratch / "unpacked").mkdir(mode=0o700)
    (scratch / "unpacked" / "answers.toml").write_text("id = 'the grader's copy'\n")
    (scratch / "submission").mkdir()
    (scratch / "submission" / "backprop.py").write_text("# the student's\n")
    (scratch / "submission" / "backprop.py").chmod(0o600)  # as the grader's copy is under umask 077
    yield scratch
    remove_tree(scratch)  # a test digs a tree too deep for shutil.rmtree


@pytest.mark.skipif(os.geteuid() != 0, reason="only a grader running as root gives root up")
def test_a_worker_of_a_grader_running_as_root_becomes_a_user_of_its_own(scratch_folder, tmp_path):
    """In a container the grader runs as root, and where no Landlock stands root reads and writes
    every file of the grader's: its code, the reference, the hidden tests."""
    grader_file = tmp_path / "reference.py"
    grader_file.write_text("def solution(): ...\n")
    grader_file.chmod(0o644)
    root_only = tmp_path / "key.toml"
    root_only.write_text("secret\n")
    root_only.chmod(0o600)
    own = scratch_folder / "submission"

    def give_up_and_try() -> str:
        user = sandbox.give_up_root(str(own), None)
        tries = {
            "write the grader's file": lambda: open(grader_file, "a").close(),
            "read a file of root's alone": lambda: open(root_only).close(),
            "read the grader's unpacked copy": lambda: os.listdir(scratch_folder / "unpacked"),
            "read its own files": lambda: [open(own / name).close() for name in os.listdir(own)],
            "write its own folder": lambda: open(own / f"notes-{os.getpid()}.txt", "w").close(),
            "become root again": lambda: os.setuid(0),
        }
        return json.dumps([user.active, user.detail, os.getuid(), {k: attempt(v) for k, v in tries.items()}])

    expected = {
        "write the grader's file": "PermissionError",
        "read a file of root's alone": "PermissionError",
        "read the grader's unpacked copy": "PermissionError",
        "read its own files": "done",
        "write its own folder": "done",
        "become root again": "PermissionError",
    }
    active, detail, uid, tries = json.loads(in_child(give_up_and_try))
    assert active and uid >= sandbox.UNPRIVILEGED_ID_BASE
    assert detail == "active: the worker runs as a user of its own, not as root"  # the same in every report
    assert tries == expected
    # a worker started again (after a time-out) takes the folder over and reads what the first wrote
    again, _, uid_again, tries_again = json.loads(in_child(give_up_and_try))
    assert again and uid_again != uid and tries_again == expected
    uid = uid_again
    assert own.stat().st_uid == uid and stat.S_IMODE(own.stat().st_mode) == 0o700
    assert (own / "backprop.py").stat().st_mode & stat.S_IROTH, (
        "the grader's copy, readable in the worker's folder"
    )
    assert stat.S_IMODE(scratch_folder.stat().st_mode) == 0o711, "passable, not listable"
    assert grader_file.read_text() == "def solution(): ...\n"


#: backprop.py's squared_error, made to write y_hat[0, 0] MiB into one file (y[0, 0] == 1) or into
#: files of 1 MiB each, once it has removed what it wrote before
WRITER = """

def squared_error(y_hat, y):
    import os
    for name in os.listdir("."):
        if name.startswith("written-"):
            os.remove(name)
    size, one_file = int(y_hat[0, 0]), y[0, 0] == 1
    for i in range(1 if one_file else size):
        with open(f"written-{i}", "wb") as out:
            out.write(b"x" * ((size if one_file else 1) << 20))
    return 0.0
"""


def test_a_write_that_meets_the_limits_says_what_they_are(tmp_path):
    """Python says only "File too large" or "No space left on device", of a disk the student
    cannot see."""
    session = session_of_reference_with(tmp_path, WRITER, disk_bytes=24 * 2**20)
    try:
        too_large = session.call("squared_error", np.full((1, 1), 20.0), np.ones((1, 1)))
        no_room = session.call("squared_error", np.full((1, 1), 30.0), np.zeros((1, 1)))
        fits = session.call("squared_error", np.full((1, 1), 12.0), np.ones((1, 1)))
    finally:
        session.finish()
    limits = "code being graded may write files of at most 16 MiB each and 24 MiB in all, in its own folder"
    assert too_large.failure is not None and f"File too large: {limits}" in too_large.failure.message
    assert no_room.failure is not None and f"No space left on device: {limits}" in no_room.failure.message
    assert fits.failure is None


#: backprop.py's squared_error, made to start up to 600 threads (small ones, to be many before its
#: memory limit); it answers how many it started
THREADS = """

def squared_error(y_hat, y):
    import threading
    threading.stack_size(32768)
    gate = threading.Event()
    started = 0
    try:
        for _ in range(600):
            threading.Thread(target=gate.wait, daemon=True).start()
            started += 1
    except RuntimeError:
        pass
    gate.set()
    return float(started)
"""


def test_student_code_starts_no_more_threads_than_its_task_limit(tmp_path):
    """Every thread takes a process id of the whole machine, and this one has 32768 of them: a
    worker once started threads until its memory limit (some 58,000 of 32 KiB), which would leave
    no process id for anyone. Its PID namespace holds at most `tasks` of them where the kernel
    keeps a pid_max per namespace (the report says so), and RLIMIT_NPROC bounds a worker that is
    not root."""
    session = session_of_reference_with(tmp_path, THREADS, tasks=400)
    try:
        pid_namespace = {p.name: p for p in session.wait_ready()}["pid_namespace"]
        started = session.call("squared_error", np.zeros((1, 1)), np.zeros((1, 1)))
    finally:
        session.finish()
    assert started.failure is None
    claimed = pid_namespace.detail.endswith(", which holds at most 400 processes and threads")
    kernel = tuple(int(part) for part in re.match(r"(\d+)\.(\d+)", os.uname().release).groups())
    assert claimed == (kernel >= (6, 14)), pid_namespace.detail
    assert started.result >= 300, "threads still work"
    if claimed or not ROOT_STAYS:  # RLIMIT_NPROC does not hold root back
        assert started.result < 400, "up to the limit and no further"


def test_a_grader_with_a_lower_hard_limit_grades_within_it():
    """A shared server may cap a user's processes below the worker's limit (limits.conf's nproc):
    the worker keeps the lower limit instead of failing to raise it, and grading goes on."""
    completed = subprocess.run(
        cli("grade", CORRECT, "--format", "json"), capture_output=True, text=True, timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NPROC, (600, 600)),
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["percent"] == 100.0


@pytest.mark.skipif(os.geteuid() != 0, reason="only a grader running as root gives root up")
def test_a_worker_that_gave_up_root_still_gets_a_disk_of_its_own(scratch_folder):
    """A process that changed its user from root is not dumpable, and its /proc/self files are
    root's: the first try could not map its ids, and the wall stayed down on Gradescope-like
    machines, where the worker gives root up."""
    own = scratch_folder / "submission"

    def give_up_and_wall_in() -> str:
        os.chdir(own)  # as a worker starts
        user = sandbox.give_up_root(str(own), None)
        ids = os.geteuid(), os.getegid()
        walls = sandbox.enter_namespaces()
        disk = sandbox.bound_disk(str(own), 2**20, ids if walls[0].active else None)
        with open("notes.txt", "w") as notes:  # on the tmpfs, in its working folder
            notes.write("kept in")
        dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
        return json.dumps([user.active, disk.active, disk.detail, sorted(os.listdir(".")), dumpable])

    reported = in_child(give_up_and_wall_in)
    assert reported.startswith("["), reported
    said = json.loads(reported)
    assert said == [True, True, "active: its folder is a tmpfs of its own, with 1 MiB of room",
                    ["backprop.py", "notes.txt"], 0]  # fmt: skip
    assert sorted(path.name for path in own.iterdir()) == ["backprop.py"], (
        "nothing written to the grader's copy"
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="only a grader running as root gives root up")
def test_a_worker_started_again_takes_over_what_the_one_before_made(scratch_folder, tmp_path):
    """A worker started again after a time-out is another user: student code that writes a file as
    it is imported (np.save at a notebook's top level) must find it writable the second time, or
    its file would not import. A file that also has a name outside the folder stays whose it is,
    and a tree too deep to walk does not keep the worker root."""
    own = scratch_folder / "submission"
    elsewhere = tmp_path / "another-workers.txt"
    elsewhere.write_text("not the submission's\n")
    os.chown(elsewhere, sandbox.UNPRIVILEGED_ID_BASE + 1, sandbox.UNPRIVILEGED_ID_BASE + 1)

    def import_writing_files() -> str:
        sandbox.give_up_root(str(own), None)
        os.makedirs(own / "cache", exist_ok=True)
        dig(own / "deep", 1500)  # deeper than Python recurses
        tries = {
            "rewrite its file": lambda: (own / "cache" / "weights.txt").write_text("1 2 3\n"),
            "make a file in its folder": lambda: (own / "cache" / f"{os.getpid()}.txt").touch(),
        }
        return json.dumps([os.getuid(), {what: attempt(action) for what, action in tries.items()}])

    first_uid, first = json.loads(in_child(import_writing_files))
    os.link(elsewhere, own / "linked.txt")  # as if the worker had made the link
    again_uid, again = json.loads(in_child(import_writing_files))
    assert first == again == {"rewrite its file": "done", "make a file in its folder": "done"}
    assert again_uid != first_uid and again_uid >= sandbox.UNPRIVILEGED_ID_BASE
    assert {path.stat().st_uid for path in (own / "cache").iterdir()} | {(own / "cache").stat().st_uid} == {
        again_uid
    }
    assert elsewhere.stat().st_uid == sandbox.UNPRIVILEGED_ID_BASE + 1


@pytest.mark.skipif(os.geteuid() != 0, reason="only a grader running as root gives root up")
def test_a_worker_that_other_users_could_not_run_stays_root_and_says_why(scratch_folder, tmp_path):
    own = scratch_folder / "submission"
    hidden = tmp_path / "private"
    hidden.mkdir(mode=0o700)
    (hidden / "submission").mkdir()
    cases = {
        "python": lambda: sandbox.give_up_root(str(own), "/root"),
        "folder": lambda: sandbox.give_up_root(str(hidden / "submission"), None),
    }
    for case, give_up in cases.items():
        said = json.loads(
            in_child(lambda give_up=give_up: json.dumps([*vars(give_up()).values(), os.getuid()]))
        )
        name, active, detail, uid = said
        assert (name, active, uid) == ("not_root", False, 0), case
        assert detail.startswith("the worker stays root: other users cannot "), case
    assert "cannot read /root, where Python or NumPy is installed" in cases["python"]().detail
    assert own.stat().st_uid == 0, "nothing was handed over"


def test_a_worker_that_stays_root_behind_every_wall_has_no_power_left():
    stays = sandbox.Protection("not_root", False, "the worker stays root: other users cannot read /root, "
                               "where Python or NumPy is installed")  # fmt: skip
    walls = [sandbox.Protection(name, True, "active") for name in ("user_namespace", "filesystem")]
    confined = sandbox.confined_root(stays, walls)
    assert confined.active
    assert confined.detail == (
        "active: the worker stays root (other users cannot read /root, where Python or NumPy is "
        "installed) but has no privilege outside its user namespace, and Landlock bounds its files"
    )
    assert sandbox.confined_root(stays, walls[:1]) == stays, "without Landlock root reaches every file"
    dropped = sandbox.Protection(
        "not_root", True, "active: the worker runs as a user of its own, not as root"
    )
    assert sandbox.confined_root(dropped, []) == dropped


@pytest.mark.parametrize(
    ("setting", "value", "hint"),
    [
        ("apparmor_restrict_unprivileged_userns", "1", "kernel.apparmor_restrict_unprivileged_userns=0"),
        ("unprivileged_userns_clone", "0", "kernel.unprivileged_userns_clone=1"),
        ("apparmor_restrict_unprivileged_userns", "0", None),
    ],
)
def test_a_kernel_setting_that_refuses_namespaces_is_named_with_its_remedy(tmp_path, setting, value, hint):
    """Ubuntu 24.04 (GitHub's ubuntu-latest) refuses the namespaces by an AppArmor setting: the
    protection's detail, and so --require-sandbox's error, says which and how to lift it."""
    (tmp_path / "kernel").mkdir()
    (tmp_path / "kernel" / setting).write_text(f"{value}\n")
    detail = sandbox.namespace_error("unshare(CLONE_NEWNET)", str(tmp_path))
    assert detail.startswith("unshare(CLONE_NEWNET) failed: ")
    if hint is None:
        assert "sysctl" not in detail
    else:
        assert detail.endswith(
            f"; this kernel sets kernel.{setting}={value}: `sudo sysctl -w {hint}` lifts it"
        )

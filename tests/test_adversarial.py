"""Hostile submissions (tests/adversarial/) get exactly what they earn and harm nothing."""

import ctypes
import errno
import hashlib
import io
import json
import os
import select
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path

import pytest
import tomlkit
from conftest import ADD_KEY, KEYCTL, REFERENCE, REPO, cli, strict_report
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.submission import SubmissionError, prepared_submission

ADVERSARIAL = Path(__file__).parent / "adversarial"
TRICKS = sorted(p.name for p in ADVERSARIAL.iterdir() if (p / "expect.toml").is_file())
SECRET = "adv-s3cr3t-9d1f-token"
DECOY_DIR = Path("/tmp/backprop-grader-decoy-student/submission")
DECOY_TEXT = "DECOY-OTHER-STUDENT-4417"
LISTEN_PORT = 47613
#: (also in adversarial/network)
UNIX_SOCKET, UNIX_DATAGRAM_SOCKET = (
    "/tmp/bpg-adversarial-listener.sock",
    "/tmp/bpg-adversarial-datagrams.sock",
)
FORBIDDEN = {
    "a secret of the grader's environment": SECRET,
    "another student's submission": DECOY_TEXT,
    "reference source": "### BEGIN SOLUTION",
    "hidden test source": "def test_train_step_gradients_pass_finite_difference_check",
    "question bank source": 'explanation = """',
}
WATCHED = ("reference", "grader", "quizzes", "exercises", "tests/adversarial")


def tree_digest() -> str:
    digest = hashlib.sha256()
    for folder in WATCHED:
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


def stray_processes() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"987654" in (entry / "cmdline").read_bytes():
                found.append(entry.name)
        except OSError:
            pass
    return found


def escapes() -> list[Path]:
    # os.path.lexists: a grader that is not root may not even look into /root (nor may its workers)
    return [
        p
        for p in (*Path("/tmp").glob("backprop-escape*"), Path("/root/backprop-escape-home.txt"))
        if os.path.lexists(p)
    ]


class Listener:
    """Servers on this machine that record whether anything connected: TCP on loopback, and a Unix
    socket with a path that any user may connect to (as a session's D-Bus is to its user, or a
    Docker daemon's to its group)."""

    def __init__(self) -> None:
        self.servers = [socket.create_server(("127.0.0.1", LISTEN_PORT), reuse_port=True)]
        for kind, path in ((socket.SOCK_STREAM, UNIX_SOCKET), (socket.SOCK_DGRAM, UNIX_DATAGRAM_SOCKET)):
            Path(path).unlink(missing_ok=True)
            server = socket.socket(socket.AF_UNIX, kind)
            server.bind(path)
            os.chmod(path, 0o666)  # a worker that gave up root may connect as far as files go
            if kind == socket.SOCK_STREAM:
                server.listen()
            self.servers.append(server)
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while self.running:
            ready, _, _ = select.select(self.servers, [], [], 0.2)
            for server in ready:
                self.connections += 1
                if server.type == socket.SOCK_DGRAM:
                    server.recv(1024)
                else:
                    server.accept()[0].close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        for server in self.servers:
            server.close()
        for path in (UNIX_SOCKET, UNIX_DATAGRAM_SOCKET):
            Path(path).unlink(missing_ok=True)


@pytest.fixture(scope="module")
def surroundings():
    """The decoy submission of another student, the same text in a message queue that anyone may
    read, the environment's secret in a key of the session keyring that grading inherits, and
    servers to phone home to."""
    DECOY_DIR.mkdir(parents=True, exist_ok=True)
    (DECOY_DIR / "activations.py").write_text(f"# {DECOY_TEXT}\n")
    queue = _message_queue(DECOY_TEXT)
    _session_key(SECRET)
    listener = Listener()
    yield listener
    listener.close()
    _LIBC.msgctl(queue, 0, None)  # IPC_RMID
    shutil.rmtree(DECOY_DIR.parent, ignore_errors=True)


_LIBC = ctypes.CDLL(None, use_errno=True)
DECOY_QUEUE_KEY = 0x42504721  # also in adversarial/ipc_with_other_processes


def _session_key(text: str) -> None:
    """A key holding text in a session keyring of this process's own (as a login makes one), which
    the graders started from here inherit; where the kernel has no keyrings there is none to leak."""
    if _LIBC.syscall(KEYCTL, 1, None) < 0:  # KEYCTL_JOIN_SESSION_KEYRING, a new anonymous one
        assert ctypes.get_errno() in (errno.ENOSYS, errno.EPERM), os.strerror(ctypes.get_errno())
        return
    value = text.encode()
    key = _LIBC.syscall(ADD_KEY, b"user", b"bpg-adversarial-key", value, len(value), -3)  # the session's
    assert key >= 0, os.strerror(ctypes.get_errno())


def _message_queue(text: str) -> int:
    """A System V message queue that any user may read, holding text; its id."""
    queue = _LIBC.msgget(DECOY_QUEUE_KEY, 0o1000 | 0o666)  # IPC_CREAT
    assert queue >= 0, os.strerror(ctypes.get_errno())
    body = text.encode()
    message = struct.pack("=q", 1) + body  # struct msgbuf: a long type, then the bytes
    assert _LIBC.msgsnd(queue, message, len(body), 0o4000) == 0, os.strerror(ctypes.get_errno())
    return queue


def build(trick: str, target: Path) -> dict:
    expect = tomlkit.parse((ADVERSARIAL / trick / "expect.toml").read_text()).unwrap()
    shutil.copytree(REFERENCE, target)
    for hostile in (ADVERSARIAL / trick).glob("*.py"):
        original = (target / hostile.name).read_text() if expect["mode"] == "append" else ""
        (target / hostile.name).write_text(original + hostile.read_text())
    return expect


def test_every_protection_is_active_on_this_machine():
    completed = subprocess.run(cli("grade", str(REFERENCE), "--format", "json", "--require-sandbox"),
                               capture_output=True, text=True, timeout=120)  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    sandbox = json.loads(completed.stdout)["sandbox"]
    assert all(p["active"] for p in sandbox.values()), sandbox


def test_there_is_a_submission_for_every_trick():
    assert len(TRICKS) >= 15


@pytest.mark.parametrize("trick", TRICKS)
def test_hostile_submission_earns_nothing_and_harms_nothing(tmp_path, surroundings, trick):
    expect = build(trick, tmp_path / trick)
    before_tree = tree_digest()
    connections_before = surroundings.connections
    grading = subprocess.Popen(
        cli("grade", str(tmp_path / trick), "--format", "json", "--timeout", str(expect.get("timeout", 5))),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "BACKPROP_GRADER_TEST_SECRET": SECRET},
    )  # fmt: skip
    stdout, stderr = grading.communicate(timeout=300)
    completed = subprocess.CompletedProcess(grading.args, grading.returncode, stdout, stderr)
    assert completed.returncode == 0, completed.stderr[-2000:]
    report = strict_report(completed.stdout)  # whatever the trick wrote into it
    tests = {t["name"]: t for t in report["tests"]}
    exercises = {e["name"]: e for e in report["exercises"]}
    for name in expect.get("zero", []):
        assert exercises[name]["score"] == 0, f"{trick} earned points on {name}"
    for name in expect.get("lose", []):
        assert tests[name]["score"] == 0, f"{trick} kept the points of {name}"
    for name in expect.get("full", []):
        lost = [t["name"] for t in report["tests"] if t["exercise"] == name and t["status"] != "passed"]
        assert not lost, f"{trick} broke {name}: {lost}"
    output = completed.stdout + completed.stderr
    for what, text in FORBIDDEN.items():
        assert text not in output, f"{trick} got {what} into the output"
    assert len(report["student_output"]) <= 64 * 1024
    assert tree_digest() == before_tree, f"{trick} changed files of the project"
    assert not escapes(), f"{trick} wrote outside its folder: {escapes()}"
    assert not stray_processes(), f"{trick} left processes behind"
    assert surroundings.connections == connections_before, f"{trick} reached a server on this machine"
    # scratch folders are named by the grader's pid, so tests running alongside do not interfere
    assert list(Path(tempfile.gettempdir()).glob(f"backprop-grader-{grading.pid}-*")) == []


def _reference_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(REFERENCE.glob("*.py")):
            archive.write(path, f"hw/{path.name}")
        archive.writestr("answers.toml", 'student = "ada"\n')
    return buffer.getvalue()


_ZIP = _reference_zip()
#: the bytes that describe the archive (each member's local header, the central directory), where
#: damage reaches zipfile's parsing rather than only a member's compressed data
_HEADER_BYTES = sorted(
    {
        offset
        for m in zipfile.ZipFile(io.BytesIO(_ZIP)).infolist()
        for offset in range(m.header_offset, m.header_offset + 30)
    }
    | set(range(_ZIP.index(b"PK\x01\x02"), len(_ZIP)))
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(st.sampled_from(_HEADER_BYTES), st.integers(0, 255)), min_size=1, max_size=6))
def test_a_damaged_zip_is_unpacked_or_refused_with_a_reason(changes):
    """Whatever bytes a zip holds, unpacking it ends one of two ways: the files, or a
    SubmissionError that says why (zipfile raises a dozen kinds for damaged archives)."""
    damaged = bytearray(_ZIP)
    for offset, value in changes:
        damaged[offset] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "alice.zip"
        path.write_bytes(bytes(damaged))
        try:
            with prepared_submission(path) as prepared:
                assert prepared.directory.is_dir()
        except SubmissionError as error:
            assert str(error).startswith(("alice.zip", str(path), "no exercise files")), error

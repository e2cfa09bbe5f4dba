"""What `grade` says about its protections, on this kernel and on one that lacks some."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, cli

OLD_KERNEL = [sys.executable, str(Path(__file__).parent / "helpers" / "old_kernel.py")]
CORRECT = str(EXAMPLES / "correct")
LACKING = {"user_namespace", "network", "pid_namespace", "filesystem"}

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the sandbox is built from Linux features"
)


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), capture_output=True, text=True, timeout=120)


def test_json_names_every_protection_with_its_state():
    report = json.loads(run(*cli("grade", CORRECT, "--format", "json")).stdout)
    assert set(report["sandbox"]) == LACKING | {"processes"}
    assert report["sandbox"]["filesystem"]["detail"].startswith("active: Landlock ABI")


def test_without_namespaces_and_landlock_grading_still_works_and_says_what_is_missing():
    completed = run(*OLD_KERNEL, *cli("grade", CORRECT, "--format", "json"))
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["percent"] == 100.0
    sandbox = report["sandbox"]
    assert {name for name, p in sandbox.items() if not p["active"]} == LACKING
    assert sandbox["filesystem"]["detail"] == "Landlock is not available in this kernel"
    assert "Function not implemented" in sandbox["user_namespace"]["detail"]
    assert sandbox["processes"]["active"]


def test_the_text_report_warns_when_protections_are_missing():
    completed = run(*OLD_KERNEL, *cli("grade", CORRECT))
    assert completed.returncode == 0, completed.stderr
    text = " ".join(completed.stdout.split())  # undo the line wrapping
    assert "filesystem ✗ (Landlock is not available in this kernel)" in text
    assert "processes ✓" in text
    assert "4 protection(s) missing" in text


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

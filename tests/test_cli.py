"""The command line as users meet it: exit codes, JSON fields, files, malformed submissions."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES as EXAMPLES_DIR
from conftest import (
    EXERCISES,
    REFERENCE,
    cli,
    copy_reference,
    grader_copy,
    looping_submission,
    reference_with,
    reference_with_file,
    run_cli,
    run_cli_unread,
    with_key,
)

from grader import cli_quiz
from grader.cli import main
from grader.exercise_api import EXERCISE_FILES
from grader.feedback import feedback_markdown

TEST_FIELDS = {"name", "exercise", "score", "max_score", "status", "message"}


def run(*args):
    return CliRunner().invoke(main, [*args, "--timeout", "2"], catch_exceptions=False)


def run_json(*args):
    result = run(*args, "--format", "json")
    return result, json.loads(result.output) if result.exit_code in (0, 1) else None


def test_reference_with_the_answer_key_scores_100_percent(tmp_path):
    result, report = run_json("grade", str(with_key(copy_reference(tmp_path / "s"))))
    assert result.exit_code == 0
    assert report["score"] == report["max_score"] == 100 + report["quiz"]["max_score"]
    assert report["percent"] == 100
    assert all(test["status"] == "passed" for test in report["tests"])


def test_reference_passes_every_test_and_scores_0_on_a_missing_quiz():
    result, report = run_json("grade", str(REFERENCE))
    assert result.exit_code == 0
    assert all(test["status"] == "passed" for test in report["tests"])
    assert sum(test["score"] for test in report["tests"]) == 100
    assert report["quiz"]["score"] == 0
    assert report["quiz"]["messages"] == [
        "no answers.toml in the submission: the quiz scores 0 (write one with: backprop-grader quiz take)"
    ]
    assert report["score"] == 100 and report["max_score"] == 100 + report["quiz"]["max_score"]
    # that one reason is given once, not once per question
    assert feedback_markdown("s", report).count("no answers.toml") == 1
    github = run("grade", str(REFERENCE), "--format", "github").output
    assert github.count("no answers.toml") == 1 and "::warning title=quiz::no answers.toml" in github


def test_student_says_whose_submission_it_is_whatever_answers_toml_claims(tmp_path):
    """In CI and on Gradescope the grader knows who handed the submission in; answers.toml is the
    student's to write, so a classmate's copied whole must not bring the classmate's numbers."""
    submission = with_key(copy_reference(tmp_path / "s"))  # the key of the id in answers.toml
    _, own = run_json("grade", str(submission))
    _, copied = run_json("grade", str(submission), "--student", "mallory")
    assert own["quiz"]["score"] == own["quiz"]["max_score"]
    assert copied["quiz"]["student"] == "mallory"
    assert copied["quiz"]["score"] < own["quiz"]["score"]
    [message] = copied["quiz"]["messages"]
    assert "but this is the submission of 'mallory': the numbers were drawn for 'mallory'" in message
    assert message.endswith("(work out your own with: backprop-grader quiz take --student mallory)")
    refused = run("grade", str(submission), "--student", "mal lory")
    assert refused.exit_code == 2
    assert "'mal lory' is not usable as a student id" in refused.output and "Traceback" not in refused.output


@pytest.mark.parametrize(
    ("where", "named"), [("", "answers.toml.txt"), ("hw/", "answers.toml.txt"), ("", "Answers (1).toml")]
)
def test_an_answers_file_named_like_answers_toml_is_named_in_the_quiz_message(tmp_path, where, named):
    """Windows hides known extensions, so Notepad's 'answers.toml' is answers.toml.txt. The quiz is
    not scored from it (names must match, as for the exercise files), but the message says why."""
    submission = tmp_path / "s"
    with_key(copy_reference(submission / where))
    (submission / where / "answers.toml").rename(submission / named)  # beside the work or above it
    _, report = run_json("grade", str(submission))
    assert report["quiz"]["score"] == 0
    assert report["quiz"]["messages"] == [
        f"no answers.toml in the submission, only {named}: the quiz scores 0 (names must match exactly: "
        "rename it answers.toml)"
    ]
    (submission / named).rename(submission / "answers.toml")
    _, report = run_json("grade", str(submission))
    assert report["quiz"]["score"] == report["quiz"]["max_score"] > 0


def test_untouched_stubs_score_zero_and_exit_zero():
    result, report = run_json("grade", str(EXERCISES))
    assert result.exit_code == 0
    assert report["score"] == 0 and report["percent"] == 0
    assert {test["status"] for test in report["tests"]} <= {"error", "failed"}
    assert any("is not implemented yet" in test["message"] for test in report["tests"])


def test_a_function_that_stops_in_a_stub_it_needs_names_that_stub(tmp_path):
    """backprop.py done before activations.py: output_delta is written, sigmoid_prime is not."""
    target = tmp_path / "s"
    shutil.copytree(EXERCISES, target)
    shutil.copyfile(REFERENCE / "backprop.py", target / "backprop.py")
    _, report = run_json("check", str(target), "--exercise", "backprop")
    failed = {t["message"] for t in report["tests"] if t["status"] != "passed"}
    assert "output_delta needs sigmoid_prime, which is not implemented yet: it raises NotImplementedError " \
        "(activations.py:43 in sigmoid_prime)" in failed  # fmt: skip
    assert not any("output_delta is not implemented" in message for message in failed)
    _, stubs = run_json("check", str(EXERCISES), "--exercise", "activations")
    assert "sigmoid is not implemented yet: it raises NotImplementedError (activations.py:34 in sigmoid)" in {
        t["message"] for t in stubs["tests"]
    }


def test_escape_sequences_from_a_submission_never_reach_the_terminal(tmp_path):
    """A student's message, printed output and file names are shown with their control characters
    escaped: raw, they could clear the instructor's screen, set its title, colour the report or,
    in some terminals, write the clipboard."""
    escapes = "\\x1b[2J\\x1b]0;pwned\\x07\\x1b[31mred\\r"
    hostile = f'def tanh_prime(z):\n    print("{escapes}")\n    raise ValueError("{escapes}")\n'
    target = reference_with(tmp_path / "s", {"activations.py": [("def tanh_prime(z):\n", hostile)]})
    archive = tmp_path / "s.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in target.glob("*.py"):
            zf.write(path, path.name)
        zf.writestr("../\x1b]52;c;cHduZWQ=\x07.py", "")  # skipped, with a note that names it
    shown = "\\x1b[2J\\x1b]0;pwned\\x07\\x1b[31mred\\x0d"
    for graded in (target, archive):
        result = run("grade", str(graded))
        assert result.exit_code == 0
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.output), repr(result.output[:300])
        assert f"│ [tanh_prime] {shown}\n" in result.output  # printed output, as printed (no markup escapes)
        _, report = run_json("grade", str(graded))
        messages = {t["message"] for t in report["tests"]}
        assert f"tanh_prime raised ValueError: {shown} (activations.py:77 in tanh_prime)" in messages
    _, report = run_json("grade", str(archive))
    assert (
        "skipped '../\\x1b]52;c;cHduZWQ=\\x07.py': its path leads out of the zip's folder" in report["notes"]
    )
    damaged = tmp_path / "damaged.zip"  # refused with a message that names the member
    with zipfile.ZipFile(damaged, "w") as zf:
        zf.writestr("activations\x1b[2J.py", "x = 1\n" * 100)
    data = bytearray(damaged.read_bytes())
    data[data.index(b"x = 1")] ^= 1  # its CRC no longer matches
    damaged.write_bytes(bytes(data))
    refused = run("grade", str(damaged))
    assert refused.exit_code == 2 and "'activations\\x1b[2J.py' cannot be unpacked" in refused.output
    assert "\x1b" not in refused.output


def test_a_submissions_text_is_quoted_as_written_not_read_as_markup_or_emoji_codes(tmp_path):
    said = "[/] [bold green]all tests PASSED[/bold green] :thumbs_up: :smile:"
    hostile = f'def tanh_prime(z):\n    print("{said}")\n    raise ValueError("{said}")\n'
    target = reference_with(tmp_path / "s", {"activations.py": [("def tanh_prime(z):\n", hostile)]})
    result = run("grade", str(target))
    assert result.exit_code == 0
    assert f"│ [tanh_prime] {said}\n" in result.output
    assert f"tanh_prime raised ValueError: {said}" in " ".join(result.output.split())  # (lines wrap)
    assert (
        "\N{THUMBS UP SIGN}" not in result.output and "\N{SMILING FACE WITH OPEN MOUTH}" not in result.output
    )


def test_a_line_printed_to_look_like_the_report_is_marked_as_printed(tmp_path):
    fake = "Total: 143/143 (100.0%)  in 80 ms"
    hostile = f'def tanh_prime(z):\n    print("\\n{fake}\\n" + "x" * 300)\n    raise ValueError("no")\n'
    target = reference_with(tmp_path / "s", {"activations.py": [("def tanh_prime(z):\n", hostile)]})
    lines = run("grade", str(target)).output.splitlines()
    totals = [line for line in lines if "Total:" in line]
    assert totals[-1] == lines[-1] != fake and lines[-1].startswith("Total: ")
    assert all(line == f"│ {fake}" for line in totals[:-1]) and len(totals) > 1
    assert f"│ {'x' * 300}" in lines, "a long printed line is not wrapped away from its bar"


def test_json_report_has_the_documented_fields(tmp_path):
    target = reference_with_file(
        tmp_path / "s",
        "deep.py",
        "def deep_gradients(weights, biases, X, Y, activation='sigmoid'):\n    return []\n",
    )
    _, report = run_json("grade", str(target))
    assert {
        "score",
        "max_score",
        "percent",
        "tests",
        "exercises",
        "notes",
        "grader_version",
        "submission",
    } <= set(report)
    assert 0 < report["percent"] < 100
    for test in report["tests"]:
        assert TEST_FIELDS <= set(test)
        assert test["status"] in {"passed", "failed", "error", "timeout"}
        assert test["score"] in (0, test["max_score"])
        assert test["exercise"] in {"activations", "backprop", "gradcheck", "deep"}
        assert bool(test["message"]) == (test["status"] != "passed")
    assert sum(t["score"] for t in report["tests"]) + report["quiz"]["score"] == pytest.approx(
        report["score"]
    )
    assert {e["name"]: e["max_score"] for e in report["exercises"]} == {
        "activations": 20,
        "backprop": 45,
        "gradcheck": 10,
        "deep": 25,
    }


def test_fail_under_sets_exit_status_one(tmp_path):
    assert run("grade", str(EXERCISES), "--fail-under", "50").exit_code == 1
    assert run("grade", str(REFERENCE), "--fail-under", "60").exit_code == 0
    assert run("grade", str(REFERENCE), "--fail-under", "80").exit_code == 1
    assert run("grade", str(with_key(copy_reference(tmp_path / "s"))), "--fail-under", "100").exit_code == 0


def test_output_file_gets_the_report(tmp_path):
    out = tmp_path / "report.json"
    result = run("grade", str(REFERENCE), "--format", "json", "--output", str(out))
    assert result.exit_code == 0
    assert json.loads(out.read_text())["score"] == 100
    assert "100/143" in result.output


def test_output_file_that_cannot_be_written_still_shows_the_report(tmp_path):
    result = run(
        "grade", str(REFERENCE), "--format", "json", "--output", str(tmp_path / "missing" / "r.json")
    )
    assert result.exit_code == 2
    assert '"score": 100.0' in result.output
    assert "could not write" in result.output


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_reader_that_stops_reading_early_still_gets_the_html_report(tmp_path, fmt):
    """`grade ... --report r.html | head`: the page is written after the printed report, whose
    reader may be gone by then; that is no error and must not lose the page."""
    page = tmp_path / "report.html"
    completed = run_cli_unread("grade", str(EXAMPLES_DIR / "correct"), "--format", fmt, "--report", str(page))
    assert (completed.returncode, completed.stderr) == (0, f"wrote {page}\n")
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_fail_under_still_decides_the_exit_status_when_nobody_reads_the_report():
    completed = run_cli_unread("check", str(EXAMPLES_DIR / "no_batch_average"), "--fail-under", "100")
    assert completed.returncode == 1 and "is below --fail-under 100%" in completed.stderr


def test_text_report_has_a_table_per_exercise_and_reasons(tmp_path):
    target = reference_with_file(
        tmp_path / "s", "gradcheck.py", "def numerical_gradient(f, x, eps=1e-5):\n    return x * 0\n"
    )
    result = run("grade", str(target))
    assert result.exit_code == 0
    for name in ("activations.py", "backprop.py", "gradcheck.py", "deep.py"):
        assert name in result.output
    assert "−2 test_matches_exact_derivative[cubic]: numerical_gradient of cubic" in result.output
    # a placeholder's zeros earn nothing, not even for their shape and the x they leave alone
    assert "gradcheck.py — 0/10" in result.output
    assert (
        "−2 test_restores_x: the gradient numerical_gradient returned for softplus_mix holds only"
        in " ".join(result.output.split())
    )
    # a function that returns a number never nudges x: restoring it earns nothing
    scalar = reference_with_file(
        tmp_path / "t", "gradcheck.py", "def numerical_gradient(f, x, eps=1e-5):\n    return 0.0\n"
    )
    assert "gradcheck.py — 0/10" in run("grade", str(scalar)).output


def _zip_of_reference(archive: Path, folder: str = "") -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in REFERENCE.glob("*.py"):
            zf.write(path, f"{folder}{path.name}")
    return archive


def test_zip_of_a_folder_is_graded(tmp_path):
    archive = _zip_of_reference(tmp_path / "alice.zip", "alice/exercises/")
    result, report = run_json("grade", str(archive))
    assert result.exit_code == 0 and all(test["status"] == "passed" for test in report["tests"])
    assert any("graded the files in alice/exercises/" in note for note in report["notes"])
    assert not any("were not graded" in note for note in report["notes"])


def test_a_zip_the_student_uploaded_inside_the_submission_is_unpacked_and_graded(tmp_path):
    """An LMS's download holds each student's folder with the zip they uploaded in it."""
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "broken.zip").write_bytes(b"not a zip at all")
    _zip_of_reference(tmp_path / "alice" / "hw.zip", "hw/")
    _, report = run_json("grade", str(tmp_path / "alice"))
    assert all(test["status"] == "passed" for test in report["tests"])
    assert report["notes"][:3] == [
        "broken.zip is not a readable zip file (File is not a zip file)",
        "unpacked hw.zip into hw/",
        "graded the files in hw/hw/",
    ]
    # a zip of that zip, as a student who zips what they are about to upload does
    with zipfile.ZipFile(tmp_path / "bob.zip", "w") as zf:
        zf.write(tmp_path / "alice" / "hw.zip", "hw.zip")
    _, report = run_json("grade", str(tmp_path / "bob.zip"))
    assert all(test["status"] == "passed" for test in report["tests"])
    assert "unpacked hw.zip into hw/" in report["notes"]


def test_a_zip_beside_the_exercise_files_stays_packed(tmp_path):
    target = copy_reference(tmp_path / "s")
    with zipfile.ZipFile(target / "old.zip", "w") as zf:
        zf.writestr("activations.py", "def sigmoid(z):\n    return z\n")
    _, report = run_json("grade", str(target))
    assert all(test["status"] == "passed" for test in report["tests"])
    assert not any("old.zip" in note for note in report["notes"])


def test_a_zip_announcing_more_members_than_a_submission_may_have_is_refused_before_it_is_read(
    tmp_path, monkeypatch
):
    """zipfile reads a zip's whole list of members into memory on opening: 300,000 empty members
    took 210 MB. The list's size, in the zip's end record, is checked first."""
    import grader.unpack

    archive = tmp_path / "alice.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for index in range(5000):
            zf.writestr(f"{index}.txt", b"")
    monkeypatch.setattr(grader.unpack.zipfile, "ZipFile", None)  # opening it would fail the test
    result = run("grade", str(archive))
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {archive} is too large (more than 2000 files or 50 MiB, and it holds 5,000 files); give a folder "
        "or .zip with only the exercise files and answers.toml, without data, outputs or a virtual environment (one "
        "in .venv/ or venv/ is left out anyway)\n"
    )


def test_check_of_a_folder_that_holds_far_more_than_the_exercises_says_which_folder_to_give(tmp_path):
    """A student who runs check on a folder with a dataset beside the exercise files is told to
    give one with only those; check says it in words that fit checking, not handing in."""
    work = tmp_path / "work"
    shutil.copytree(REFERENCE, work, ignore=shutil.ignore_patterns("__pycache__"))
    (work / "data").mkdir()
    for index in range(2001):
        (work / "data" / f"sample_{index}.csv").write_text("")
    result = run("check", str(work))
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert result.output.startswith(f"Error: {work} is too large (more than 2000 files or 50 MiB)")
    assert "give a folder or .zip with only the exercise files and answers.toml" in result.output
    assert "hand in" not in result.output


def _windows_member(name: str) -> zipfile.ZipInfo:
    member = zipfile.ZipInfo(name)
    member.create_system = 0  # "made on MS-DOS/Windows", as PowerShell's Compress-Archive writes
    return member


def test_a_zip_made_on_windows_with_backslashes_is_graded(tmp_path):
    archive = tmp_path / "alice.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(_windows_member("hw\\"), b"")
        for path in REFERENCE.glob("*.py"):
            zf.writestr(_windows_member(f"hw\\{path.name}"), path.read_bytes())
        zf.writestr(_windows_member("..\\escaped.py"), b"x = 1\n")
    result, report = run_json("grade", str(archive))
    assert result.exit_code == 0 and all(test["status"] == "passed" for test in report["tests"])
    assert "graded the files in hw/" in report["notes"]
    assert "skipped ..\\escaped.py: its path leads out of the zip's folder" in report["notes"]
    assert not (tmp_path / "escaped.py").exists()


def test_a_zip_made_by_macos_finder_is_graded_without_a_word_about_its_resource_forks(tmp_path):
    """Finder's "Compress" adds __MACOSX/ with a "._" file beside every file: not the student's
    work, and no concern of theirs. Before 0.4.10 each was a note calling its path unsafe."""
    archive = tmp_path / "alice.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in REFERENCE.glob("*.py"):
            zf.writestr(f"hw/{path.name}", path.read_bytes())
            zf.writestr(f"__MACOSX/hw/._{path.name}", b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
        zf.writestr("hw/.DS_Store", b"\x00\x00\x00\x01Bud1")
    result, report = run_json("grade", str(archive))
    assert result.exit_code == 0 and all(test["status"] == "passed" for test in report["tests"])
    assert report["notes"] == ["graded the files in hw/"]


def test_a_backslash_in_a_zip_made_elsewhere_is_part_of_the_name(tmp_path):
    archive = tmp_path / "alice.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("hw\\activations.py", (REFERENCE / "activations.py").read_bytes())
    result = run("grade", str(archive))
    assert result.exit_code == 2
    assert result.output.startswith("Error: no exercise files (activations.py,")


@pytest.mark.parametrize(
    "names",
    [("deep.py/x.py",), ("x" * 300 + ".py",), ("work", "work/deep.py")],
    ids=["a file and a folder of one name", "name too long", "a folder named like an earlier file"],
)
def test_zip_members_that_cannot_be_unpacked_are_skipped_with_a_note(tmp_path, names):
    archive = _zip_of_reference(tmp_path / "alice.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        for name in names:
            zf.writestr(name, b"x = 1\n")
    result, report = run_json("grade", str(archive))
    assert result.exit_code == 0, result.output
    skipped = [note for note in report["notes"] if note.startswith(f"skipped {names[-1]}: ")]
    assert len(skipped) == 1 and "its name cannot be unpacked" in skipped[0]
    assert all(test["status"] == "passed" for test in report["tests"])


def test_a_file_the_grader_cannot_read_is_skipped_with_a_note(tmp_path, monkeypatch):
    """A student's file without read permission (an instructor grading as themself, say)."""
    import grader.unpack

    target = copy_reference(tmp_path / "s")
    opened = os.open

    def unreadable_deep(path, flags, *mode, **options):  # the tests run as root, who reads anything
        if Path(path) == target / "deep.py":
            raise PermissionError(13, "Permission denied", str(path))
        return opened(path, flags, *mode, **options)

    monkeypatch.setattr(grader.unpack.os, "open", unreadable_deep)
    result, report = run_json("grade", str(target))
    assert result.exit_code == 0
    assert "skipped deep.py: it cannot be read (Permission denied)" in report["notes"]
    assert "deep.py is missing: its tests score 0" in report["notes"]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("mem", "Input/output error"),
        ("pagemap", "Invalid argument"),  # read 8 bytes at a time or not at all
        (
            "status",
            "it gave more than the 0 bytes it was listed as: a file still being written, or one of /proc",
        ),
    ],
)
def test_a_file_that_fails_or_outgrows_its_size_as_it_is_read_is_skipped(tmp_path, name, why):
    """Such a file (a failing disk; /proc's) failed the copy with no file name in the error, which
    read as the grader's own fault (exit 3); and one listed as 0 bytes that gives more (/proc's again)
    was copied whole, past the submission's budget, which counts sizes listed."""
    from grader.unpack import _copy_file

    assert _copy_file(Path("/proc/self") / name, tmp_path / name, 0).startswith(why)
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("size", [0, 1, 5 * 2**20 + 123], ids=["empty", "one byte", "several megabytes"])
def test_a_file_is_copied_byte_for_byte_a_megabyte_at_a_time(tmp_path, size):
    from grader.unpack import _copy_file

    source = tmp_path / "data.bin"
    source.write_bytes(os.urandom(size))
    assert _copy_file(source, tmp_path / "copy.bin", size) is None
    assert (tmp_path / "copy.bin").read_bytes() == source.read_bytes()


def test_a_file_turned_into_a_named_pipe_after_listing_is_not_waited_on(tmp_path):
    """Listed as a regular file, then swapped for a pipe: opening it would wait for a writer for good."""
    from grader.unpack import _copy_file

    os.mkfifo(tmp_path / "activations.py")
    assert (
        _copy_file(tmp_path / "activations.py", tmp_path / "copy.py", 10) == "it is no longer a regular file"
    )
    assert not (tmp_path / "copy.py").exists()


def test_grading_a_folder_of_files_that_cannot_be_copied_says_what_is_wrong():
    completed = run_cli("grade", "/proc/self")
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert completed.stderr == (
        "Error: no exercise files (activations.py, backprop.py, gradcheck.py, deep.py) found in /proc/self; "
        "point the grader at the folder that holds them\n"
    )


def test_of_two_copies_the_same_one_is_always_graded_and_the_other_named(tmp_path):
    """A second attempt beside the first: the choice may not depend on the order the file system
    lists folders in, and the student is told which copy was left out."""
    for order in (("b_final", "a_first"), ("a_first", "b_final")):
        target = tmp_path / "-".join(order)
        for name in order:  # made in a different order each time
            source = REFERENCE if name == "b_final" else EXAMPLES_DIR / "no_batch_average"
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        _, report = run_json("grade", str(target))
        assert "graded the files in a_first/" in report["notes"]
        assert "exercise files in b_final/ were not graded: keep one copy of your files" in report["notes"]
        assert report["percent"] < 50  # a_first is the one with the mistake


def test_the_untouched_stubs_beside_the_work_are_not_what_is_graded(tmp_path):
    """The student kit's exercises/ handed in along with the work: the stubs are no submission,
    whatever the folders are called, and no note calls them a copy."""
    target = tmp_path / "kit"
    shutil.copytree(EXERCISES, target / "exercises")
    shutil.copytree(REFERENCE, target / "done", ignore=shutil.ignore_patterns("__pycache__"))
    _, report = run_json("grade", str(target))
    assert sum(e["score"] for e in report["exercises"]) == 100.0
    assert "graded the files in done/" in report["notes"]
    assert not any("were not graded" in note for note in report["notes"])
    _, stubs_only = run_json("grade", str(target / "exercises"))
    assert stubs_only["score"] == 0.0  # the stubs alone are still graded, as handed in


def test_missing_file_scores_zero_on_its_tests_with_a_message(tmp_path):
    target = copy_reference(tmp_path / "s")
    (target / "deep.py").unlink()
    _, report = run_json("grade", str(target))
    deep = [t for t in report["tests"] if t["exercise"] == "deep"]
    assert deep and all(t["score"] == 0 for t in deep)
    assert "deep.py is missing from the submission" in deep[0]["message"]
    assert "deep.py is missing: its tests score 0" in report["notes"]
    assert sum(test["score"] for test in report["tests"]) == 75
    # the same message for each of a file's six functions: one line for all of its tests
    (target / "backprop.py").unlink()
    assert run("grade", str(target)).output.count("backprop.py is missing from the submission") == 1


def test_a_misnamed_file_is_named_in_the_missing_note_but_not_one_student_code_made(tmp_path):
    target = copy_reference(tmp_path / "s")
    (target / "deep.py").rename(target / "Deep (1).py")
    _, report = run_json("grade", str(target))
    assert "deep.py is missing: its tests score 0 (there is Deep (1).py: names must match exactly, so rename it " \
        "deep.py)" in report["notes"]  # fmt: skip
    assert sum(test["score"] for test in report["tests"]) == 75  # graded as handed in
    # what student code makes in its copy is no part of what was handed in
    (target / "Deep (1).py").unlink()
    makes = 'open("Deep.py", "w").close()\n'
    (target / "activations.py").write_text(makes + (target / "activations.py").read_text())
    _, report = run_json("grade", str(target))
    assert "deep.py is missing: its tests score 0" in report["notes"]


def test_an_import_grading_cannot_satisfy_says_what_can_be_imported(tmp_path):
    target = reference_with(
        tmp_path / "s",
        {"deep.py": [("import numpy as np\n", "import numpy as np\nimport matplotlib.pyplot as plt\n")]},
    )
    _, report = run_json("grade", str(target))
    failed = {t["message"] for t in report["tests"] if t["status"] == "error"}
    assert failed == {
        "deep.py could not be imported: ModuleNotFoundError: No module named 'matplotlib': grading can import "
        "only NumPy, Python's standard library and the submission's own files; remove that import, or put "
        "matplotlib.py beside the exercise files if it is yours (deep.py:14 in <module>)"
    }
    checked = run("check", str(target), "--exercise", "deep")
    assert "or put matplotlib.py beside the exercise files if it is yours" in " ".join(checked.output.split())
    assert "hand in" not in checked.output


@pytest.mark.parametrize(
    ("line", "python_says"),
    [
        ("from .activations import", "ImportError: attempted relative import with no known parent package"),
        ("from exercises.activations import", "ModuleNotFoundError: No module named 'exercises'"),
        (
            "from . import activations\nfrom activations import",
            "ImportError: attempted relative import with no known parent package",
        ),
    ],
)
def test_an_exercise_file_imported_through_a_package_says_to_import_it_by_name(tmp_path, line, python_says):
    """The kit keeps the files in exercises/, so `from exercises.activations import` works in a
    student's own Python started above it, and `from .activations` looks right in a package."""
    target = reference_with(tmp_path / "s", {"backprop.py": [("from activations import", line)]})
    _, report = run_json("grade", str(target))
    failed = {t["message"] for t in report["tests"] if t["status"] == "error"}
    hint = (
        f"{python_says}: the submission's files are graded side by side, in no folder or package, so import the "
        "file by its name alone: from activations import ... (backprop.py:18 in <module>)"
    )
    assert failed == {f"backprop.py could not be imported: {hint}", f"deep.py could not be imported: {hint}"}
    assert report["score"] == 30  # activations.py and gradcheck.py


def test_a_trial_run_left_at_the_top_of_a_file_says_that_it_runs_on_import(tmp_path):
    """A student tries sigmoid at the bottom of activations.py before writing it: the file cannot
    be imported, and the message says why that line ran at all. A syntax error, which no code of
    the student's ran into, does not get that advice."""
    target = tmp_path / "s"
    shutil.copytree(EXERCISES, target)
    with (target / "activations.py").open("a") as file:
        file.write("\nprint(sigmoid(np.array([1.0, 2.0])))\n")
    _, report = run_json("check", str(target), "--exercise", "activations")
    assert {t["message"] for t in report["tests"]} == {
        "activations.py could not be imported: NotImplementedError: sigmoid: write your solution here "
        "(activations.py:34 in sigmoid) (code outside the functions runs when the file is imported: put your own "
        'trial runs under if __name__ == "__main__":)'
    }
    (target / "activations.py").write_text("def sigmoid(z)\n    return z\n")
    _, report = run_json("check", str(target), "--exercise", "activations")
    assert all("could not be imported: SyntaxError" in t["message"] for t in report["tests"])
    assert not any("trial runs" in t["message"] for t in report["tests"])


def test_an_import_error_of_the_students_own_making_is_quoted_within_bounds(tmp_path):
    source = 'raise ModuleNotFoundError("x" * 10**6, name="y" * 10**6)\n'
    target = reference_with_file(tmp_path / "s", "gradcheck.py", source)
    _, report = run_json("grade", str(target))
    (message,) = {t["message"] for t in report["tests"] if t["exercise"] == "gradcheck"}
    assert message.startswith("gradcheck.py could not be imported: ModuleNotFoundError: xxx")
    assert len(message) <= 1500


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_a_file_saved_as_utf16_is_named_as_the_cause_in_every_file_it_breaks(tmp_path, encoding):
    target = copy_reference(tmp_path / "s")
    source = (target / "activations.py").read_text()
    # "utf-16" writes its own mark; "utf-16-le" none, as some editors save it
    mark = b"\xfe\xff" if encoding == "utf-16-be" else b""
    (target / "activations.py").write_bytes(mark + source.encode(encoding))
    _, report = run_json("grade", str(target))
    hint = 'activations.py is saved as UTF-16 text (Notepad\'s "Unicode"), which Python cannot read: save it again as UTF-8'
    failed = {t["exercise"]: t["message"] for t in report["tests"] if t["status"] == "error"}
    assert set(failed) == {"activations", "backprop", "deep"}  # the two import activations.py
    assert all(hint in message for message in failed.values()), failed
    assert {e["name"]: e["score"] for e in report["exercises"]}["gradcheck"] == 10


def test_a_nul_byte_in_a_file_is_named_with_its_line(tmp_path):
    target = copy_reference(tmp_path / "s")
    source = (target / "backprop.py").read_bytes()
    cut = source.index(b"def output_delta")
    (target / "backprop.py").write_bytes(source[:cut] + b"\0\0" + source[cut:])
    line = source[:cut].count(b"\n") + 1
    _, report = run_json("grade", str(target))
    failed = {t["exercise"]: t["message"] for t in report["tests"] if t["status"] == "error"}
    assert set(failed) == {"backprop", "deep"}
    said = f"backprop.py holds a NUL byte (a zero byte) on line {line}, which Python source cannot hold"
    assert all(said in message for message in failed.values()), failed
    assert "null bytes" not in failed["backprop"]  # Python's own words, which name no file


def test_syntax_error_is_reported_with_its_line(tmp_path):
    target = reference_with_file(
        tmp_path / "s", "backprop.py", "import numpy as np\n\ndef squared_error(y_hat, y)\n    return 0\n"
    )
    _, report = run_json("grade", str(target))
    backprop = [t for t in report["tests"] if t["exercise"] == "backprop"]
    assert all(t["status"] == "error" for t in backprop)
    message = backprop[0]["message"]
    assert message.startswith("backprop.py could not be imported: SyntaxError: ")
    assert message.endswith("(backprop.py, line 3)") and "backprop.py:3" not in message  # said once
    assert {e["name"]: e["score"] for e in report["exercises"]}["activations"] == 20
    # one cause, said once for all of a file's tests, in the terminal and in the feedback (deep.py
    # imports backprop.py, so it fails the same way)
    failing_files = {t["exercise"] for t in report["tests"] if t["status"] == "error"}
    assert failing_files == {"backprop", "deep"}
    text = run("grade", str(target)).output
    assert text.count("could not be imported") == 2
    assert f"−45 in {len(backprop)} tests (test_lesson_example[ReLU neuron: loss], " in text
    markdown = feedback_markdown("s", report)
    assert markdown.count("could not be imported") == 2
    github = run("grade", str(target), "--format", "github").output
    errors = [line for line in github.splitlines() if line.startswith("::error ")]
    assert len(errors) == 2  # one per file's cause: backprop.py's tests, deep.py's tests
    for error in errors:  # both on the SyntaxError's own line, read from "(backprop.py, line 3)"
        assert error.split(",line=")[0].endswith("/s/backprop.py") and ",line=3," in error, error
    assert (
        f"**backprop.py**, {len(backprop)} tests (0 / 45, error)" in markdown
        and "What happened in each: " in markdown
    )


def test_wrong_signature_says_what_was_expected(tmp_path):
    source = (
        (REFERENCE / "backprop.py")
        .read_text()
        .replace('def output_delta(y_hat, y, z, activation="sigmoid"):', "def output_delta(y_hat, y):")
    )
    target = reference_with_file(tmp_path / "s", "backprop.py", source)
    _, report = run_json("grade", str(target))
    messages = [t["message"] for t in report["tests"] if t["status"] == "error"]
    assert any(
        'could not be called as output_delta(y_hat, y, z, activation="sigmoid"): yours is '
        "output_delta(y_hat, y)" in m
        for m in messages
    ), messages


def damaged_zip(folder: Path) -> Path:
    """A zip whose directory is fine but whose compressed data is not."""
    archive = folder / "damaged.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("activations.py", (REFERENCE / "activations.py").read_text())
    data = bytearray(archive.read_bytes())
    start = 30 + len("activations.py")  # the local header, then the compressed bytes
    data[start : start + 40] = bytes(40)
    archive.write_bytes(bytes(data))
    return archive


def _notebook_of_notes_only(folder: Path) -> Path:
    """A folder with a notebook whose cells are none of the exercises' (notes of the student's own)."""
    import nbformat

    target = folder / "work"
    target.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("my notes on backprop")])
    nbformat.write(notebook, target / "notes.ipynb")
    return target


def _all_capitalised(folder: Path) -> Path:
    """The reference saved as Activations.py, Backprop.py, ... (as some editors and downloads do)."""
    target = copy_reference(folder / "caps")
    for name in EXERCISE_FILES:
        (target / name).rename(target / name.capitalize())
    return target


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "nowhere", "does not exist"),
        (
            lambda p: (p / "notes.txt").write_text("hi") and p / "notes.txt",
            "is not a directory, a .zip or a .ipynb file",
        ),
        (lambda p: zipfile.ZipFile(p / "empty.zip", "w").close() or p / "empty.zip", "is an empty zip file"),
        (lambda p: (p / "bad.zip").write_bytes(b"not a zip") and p / "bad.zip", "is not a readable zip file"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "no exercise files"),
        (damaged_zip, "is damaged: activations.py cannot be unpacked"),
        (_all_capitalised, "only files named like them (Activations.py, Backprop.py, Gradcheck.py, Deep.py)"),
        (
            _notebook_of_notes_only,
            "notes.ipynb in {} has none of the exercise cells; use the notebook you were given",
        ),
    ],
    ids=[
        "missing",
        "not a directory",
        "empty zip",
        "corrupt zip",
        "no exercise files",
        "damaged member",
        "misnamed files",
        "a notebook of notes only",
    ],  # fmt: skip
)
def test_unreadable_submission_exits_2_with_one_line(tmp_path, make, message):
    submission = make(tmp_path)
    result = run("grade", str(submission))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    message = message.format(submission)
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["handed_in.zip", "handed_in.ipynb"])
def test_a_named_pipe_is_refused_rather_than_waited_on(tmp_path, name):
    """Opening a named pipe waits for a writer for good: a .zip or .ipynb that is one hung grade,
    and grade-all with it, until the time-out of whatever ran them."""
    os.mkfifo(tmp_path / name)
    completed = run_cli("grade", str(tmp_path / name), timeout=60)
    assert completed.returncode == 2 and "Traceback" not in completed.stderr, completed.stderr
    assert completed.stderr.strip() == (
        f"Error: {tmp_path / name} is neither a folder nor a file (a named pipe or a device, say); give "
        "the folder with your exercise files, or a .zip or .ipynb"
    )


def test_usage_error_exits_2():
    assert CliRunner().invoke(main, ["grade"]).exit_code == 2
    assert CliRunner().invoke(main, ["grade", ".", "--format", "xml"]).exit_code == 2


@pytest.mark.parametrize(
    "args",
    [["grade", "--timeout", "nan"], ["grade", "--total-timeout", "inf"], ["grade", "--fail-under", "NaN"],
     ["check", "--timeout", "1e400"], ["export", "--format", "canvas", "--out-of", "inf"]],
    ids=lambda args: " ".join(args[-2:]),
)  # fmt: skip
def test_a_number_that_is_not_finite_is_refused_as_a_usage_error(tmp_path, args):
    """nan passed every range (each comparison with it is false): --timeout nan stopped grading
    with exit 1 and not a word, --fail-under nan never failed."""
    where = (
        ["--gradebook", str(tmp_path / "book.sqlite")]
        if args[0] == "export"
        else [str(EXAMPLES_DIR / "correct")]
    )
    completed = run_cli(args[0], *where, *args[1:])
    assert completed.returncode == 2 and completed.stdout == ""
    errors = [line for line in completed.stderr.splitlines() if line.startswith("Error")]
    assert errors == [f"Error: Invalid value for '{args[-2]}': {args[-1]!r} is not a finite number"]
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize(
    ("args", "name"),
    [(["grade", ""], "'SUBMISSION'"), (["check", ""], "'[DIRECTORY]'"), (["grade-all", ""], "'SUBMISSIONS'"),
     (["grade", "{correct}", "--output", ""], "'--output'"), (["release", ""], "'OUT'"),
     (["export", "--out", ""], "'--out'"), (["quiz", "template", "--student", "a", "--out", ""], "'--out'")],
    ids=["grade", "check", "grade-all", "grade --output", "release", "export --out", "quiz template --out"],
)  # fmt: skip
def test_an_empty_path_is_refused_as_a_usage_error(tmp_path, args, name):
    """`grade "$SUBMISSION"` with the variable unset graded the working folder (pathlib reads "" as
    "."), `release ""` said that "." exists, and `export --out ""` and `quiz template --out ""`
    ended in "the grader failed"."""
    args = [arg.format(correct=EXAMPLES_DIR / "correct") for arg in args]
    completed = run_cli(*args, cwd=tmp_path)
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr.splitlines()[-1] == (
        f"Error: Invalid value for {name}: the path is empty: give a file or folder's name (is a shell "
        "variable unset?)"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_dash_for_the_report_or_export_file_is_standard_output(tmp_path):
    """As in most commands: it wrote a file named "-"."""
    graded = run_cli(
        "grade", str(EXAMPLES_DIR / "correct"), "--format", "json", "--output", "-", cwd=tmp_path
    )
    assert graded.returncode == 0 and json.loads(graded.stdout)["percent"] == 100.0
    book = tmp_path / "book.sqlite"
    run_cli("grade-all", str(EXAMPLES_DIR), "--gradebook", str(book), "--jobs", "1", cwd=tmp_path)
    exported = run_cli("export", "--gradebook", str(book), "--format", "json", "--out", "-", cwd=tmp_path)
    assert exported.returncode == 0 and len(json.loads(exported.stdout)["students"]) == 5
    assert not (tmp_path / "-").exists()


#: a bug of the grader's that shows before the pytest session is up (which holds stderr meanwhile)
EARLY_BUG = """
import sys
from grader import worker
def broken(limits):
    raise ValueError("a bug of the grader's, early")
worker.worker_rlimits = broken
from grader.cli import main
main(["grade", sys.argv[1]])
"""


def test_a_fault_of_the_graders_own_is_one_line_and_exit_3_even_before_pytest_is_up():
    """It was exit 1 and nothing at all: the traceback went where pytest's start-up output goes
    (suite_runner holds sys.stderr meanwhile, in its thread)."""
    completed = subprocess.run([sys.executable, "-c", EARLY_BUG, str(EXAMPLES_DIR / "correct")],
                               capture_output=True, text=True, timeout=300)  # fmt: skip
    assert completed.returncode == 3 and completed.stdout == ""
    assert completed.stderr == (
        "Error: the grader failed: ValueError: a bug of the grader's, early (<string>:5 in broken); this "
        "is a fault of backprop-grader, not of what it was given: please report it, with the command you ran "
        "and the whole traceback, which BACKPROP_GRADER_TRACEBACK=1 in the environment shows\n"
    )


#: grade_path, which both grade and grade-all call, with a bug of the grader's in it
GRADE_PATH_BUG = """

def grade_path(*args, **kwargs):
    raise ZeroDivisionError("a bug of the grader's\\n::error::second line")
"""


@pytest.mark.parametrize("asked", [False, True], ids=["one line", "BACKPROP_GRADER_TRACEBACK=1"])
def test_a_fault_of_the_graders_own_shows_its_whole_traceback_when_asked(tmp_path, asked):
    """A bug report needs the whole traceback, and the one line names only the innermost frame:
    BACKPROP_GRADER_TRACEBACK=1 prints it too, for grade (above the line) and for grade-all (below
    each student's). A line of it that would be a GitHub Actions workflow command is not one."""
    project = grader_copy(tmp_path / "project")
    with (project / "grader" / "grading.py").open("a") as grading:
        grading.write(GRADE_PATH_BUG)
    env = {**os.environ, "BACKPROP_GRADER_TRACEBACK": "1" if asked else "0"}
    line = "ZeroDivisionError: a bug of the grader's (grading.py:"  # the first line of its message
    completed = run_cli("grade", str(EXAMPLES_DIR / "correct"), cwd=project, env=env)
    assert completed.returncode == 3 and completed.stdout == ""
    *traceback, said = completed.stderr.splitlines()
    assert said.startswith(f"Error: the grader failed: {line}") and " in grade_path); this is a fault" in said
    assert said.endswith(
        "please report it, with the command you ran and the traceback above"
        if asked
        else "please report it, with the command you ran and the whole traceback, which "
        "BACKPROP_GRADER_TRACEBACK=1 in the environment shows"
    )
    if asked:
        assert traceback[0] == "Traceback (most recent call last):"
        assert any("in grade_path" in frame for frame in traceback) and any("cli.py" in t for t in traceback)
        assert traceback[-2:] == ["ZeroDivisionError: a bug of the grader's", "\\::error::second line"]
    else:
        assert traceback == []
    root = tmp_path / "class"
    for name in ("ada", "bo"):
        shutil.copytree(EXAMPLES_DIR / "correct", root / name)
    every = run_cli("grade-all", str(root), "--gradebook", str(tmp_path / "book.sqlite"), "--jobs", "1",
                    cwd=project, env=env)  # fmt: skip
    assert every.returncode == 3
    said = [text for text in every.stderr.splitlines() if text.startswith("grader error")]
    assert len(said) == 1  # the same for both students, traceback and all: said once
    assert said[0].startswith((f"grader error for ada, bo: {line}", f"grader error for bo, ada: {line}"))
    assert ("Traceback (most recent call last):" in every.stderr) == asked


@pytest.mark.parametrize(
    "command", [[], *([name] for name in sorted(main.commands))], ids=lambda c: " ".join(c)
)
def test_every_command_explains_itself_with_an_example(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "backprop-grader" in result.output
    assert "Example" in result.output or "check" in result.output


def test_a_bundle_that_cannot_be_written_says_where_and_what_to_do(tmp_path):
    result = CliRunner().invoke(main, ["gradescope-bundle", str(tmp_path / "missing" / "autograder.zip")])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: could not write {tmp_path / 'missing' / 'autograder.zip'} (No such file or directory); "
        "choose a path in a folder you can write to\n"
    )


def test_check_runs_the_public_tests_on_exercises_by_default(tmp_path, monkeypatch):
    copy_reference(tmp_path / "exercises")
    monkeypatch.chdir(tmp_path)
    result, report = run_json("check")
    assert result.exit_code == 0
    assert report["suite"] == "public" and report["percent"] == 100
    assert 0 < report["max_score"] < 100
    text = run("check").output  # says that a full score here is not the grade
    assert (
        "Total: 38.5/38.5 (100.0%)" in text
        and "These are the public tests. The grade comes from hidden" in text
    )
    # a public check often takes under 50 ms: "in 0.0 s" would read as a fault
    took = re.search(r"Total: .*  in (\S+) (ms|s)\n", text)
    assert took and took.group(1) != "0.0" and float(took.group(1)) > 0


def test_check_of_one_exercise_file_runs_that_files_tests_only(tmp_path):
    copy_reference(tmp_path / "exercises")
    result, report = run_json("check", str(tmp_path / "exercises" / "gradcheck.py"))
    assert result.exit_code == 0 and [e["name"] for e in report["exercises"]] == ["gradcheck"]
    assert report["percent"] == 100
    # --exercise still chooses; a file that is no exercise is still refused
    _, chosen = run_json("check", str(tmp_path / "exercises" / "gradcheck.py"), "--exercise", "deep")
    assert [e["name"] for e in chosen["exercises"]] == ["deep"]
    (tmp_path / "notes.py").write_text("x = 1\n")
    refused = run("check", str(tmp_path / "notes.py"))
    assert refused.exit_code == 2 and "is not a directory, a .zip or a .ipynb file" in refused.output


def test_check_run_inside_the_exercises_folder_checks_it(tmp_path, monkeypatch):
    monkeypatch.chdir(copy_reference(tmp_path / "exercises"))  # cd exercises, then check
    result, report = run_json("check")
    assert result.exit_code == 0 and report["percent"] == 100 and len(report["exercises"]) == 4


def test_check_without_an_exercises_folder_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("check")
    assert result.exit_code == 2
    assert result.output == (
        "Error: exercises does not exist: run check in the folder that holds your exercises/ folder, or "
        "name the folder: backprop-grader check path/to/exercises\n"
    )


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_output_to_a_stream_that_is_not_utf8_is_never_lost(encoding):
    """Output redirected to a file on Windows is in the ANSI code page (cp1252), which has no −,
    ✓ or →: the text report shows those as "?", and documents for programs are UTF-8."""
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    example = str(EXAMPLES_DIR / "no_batch_average")
    text = subprocess.run(cli("grade", example), capture_output=True, env=env, timeout=120)
    assert text.returncode == 0 and b"Traceback" not in text.stderr, text.stderr[-2000:]
    assert b"Total: 65/143 (45.5%)" in text.stdout
    document = subprocess.run(
        cli("grade", example, "--format", "json"), capture_output=True, env=env, timeout=120
    )
    report = json.loads(document.stdout.decode("utf-8"))
    assert any("−" in test["message"] for test in report["tests"])  # kept, not turned into "?"


def test_under_a_locale_that_is_not_utf8_every_command_reads_and_writes_utf8(tmp_path):
    """With Python's UTF-8 mode off and an ASCII locale (LC_ALL=C where no C.UTF-8 exists), files
    opened without an encoding are read as ASCII: `grade` stopped with a traceback on the
    reference's σ, reading it to recognise untouched stubs."""
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    probe = subprocess.run([sys.executable, "-c", "import locale; print(locale.getpreferredencoding())"],
                           capture_output=True, text=True, env=env)  # fmt: skip
    assert probe.stdout.strip() in ("ANSI_X3.4-1968", "US-ASCII", "ascii"), probe.stdout
    graded = subprocess.run(
        cli("grade", str(EXAMPLES_DIR / "correct")), capture_output=True, env=env, timeout=120
    )
    assert graded.returncode == 0 and b"Total: 143/143 (100.0%)" in graded.stdout, graded.stderr[-2000:]
    kit = subprocess.run(cli("release", str(tmp_path / "kit")), capture_output=True, env=env, timeout=300)
    assert kit.returncode == 0, kit.stderr[-2000:]
    assert "σ" in (tmp_path / "kit" / "exercises" / "activations.py").read_text(encoding="utf-8")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a device that is always full")
def test_output_to_a_full_disk_is_one_line_and_exit_2_whatever_the_command(tmp_path):
    """`backprop-grader export > grades.csv` on a full disk printed a traceback; so did any command
    whose last line of output did not fit (release, after writing the kit)."""
    book = tmp_path / "book.sqlite"
    shutil.copytree(EXAMPLES_DIR / "correct", tmp_path / "class" / "alice")
    assert subprocess.run(cli("grade-all", str(tmp_path / "class"), "--gradebook", str(book)),
                          capture_output=True, timeout=300).returncode == 0  # fmt: skip
    commands = {
        "grade": ["grade", str(EXAMPLES_DIR / "correct")],
        "grade json": ["grade", str(EXAMPLES_DIR / "correct"), "--format", "json"],
        "export": ["export", "--gradebook", str(book), "--format", "csv"],
        "stats": ["stats", "--gradebook", str(book)],
        "release": ["release", str(tmp_path / "kit")],
        "quiz check": ["quiz", "check", str(EXAMPLES_DIR / "correct" / "answers.toml")],
    }
    for name, args in commands.items():
        with open("/dev/full", "w") as full:
            completed = subprocess.run(
                cli(*args), stdout=full, stderr=subprocess.PIPE, text=True, timeout=300
            )
        assert completed.returncode == 2, (name, completed.stderr[-2000:])
        assert re.fullmatch(
            r"Error: could not write[^\n]*\(No space left on device\)[^\n]*\n", completed.stderr
        ), (
            name,
            completed.stderr[-2000:],
        )
    assert (tmp_path / "kit" / "exercises" / "activations.py").is_file()  # the work was done all the same


def test_a_submission_whose_path_is_not_utf8_is_graded_into_every_format(tmp_path):
    """A folder named in Latin-1 (b"caf\\xe9"): its name is in every report, which must still be
    written."""
    target = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9"))
    copy_reference(target)
    for fmt in ("text", "json", "junit", "gradescope", "github"):
        completed = subprocess.run(
            cli("grade", str(target), "--format", fmt, "--output", str(tmp_path / f"report.{fmt}")),
            capture_output=True, timeout=120, env={**os.environ, "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")},
        )  # fmt: skip
        assert completed.returncode == 0 and b"Traceback" not in completed.stderr, (
            fmt,
            completed.stderr[-1500:],
        )
    assert "caf\\udce9" in json.loads((tmp_path / "report.json").read_text())["submission"]


def test_installed_command_grades_in_a_fresh_process(tmp_path):
    completed = subprocess.run(
        cli("grade", str(REFERENCE), "--format", "json"), capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["score"] == 100
    bad = subprocess.run(cli("grade", str(tmp_path / "nope")), capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.strip().startswith("Error:") and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["check", str(EXERCISES)],
        ["grade", str(REFERENCE)],
        ["grade-all", str(EXAMPLES_DIR), "--gradebook", "{book}"],
    ],
    ids=["check", "grade", "grade-all"],
)
def test_a_system_that_cannot_fork_a_worker_is_told_where_grading_runs(tmp_path, args):
    """Windows has no os.fork; the grader says what to do instead of failing somewhere inside."""
    book = tmp_path / "book.sqlite"
    program = (
        "import os, sys; del os.fork; from grader.cli import main; sys.argv[0] = 'backprop-grader'; main()"
    )
    completed = subprocess.run(
        [sys.executable, "-c", program, *[a.format(book=book) for a in args]], capture_output=True, text=True
    )
    assert completed.returncode == 3, completed.stderr
    assert "needs Linux or macOS" in completed.stderr and "has no os.fork" in completed.stderr
    assert "run it inside WSL" in completed.stderr and "Traceback" not in completed.stderr
    assert completed.stderr.count("\n") == 1 and not book.exists()


@pytest.mark.parametrize(
    "stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["ctrl-c", "sigterm", "sighup"]
)
def test_grade_stopped_by_ctrl_c_sigterm_or_sighup_cleans_up_and_exits_130(tmp_path, stop):
    """A CI time-out sends SIGTERM, a closed terminal SIGHUP: the worker (in a loop here) is
    stopped and the scratch folder removed, as after Ctrl-C, and the exit status is not 1, which
    means "below --fail-under"."""
    submission = looping_submission(tmp_path / "loops")
    process = subprocess.Popen(
        cli("grade", str(submission), "--fail-under", "50"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not _scratch_of(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # into the loop: the first call to tanh_prime comes within a second of the copy
    process.send_signal(stop)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stdout == ""
    assert stderr == (
        "Error: interrupted (Ctrl-C, SIGTERM or SIGHUP) before grading finished; nothing was graded\n"
    )
    assert not _scratch_of(process.pid)


def test_a_quiz_command_stopped_is_named_with_its_subcommand(tmp_path, monkeypatch):
    """The one line once said "before quiz finished" for any of quiz's commands."""

    def stopped() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_quiz, "_load", stopped)
    result = CliRunner().invoke(
        main, ["quiz", "template", "--student", "alice", "--out", str(tmp_path / "a.toml")]
    )
    assert result.exit_code == 130
    assert result.output == (
        "Error: interrupted (Ctrl-C, SIGTERM or SIGHUP) before quiz template finished; the files it "
        "writes are written whole or not at all: run the same command again\n"
    )
    assert not (tmp_path / "a.toml").exists()


def _scratch_of(pid: int) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"backprop-grader-{pid}-*"))


BROKEN_TEST = """
import numpy as np
import pytest


@pytest.mark.points(2)
def test_sigmoid_is_odd(student):
    z = np.array([0.5])
    assert np.allclose(student.sigmoid(-z), -student.sigmoid(z)), "sigmoid(-z) is not -sigmoid(z)"


@pytest.mark.points(0)
def test_worth_nothing(student):
    assert False, "a check that counts for nothing"


@pytest.mark.points(1)
def test_fine(student):
    assert student.relu(np.array([2.0])).tolist() == [2.0]
"""


def test_a_test_the_reference_fails_stops_grading_with_one_line_and_exit_3(tmp_path):
    """A test (or a reference function) changed and broken would cost every student its points:
    grading refuses, naming the test and what it said."""
    project = grader_copy(tmp_path / "project")
    (project / "grader" / "hidden_tests" / "test_extra.py").write_text(BROKEN_TEST)
    completed = run_cli("grade", str(EXAMPLES_DIR / "correct"), cwd=project)
    assert completed.returncode == 3 and completed.stdout == ""
    assert completed.stderr == (
        "Error: grading could not run: the reference solutions fail 1 test, so every submission would "
        "lose those points: hidden_tests/test_extra.py::test_sigmoid_is_odd (sigmoid(-z) is not "
        "-sigmoid(z)); fix the test, or the function in reference/\n"
    )


SLOW_TEST = """
import itertools

import numpy as np
import pytest

from grader.probe_functions import cubic_gradient
from grader.student_calls import numerical_gradient_of

GRADINGS = itertools.count()


@pytest.mark.points(2)
def test_numerical_gradient_of_many_parameters(student, rng):
    x = rng.normal(size=SIZE(next(GRADINGS)))
    _, got = numerical_gradient_of(student, "cubic", x, eps=1e-3)
    assert np.allclose(got, cubic_gradient(x), atol=1e-3)
"""


def test_a_test_too_slow_for_the_reference_stops_grading_with_one_line_and_exit_3(tmp_path):
    """A test whose inputs are so large that the reference solutions run out of time, in both of
    the gradings of the reference that start a process, would cost every student its points."""
    project = grader_copy(tmp_path / "project")
    slow = SLOW_TEST.replace("SIZE(next(GRADINGS))", "300_000")
    (project / "grader" / "hidden_tests" / "test_extra.py").write_text(slow)
    completed = run_cli("grade", str(EXAMPLES_DIR / "correct"), "--timeout", "0.5", cwd=project)
    assert completed.returncode == 3 and completed.stdout == ""
    assert completed.stderr == (
        "Error: grading could not run: the reference solutions ran out of time in 1 test, twice, so every "
        "submission would lose those points: hidden_tests/test_extra.py::test_numerical_gradient_of_many_parameters "
        "(numerical_gradient did not return within 0.5 s); make the test's inputs smaller, or allow more time "
        "(--timeout, --total-timeout)\n"
    )


def test_a_reference_that_ran_out_of_time_once_only_grades_on(tmp_path):
    """Once may be a busy machine: here only the first grading of the reference is given the large
    input, and the submission is graded, its slow test passed."""
    project = grader_copy(tmp_path / "project")
    once = SLOW_TEST.replace("SIZE(next(GRADINGS))", "300_000 if next(GRADINGS) == 0 else 5")
    (project / "grader" / "hidden_tests" / "test_extra.py").write_text(once)
    completed = run_cli(
        "grade", str(EXAMPLES_DIR / "correct"), "--timeout", "0.5", "--format", "json", cwd=project
    )
    assert completed.returncode == 0, completed.stderr
    extra = [t for t in json.loads(completed.stdout)["tests"] if t["exercise"] == "extra"]
    assert [(t["name"], t["status"]) for t in extra] == [
        ("test_numerical_gradient_of_many_parameters", "passed")
    ]


@pytest.mark.parametrize(("command", "out"), [("release", "kit"), ("gradescope-bundle", "autograder.zip")])
def test_a_kit_or_bundle_with_a_test_the_reference_fails_is_not_written(tmp_path, command, out):
    """Better said to the instructor now than to every student on their first submission."""
    project = grader_copy(tmp_path / "project")
    (project / "grader" / "public_tests" / "test_extra.py").write_text(BROKEN_TEST)
    completed = run_cli(command, str(tmp_path / out), cwd=project)
    assert completed.returncode == 3 and not (tmp_path / out).exists()
    assert completed.stderr == (
        f"Error: not writing {tmp_path / out}: the reference solutions fail 1 test, so every submission "
        "would lose those points: public_tests/test_extra.py::test_sigmoid_is_odd (sigmoid(-z) is not "
        "-sigmoid(z)); fix the test, or the function in reference/\n"
    )


def test_a_worker_that_cannot_start_is_a_grader_error_in_one_line(tmp_path):
    """A broken install (here the worker's zygote fails at once) is the grader's fault: one line
    and exit 3, no traceback (one was printed until 0.4.7), for grade and for grade-all alike,
    which says the error once for the whole class rather than once per student."""
    project = grader_copy(tmp_path / "project")
    (project / "grader" / "zygote_main.py").write_text("raise SystemExit(1)\n")
    completed = run_cli("grade", str(EXAMPLES_DIR / "correct"), cwd=project)
    assert completed.returncode == 3 and completed.stdout == ""
    assert completed.stderr.startswith("Error: grading could not run: the worker could not be started: ")
    assert completed.stderr.count("\n") == 1
    root = tmp_path / "class"
    for name in ("ada", "bo", "cy"):
        shutil.copytree(EXAMPLES_DIR / "correct", root / name)
    book = tmp_path / "book.sqlite"
    every = run_cli("grade-all", str(root), "--gradebook", str(book), "--jobs", "1", cwd=project)
    assert every.returncode == 3 and "Traceback" not in every.stderr, every.stderr
    said = [line for line in every.stderr.splitlines() if line.startswith("grader error")]
    assert len(said) == 1, said  # the same error for the whole class, said once
    assert said[0].startswith("grader error for ada, bo, cy: the worker could not be started: ")

"""Canvas's "Download Submissions": sort-canvas sorts it into folders by SIS Login ID, and
grade-all, given the download itself, says to."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, REFERENCE, with_key, zip_tree
from conftest import run_cli as run

from grader.canvas_download import Roster, canvas_file, read_roster, sort_download

ROSTER = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Backprop\n"  # Canvas's export starts with a BOM
    "    Points Possible,,,,,143\n"
    '"Smith, Bob",340934,1001,bsmith,Section 1,\n'
    '"Wells, Lane",334244,1002,lwells@uni.example,Section 1,\n'
    '"Student, Test",999001,,,Section 1,\n'
)


def canvas_download(folder: Path) -> Path:
    """A download as Canvas gives it: Bob's four files, his activations.py uploaded again (the
    first upload does not import), his answers for the id bsmith; Lane's two files, late; a
    student who left the course; a file Canvas did not name."""
    folder.mkdir()
    for name in ("activations", "backprop", "gradcheck", "deep"):
        shutil.copy(REFERENCE / f"{name}.py", folder / f"smithbob_340934_208490284_{name}.py")
    (folder / "smithbob_340934_208490284_activations.py").write_text("def sigmoid(z:\n")
    shutil.copy(REFERENCE / "activations.py", folder / "smithbob_340934_208490284_activations-1.py")
    with_key(folder, "bsmith")
    (folder / "answers.toml").rename(folder / "smithbob_340934_208490284_answers.toml")
    for name in ("activations", "backprop"):
        shutil.copy(REFERENCE / f"{name}.py", folder / f"wellslane_late_334244_394803489_{name}.py")
    shutil.copy(REFERENCE / "deep.py", folder / "gonegone_555_1_deep.py")
    (folder / "index.html").write_text("<p>not from Canvas</p>")
    return folder


@pytest.fixture
def sorted_class(tmp_path):
    download = canvas_download(tmp_path / "download")
    (tmp_path / "grades.csv").write_text(ROSTER, encoding="utf-8")
    completed = run("sort-canvas", str(download), "--roster", str(tmp_path / "grades.csv"),
                    "--out", str(tmp_path / "submissions"))  # fmt: skip
    return tmp_path, completed


def test_each_students_files_go_to_a_folder_named_by_their_sis_login_id(sorted_class):
    tmp_path, completed = sorted_class
    assert completed.returncode == 0, completed.stderr
    out = tmp_path / "submissions"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "bsmith",
        "bsmith/activations.py",
        "bsmith/answers.toml",
        "bsmith/backprop.py",
        "bsmith/deep.py",
        "bsmith/gradcheck.py",
        "lwells@uni.example",
        "lwells@uni.example/activations.py",
        "lwells@uni.example/backprop.py",
    ]
    assert (out / "bsmith" / "activations.py").read_bytes() == (REFERENCE / "activations.py").read_bytes()
    assert (
        "kept smithbob_340934_208490284_activations-1.py as activations.py, the later upload"
        in completed.stderr
    )
    assert "left out gonegone (Canvas user 555): not in the roster" in completed.stderr
    assert "skipped index.html" in completed.stderr
    assert "sorted the files of 2 students" in completed.stderr
    assert "handed in late: lwells@uni.example" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_the_sorted_folder_grades_under_the_login_ids_and_exports_rows_canvas_matches(sorted_class):
    tmp_path, _ = sorted_class
    book = str(tmp_path / "book.sqlite")
    graded = run("grade-all", str(tmp_path / "submissions"), "--gradebook", book, "--jobs", "1")
    assert graded.returncode == 0, graded.stderr
    exported = run("export", "--gradebook", book, "--format", "canvas")
    rows = {row["SIS Login ID"]: row for row in csv.DictReader(io.StringIO(exported.stdout))}
    # the later upload was graded, and the quiz numbers were drawn for bsmith: full marks
    assert float(rows["bsmith"]["Backprop"]) == float(rows[""]["Backprop"]) == 143.0
    assert 0 < float(rows["lwells@uni.example"]["Backprop"]) < 143
    # with Canvas's own export, each row says who it is the way Canvas's own rows do
    exported = run(
        "export", "--gradebook", book, "--format", "canvas", "--roster", str(tmp_path / "grades.csv")
    )
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    assert lines[2:] == ['"Smith, Bob",340934,1001,bsmith,Section 1,143.0',
                         '"Wells, Lane",334244,1002,lwells@uni.example,Section 1,' + rows["lwells@uni.example"]["Backprop"]]  # fmt: skip
    refused = run("export", "--gradebook", book, "--format", "csv", "--roster", str(tmp_path / "grades.csv"))
    assert (
        refused.returncode == 2
        and "Error: --roster is for --format canvas, moodle-worksheet and blackboard only, not csv"
        in refused.stderr
    )


def test_a_canvas_without_sis_ids_names_folders_by_another_column_and_exports_back_to_it(tmp_path):
    download = canvas_download(tmp_path / "download")
    roster = tmp_path / "grades.csv"  # no SIS columns at all, as a Canvas without an SIS exports it
    roster.write_text('Student,ID,Section,Backprop\n"Smith, Bob",340934,S1,\n"Wells, Lane",334244,S1,\n')
    out = tmp_path / "submissions"
    refused = run("sort-canvas", str(download), "--roster", str(roster), "--out", str(out))
    assert refused.returncode == 2 and "has no 'ID' and 'SIS Login ID' columns" in refused.stderr
    completed = run(
        "sort-canvas", str(download), "--roster", str(roster), "--out", str(out), "--id-column", "ID"
    )
    assert completed.returncode == 0, completed.stderr
    assert sorted(p.name for p in out.iterdir()) == ["334244", "340934"]
    book = str(tmp_path / "book.sqlite")
    assert run("grade-all", str(out), "--gradebook", book, "--jobs", "1").returncode == 0
    exported = run("export", "--gradebook", book, "--format", "canvas", "--roster", str(roster))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.splitlines()[2].startswith('"Wells, Lane",334244,,,S1,')  # Canvas matches on ID


def test_a_roster_a_spreadsheet_program_saved_with_semicolons_sorts_the_same(sorted_class):
    tmp_path, from_commas = sorted_class
    rows = list(csv.reader(io.StringIO(ROSTER)))
    (tmp_path / "semicolons.csv").write_text(
        "\n".join(";".join(row) for row in rows) + "\n", encoding="utf-8"
    )
    out = tmp_path / "from semicolons"
    completed = run("sort-canvas", str(tmp_path / "download"), "--roster", str(tmp_path / "semicolons.csv"),
                    "--out", str(out))  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == from_commas.stderr.replace(str(tmp_path / "submissions"), str(out))
    assert sorted(p.name for p in out.iterdir()) == ["bsmith", "lwells@uni.example"]


def test_the_download_zip_itself_sorts_as_the_folder_it_unzips_into(sorted_class):
    tmp_path, from_folder = sorted_class
    archive = zip_tree(tmp_path / "download")
    out = tmp_path / "from zip" / "submissions"
    completed = run("sort-canvas", str(archive), "--roster", str(tmp_path / "grades.csv"), "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == from_folder.stderr.replace(
        str(tmp_path / "submissions"), str(out)
    )  # the same notes, students and late ones
    folder = tmp_path / "submissions"
    assert [(p.relative_to(out), p.is_file() and p.read_bytes()) for p in sorted(out.rglob("*"))] == [
        (p.relative_to(folder), p.is_file() and p.read_bytes()) for p in sorted(folder.rglob("*"))
    ]
    assert sorted(p.name for p in out.parent.iterdir()) == ["submissions"]  # the unzipped copy is gone


def test_grade_all_given_the_download_zip_says_to_sort_that_zip(tmp_path):
    archive = zip_tree(canvas_download(tmp_path / "download"))
    completed = run("grade-all", str(archive), "--gradebook", str(tmp_path / "book.sqlite"))
    assert completed.returncode == 2 and completed.stderr.count("\n") == 1, completed.stderr
    assert "It is Canvas's download of every submission" in completed.stderr
    assert f"backprop-grader sort-canvas {archive} --roster grades.csv --out submissions/" in completed.stderr
    assert not (tmp_path / "book.sqlite").exists()


def test_grade_all_given_the_download_says_to_sort_it_and_makes_no_gradebook(tmp_path):
    download = canvas_download(tmp_path / "download")
    completed = run("grade-all", str(download), "--gradebook", str(tmp_path / "book.sqlite"))
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1 and "Traceback" not in completed.stderr
    assert "named as Canvas's Download Submissions names them" in completed.stderr
    assert f"backprop-grader sort-canvas {download} --roster grades.csv" in completed.stderr
    assert not (tmp_path / "book.sqlite").exists()


def test_a_canvas_named_notebook_beside_student_folders_is_not_graded_as_a_student(tmp_path):
    root = tmp_path / "class"
    shutil.copytree(EXAMPLES / "correct", root / "alice")
    (root / "smithbob_340934_208490284_backprop.ipynb").write_text("{}")
    completed = run("grade-all", str(root), "--gradebook", str(tmp_path / "book.sqlite"))
    assert completed.returncode == 0, completed.stderr
    assert "skipped 1 file named as Canvas's Download Submissions names them" in completed.stderr
    assert "1/1 submissions: 1 graded" in completed.stderr


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no columns", "has no 'ID' and 'SIS Login ID' columns, so it is not Canvas's gradebook export"),
        ("not utf-8", "could not read {tmp}/grades.csv (not UTF-8 text)"),
        ("out not empty", "{tmp}/submissions already exists and is not an empty folder; choose a new one"),
        ("no canvas files", "holds no file named as Canvas's Download Submissions names them"),
        ("nobody in roster", "no student of {tmp}/download could be sorted"),
        (
            "download is an empty zip",
            "{tmp}/download is an empty zip file; give the submissions.zip of Canvas's Download",
        ),
        (
            "download is the roster",
            "{tmp}/grades.csv is neither a folder nor a .zip; give the submissions.zip of Canvas's",
        ),
        ("out inside a file", "could not sort {tmp}/download into {tmp}/index/submissions (Not a directory"),
    ],
)
def test_unusable_input_is_one_line_and_exit_2(tmp_path, setup, message):
    download = canvas_download(tmp_path / "download")
    roster = tmp_path / "grades.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    if setup == "no columns":
        roster.write_text("Username,Backprop\nbsmith,100\n")
    elif setup == "not utf-8":  # saved as Latin-1, as a spreadsheet program may save it
        roster.write_bytes(ROSTER.encode()[3:].replace(b"Smith", b"Sm\xefth"))
    elif setup == "out not empty":
        (tmp_path / "submissions").mkdir()
        (tmp_path / "submissions" / "old.txt").write_text("")
    elif setup == "no canvas files":
        shutil.rmtree(download)
        shutil.copytree(EXAMPLES / "correct", download)
    elif setup == "nobody in roster":
        roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n")
    elif setup == "download is an empty zip":
        shutil.rmtree(download)
        download.write_bytes(b"PK\x05\x06" + bytes(18))
    elif setup == "download is the roster":
        download = roster
    out = tmp_path / "submissions"
    if setup == "out inside a file":
        (tmp_path / "index").write_text("")
        out = tmp_path / "index" / "submissions"
    completed = run("sort-canvas", str(download), "--roster", str(roster), "--out", str(out))
    assert completed.returncode == 2, completed.stderr
    errors = [line for line in completed.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and message.format(tmp=tmp_path) in errors[0]
    assert "Traceback" not in completed.stderr


def test_a_copy_that_fails_midway_leaves_no_half_sorted_folder(tmp_path, monkeypatch):
    download = canvas_download(tmp_path / "download")
    (tmp_path / "grades.csv").write_text(ROSTER, encoding="utf-8")
    copied = []

    def copy_then_fail(source, target, **_):
        if copied:
            raise OSError(28, "No space left on device", str(target))
        copied.append(target.write_bytes(Path(source).read_bytes()))

    monkeypatch.setattr(shutil, "copyfile", copy_then_fail)
    with pytest.raises(OSError):
        sort_download(download, read_roster(tmp_path / "grades.csv"), tmp_path / "submissions")
    assert len(copied) == 1 and not (tmp_path / "submissions").exists()


@pytest.mark.parametrize(
    ("name", "student", "user", "late", "uploaded"),
    [
        ("smithbob_340934_208490284_deep.py", "smithbob", "340934", False, "deep.py"),
        ("smithbob_LATE_340934_208490284_deep-2.py", "smithbob", "340934", True, "deep.py"),
        ("smithbob_late_340934_208490284_my_work-1.ipynb", "smithbob", "340934", True, "my_work.ipynb"),
        ("wellslane_334244_394803489_notes-1.txt", "wellslane", "334244", False, "notes-1.txt"),
        ("wellslane_334244_394803489_answers-3.toml", "wellslane", "334244", False, "answers.toml"),
        # an uploaded name that looks like another student's file is still the uploader's
        (
            "wellslane_334244_394803489_smithbob_340934_1_deep.py",
            "wellslane",
            "334244",
            False,
            "smithbob_340934_1_deep.py",
        ),
    ],
)
def test_canvas_names_are_read_back_to_the_uploaded_name(name, student, user, late, uploaded):
    file = canvas_file(Path(name))
    assert file is not None
    assert (file.name, file.user_id, file.late, file.uploaded_name) == (student, user, late, uploaded)


@pytest.mark.parametrize(
    "name", ["activations.py", "alice.zip", "alice_1.zip", "bob_x_2_deep.py", "bob_1_2_..", "bob_1_2_."]
)
def test_names_canvas_does_not_give_are_not_taken_for_its_own(name):
    assert canvas_file(Path(name)) is None


def test_a_file_name_cannot_put_a_workflow_command_into_the_notes(tmp_path):
    download = tmp_path / "download"
    download.mkdir()
    names = ("smithbob_340934_1_deep.py", "smithbob_340934_1_a\n::error::b.py", "x\n::error::y")
    for name in names:
        shutil.copy(REFERENCE / "deep.py", download / name)
    result = sort_download(download, Roster("SIS Login ID", {"340934": "bsmith"}), tmp_path / "out")
    assert len(result.notes) == 2 and not any("\n" in note for note in result.notes)
    assert "skipped 'x\\n::error::y': not a file named" in result.notes[1]
    assert result.students == {"bsmith": ["deep.py"]}

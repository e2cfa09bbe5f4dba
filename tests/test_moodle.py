"""Moodle's "Download all submissions": sort-moodle sorts it into folders named by a column of the
grading worksheet, grade-all given the download itself says to, and export fills the worksheet in
for Moodle's "Upload grading worksheet"."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path, PureWindowsPath

import pytest
from conftest import REFERENCE, with_key, zip_tree
from conftest import run_cli as run

from grader.moodle_download import moodle_file

WORKSHEET = (
    'Identifier,"Full name","Email address","ID number",Status,Grade,"Maximum Grade","Grade can be changed",'
    '"Last modified (submission)","Last modified (grade)","Feedback comments"\n'
    '"Participant 1001","Bob Smith",bsmith@uni.example,S1,"Submitted for grading - Not graded",,100.00,Yes,'
    '"Thursday, 26 November 2026, 9:12 PM",-,\n'
    '"Participant 1002","Lane Wells",lwells@uni.example,S2,"Submitted for grading - Not graded",,100.00,Yes,'
    '"Thursday, 26 November 2026, 9:40 PM",-,\n'
    '"Participant 1004","Ann Other",aother@uni.example,S4,"No submission",,100.00,Yes,-,-,\n'
)


def moodle_download(folder: Path) -> Path:
    """A download as Moodle gives it, zipped: Bob's folder (as Moodle names it now) with all four files and his
    answers for bsmith@uni.example; Lane's folder as older Moodles name it, with activations.py in a
    subfolder, and the text she typed into Moodle; a file of a student who left the course, as
    Moodle names files without "Download submissions in folders"."""
    bob = folder / "Bob Smith_1001_assignsubmission_file"
    bob.mkdir(parents=True)
    for name in ("activations", "backprop", "gradcheck", "deep"):
        shutil.copy(REFERENCE / f"{name}.py", bob / f"{name}.py")
    with_key(bob, "bsmith@uni.example")
    lane = folder / "Lane Wells_1002_assignsubmission_file_" / "work"
    lane.mkdir(parents=True)
    shutil.copy(REFERENCE / "activations.py", lane / "activations.py")
    (folder / "Lane Wells_1002_assignsubmission_onlinetext").mkdir()
    (folder / "Lane Wells_1002_assignsubmission_onlinetext" / "onlinetext.html").write_text("<p>done</p>")
    shutil.copy(REFERENCE / "deep.py", folder / "Gone Away_1003_assignsubmission_file_deep.py")
    return zip_tree(folder)


@pytest.fixture
def sorted_class(tmp_path):
    archive = moodle_download(tmp_path / "download")
    (tmp_path / "worksheet.csv").write_text(WORKSHEET, encoding="utf-8")
    completed = run("sort-moodle", str(archive), "--worksheet", str(tmp_path / "worksheet.csv"),
                    "--out", str(tmp_path / "submissions"))  # fmt: skip
    return tmp_path, completed


def test_each_students_files_go_to_a_folder_named_by_their_email_address(sorted_class):
    tmp_path, completed = sorted_class
    assert completed.returncode == 0, completed.stderr
    out = tmp_path / "submissions"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "bsmith@uni.example",
        "bsmith@uni.example/activations.py",
        "bsmith@uni.example/answers.toml",
        "bsmith@uni.example/backprop.py",
        "bsmith@uni.example/deep.py",
        "bsmith@uni.example/gradcheck.py",
        "lwells@uni.example",
        "lwells@uni.example/work",
        "lwells@uni.example/work/activations.py",
    ]
    assert (out / "bsmith@uni.example" / "deep.py").read_bytes() == (REFERENCE / "deep.py").read_bytes()
    assert "skipped Lane Wells_1002_assignsubmission_onlinetext/onlinetext.html: not a file handed in" in (
        completed.stderr
    )
    assert "left out Gone Away (participant 1003): not in the worksheet" in completed.stderr
    assert "sorted the files of 2 students" in completed.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "download",
        "download.zip",
        "submissions",
        "worksheet.csv",
    ]


def test_the_folder_it_unzips_into_sorts_the_same_and_another_column_names_the_folders(sorted_class):
    tmp_path, _ = sorted_class
    out = tmp_path / "by id number"
    completed = run("sort-moodle", str(tmp_path / "download"), "--worksheet", str(tmp_path / "worksheet.csv"),
                    "--out", str(out), "--id-column", "ID number")  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.glob("*/*")) == [
        "S1/activations.py", "S1/answers.toml", "S1/backprop.py", "S1/deep.py", "S1/gradcheck.py", "S2/work",
    ]  # fmt: skip


def test_the_graded_class_fills_in_the_worksheet_moodle_uploads(sorted_class):
    tmp_path, _ = sorted_class
    shutil.copytree(REFERENCE, tmp_path / "submissions" / "zed")  # graded, but in no row of the worksheet
    book = str(tmp_path / "book.sqlite")
    graded = run("grade-all", str(tmp_path / "submissions"), "--gradebook", book, "--jobs", "1")
    assert graded.returncode == 0, graded.stderr
    out = tmp_path / "graded.csv"
    exported = run("export", "--gradebook", book, "--format", "moodle-worksheet",
                   "--roster", str(tmp_path / "worksheet.csv"), "--out", str(out))  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert "note: 1 student is in no row of" in exported.stderr and exported.stderr.rstrip().endswith(": zed")
    written = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    original = list(csv.reader(io.StringIO(WORKSHEET)))
    assert written[0] == original[0] and len(written) == len(original)
    bob, lane = (dict(zip(written[0], row)) for row in written[1:3])
    assert bob["Grade"] == "100.00"  # the answers were keyed for bsmith@uni.example: full marks
    assert bob["Feedback comments"].startswith("143/143 (100.0%) by backprop-grader")
    percents = {r["student"]: float(r["percent"]) for r in csv.DictReader(io.StringIO(
        run("export", "--gradebook", book, "--format", "csv").stdout))}  # fmt: skip
    assert 0 < percents["lwells@uni.example"] < 100
    assert float(lane["Grade"]) == pytest.approx(percents["lwells@uni.example"], abs=0.01)
    assert (
        "Points lost: backprop.py -45 in 51 tests: backprop.py is missing from the submission"
        in (lane["Feedback comments"])
    )
    # everything else as Moodle wrote it, so Moodle still checks when each grade was last changed
    assert [row[:5] + row[6:10] for row in written[1:]] == [row[:5] + row[6:10] for row in original[1:]]
    assert written[3] == original[3]  # no submission: the row is left alone


def test_a_worksheet_a_spreadsheet_program_saved_with_semicolons_is_read(tmp_path):
    """As Excel set to a language with decimal commas saves it: ';' between values, '100,00'."""
    archive = moodle_download(tmp_path / "download")
    rows = list(csv.reader(io.StringIO(WORKSHEET)))
    text = "\n".join(";".join(cell.replace("100.00", "100,00") for cell in row) for row in rows) + "\n"
    (tmp_path / "worksheet.csv").write_text("\ufeff" + text, encoding="utf-8")
    sorted_ = run("sort-moodle", str(archive), "--worksheet", str(tmp_path / "worksheet.csv"),
                  "--out", str(tmp_path / "submissions"))  # fmt: skip
    assert sorted_.returncode == 0 and "sorted the files of 2 students" in sorted_.stderr, sorted_.stderr
    book = str(tmp_path / "book.sqlite")
    assert run("grade-all", str(tmp_path / "submissions"), "--gradebook", book, "--jobs", "1").returncode == 0
    exported = run("export", "--gradebook", book, "--format", "moodle-worksheet",
                   "--roster", str(tmp_path / "worksheet.csv"))  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    bob = next(csv.DictReader(io.StringIO(exported.stdout)))  # written back with commas, as Moodle reads it
    assert (bob["Email address"], bob["Grade"]) == ("bsmith@uni.example", "100,00")


def test_the_grade_is_scaled_to_the_worksheets_maximum_grade(tmp_path):
    shutil.copytree(REFERENCE, tmp_path / "class" / "bsmith@uni.example")
    book = str(tmp_path / "book.sqlite")
    assert run("grade-all", str(tmp_path / "class"), "--gradebook", book, "--jobs", "1").returncode == 0
    worksheet = tmp_path / "worksheet.csv"
    # as a Moodle that spells it "Maximum grade" and whose decimal separator is a comma writes it
    worksheet.write_text(WORKSHEET.replace("100.00", '"10,00"').replace("Maximum Grade", "Maximum grade"))
    exported = run("export", "--gradebook", book, "--format", "moodle-worksheet", "--roster", str(worksheet))
    assert exported.returncode == 0, exported.stderr
    bob = next(csv.DictReader(io.StringIO(exported.stdout)))
    percent = float(bob["Feedback comments"].split("(")[1].split("%")[0])
    assert 0 < percent < 100 and float(bob["Grade"].replace(",", ".")) == pytest.approx(
        percent / 10, abs=0.01
    )
    assert "." not in bob["Grade"]  # written with the worksheet's decimal comma


def test_the_feedback_box_gets_no_markup_from_student_code_and_names_at_most_four_causes(tmp_path):
    folder = tmp_path / "class" / "mallory"
    folder.mkdir(parents=True)
    (folder / "activations.py").write_text(
        (REFERENCE / "activations.py")
        .read_text()
        .replace(
            "def sigmoid(z):\n", "def sigmoid(z):\n    raise ValueError('<script>alert(1)</script>')\n", 1
        )
    )
    book = str(tmp_path / "book.sqlite")
    assert run("grade-all", str(tmp_path / "class"), "--gradebook", book, "--jobs", "1").returncode == 0
    exported = run("export", "--gradebook", book, "--format", "moodle")
    comment = next(csv.DictReader(io.StringIO(exported.stdout)))["Feedback"]
    assert "ValueError: ‹script›alert(1)‹/script›" in comment and "<" not in comment and ">" not in comment
    # sigmoid's and sigmoid_prime's tests, then backprop.py and gradcheck.py; not deep.py nor the quiz
    assert re.search(r"Points lost: activations\.py -[\d.]+ in \d+ tests: sigmoid raised ValueError", comment)
    assert "gradcheck.py -10 in 7 tests" in comment and "deep.py -" not in comment and "quiz -" not in comment
    assert comment.endswith("; and 2 more.")


def test_names_in_the_download_cannot_put_escape_sequences_on_the_terminal(tmp_path):
    archive = moodle_download(tmp_path / "download")
    with zipfile.ZipFile(archive, "a") as out:  # a name no Moodle gives, as a hand-made zip may
        out.writestr("Eve\x1b[2J_1005_assignsubmission_file/deep.py", "")
        out.writestr("read\nme\x1b]0;pwned\x07.txt", "")
    (tmp_path / "worksheet.csv").write_text(WORKSHEET, encoding="utf-8")
    completed = run("sort-moodle", str(archive), "--worksheet", str(tmp_path / "worksheet.csv"),
                    "--out", str(tmp_path / "submissions"))  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", completed.stderr), completed.stderr
    assert "left out 'Eve\\x1b[2J' (participant 1005): not in the worksheet" in completed.stderr
    assert "skipped 'read\\nme\\x1b]0;pwned\\x07.txt': not a file named" in completed.stderr


@pytest.mark.parametrize(
    ("name", "participant", "plugin", "relative"),
    [
        (
            "Bob Smith_1001_assignsubmission_file/activations.py",
            "1001",
            "file",
            "activations.py",
        ),  # Moodle now
        (
            "Bob Smith_1001_assignsubmission_file_/work/deep.py",
            "1001",
            "file",
            "work/deep.py",
        ),  # older Moodles
        ("Bob Smith_1001_assignsubmission_file_backprop.py", "1001", "file", "backprop.py"),  # not in folders
        (
            "Jo Ann O'Neil-Li_77_assignsubmission_onlinetext/onlinetext.html",
            "77",
            "onlinetext",
            "onlinetext.html",
        ),
        ("Participant_1001_assignsubmission_file/a.py", "1001", "file", "a.py"),  # blind marking
        ("smithbob_340934_208490284_deep.py", None, None, None),  # Canvas's
        ("Bob Smith_assignsubmission_file/deep.py", None, None, None),  # no participant number
    ],
)
def test_moodles_file_names_give_the_participant_and_the_path_in_the_submission(
    tmp_path, name, participant, plugin, relative
):
    parsed = moodle_file(tmp_path, tmp_path / name)
    if participant is None:
        assert parsed is None
    else:
        assert parsed is not None
        assert (parsed.participant, parsed.plugin, parsed.relative.as_posix()) == (
            participant,
            plugin,
            relative,
        )


def test_grade_all_given_the_download_says_to_sort_it_and_makes_no_gradebook(tmp_path):
    archive = moodle_download(tmp_path / "download")
    for given in (archive, tmp_path / "download"):
        completed = run("grade-all", str(given), "--gradebook", str(tmp_path / "book.sqlite"))
        assert completed.returncode == 2 and completed.stderr.count("\n") == 1, completed.stderr
        assert f"backprop-grader sort-moodle {given} --worksheet worksheet.csv" in completed.stderr
    assert not (tmp_path / "book.sqlite").exists()


def test_the_download_zipped_again_on_windows_is_told_apart_and_sorted_as_it_unpacks(tmp_path):
    """PowerShell's Compress-Archive writes "\\" between folders: grade-all must see the Moodle
    download in it by the same paths sort-moodle unpacks."""
    moodle_download(tmp_path / "download")
    archive = tmp_path / "rezipped.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(p for p in (tmp_path / "download").rglob("*") if p.is_file()):
            member = zipfile.ZipInfo(str(PureWindowsPath(path.relative_to(tmp_path / "download"))))
            member.create_system = 0  # made on MS-DOS/Windows
            zf.writestr(member, path.read_bytes())
    graded = run("grade-all", str(archive), "--gradebook", str(tmp_path / "book.sqlite"))
    assert graded.returncode == 2 and f"backprop-grader sort-moodle {archive} --worksheet" in graded.stderr
    (tmp_path / "worksheet.csv").write_text(WORKSHEET, encoding="utf-8")
    sorted_ = run("sort-moodle", str(archive), "--worksheet", str(tmp_path / "worksheet.csv"),
                  "--out", str(tmp_path / "submissions"))  # fmt: skip
    assert sorted_.returncode == 0, sorted_.stderr
    assert (tmp_path / "submissions" / "bsmith@uni.example" / "deep.py").is_file()
    assert (tmp_path / "submissions" / "lwells@uni.example" / "work" / "activations.py").is_file()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("not a worksheet", "{tmp}/worksheet.csv has no 'Identifier' column, so it is not a Moodle grading"),
        ("no such column", "has no 'Username' column to name the folders by; name them by another with "
                           "--id-column (the worksheet's identity columns: 'Email address', 'ID number')"),
        ("out not empty", "{tmp}/submissions already exists and is not an empty folder; choose a new one"),
        ("canvas download", "holds no file named as Moodle's Download all submissions names them"),
        ("damaged zip", "{tmp}/download.zip is not a readable zip file"),
    ],
)  # fmt: skip
def test_unusable_input_is_one_line_and_exit_2(tmp_path, setup, message):
    archive = moodle_download(tmp_path / "download")
    worksheet = tmp_path / "worksheet.csv"
    worksheet.write_text(WORKSHEET, encoding="utf-8")
    extra: tuple[str, ...] = ()
    if setup == "not a worksheet":
        worksheet.write_text("Username,Grade\nbsmith,100\n")
    elif setup == "no such column":
        extra = ("--id-column", "Username")
    elif setup == "out not empty":
        (tmp_path / "submissions").mkdir()
        (tmp_path / "submissions" / "old.txt").write_text("")
    elif setup == "canvas download":
        with zipfile.ZipFile(archive, "w") as out:
            out.writestr("smithbob_340934_208490284_deep.py", "")
    elif setup == "damaged zip":
        archive.write_bytes(archive.read_bytes()[:200])
    completed = run("sort-moodle", str(archive), "--worksheet", str(worksheet),
                    "--out", str(tmp_path / "submissions"), *extra)  # fmt: skip
    assert completed.returncode == 2, completed.stderr
    errors = [line for line in completed.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and message.format(tmp=tmp_path) in errors[0], completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize(
    ("worksheet", "roster", "message"),
    [
        (
            WORKSHEET,
            False,
            "--format moodle-worksheet fills in the assignment's grading worksheet: give it with",
        ),
        (
            WORKSHEET.replace(",Grade,", ",Marks,"),
            True,
            "has no 'Grade' column: give the assignment a grade out",
        ),
    ],
)
def test_export_without_a_worksheet_to_fill_in_is_one_line_and_exit_2(tmp_path, worksheet, roster, message):
    shutil.copytree(REFERENCE, tmp_path / "class" / "bsmith@uni.example")
    book = str(tmp_path / "book.sqlite")
    assert run("grade-all", str(tmp_path / "class"), "--gradebook", book, "--jobs", "1").returncode == 0
    (tmp_path / "worksheet.csv").write_text(worksheet, encoding="utf-8")
    given = ("--roster", str(tmp_path / "worksheet.csv")) if roster else ()
    completed = run("export", "--gradebook", book, "--format", "moodle-worksheet", *given)
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr.count("\n") == 1 and message in completed.stderr, completed.stderr

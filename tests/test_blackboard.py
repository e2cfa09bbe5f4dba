"""Blackboard Learn: sort-blackboard sorts the Assignment File Download into a folder per username,
grade-all given the download itself says to, and export --format blackboard writes the Grade
Center upload of the assignment's column, whose header (column id and all) comes from the Grade
Center download given as --roster."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import REFERENCE, with_key, zip_tree
from conftest import run_cli as run

ASSIGNMENT = "Backprop 2026"
EXERCISES = ("activations.py", "backprop.py", "gradcheck.py", "deep.py")


def attempt(download: Path, username: str, time: str, files: dict[str, bytes], receipt: bool = True) -> None:
    """One attempt as the Assignment File Download holds it: each file as
    <assignment>_<username>_attempt_<time>_<file> (spaces in a handed-in name made _, as Blackboard
    changes some names), and the receipt that names the student and each file's original name."""
    prefix = f"{ASSIGNMENT}_{username}_attempt_{time}"
    lines = [f"Name: Some Student ({username})", f"Assignment: {ASSIGNMENT}",
             "Date Submitted: Thursday, 26 November 2026 21:40:00 o'clock GMT", "Current Grade: Needs Grading",
             "", "Submission Field:", "There is no student submission text data for this assignment.", "",
             "Comments:", "There are no student comments for this assignment.", "", "Files:"]  # fmt: skip
    for name, content in files.items():
        saved = f"{prefix}_{name.replace(' ', '_')}"
        (download / saved).write_bytes(content)
        lines += [f"\tOriginal filename: {name}", f"\tFilename: {saved}"]
    if receipt:
        (download / f"{prefix}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def reference_files(*names: str) -> dict[str, bytes]:
    return {name: (REFERENCE / name).read_bytes() for name in names}


def blackboard_download(folder: Path) -> Path:
    """jdoe's two attempts (activations.py, then all four files); a_smith's one attempt, a zip handed
    in as "my work.zip" (a username with _ in it, which only the receipt tells apart from the
    assignment's name); an attempt with no file (text typed into Blackboard)."""
    folder.mkdir()
    attempt(folder, "jdoe", "2026-11-25-10-00-00", reference_files("activations.py"))
    attempt(folder, "jdoe", "2026-11-26-21-40-00", reference_files(*EXERCISES))
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for name in EXERCISES:
            archive.write(REFERENCE / name, f"exercises/{name}")
    attempt(folder, "a_smith", "2026-11-26-22-00-00", {"my work.zip": packed.getvalue()})
    attempt(folder, "tonly", "2026-11-26-22-05-00", {})
    return folder


def test_each_students_latest_attempt_goes_to_a_folder_named_by_their_username(tmp_path):
    archive = zip_tree(blackboard_download(tmp_path / "download"))
    out = tmp_path / "submissions"
    sorted_ = run("sort-blackboard", str(archive), "--out", str(out))
    assert sorted_.returncode == 0, sorted_.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "a_smith", "a_smith/my work.zip", "jdoe", *(f"jdoe/{name}" for name in sorted(EXERCISES)),
    ]  # fmt: skip
    assert sorted_.stderr.splitlines() == [
        "note: jdoe: sorted their latest attempt, of 2026-11-26 21:40:00, not an earlier one",
        "note: left out tonly: no attempt of theirs holds a file (text typed into Blackboard is not graded)",
        f"sorted the files of 2 students into {out}",
        f"next: backprop-grader grade-all {out}",
    ]
    assert not any(p.name.startswith(".sort-download-") for p in tmp_path.iterdir())  # its unzipped copy
    book = str(tmp_path / "book.sqlite")
    graded = run("grade-all", str(out), "--gradebook", book, "--jobs", "1")
    assert graded.returncode == 0, graded.stderr
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(run("export", "--gradebook", book).stdout))}
    assert sorted(rows) == ["a_smith", "jdoe"]
    assert rows["a_smith"]["score"] == rows["jdoe"]["score"] == "100.0"  # the exercises in full, no quiz


def test_an_attempt_without_its_receipt_is_named_after_the_assignment_the_other_receipts_give(tmp_path):
    download = tmp_path / "download"
    download.mkdir()
    attempt(download, "b_lee", "2026-11-26-21-00-00", reference_files("activations.py"), receipt=False)
    attempt(download, "jdoe", "2026-11-26-21-40-00", reference_files("activations.py"))
    (download / "notes.docx").write_bytes(b"not a submission")
    out = tmp_path / "submissions"
    sorted_ = run("sort-blackboard", str(download), "--out", str(out))
    assert sorted_.returncode == 0, sorted_.stderr
    assert sorted(p.name for p in out.iterdir()) == ["b_lee", "jdoe"]
    assert (out / "b_lee" / "activations.py").read_bytes() == (REFERENCE / "activations.py").read_bytes()
    assert "note: skipped notes.docx: not a file named <assignment>_<username>_attempt_<time>_<file>" in (
        sorted_.stderr
    )


def test_two_files_handed_in_under_one_name_keep_the_later_with_a_note(tmp_path):
    download = tmp_path / "download"
    download.mkdir()
    prefix = f"{ASSIGNMENT}_jdoe_attempt_2026-11-26-21-40-00"
    (download / f"{prefix}_activations.py").write_bytes(b"# first\n")
    (download / f"{prefix}_activations_1.py").write_bytes(b"# second\n")
    (download / f"{prefix}.txt").write_text(
        "Name: Jane Doe (jdoe)\nAssignment: Backprop 2026\nFiles:\n"
        f"\tOriginal filename: activations.py\n\tFilename: {prefix}_activations.py\n"
        f"\tOriginal filename: activations.py\n\tFilename: {prefix}_activations_1.py\n",
        encoding="utf-8",
    )
    out = tmp_path / "submissions"
    sorted_ = run("sort-blackboard", str(download), "--out", str(out))
    assert sorted_.returncode == 0, sorted_.stderr
    assert [p.name for p in (out / "jdoe").iterdir()] == ["activations.py"]
    assert (out / "jdoe" / "activations.py").read_bytes() == b"# second\n"
    assert (
        f"note: jdoe: kept {prefix}_activations_1.py as activations.py, not {prefix}_activations.py"
        in sorted_.stderr
    )


def test_a_username_that_cannot_name_a_folder_leaves_that_student_out_not_the_class(tmp_path):
    """ ".." (from a name without a receipt) would name the folder above --out."""
    download = tmp_path / "download"
    download.mkdir()
    attempt(download, "..", "2026-11-26-21-00-00", reference_files("activations.py"), receipt=False)
    attempt(download, "jdoe", "2026-11-26-21-40-00", reference_files("activations.py"))
    out = tmp_path / "submissions"
    sorted_ = run("sort-blackboard", str(download), "--out", str(out))
    assert sorted_.returncode == 0, sorted_.stderr
    assert [p.name for p in out.iterdir()] == ["jdoe"] and sorted(p.name for p in tmp_path.iterdir()) == [
        "download",
        "submissions",
    ]
    assert (
        "note: left out the files of username ..: username '..' is not usable as a student id"
        in sorted_.stderr
    )


@pytest.mark.parametrize("zipped", [False, True], ids=["the folder", "the zip"])
def test_grade_all_given_the_download_itself_says_to_sort_it_first(tmp_path, zipped):
    download = blackboard_download(tmp_path / "download")
    given = zip_tree(download) if zipped else download
    completed = run("grade-all", str(given), "--gradebook", str(tmp_path / "book.sqlite"))
    assert completed.returncode == 2 and completed.stderr.count("\n") == 1, completed.stderr
    assert (
        f"sort {'it' if zipped else 'them'} into one folder per student first, with backprop-grader "
        f"sort-blackboard {given} --out submissions/, and grade that folder"
    ) in completed.stderr


#: a full Grade Center download (Work Offline → Download, comma-separated), the calculated columns
#: (Weighted Total, Total) included, and one student who handed nothing in
DOWNLOAD = (
    '"Last Name","First Name","Username","Student ID","Last Access","Availability",'
    '"Weighted Total [Total Pts: up to 0 Score] |1001","Total [Total Pts: up to 60 Score] |1002",'
    '"Backprop [Total Pts: 50 Score] |1003","Quiz 1 [Total Pts: 10 Score] |1004"\n'
    '"Smith","Bob","bsmith","S1","2026-11-26 21:12:00","Available","","","",""\n'
    '"Wells","Lane","LWells","S2","2026-11-26 21:40:00","Available","","","",""\n'
    '"Other","Ann","aother","S4","","Available","","","",""\n'
)
BACKPROP = "Backprop [Total Pts: 50 Score] |1003"


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A gradebook of bsmith (the reference, answers for bsmith: full marks), lwells (activations.py
    alone) and zed (in no row of the download)."""
    root = tmp_path_factory.mktemp("blackboard")
    shutil.copytree(REFERENCE, root / "class" / "bsmith")
    with_key(root / "class" / "bsmith", "bsmith")
    (root / "class" / "lwells").mkdir()
    shutil.copy(REFERENCE / "activations.py", root / "class" / "lwells")
    shutil.copytree(REFERENCE, root / "class" / "zed")
    book = str(root / "book.sqlite")
    graded = run("grade-all", str(root / "class"), "--gradebook", book, "--jobs", "1")
    assert graded.returncode == 0, graded.stderr
    (root / "download.csv").write_text(DOWNLOAD, encoding="utf-8")
    percents = {r["student"]: float(r["percent"]) for r in csv.DictReader(io.StringIO(
        run("export", "--gradebook", book, "--format", "csv").stdout))}  # fmt: skip
    return root, book, percents


def test_the_upload_fills_in_the_assignments_column_by_its_id_for_each_username(graded_class):
    root, book, percents = graded_class
    out = root / "upload.csv"
    exported = run("export", "--gradebook", book, "--format", "blackboard",
                   "--roster", str(root / "download.csv"), "--out", str(out))  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert exported.stderr.endswith(
        f"\nnote: 1 student is in no row of {root / 'download.csv'} (by its Username), so their grades are "
        "not in it: zed\n"
    )
    text = out.read_text(encoding="utf-8")
    # Blackboard reads a comma-separated upload only with every value quoted
    assert all(line.startswith('"') and line.endswith('"') for line in text.splitlines())
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == ["Username", BACKPROP, "Feedback to Learner", "Feedback Format"]
    by_name = {row[0]: row for row in rows}
    assert sorted(by_name) == [
        "LWells",
        "bsmith",
    ]  # lwells under the download's spelling; aother has no grade
    bob, lane = by_name["bsmith"], by_name["LWells"]
    assert (
        bob[1] == "50.00"
        and bob[2].startswith("143/143 (100.0%) by backprop-grader")
        and bob[3] == "SMART_TEXT"
    )
    assert 0 < percents["lwells"] < 100
    assert float(lane[1]) == pytest.approx(percents["lwells"] / 2, abs=0.01)  # out of the column's 50 points
    assert "Points lost: backprop.py -45 in 51 tests: backprop.py is missing from the submission" in lane[2]


def test_the_tab_separated_utf16_download_names_its_columns_and_assignment_picks_one(graded_class):
    """Blackboard's .xls download is UTF-16 text with tabs between values, whatever its name says."""
    root, book, percents = graded_class
    rows = list(csv.reader(io.StringIO(DOWNLOAD)))
    (root / "download.xls").write_bytes(("\n".join("\t".join(row) for row in rows) + "\n").encode("utf-16"))
    exported = run("export", "--gradebook", book, "--format", "blackboard", "--roster",
                   str(root / "download.xls"), "--assignment", "quiz 1")  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    header, *rows = list(csv.reader(io.StringIO(exported.stdout)))
    assert header[1] == "Quiz 1 [Total Pts: 10 Score] |1004"
    assert {row[0]: row[1] for row in rows} == {"bsmith": "10.00", "LWells": f"{percents['lwells'] / 10:.2f}"}


def test_a_download_of_one_selected_column_is_filled_in_whatever_the_assignment_is_called(graded_class):
    root, book, _ = graded_class
    one = root / "one_column.csv"
    one.write_text(
        '"Last Name","First Name","Username","Backprop 2026 [Total Pts: 100 Score] |2001",'
        '"Feedback to Learner","Feedback Format","Grading Notes","Notes Format"\n'
        '"Smith","Bob","bsmith","","","","",""\n',
        encoding="utf-8",
    )
    exported = run("export", "--gradebook", book, "--format", "blackboard", "--roster", str(one))
    assert exported.returncode == 0, exported.stderr
    header, bob = list(csv.reader(io.StringIO(exported.stdout)))
    assert header[1] == "Backprop 2026 [Total Pts: 100 Score] |2001" and bob[:2] == ["bsmith", "100.00"]
    assert "lwells, zed" in exported.stderr


@pytest.mark.parametrize(
    ("download", "given", "message"),
    [
        (None, (), "--format blackboard fills in the assignment's Grade Center column, which an upload finds by "
                   "the column id in its header: give the Grade Center download with --roster"),
        (DOWNLOAD, ("--assignment", "Lab 3"), "download.csv has no graded column named 'Lab 3'; name the one to "
                                              "fill in with --assignment (its graded columns: 'Backprop', 'Quiz 1')"),
        (DOWNLOAD.replace("|1003", "").replace("|1004", ""), (), "download.csv has no graded column (a header like"),
        (DOWNLOAD.replace('"Username"', '"User"'), (), "download.csv has no 'Username' column, so it is not "
                                                       "Blackboard's Grade Center download; download it from"),
        (DOWNLOAD, ("--out-of", "10"), "--out-of is for --format canvas and moodle only, not blackboard: it scales "
                                       "to the points of the Grade Center column"),
    ],
    ids=["no download", "no such column", "no column id", "not a Grade Center", "--out-of"],
)  # fmt: skip
def test_an_upload_that_could_not_find_its_column_is_one_line_and_exit_2(
    graded_class, download, given, message
):
    root, book, _ = graded_class
    roster = ()
    if download is not None:
        (root / "download.csv").write_text(download, encoding="utf-8")
        roster = ("--roster", str(root / "download.csv"))
    try:
        completed = run("export", "--gradebook", book, "--format", "blackboard", *roster, *given)
    finally:
        (root / "download.csv").write_text(DOWNLOAD, encoding="utf-8")
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr.count("\n") == 1 and message in completed.stderr, completed.stderr


def test_grade_given_the_download_grades_but_says_it_is_a_whole_class(tmp_path):
    """grade grades the largest set of files it finds, one student's of the class: said on stderr."""
    archive = zip_tree(blackboard_download(tmp_path / "download"))
    completed = run("grade", str(archive), "--format", "json")
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == (
        f"note: {archive} is Blackboard's download of every submission: sort it into one folder per student "
        f"first, with backprop-grader sort-blackboard {archive} --out submissions/, and grade that folder with "
        "grade-all; grade grades one student's submission\n"
    )
    alone = run("grade", str(REFERENCE))
    assert alone.returncode == 0 and "note:" not in alone.stderr

"""export --format blackboard: the Grade Center upload of the assignment's column, whose header
(column id and all) comes from the Grade Center download given as --roster."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from conftest import REFERENCE, with_key
from conftest import run_cli as run

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

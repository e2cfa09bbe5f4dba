"""A gradebook as one row per student: CSV, JSON, and CSV that Canvas, Moodle and Blackboard import.

Conventions (docs/gradebook.md says more):
- csv / json: student, status, score, max_score, percent, one column per exercise file,
  quiz, graded_at, grader_version, error. Numbers are points, rounded to 2 decimals.
- canvas: Canvas's gradebook import layout: Student, ID, SIS User ID, SIS Login ID,
  Section, then one assignment column; the row after the header is "Points Possible".
  The student id (the submission's folder name) goes in "SIS Login ID", which Canvas
  matches on, so name the folders by your students' SIS login ids (sort-canvas does). Given
  Canvas's own export, each student's row there (by SIS Login ID, SIS User ID or ID) gives
  all five identity columns.
- moodle: Username, the grade column and a Feedback column, for Moodle's "Import grades
  from CSV"; map Username to the username field and the two others to your grade item. The
  feedback is feedback.feedback_summary: a paragraph with the points and what cost them.
- moodle-worksheet: the assignment's own grading worksheet with Grade (scaled to its Maximum
  Grade) and Feedback comments filled in for every student found in it, for Moodle's "Upload
  grading worksheet"; each student is found by an identity column (email address, ID number,
  username, ...) that equals their id.
- blackboard: Username, the assignment's column (its whole header taken from the Grade Center
  download, column id and all, the grade scaled to its points), Feedback to Learner and
  Feedback Format, every value quoted, for the Grade Center's Work Offline → Upload; each
  student's row is written under the download's Username that equals their id.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from grader.blackboard_grade_center import USERNAME, GradeColumn
from grader.canvas_download import IDENTITY_COLUMNS, rows_by_id
from grader.ci_log import inert_json, inert_line
from grader.exercise_api import EXERCISES
from grader.feedback import feedback_summary, plain_line
from grader.gradebook import StoredSubmission
from grader.moodle_download import FEEDBACK, GRADE, MAXIMUM_GRADE, Worksheet

FORMATS = ("csv", "json", "canvas", "moodle", "moodle-worksheet", "blackboard")
BASE_COLUMNS = ("student", "status", "score", "max_score", "percent")
TAIL_COLUMNS = ("quiz", "graded_at", "grader_version", "error")


def student_row(stored: StoredSubmission) -> dict[str, Any]:
    """One student's current grade as a flat row (the csv and json exports)."""
    exercises = {e["name"]: e["score"] for e in stored.report.get("exercises", [])}
    quiz = stored.report.get("quiz")
    row: dict[str, Any] = {
        "student": stored.student,
        "status": stored.status,
        "score": round(stored.score, 2),
        "max_score": round(stored.max_score, 2),
        "percent": round(stored.percent, 2),
    }
    row.update({name: round(exercises.get(name, 0.0), 2) for name in EXERCISES})
    row.update(
        {
            "quiz": round(quiz["score"], 2) if quiz else 0.0,
            "graded_at": stored.graded_at,
            "grader_version": stored.grader_version,
            "error": stored.error,
        }
    )
    return row


def export(
    submissions: Iterable[StoredSubmission],
    fmt: str,
    assignment: str = "Backprop",
    canvas_students: list[dict[str, str]] | None = None,
    out_of: float | None = None,
) -> str:
    """The whole export as text in one of FORMATS. canvas_students (canvas only): the rows of
    Canvas's own gradebook export (canvas_download.read_canvas_gradebook); a student whose id is
    a row's SIS Login ID, SIS User ID or ID (canvas_download.rows_by_id) gets that row's identity
    columns as Canvas wrote them. out_of (canvas and moodle): the grade as percent × out_of / 100,
    for an assignment worth out_of points, instead of the points themselves. submissions is read
    once, and only each one's row (and comment) kept."""
    kept = [(student_row(s), lms_comment(s) if fmt == "moodle" else "") for s in submissions]
    rows = [row for row, _ in kept]
    grade = (lambda r: r["score"]) if out_of is None else (lambda r: _scaled(r, out_of))
    if fmt == "json":
        return (
            inert_json(json.dumps({"schema_version": 1, "students": rows}, indent=2, ensure_ascii=False))
            + "\n"
        )
    if fmt == "csv":
        return _csv([*BASE_COLUMNS, *EXERCISES, *TAIL_COLUMNS], [list(r.values()) for r in rows])
    if fmt == "canvas":
        possible = out_of if out_of is not None else max((r["max_score"] for r in rows), default=0.0)
        header = [*IDENTITY_COLUMNS, assignment]
        body = [["Points Possible", *[""] * (len(IDENTITY_COLUMNS) - 1), possible]]
        known = rows_by_id(canvas_students or [])
        for r in rows:
            who = known.get(r["student"]) or {"Student": r["student"], "SIS Login ID": r["student"]}
            body.append([*(who.get(column, "") for column in IDENTITY_COLUMNS), grade(r)])
        return _csv(header, body)
    if fmt == "moodle":
        body = [[r["student"], grade(r), comment] for r, comment in kept]
        return _csv(["Username", assignment, "Feedback"], body)
    raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def moodle_worksheet(submissions: Iterable[StoredSubmission], worksheet: Worksheet) -> tuple[str, list[str]]:
    """worksheet (moodle_download.read_worksheet) as CSV with Grade and Feedback comments (if it has
    that column) filled in on each row whose identity columns hold a graded student's id, and the
    ids of the students no row holds. Grade is the percent of the row's Maximum Grade (points if
    it has none); other rows and columns stay as Moodle wrote them, Last modified (grade) included,
    so that Moodle still refuses to overwrite a grade changed after the worksheet was downloaded."""
    rows, comments = {}, {}
    for stored in submissions:  # read once
        rows[stored.student], comments[stored.student] = student_row(stored), lms_comment(stored)
    header = worksheet.header
    at = [header.index(column) for column in worksheet.identity_columns()]
    grade_at, feedback_at = header.index(GRADE), header.index(FEEDBACK) if FEEDBACK in header else None
    # Moodle has spelled it "Maximum Grade" and "Maximum grade"
    maximum_at = next((i for i, column in enumerate(header) if column.lower() == MAXIMUM_GRADE.lower()), None)
    found: set[str] = set()
    body = []
    for cells in worksheet.rows:
        student = next((cells[i].strip() for i in at if cells[i].strip() in rows), None)
        cells = list(cells)
        if student is not None:
            found.add(student)
            r = rows[student]
            maximum = cells[maximum_at] if maximum_at is not None else ""
            grade = f"{_out_of(r, maximum):.2f}"
            # the decimal separator Moodle used: it reads the grade back by the same locale
            cells[grade_at] = grade.replace(".", ",") if "," in maximum and "." not in maximum else grade
            if feedback_at is not None:
                cells[feedback_at] = comments[student]
        body.append(cells)
    return _csv(header, body), sorted(set(rows) - found)


#: the columns an upload takes a comment from, as the download of a column with its comments has them
BLACKBOARD_FEEDBACK = ("Feedback to Learner", "Feedback Format")


def blackboard(
    submissions: Iterable[StoredSubmission], usernames: list[str], column: GradeColumn
) -> tuple[str, list[str]]:
    """The upload file for column of a Grade Center whose students are usernames
    (blackboard_grade_center.read_grade_center): a row per graded student under their Username
    (the one that equals their id, or does but for letter case), their percent of the column's
    points and their comment; and the ids of the students no Username matches. Blackboard reads
    a comma-separated upload only with every value in quotes."""
    by_id = {name.casefold(): name for name in reversed(usernames)} | {name: name for name in usernames}
    body, missing = [], []
    for stored in submissions:  # read once
        username = by_id.get(stored.student) or by_id.get(stored.student.casefold())
        if username is None:
            missing.append(stored.student)
            continue
        grade = f"{_scaled(student_row(stored), column.points):.2f}"
        body.append([username, grade, lms_comment(stored), "SMART_TEXT"])
    return _csv([USERNAME, column.header, *BLACKBOARD_FEEDBACK], body, quote_all=True), sorted(missing)


def _out_of(row: dict[str, Any], maximum: str) -> float:
    """row's grade on a scale of maximum (Moodle writes "100.00", or "100,00" where the decimal
    separator is a comma), or its points if maximum is not a number."""
    try:
        scale = float(maximum.strip().replace(",", "."))
    except ValueError:
        return float(row["score"])
    return _scaled(row, scale) if scale > 0 else float(row["score"])


def _scaled(row: dict[str, Any], out_of: float) -> float:
    """row's grade out of out_of points: its percent of them, to 2 decimals."""
    return round(row["percent"] * out_of / 100, 2)


def lms_comment(stored: StoredSubmission) -> str:
    """What a learning-management system's feedback box gets: feedback.feedback_summary of the
    grade, or why the submission could not be graded."""
    if stored.status != "graded":
        return f"not graded: {plain_line(stored.error)}"
    return feedback_summary(stored.report)


def _csv(header: list[str], rows: list[list[Any]], quote_all: bool = False) -> str:
    """The CSV document; its text cells (a feedback comment may quote the student's code) with
    `##[` defanged, as a GitHub Actions runner reads the document printed to its log (ci_log)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows([inert_line(cell) if isinstance(cell, str) else cell for cell in row] for row in rows)
    return out.getvalue()

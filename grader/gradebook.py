"""The class gradebook: one SQLite file, written one whole submission per transaction.

Schema version 1 (PRAGMA user_version), documented in docs/gradebook.md:

    students        id, first_graded
    submissions     one row per (student, content_hash, grader_version): source, graded_at,
                    status (graded | unreadable), score, max_score, percent, seconds, error,
                    report (the JSON document of `grade --format json`)
    exercise_scores submission_id, exercise, score, max_score
    test_results    submission_id, name, exercise, score, max_score, status, message
    quiz_results    submission_id, question, score, max_score, correct, feedback
    feedback        submission_id, markdown

A student's current grade is their most recently stored submission. WAL mode and
BEGIN IMMEDIATE let two runs share a file; a run killed at any point leaves
either a whole submission or none of it. Readers (export, stats, feedback) only read
it, and open it read-only where the user may not write it, so a gradebook they may
read but not write (a colleague's, an archived one) serves them as well.
"""

from __future__ import annotations

import json
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.mended_text import encodable, mended_all
from grader.report_schema import report_problem

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE students (
    id TEXT PRIMARY KEY,
    first_graded TEXT NOT NULL
);
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    student TEXT NOT NULL REFERENCES students(id),
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('graded', 'unreadable')),
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    percent REAL NOT NULL,
    seconds REAL NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    report TEXT NOT NULL,
    UNIQUE (student, content_hash, grader_version)
);
CREATE INDEX submissions_by_student ON submissions (student, id);
CREATE TABLE exercise_scores (
    submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    exercise TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    PRIMARY KEY (submission_id, exercise)
);
CREATE TABLE test_results (
    submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    exercise TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (submission_id, name)
);
CREATE TABLE quiz_results (
    submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    correct INTEGER NOT NULL,
    feedback TEXT NOT NULL,
    PRIMARY KEY (submission_id, question)
);
CREATE TABLE feedback (
    submission_id INTEGER PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
    markdown TEXT NOT NULL
);
"""


class GradebookError(Exception):
    """The file is not a gradebook this grader can use."""


@dataclass(frozen=True)
class KeptGrade:
    """A submission the gradebook already holds, graded by the same grader version."""

    #: the report's grader_fingerprint ("" for an unreadable submission, or one stored before 0.4.5)
    fingerprint: str
    #: its percent, or None if it was stored as unreadable
    percent: float | None
    #: the report's limits ({"timeout": ..., "total_timeout": ..., "memory_mb": ...}; None for an
    #: unreadable submission, or one stored before 0.4.9)
    limits: dict[str, Any] | None = None
    #: False when its row no longer reads as the grader wrote it (changed by another program): grade
    #: the submission again and store it in the row's place
    readable: bool = True


@dataclass(frozen=True)
class StoredSubmission:
    """A student's submission as stored: report is the `grade --format json` document."""

    id: int
    student: str
    source: str
    content_hash: str
    grader_version: str
    graded_at: str
    status: str
    score: float
    max_score: float
    percent: float
    error: str
    report: dict[str, Any]


class Gradebook:
    """An open gradebook file; use as a context manager or call close()."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        """read_only: only read it (it must exist and be a gradebook); where this user may not
        write it or its folder, SQLite opens it read-only."""
        self.path = path
        new = not read_only and not path.exists()
        if new:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                why = (
                    "a file is in the way of its folder"
                    if isinstance(error, FileExistsError)
                    else str(error.strerror)
                )
                raise _cannot_create(path, why) from None
        try:
            # A reader that may write opens the file as grade-all does: closing a read-only
            # connection leaves SQLite's -wal and -shm files behind, where the last one out
            # otherwise tidies them away.
            self._db = _connect_read_only(path) if read_only and _read_only_for_us(path) else _connect(path)
            self._json_reader = True  # until SQLite says it has no json_extract (kept())
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0 and read_only:
                raise GradebookError(f"{path} is not a gradebook; grade-all writes one")
            if version == 0:
                self._create()
            elif version > SCHEMA_VERSION:
                raise GradebookError(
                    f"{path} was written by a newer backprop-grader (schema {version}); upgrade the grader"
                )
            if read_only:
                return
            self._db.execute("PRAGMA journal_mode = WAL")
            # In WAL mode, NORMAL syncs at checkpoints only: a commit survives the grader being
            # killed (kill -9 included) and can be lost only to a power cut or an OS crash, after
            # which the gradebook is still whole and the run grades those submissions again.
            # FULL would wait for the disk once per submission.
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as error:
            if new:
                raise _cannot_create(path, str(error)) from None
            if not read_only and _read_only_for_us(path):
                raise GradebookError(
                    f"{path} is read-only for you (the file or its folder), and grading writes to it; "
                    "choose a --gradebook you can write to"
                ) from None
            raise GradebookError(f"{path} is not a usable gradebook ({error}); {_WHICH_FILE}") from None

    def _create(self) -> None:
        with self._transaction():
            if self._db.execute("PRAGMA user_version").fetchone()[0] != 0:
                return  # another run created it first
            tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables:
                raise GradebookError(f"{self.path} is an SQLite file but not a gradebook; {_WHICH_FILE}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def kept(self, student: str, content_hash: str, grader_version: str) -> KeptGrade | None:
        """How this exact submission was graded by this grader version, or None if it was not."""
        try:
            row = self._kept_row((student, content_hash, grader_version))
        except GradebookError:
            return KeptGrade(fingerprint="", percent=None, readable=False)
        if row is None:
            return None
        status, percent, fingerprint, limits = row
        if status != "graded":
            return KeptGrade(fingerprint="", percent=None)
        return KeptGrade(fingerprint=fingerprint or "", percent=percent, limits=limits)

    def _kept_row(self, key: tuple[str, str, str]) -> tuple[str, float, str | None, Any] | None:
        """(status, percent, the report's grader_fingerprint and limits) of the submission stored
        under key (student, content hash, grader version), or None."""
        where = "FROM submissions WHERE student = ? AND content_hash = ? AND grader_version = ?"
        if self._json_reader:  # SQLite's own (built in since 3.38, and in most builds before): 9x faster
            try:
                row = self._db.execute(
                    "SELECT status, percent, json_extract(report, '$.grader_fingerprint'), "
                    f"json_extract(report, '$.limits') {where}",
                    key,
                ).fetchone()
            except sqlite3.OperationalError:  # no such function
                self._json_reader = False  # not tried again for every kept submission
            else:
                return row and (*row[:3], _stored_json(row[3], key[0]) if row[3] is not None else None)
        row = self._db.execute(f"SELECT status, percent, report {where}", key).fetchone()
        if row is None:
            return None
        report = _stored_json(row[2], key[0]) if row[0] == "graded" else {}
        return row[0], row[1], report.get("grader_fingerprint"), report.get("limits")

    def store(
        self,
        *,
        student: str,
        source: str,
        content_hash: str,
        report: dict[str, Any] | None,
        error: str = "",
        feedback: str = "",
        replace: bool = False,
    ) -> int | None:
        """Store one graded (report given) or unreadable (error given) submission, all or nothing.

        Returns the new row's id, or None when the same submission is already stored and
        replace is False (another run got there first).
        """
        report = report or {}
        report_json = json.dumps(report, ensure_ascii=False)
        if not encodable(report_json, source, error, feedback):
            # a name that is not UTF-8 (in the class folder's path, say): SQLite would refuse the row
            report, source, error, feedback = mended_all((report, source, error, feedback))
            report_json = json.dumps(report, ensure_ascii=False)
        version = str(report.get("grader_version") or _grader_version())
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._transaction() as db:
            existing = db.execute(
                "SELECT id FROM submissions WHERE student = ? AND content_hash = ? AND grader_version = ?",
                (student, content_hash, version),
            ).fetchone()
            if existing and not replace:
                return None
            if existing:
                db.execute("DELETE FROM submissions WHERE id = ?", existing)
            db.execute("INSERT OR IGNORE INTO students (id, first_graded) VALUES (?, ?)", (student, now))
            cursor = db.execute(
                "INSERT INTO submissions (student, source, content_hash, grader_version, graded_at, status,"
                " score, max_score, percent, seconds, error, report) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    student, source, content_hash, version, now, "graded" if report else "unreadable",
                    report.get("score", 0.0), report.get("max_score", 0.0), report.get("percent", 0.0),
                    report.get("seconds", 0.0), error, report_json,
                ),
            )  # fmt: skip
            submission_id = cursor.lastrowid
            assert submission_id is not None
            self._store_details(db, submission_id, report, feedback)
        return submission_id

    @staticmethod
    def _store_details(db: sqlite3.Connection, sid: int, report: dict[str, Any], feedback: str) -> None:
        db.executemany(
            "INSERT INTO exercise_scores VALUES (?,?,?,?)",
            [(sid, e["name"], e["score"], e["max_score"]) for e in report.get("exercises", [])],
        )
        db.executemany(
            "INSERT INTO test_results VALUES (?,?,?,?,?,?,?)",
            [
                (sid, t["name"], t["exercise"], t["score"], t["max_score"], t["status"], t["message"])
                for t in report.get("tests", [])
            ],
        )
        questions = (report.get("quiz") or {}).get("questions", [])
        db.executemany(
            "INSERT INTO quiz_results VALUES (?,?,?,?,?,?)",
            [(sid, q["id"], q["score"], q["max_score"], int(q["correct"]), q["feedback"]) for q in questions],
        )
        db.execute("INSERT INTO feedback VALUES (?, ?)", (sid, feedback))

    def current(self) -> list[StoredSubmission]:
        """Each student's most recently stored submission, by student id."""
        return list(self.each_current())

    def each_current(self) -> Iterator[StoredSubmission]:
        """current() one at a time, read as they are asked for: a class's reports, parsed, take
        about 200 KB each (tests, quiz, plots), so export and stats keep only what they need."""
        rows = self._db.execute(
            "SELECT id, student, source, content_hash, grader_version, graded_at, status, score,"
            f" max_score, percent, error, report FROM submissions WHERE id IN ({_CURRENT}) ORDER BY student"
        )
        return map(_stored, rows)

    def feedback_of(self, submission_id: int) -> str:
        row = self._db.execute("SELECT markdown FROM feedback WHERE submission_id = ?", (submission_id,))
        found = row.fetchone()
        return found[0] if found else ""

    def counts(self) -> dict[str, int]:
        """Rows per table, for checks and summaries."""
        tables = ("students", "submissions", "exercise_scores", "test_results", "quiz_results", "feedback")
        return {t: self._db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}

    def current_test_rows(self) -> Iterator[tuple[int, str, str, str, str]]:
        """(submission id, name, exercise, status, message) of the tests of each student's current
        submission that was graded, read as they are asked for."""
        return self._db.execute(
            "SELECT submission_id, name, exercise, test_results.status, message FROM test_results "
            f"JOIN submissions ON submissions.id = submission_id WHERE submission_id IN ({_CURRENT}) "
            "AND submissions.status = 'graded' ORDER BY submission_id, name"
        )


#: the ids of each student's most recent submission
_CURRENT = "SELECT max(id) FROM submissions GROUP BY student"


def _stored(row: tuple[Any, ...]) -> StoredSubmission:
    (
        sid,
        student,
        source,
        content_hash,
        version,
        graded_at,
        status,
        score,
        max_score,
        percent,
        error,
        report,
    ) = row
    return StoredSubmission(
        sid, student, source, content_hash, version, graded_at, status, score, max_score, percent, error,
        _stored_json(report, student, checked_as=sid if status == "graded" else None),
    )  # fmt: skip


def _stored_json(text: Any, student: str, checked_as: int | None = None) -> dict[str, Any]:
    """The JSON object stored for student's submission, read; GradebookError if the
    row was changed into what the grader never writes (by hand in sqlite3, say). checked_as: the
    submission's id, for a report to be checked against report.schema.json (what the readers of
    the gradebook rely on)."""
    try:
        value = json.loads(text)
        problem = None if isinstance(value, dict) else "not a JSON dict"
    except (TypeError, ValueError) as error:
        problem = f"not JSON: {error}"
    if problem is None and checked_as is not None:
        problem = report_problem(value)
    if problem is None:
        return value
    row = f"delete its row (DELETE FROM submissions WHERE id = {checked_as}) and run grade-all, or "
    raise GradebookError(
        f"the gradebook holds a report for {student} that grade-all did not write ({problem[:200]}; was it "
        f"changed by another program?); {row if checked_as is not None else ''}run grade-all --regrade"
    )


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=60, isolation_level=None)
    db.execute("PRAGMA busy_timeout = 60000")
    return db


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """path opened for reading only, making no file beside it. With a -wal file there (a run has
    it open, or was killed), a run's latest commits may still be in it: SQLite reads them with it.
    Without one, no run has the gradebook open, and the file alone is the whole of it: it is read as
    it is (SQLite's immutable mode, which takes it that no run starts writing to it meanwhile)."""
    uri = "file:" + urllib.parse.quote(os.path.abspath(path))
    mode = "mode=ro" if Path(f"{path}-wal").exists() else "immutable=1"
    db = sqlite3.connect(f"{uri}?{mode}", uri=True, timeout=60, isolation_level=None)
    db.execute("PRAGMA busy_timeout = 60000")
    return db


def _read_only_for_us(path: Path) -> bool:
    """Whether this user may not write the gradebook file or make files beside it (SQLite's -wal)."""
    return not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)


#: what to do about a --gradebook that is some other file
_WHICH_FILE = (
    "give --gradebook the .sqlite file that grade-all wrote, or a path where no file is yet for "
    "grade-all to start a new one"
)


def _cannot_create(path: Path, why: str) -> GradebookError:
    return GradebookError(
        f"could not create {path} ({why}); choose a --gradebook in a folder you can write to"
    )


def open_existing(path: Path) -> Gradebook:
    """A gradebook that must already exist (export, stats, feedback)."""
    if not path.exists():
        raise GradebookError(
            f"{path} does not exist; grade first with: backprop-grader grade-all SUBMISSIONS"
        )
    if not path.is_file():  # a device or a pipe (a folder is click's to refuse)
        raise GradebookError(f"{path} is not a file; give --gradebook the .sqlite file that grade-all wrote")
    return Gradebook(path, read_only=True)


def _grader_version() -> str:
    from grader import __version__

    return __version__

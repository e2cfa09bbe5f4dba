"""Blackboard Learn's Grade Center download, which names the column an upload fills in.

Grade Center → Work Offline → Download gives the whole grade center, or one selected column with
its comments, as comma-separated .csv or tab-separated .xls (UTF-16 text, whatever its name
says). A row is a student, found by the Username column; a graded column is headed
``<name> [Total Pts: <points> <how shown>] |<column id>``, and calculated columns (Total, Weighted
Total) say ``up to <points>``. An uploaded file fills in the column whose id its header carries;
a header without one makes a new text column worth 0 points, which totals leave out. That is why
export --format blackboard needs the download: it takes the column's whole header from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from grader.lms_download import DownloadError, read_sheet

USERNAME = "Username"
#: a graded column's header; calculated columns have "up to" before their points, and no match
GRADED_COLUMN = re.compile(r"^(?P<name>.*?)\s*\[Total Pts: (?P<points>\d+(?:\.\d+)?) [^\]]*\]\s*\|\d+$")
_DOWNLOAD_AGAIN = (
    "download it from Blackboard again (Grade Center → Work Offline → Download: the full grade center or "
    "the assignment's column, in English)"
)


@dataclass(frozen=True)
class GradeColumn:
    """A graded column of the Grade Center: its header as Blackboard wrote it (with the column id
    an upload is matched by), its name and the points it is out of."""

    header: str
    name: str
    points: float


@dataclass(frozen=True)
class GradeCenter:
    """The Usernames of a Grade Center download and its graded columns, in its order."""

    usernames: list[str]
    columns: list[GradeColumn]

    def column(self, assignment: str, path: Path) -> GradeColumn:
        """The column to fill in: the one named assignment (letter case aside), or the only graded
        column (a download of one selected column). DownloadError naming the columns otherwise."""
        named = [c for c in self.columns if c.name.casefold() == assignment.strip().casefold()]
        if named:
            return named[0]
        if len(self.columns) == 1:
            return self.columns[0]
        names = ", ".join(repr(c.name) for c in self.columns)
        raise DownloadError(
            f"{path} has no graded column named {assignment!r}; name the one to fill in with --assignment "
            f"(its graded columns: {names})"
            if self.columns
            else f"{path} has no graded column (a header like 'Backprop [Total Pts: 100 Score] |1234'); "
            f"create the assignment's column in the Grade Center, then {_DOWNLOAD_AGAIN}"
        )


def read_grade_center(path: Path) -> GradeCenter:
    """The Grade Center download at path; DownloadError if it cannot be read or has no Username column."""
    header, rows = read_sheet(path, USERNAME, "Blackboard's Grade Center download", _DOWNLOAD_AGAIN)
    at = header.index(USERNAME)
    usernames = [row[at].strip() for row in rows if at < len(row) and row[at].strip()]
    columns = [
        GradeColumn(cell, match["name"], float(match["points"]))
        for cell in header
        if (match := GRADED_COLUMN.match(cell))
    ]
    return GradeCenter(usernames, columns)

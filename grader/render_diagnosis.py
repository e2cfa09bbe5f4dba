"""A test's diagnosis as plain lines of text, for every output format.

Works on the JSON form of a Diagnosis (a dict, as in the JSON report and the
gradebook) so that feedback rebuilt from a gradebook reads the same.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from grader.results import TestResult


def gradient_check_line(rows: list[dict[str, Any]]) -> str:
    """'gradient check (relative error per parameter): W1 7.2e-02 ✗, b1 ... ✓'"""
    cells = []
    for row in rows:
        error = row["relative_error"]
        value = "no number (wrong shape, or NaN or inf in it)" if error is None else f"{error:.1e}"
        cells.append(f"{row['parameter']} {value} {'✓' if row['ok'] else '✗'}")
    return "gradient check (relative error per parameter, limit 1e-5): " + ", ".join(cells)


def diagnosis_lines(diagnosis: dict[str, Any], *, repeated: bool = False) -> list[str]:
    """The diagnosis in a few lines; repeated: the same mistake was explained for an earlier test."""
    lines = []
    if diagnosis["mistake"] is None:
        lines.append(f"No known mistake matches. {diagnosis['explanation']}")
    elif repeated:
        lines.append(f"Likely mistake: {diagnosis['name']} (explained above).")
    else:
        lines.append(f"Likely mistake: {diagnosis['name']}. {diagnosis['explanation']}")
        lines.append(f"Hint: {diagnosis['hint']}")
    if diagnosis.get("also"):
        lines.append("The output also fits: " + "; ".join(map(_name_of, diagnosis["also"])) + ".")
    evidence = diagnosis.get("evidence")
    if evidence and not repeated:
        lines.append(f"Smallest failing call: {evidence['call']}")
        where = f" ({evidence['where']})" if evidence.get("where") else ""
        lines.append(f"Expected {evidence['expected']}; received {evidence['received']}{where}.")
    if diagnosis.get("gradient_check"):
        lines.append(gradient_check_line(diagnosis["gradient_check"]))
    return lines


def _name_of(mistake: str) -> str:
    try:
        from grader.diagnosis.catalog import BY_ID  # not in the student kit, which never diagnoses
    except ImportError:
        return mistake
    return BY_ID[mistake].name if mistake in BY_ID else mistake


def diagnosis_text(diagnosis: dict[str, Any] | None) -> str:
    """All of the diagnosis as one paragraph ('' for none), for one-message formats."""
    return " ".join(diagnosis_lines(diagnosis)) if diagnosis else ""


def test_diagnosis_lines(test: TestResult) -> list[str]:
    """diagnosis_lines of a TestResult's diagnosis ([] when it has none)."""
    return diagnosis_lines(asdict(test.diagnosis)) if test.diagnosis is not None else []

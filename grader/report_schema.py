"""The JSON report's schema (report.schema.json, README "JSON output (stable)"), and a quick check
of a report against it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).parent / "report.schema.json"


def report_problem(report: Any) -> str | None:
    """Where report breaks the schema, in fastjsonschema's words ("data.tests[0] must contain
    ..."), or None if it keeps to it."""
    import fastjsonschema

    try:
        _validator()(report)
    except fastjsonschema.JsonSchemaException as problem:
        return str(problem)
    return None


@cache
def _validator() -> Any:
    import fastjsonschema  # compiled once a report is checked: a run that checks none pays nothing

    return fastjsonschema.compile(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))

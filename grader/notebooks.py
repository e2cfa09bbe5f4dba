"""The exercises as a Jupyter notebook: nbgrader's source version, the student version, and
turning a handed-in notebook back into the four exercise files.

One notebook, backprop.ipynb; per exercise file three cells:
    a read-only Markdown cell        the module docstring (shapes, formulas)
    a solution cell                  the reference file's code, BEGIN/END SOLUTION regions kept;
                                     grade_id = the file's name, tag "backprop-grader:<name>"
    an autograded test cell          points = the file's tests' points; its BEGIN/END HIDDEN TESTS region
                                     grades the notebook with the hidden tests (the same isolated
                                     grading as `backprop-grader grade`) and leaves the points
                                     earned as the cell's result, which nbgrader takes as partial credit

In a notebook every cell shares one namespace, so the solution cells carry no
`from activations import ...` lines; when the files are rebuilt from a notebook,
each gets one first line importing the files before it (earlier_cells_line), so that
a line number in a rebuilt file is one more than in its cell.
"""

from __future__ import annotations

import ast
import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grader.exercise_api import EXERCISE_POINTS, EXERCISES
from grader.light_nbformat import NotebookNode, nbformat
from grader.long_numbers import number_too_long, too_long
from grader.mended_text import mended
from grader.notebook_cells import TAG_PREFIX, Solution, find_solutions
from grader.results import GradeResult
from grader.stubs import make_stub
from grader.whole_file import write_whole

NOTEBOOK_NAME = "backprop.ipynb"
MARKER = "backprop_grader"  # notebook metadata key naming our notebooks
SCHEMA_VERSION = 3
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_ORDER = list(EXERCISES)


class NotebookError(ValueError):
    """A notebook that cannot be read at all (not JSON, not a notebook)."""


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
          points: float | None = None) -> dict[str, Any]:  # fmt: skip
    meta: dict[str, Any] = {"grade": grade, "solution": solution, "locked": locked, "task": False,
                            "grade_id": grade_id, "schema_version": SCHEMA_VERSION}  # fmt: skip
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def split_module(source: str) -> tuple[str, str]:
    """(docstring, code without the docstring and without imports of the other exercise files)."""
    tree = ast.parse(source)
    doc = ast.get_docstring(tree) or ""
    lines = source.splitlines()
    start = tree.body[0].end_lineno if doc and tree.body else 0
    code = [
        line
        for line in lines[start:]
        if not any(line.startswith(f"from {name} import ") for name in EXERCISES)
    ]
    return doc, "\n".join(code).strip("\n") + "\n"


def source_notebook(reference: Path, points: Mapping[str, float] = EXERCISE_POINTS) -> NotebookNode:
    """nbgrader's source notebook (solutions and hidden tests inside their regions).

    points: of each group of hidden tests (grading.suite_points): an exercise file's test cell
    is worth its group's, and a group of no exercise file (hidden_tests/test_<name>.py) gets a
    test cell of its own at the end, so that nbgrader's total is the grade's.
    """
    cells = [
        nbformat.v4.new_markdown_cell(
            "# Backpropagation, step by step\n\nFill in every solution cell below, top to bottom; each "
            "cell is one exercise file. Keep the function names and signatures. The test cell after "
            "each part is graded when you hand in.",
            metadata=_meta("intro", locked=True),
        )
    ]
    for name in _ORDER:
        doc, code = split_module((reference / f"{name}.py").read_text(encoding="utf-8"))
        cells.append(
            nbformat.v4.new_markdown_cell(
                f"## {name}.py\n\n{doc}", metadata=_meta(f"about_{name}", locked=True)
            )
        )
        solution = nbformat.v4.new_code_cell(code, metadata=_meta(name, solution=True))
        solution.metadata["tags"] = [TAG_PREFIX + name]
        cells.append(solution)
        cells.append(_test_cell(name, f"The hidden tests of {name}.py", points.get(name, 0.0)))
    for name in (group for group in points if group not in EXERCISES):
        cells.append(_test_cell(name, f"More hidden tests (test_{name}.py)", points[name]))
    for cell in cells:  # nbformat draws random ids: the same notebook would differ on every write
        cell.id = cell.metadata.nbgrader.grade_id
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata[MARKER] = {"exercises": _ORDER}
    nbformat.validate(notebook)
    return notebook


def _test_cell(group: str, what: str, points: float) -> NotebookNode:
    """An autograded cell worth points that grades the notebook and takes one group's score."""
    test = (
        f"# {what} run here when your notebook is graded.\n"
        f"{BEGIN_HIDDEN}\nfrom grader.notebooks import grade_exercise_in_notebook\n\n"
        f'grade_exercise_in_notebook("{group}")\n{END_HIDDEN}\n'
    )
    return nbformat.v4.new_code_cell(
        test, metadata=_meta(f"test_{group}", grade=True, locked=True, points=points)
    )


def student_notebook(reference: Path) -> NotebookNode:
    """The student version without nbgrader: stubs in the solution cells, no hidden tests."""
    notebook = source_notebook(reference)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = make_stub(cell.source, cell.metadata["nbgrader"]["grade_id"])
        elif BEGIN_HIDDEN in cell.source:
            cell.source = cell.source.split(BEGIN_HIDDEN)[0].rstrip("\n")
    return notebook


def notebook_text(notebook: NotebookNode) -> str:
    """The .ipynb file's text, as nbformat.write writes it."""
    text = nbformat.writes(notebook)
    return text if text.endswith("\n") else text + "\n"


def write_notebook(notebook: NotebookNode, path: Path) -> None:
    """Write the notebook to path (its folders made), replacing the file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_whole(path, notebook_text(notebook))


#: The grader reads a notebook in its own process (never running it), so what it reads is
#: bounded. Memory goes with the number of values in the JSON more than with its bytes: a
#: 16 MB notebook of 2.7 million one-line strings took 500 MB to read, one with a 4 MB plot
#: in it takes next to nothing. Values are counted, roughly (a string has two quotes, a list's
#: values are split by commas), before parsing. The exercises' notebook has a few dozen cells.
MAX_NOTEBOOK_BYTES = 50 * 1024**2
MAX_JSON_VALUES = 1_000_000
MAX_CELLS = 2000

_SAVE_AGAIN = "save the notebook again from Jupyter and hand it in"
_CLEAR_OUTPUTS = "clear all its outputs in Jupyter, save it and hand it in again"


def _json_problem(error: BaseException) -> str:
    """What json.loads found wrong, in its own words but for a number too long to read."""
    return f"it holds {number_too_long()}" if too_long(error) else str(error)


def read_notebook(path: Path) -> tuple[NotebookNode, list[str]]:
    """The notebook as nbformat 4, without its cells' outputs, and notes (an old version
    converted); NotebookError, saying what to do, if it is unreadable or too large."""
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(
                f"{path.name} is {size / 1024**2:.0f} MiB, more than the {MAX_NOTEBOOK_BYTES // 1024**2} MiB "
                f"the grader reads; {_CLEAR_OUTPUTS}"
            )
        text = path.read_text(encoding="utf-8")
        if text.count('"') // 2 + text.count(",") > MAX_JSON_VALUES:  # counted before parsing
            raise NotebookError(f"{path.name} holds more than the grader reads (over {MAX_JSON_VALUES:,} "
                                f"lines and values); {_CLEAR_OUTPUTS}")  # fmt: skip
        raw = json.loads(text)
    # ValueError: UnicodeDecodeError, JSONDecodeError, and an int too long to read (long_numbers)
    except (OSError, ValueError, RecursionError) as error:
        raise NotebookError(
            f"{path.name} is not a readable notebook (not valid JSON: {_json_problem(error)}); {_SAVE_AGAIN}"
        ) from None
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise NotebookError(f"{path.name} is not a Jupyter notebook (no cells); {_SAVE_AGAIN}")
    cells = _raw_cells(raw)
    if len(cells) > MAX_CELLS:
        raise NotebookError(
            f"{path.name} has {len(cells)} cells, more than the {MAX_CELLS} the grader reads; use the "
            "notebook you were given, with your work in its cells"
        )
    for cell in cells:
        if isinstance(cell, dict):
            _leave_only_the_code(cell)
    notes = []
    version = raw.get("nbformat")
    try:
        with warnings.catch_warnings():  # nbformat's about the student's file (no cell ids, say)
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as error:  # noqa: BLE001 - nbformat raises many kinds for broken files
        raise NotebookError(
            f"{path.name} is not a notebook nbformat can read ({error}); {_SAVE_AGAIN}"
        ) from None
    if version != 4:
        notes.append(f"{path.name} is an old notebook (nbformat {version}); it was converted to nbformat 4")
    return notebook, notes


def _raw_cells(raw: dict[str, Any]) -> list[Any]:
    """The cells of a notebook as read from its JSON: nbformat 4's, or those of every worksheet (3)."""
    if "cells" in raw:
        return raw["cells"] if isinstance(raw["cells"], list) else []
    worksheets = raw["worksheets"] if isinstance(raw["worksheets"], list) else []
    return [cell for sheet in worksheets if isinstance(sheet, dict) for cell in sheet.get("cells") or []]


def _leave_only_the_code(cell: dict[str, Any]) -> None:
    """Drop what grading never looks at (outputs, attachments), nearly all of a large notebook,
    and join the lines of the source: nbformat then reads and checks a small document."""
    if "outputs" in cell:
        cell["outputs"] = []
    cell.pop("attachments", None)
    for key in ("source", "input"):  # nbformat 4's name, and 3's for code cells
        lines = cell.get(key)
        if isinstance(lines, list) and all(isinstance(line, str) for line in lines):
            lines = "".join(lines)
        if isinstance(lines, str):
            cell[key] = mended(lines)  # a "\udcff" escape in the JSON could not be written to a file


def exercise_files(path: Path) -> tuple[dict[str, str], list[str]]:
    """{file name: source} of the exercise files in a notebook's solution cells, and notes.

    Only code cells are read (notebook_cells.find_solutions says which hold which file);
    nothing in the notebook is run here. A file found by its functions rather than by its
    cell's metadata, or not found at all, is noted; a file not found is left out.
    """
    notebook, notes = read_notebook(path)
    cells = notebook.get("cells")
    found = find_solutions(cells if isinstance(cells, list) else [])
    files = {}
    for index, name in enumerate(_ORDER):
        notes += _how_found(path.name, name, found.get(name))
        if name in found:
            files[f"{name}.py"] = earlier_cells_line(_ORDER[:index]) + found[name].source
    return files, notes


def _how_found(notebook: str, name: str, solution: Solution | None) -> list[str]:
    """The notes on how the notebook's cells made the file name.py, if not simply its solution cell."""
    missing = f"{notebook} has no solution cell for {name}.py (nbgrader grade_id or tag {TAG_PREFIX}{name})"
    if solution is None:
        return [missing]
    notes = []
    if solution.found_by:
        notes.append(
            f"{missing}, so {name}.py was made of the cells that define {', '.join(solution.found_by)}"
        )
    if solution.defined_again:
        notes.append(
            f"{name}.py: cells after its solution cell define {', '.join(solution.defined_again)} again, so "
            "they were added after it, as running the notebook in order would use them"
        )
    if solution.magics:
        notes.append(
            f"{name}.py: its cell's {solution.magics} IPython line(s) (% or !) were made pass, as they are not "
            "Python"
        )
    return notes


def earlier_cells_line(before: list[str]) -> str:
    """One line that brings in what the cells before defined, as a notebook's shared namespace does.

    A cell that cannot be imported (a syntax error, say) is left out rather than failing this
    one, as nbgrader runs every cell of a notebook whatever an earlier one raised: a later cell
    that uses nothing of it still earns its points, and one that does gets a NameError."""
    if not before:
        return ""
    loop = (f"for _cell in {tuple(before)!r}:\n    try:\n        exec(f'from {{_cell}} import *')\n"
            "    except Exception:\n        pass")  # fmt: skip
    return f"exec({loop!r})  # the cells before this one (notebook cells share one namespace)\n"


_GRADED: dict[str, GradeResult] = {}  # one grade per notebook version and kernel


def grade_exercise_in_notebook(exercise: str, directory: Path | None = None) -> float:
    """Grade the notebook in the current folder with the hidden tests; return one file's points.

    Run by the hidden region of an nbgrader test cell: the cell's result is the points earned
    (nbgrader's partial credit), what was lost is printed, and nothing goes to stderr (nbgrader
    gives 0 to a cell that writes to stderr). The whole notebook is graded once per kernel.
    """
    import contextlib
    import io
    import warnings

    from grader.grading import grade_path

    directory = directory or Path.cwd()
    candidates = [p for p in sorted(directory.glob("*.ipynb")) if MARKER in p.read_text(encoding="utf-8")]
    if not candidates:
        print(f"no backprop notebook in {directory}: 0 points")
        return 0.0
    notebook = candidates[0]
    key = f"{notebook}:{notebook.stat().st_mtime_ns}"
    if key not in _GRADED:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            _GRADED[key] = grade_path(notebook)
    result = _GRADED[key]
    for test in result.tests:
        if test.exercise == exercise and test.score < test.max_score:
            print(f"{test.name}: {test.score:g}/{test.max_score:g} ({test.status}) {test.message[:300]}")
    return next((e.score for e in result.exercises() if e.name == exercise), 0.0)

"""Notebooks: nbgrader's source notebook, a real nbgrader round trip, and grading .ipynb submissions."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from conftest import EXAMPLES, REFERENCE, grader_copy
from conftest import run_cli as run
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.exercise_api import EXERCISE_POINTS, EXERCISES
from grader.notebook_cells import without_magics
from grader.notebooks import (
    NotebookError,
    exercise_files,
    source_notebook,
    split_module,
    student_notebook,
    write_notebook,
)

BIN = Path(sys.executable).parent
NBGRADER = [str(BIN / "nbgrader")]
# nbgrader runs its own helpers (alembic) by name, so the venv's bin must be on PATH, as it is
# for an instructor who activated the venv.
NBGRADER_ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
STUDENTS = {
    "alice": "reference",
    "bob": None,
    "carol": "forgot_hidden_derivative",
    "dan": "relu_prime_at_zero",
}


def solution_lines() -> set[str]:
    """Every substantial line of the reference solutions' regions that the stubs do not show too
    (a docstring may state a formula that its solution then spells out)."""
    from conftest import EXERCISES as STUBS

    shown = "\n".join(path.read_text() for path in STUBS.glob("*.py"))
    lines = set()
    for path in REFERENCE.glob("*.py"):
        inside = False
        for line in path.read_text().splitlines():
            if "### BEGIN SOLUTION" in line:
                inside = True
            elif "### END SOLUTION" in line:
                inside = False
            elif inside and len(line.strip()) > 12 and not line.strip().startswith("#"):
                lines.add(line.strip())
    return {line for line in lines if line not in shown}


def filled(released: Path, source_of: str | None) -> nbformat.NotebookNode:
    """The released notebook with its solution cells filled from a folder of exercise files."""
    notebook = nbformat.read(str(released), as_version=4)
    if source_of is None:
        return notebook
    folder = REFERENCE if source_of == "reference" else EXAMPLES / source_of
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            code = split_module((folder / f"{meta['grade_id']}.py").read_text())[1]
            cell.source = "\n".join(
                line
                for line in code.splitlines()
                if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line
            )
    return notebook


def test_the_source_notebook_has_nbgraders_current_metadata():
    from nbgrader.nbgraderformat import MetadataValidator

    notebook = source_notebook(REFERENCE)
    nbformat.validate(notebook)
    MetadataValidator().validate_nb(notebook)
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells}
    for name in EXERCISES:
        assert cells[name].metadata["nbgrader"]["solution"] and "### BEGIN SOLUTION" in cells[name].source
        test = cells[f"test_{name}"]
        assert test.metadata["nbgrader"]["grade"] and test.metadata["nbgrader"]["locked"]
        assert test.metadata["nbgrader"]["points"] == EXERCISE_POINTS[name]
        assert "### BEGIN HIDDEN TESTS" in test.source and "### END HIDDEN TESTS" in test.source
        assert cells[f"about_{name}"].metadata["nbgrader"]["locked"]


def test_nbgrader_source_is_the_same_file_every_time_and_never_replaces_an_edited_one(tmp_path):
    """A course kept in git sees no change when the notebook is written again; an instructor's
    own edits to the source notebook are never written over."""
    target = tmp_path / "source" / "backprop" / "backprop.ipynb"
    assert run("nbgrader-source", str(tmp_path)).returncode == 0
    first = target.read_bytes()
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()  # the instructor's own\n")
    again = run("nbgrader-source", str(tmp_path))
    assert again.returncode == 0 and target.read_bytes() == first
    assert "the instructor's own" in (tmp_path / "nbgrader_config.py").read_text()
    edited = first.replace(b"Fill in every solution cell below", b"Fill in every cell below")
    target.write_bytes(edited)
    refused = run("nbgrader-source", str(tmp_path))
    assert refused.returncode == 2 and target.read_bytes() == edited
    assert refused.stderr == (
        f"Error: {target} exists and is not the notebook this version writes (edited by hand, or written by "
        "another version); move it away, or use another --assignment, and run again\n"
    )


@pytest.mark.parametrize(
    "name", ["../elsewhere", "a/b", "", " ps1", "-x", ".hidden", "_x", "ps+1", "ps*", "ps1\n"]
)
def test_an_assignment_name_nbgrader_cannot_use_as_a_folder_is_refused(tmp_path, name):
    """It went into the path as it was: "../elsewhere" wrote the notebook beside source/, "" into
    source/ itself, and "ps+1" one that nbgrader then refused."""
    course = tmp_path / "course"
    refused = run("nbgrader-source", str(course), "--assignment", name)
    assert refused.returncode == 2 and not course.exists()
    assert refused.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--assignment': {name!r} is not usable as an nbgrader assignment name, "
        "which names its folders: letters, digits and _ . - only, starting with a letter or digit "
        "(backprop, ps3, hw-2)"
    )


def test_the_next_step_nbgrader_source_prints_can_be_pasted_into_a_shell(tmp_path):
    course = tmp_path / "my course"
    written = run("nbgrader-source", str(course), "--assignment", "hw-2.b")
    assert written.returncode == 0
    assert (course / "source" / "hw-2.b" / "backprop.ipynb").is_file()
    assert written.stdout.endswith(f"next: cd '{course}' && nbgrader generate_assignment hw-2.b\n")


EXTRA_TEST = """
import pytest

from grader.compare import assert_close


@pytest.mark.points(2)
def test_sigmoid_is_symmetric(student, rng):
    z = rng.normal(size=(4, 3)) * 5
    assert_close(student.sigmoid(-z), 1 - student.sigmoid(z), "sigmoid(-z) against 1 - sigmoid(z)")
"""


def test_the_test_cells_are_worth_what_the_tests_are(tmp_path):
    """An instructor's own test file (or changed points) keeps nbgrader's total the grade's: the
    cells' points are read off grading the reference, and a file of no exercise gets a cell."""
    project = grader_copy(tmp_path / "project")
    (project / "grader" / "hidden_tests" / "test_extra.py").write_text(EXTRA_TEST)
    assert run("nbgrader-source", str(tmp_path / "course"), cwd=project).returncode == 0
    folder = tmp_path / "course" / "source" / "backprop"
    notebook = nbformat.read(folder / "backprop.ipynb", as_version=4)
    graded = [c for c in notebook.cells if c.metadata["nbgrader"]["grade"]]
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in graded}
    assert points == {**{f"test_{name}": EXERCISE_POINTS[name] for name in EXERCISES}, "test_extra": 2.0}
    assert 'grade_exercise_in_notebook("extra")' in graded[-1].source
    earned = subprocess.run(
        [sys.executable, "-c", "from grader.notebooks import grade_exercise_in_notebook as g; print(g('extra'))"],
        cwd=folder, env={**os.environ, "PYTHONPATH": str(project)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert earned.stdout.strip() == "2.0", earned.stderr[-2000:]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder taken through nbgrader-source, generate_assignment and autograde."""
    root = tmp_path_factory.mktemp("course")
    assert run("nbgrader-source", str(root)).returncode == 0
    generated = subprocess.run([*NBGRADER, "generate_assignment", "backprop"], cwd=root, capture_output=True,
                               text=True, timeout=300, env=NBGRADER_ENV)  # fmt: skip
    assert generated.returncode == 0, generated.stderr[-3000:]
    released = root / "release" / "backprop" / "backprop.ipynb"
    for student, source_of in STUDENTS.items():
        write_notebook(
            filled(released, source_of), root / "submitted" / student / "backprop" / "backprop.ipynb"
        )
    graded = subprocess.run([*NBGRADER, "autograde", "backprop", "--create"], cwd=root, capture_output=True,
                            text=True, timeout=600, env=NBGRADER_ENV)  # fmt: skip
    assert graded.returncode == 0, graded.stderr[-3000:]
    return root


def nbgrader_scores(root: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {s: gradebook.find_submission("backprop", s).score for s in STUDENTS}


def test_the_released_notebook_has_no_solutions_and_no_hidden_tests(course):
    text = (course / "release" / "backprop" / "backprop.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" not in text and "grade_exercise_in_notebook" not in text
    assert "BEGIN SOLUTION" not in text
    leaked = [line for line in solution_lines() if json.dumps(line)[1:-1] in text]
    assert leaked == []


def test_nbgrader_autograde_gives_full_zero_and_the_graders_own_scores(course):
    scores = nbgrader_scores(course)
    assert scores["alice"] == 100.0
    assert scores["bob"] == 0.0
    for student in ("carol", "dan"):
        notebook = course / "submitted" / student / "backprop" / "backprop.ipynb"
        report = json.loads(run("grade", str(notebook), "--format", "json").stdout)
        exercises = sum(e["score"] for e in report["exercises"])
        assert scores[student] == pytest.approx(exercises), student  # the quiz is not in the notebook
        assert 0 < scores[student] < 100


def test_grade_all_reads_nbgraders_submitted_layout(course, tmp_path):
    book = tmp_path / "gradebook.sqlite"
    completed = run("grade-all", str(course / "submitted"), "--gradebook", str(book))
    assert completed.returncode == 0, completed.stderr
    rows = {
        r["student"]: r
        for r in json.loads(run("export", "--gradebook", str(book), "--format", "json").stdout)["students"]
    }
    scores = nbgrader_scores(course)
    assert {s: r["score"] for s, r in rows.items()} == pytest.approx(scores)


def test_a_notebook_is_graded_like_the_files(tmp_path):
    notebook = tmp_path / "alice.ipynb"
    write_notebook(source_notebook(REFERENCE), notebook)
    report = json.loads(run("grade", str(notebook), "--format", "json").stdout)
    assert sum(e["score"] for e in report["exercises"]) == 100.0
    assert report["notes"][0].startswith("graded the solution cells of alice.ipynb, each as its file")
    write_notebook(student_notebook(REFERENCE), notebook)
    report = json.loads(run("grade", str(notebook), "--format", "json").stdout)
    assert report["score"] == 0.0


def test_grading_a_notebook_never_loads_the_web_address_parser_that_nbformat_does_not_use(tmp_path):
    """jsonschema, under nbformat, imports rfc3987-syntax for one format checker nbformat never
    uses; building its lark grammars doubled the time of grading a notebook (grader/light_nbformat.py,
    benchmarks/grade_one.py). It stays out of a grading process, and the notebook is still checked."""
    notebook = tmp_path / "alice.ipynb"
    write_notebook(source_notebook(REFERENCE), notebook)
    broken = tmp_path / "bob.ipynb"
    broken.write_text(json.dumps({"cells": [{"cell_type": "code"}], "nbformat": 4, "nbformat_minor": 5}))
    script = (
        "import sys\nfrom pathlib import Path\nfrom grader.grading import grade_path\n"
        "from grader.submission import SubmissionError\n"
        f"print(grade_path(Path({str(notebook)!r})).percent)\n"
        f"try:\n    grade_path(Path({str(broken)!r}))\nexcept SubmissionError as error:\n    print(error)\n"
        "print(sorted(m for m in ('lark', 'rfc3987_syntax') if sys.modules.get(m) is not None))\n"
    )
    lines = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    percent, invalid, loaded = lines.splitlines()
    assert float(percent) == pytest.approx(100 * 100 / 143)  # every exercise, no quiz
    assert invalid.startswith("bob.ipynb is not a notebook nbformat can read")
    assert loaded == "[]"


def test_a_broken_cell_costs_only_the_cells_that_need_it(tmp_path):
    """As nbgrader runs every cell whatever an earlier one raised: a syntax error in the backprop
    cell zeroes backprop.py, and deep.py where it calls backprop's functions, but not gradcheck.py,
    which uses nothing of it. The error's line is the cell's line + 1, as the note says."""
    notebook = source_notebook(REFERENCE)
    (cell,) = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "backprop"]
    lines = cell.source.splitlines()
    broken = next(i for i, line in enumerate(lines) if line.startswith("def squared_error("))
    lines[broken] = lines[broken].rstrip(":")
    cell.source = "\n".join(lines)
    write_notebook(notebook, tmp_path / "sub.ipynb")
    report = json.loads(run("grade", str(tmp_path / "sub.ipynb"), "--format", "json").stdout)
    scores = {e["name"]: e["score"] for e in report["exercises"]}
    assert scores["activations"] == 20.0 and scores["gradcheck"] == 10.0 and scores["backprop"] == 0.0
    assert scores["deep"] < 25.0
    messages = {t["message"] for t in report["tests"] if t["exercise"] == "backprop"}
    assert messages == {
        f"backprop.py could not be imported: SyntaxError: expected ':' (backprop.py, line {broken + 2})"
    }
    deep = {t["message"] for t in report["tests"] if t["exercise"] == "deep" and t["status"] != "passed"}
    assert any("NameError: name 'output_delta' is not defined" in message for message in deep), deep
    assert "line N - 1 of the cell" in report["notes"][0]


def test_a_notebook_handed_in_with_the_kits_untouched_stubs_is_what_is_graded(tmp_path):
    """The whole kit zipped up (exercises/ as given, the work in backprop.ipynb): the notebook is
    graded, and the report says why."""
    kit = tmp_path / "kit"
    shutil.copytree(REFERENCE.parent / "exercises", kit / "exercises")
    write_notebook(source_notebook(REFERENCE), kit / "backprop.ipynb")
    report = json.loads(run("grade", str(kit), "--format", "json").stdout)
    assert sum(e["score"] for e in report["exercises"]) == 100.0
    assert "exercises/ holds the untouched stubs, so the notebook was graded instead" in report["notes"]
    (kit / "exercises" / "gradcheck.py").write_text((REFERENCE / "gradcheck.py").read_text())
    report = json.loads(run("grade", str(kit), "--format", "json").stdout)
    assert "graded the files in exercises/" in report["notes"]  # work in a file: the files, as before
    assert {e["name"]: e["score"] for e in report["exercises"]}["gradcheck"] == 10.0


def test_the_rest_of_the_notebook_is_never_run(tmp_path):
    notebook = source_notebook(REFERENCE)
    marker = tmp_path / "ran.txt"
    notebook.cells.insert(0, nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').write('ran')"))
    write_notebook(notebook, tmp_path / "sub.ipynb")
    assert run("grade", str(tmp_path / "sub.ipynb")).returncode == 0
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"cells": [ oops', "broken.ipynb is not a readable notebook (not valid JSON"),
        ('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}", "broken.ipynb is not a readable notebook"),
        (
            '{"cells": [], "metadata": {"x": [' + ",".join(["1.5"] * 1_200_000) + "]}}",
            "broken.ipynb holds more than the grader reads (over 1,000,000 lines and values); clear all "
            "its outputs in Jupyter",
        ),
        (
            json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{}] * 2001}),
            "broken.ipynb has 2001 cells, more than the 2000 the grader reads",
        ),
        (
            '{"cells": [], "nbformat": 4' + "0" * 5000 + "}",
            "broken.ipynb is not a readable notebook (not valid JSON: it holds a number of more than 4,300 "
            "digits, longer than Python reads); save the notebook again",
        ),
    ],
    ids=[
        "not JSON",
        "nested past Python's recursion limit",
        "a million values",
        "too many cells",
        "a long number",
    ],
)
def test_a_notebook_that_cannot_be_read_is_one_line_exit_2(tmp_path, text, message):
    """The grader reads a notebook in its own process: what it cannot read, or could read only
    with a lot of time and memory, is refused with what to do."""
    (tmp_path / "broken.ipynb").write_text(text)
    completed = run("grade", str(tmp_path / "broken.ipynb"))
    assert completed.returncode == 2
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr and len(completed.stderr.strip().splitlines()) == 1


_EXERCISE_WORDS = [*EXERCISES, *(f"backprop-grader:{name}" for name in EXERCISES), "", "x"]
_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.sampled_from(_EXERCISE_WORDS),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
#: code cells whose metadata, where the grader reads it (nbgrader's fields, the tags), holds
#: values of every JSON type, right or wrong; nbformat lets such a notebook through
_CELLS = st.lists(
    st.fixed_dictionaries(
        {
            "cell_type": st.just("code"),
            "execution_count": st.none(),
            "outputs": st.just([]),
            "source": st.text(max_size=20) | st.sampled_from([(REFERENCE / "deep.py").read_text()]),
            "metadata": st.fixed_dictionaries(
                {},
                optional={
                    "tags": _ANY_JSON | st.lists(st.sampled_from(_EXERCISE_WORDS) | _ANY_JSON, max_size=3),
                    "nbgrader": _ANY_JSON
                    | st.fixed_dictionaries(
                        {},
                        optional={
                            "solution": _ANY_JSON,
                            "grade_id": st.sampled_from(_EXERCISE_WORDS) | _ANY_JSON,
                        },
                    ),
                },
            ),
        }
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(_CELLS)
def test_whatever_a_notebooks_cells_hold_it_gives_exercise_files_or_a_notebook_error(cells):
    """nbformat reads a notebook that breaks its schema with only a warning, so the grader's
    reading of the cells meets every kind of value."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hw.ipynb"
        path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}))
        try:
            files, notes = exercise_files(path)
        except NotebookError as error:
            assert str(error).startswith("hw.ipynb ")
            return
    assert set(files) <= {f"{name}.py" for name in EXERCISES}
    assert all(isinstance(text, str) for text in files.values()) and all(isinstance(n, str) for n in notes)


def test_a_lone_surrogate_escape_in_a_cell_is_graded_not_a_crash(tmp_path):
    """JSON may escape half a surrogate pair ("\\udcff"), which no file can hold as it is."""
    notebook = json.loads(json.dumps(source_notebook(REFERENCE)))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["source"] = "# caf\udcff\n" + "".join(cell["source"])
    (tmp_path / "sub.ipynb").write_text(json.dumps(notebook))  # ensure_ascii: written as the escape
    completed = run("grade", str(tmp_path / "sub.ipynb"), "--format", "json")
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert sum(e["score"] for e in json.loads(completed.stdout)["exercises"]) == 100


def test_a_notebook_larger_than_a_submission_is_refused_without_being_copied(tmp_path):
    path = tmp_path / "huge.ipynb"
    with path.open("wb") as file:
        file.truncate(60 * 1024**2)  # sparse: 60 MiB on paper, nothing on disk
    completed = run("grade", str(path))
    assert completed.returncode == 2
    assert completed.stderr == (
        f"Error: {path} is 60 MiB, more than a submission may be (50 MiB); clear all its outputs in "
        "Jupyter, save it and hand it in again\n"
    )


def test_a_notebook_with_large_outputs_is_graded(tmp_path):
    """Outputs are what makes a real notebook large (plots); they are dropped unread."""
    notebook = source_notebook(REFERENCE)
    plot = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo" * 400_000})  # 4.4 MB
    for cell in [cell for cell in notebook.cells if cell.cell_type == "code"][:3]:
        cell.outputs = [plot]
    write_notebook(notebook, tmp_path / "sub.ipynb")
    assert (tmp_path / "sub.ipynb").stat().st_size > 12 * 1024**2
    completed = run("grade", str(tmp_path / "sub.ipynb"), "--format", "json")
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert sum(e["score"] for e in report["exercises"]) == 100


def test_an_old_notebook_is_converted_and_graded(tmp_path):
    from nbformat import v3

    new = source_notebook(REFERENCE)
    old = v3.new_notebook(worksheets=[v3.new_worksheet(cells=[])])
    for cell in new.cells:
        if cell.cell_type == "code":
            converted = v3.new_code_cell(input=cell.source)
            converted.metadata = dict(cell.metadata)
            old.worksheets[0].cells.append(converted)
    old.nbformat, old.nbformat_minor = 3, 0
    (tmp_path / "old.ipynb").write_text(v3.writes_json(old))
    report = json.loads(run("grade", str(tmp_path / "old.ipynb"), "--format", "json").stdout)
    assert any("old notebook (nbformat 3)" in note for note in report["notes"])
    assert sum(e["score"] for e in report["exercises"]) == 100.0


def test_a_notebook_missing_a_cell_is_graded_as_far_as_possible(tmp_path):
    notebook = source_notebook(REFERENCE)
    notebook.cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "deep"]
    write_notebook(notebook, tmp_path / "nodeep.ipynb")
    report = json.loads(run("grade", str(tmp_path / "nodeep.ipynb"), "--format", "json").stdout)
    scores = {e["name"]: e["score"] for e in report["exercises"]}
    assert scores == {"activations": 20.0, "backprop": 45.0, "gradcheck": 10.0, "deep": 0.0}
    assert any("has no solution cell for deep.py" in note for note in report["notes"])


def test_cells_can_be_found_by_tag_instead_of_nbgrader_metadata(tmp_path):
    notebook = source_notebook(REFERENCE)
    for cell in notebook.cells:
        cell.metadata.pop("nbgrader", None)  # e.g. a notebook that went through another tool
    write_notebook(notebook, tmp_path / "tags.ipynb")
    report = json.loads(run("grade", str(tmp_path / "tags.ipynb"), "--format", "json").stdout)
    assert sum(e["score"] for e in report["exercises"]) == 100.0


def test_solution_cells_that_lost_their_metadata_are_found_by_the_functions_they_define(tmp_path):
    """A cell deleted and written again, or code pasted into a new cell, has no nbgrader metadata
    or tag (editors such as VS Code do not keep it); the backprop cell is also split in two here,
    with its helper forward() in a cell of its own after train_step, and an experiment cell that
    must not run when the files are rebuilt."""
    notebook = source_notebook(REFERENCE)
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or "solution" not in cell.metadata.get("nbgrader", {}):
            continue
        source = cell.source
        if cell.metadata["nbgrader"]["grade_id"] == "backprop":
            head, rest = source.split("def forward(", 1)
            forward, tail = rest.split("def train_step(", 1)
            cells += [head, "def train_step(" + tail, "def forward(" + forward]
        else:
            cells.append(source)
    cells.insert(1, "import matplotlib.pyplot as plt\nplt.plot(sigmoid(np.linspace(-5, 5)))")
    bare = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    write_notebook(bare, tmp_path / "bare.ipynb")
    report = json.loads(run("grade", str(tmp_path / "bare.ipynb"), "--format", "json").stdout)
    assert {e["name"]: e["score"] for e in report["exercises"]} == dict(EXERCISE_POINTS)
    assert (
        "bare.ipynb has no solution cell for backprop.py (nbgrader grade_id or tag backprop-grader:backprop), so "
        "backprop.py was made of the cells that define squared_error, output_delta, hidden_delta, "
        "weight_gradients, sgd_update, train_step"
    ) in report["notes"]
    assert sum("was made of the cells that define" in note for note in report["notes"]) == 4


def test_an_answer_written_in_a_new_cell_below_the_stub_is_the_one_graded(tmp_path):
    """The student left the released stub cell as it was and wrote their gradcheck below it, as
    Jupyter lets them: running the notebook in order uses the later definition."""
    released = student_notebook(REFERENCE)
    (at,) = [
        i for i, c in enumerate(released.cells) if "backprop-grader:gradcheck" in c.metadata.get("tags", [])
    ]
    solved = source_notebook(REFERENCE)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in solved.cells
        if "solution" in c.metadata.get("nbgrader", {})
    }
    released.cells.insert(at + 1, nbformat.v4.new_code_cell(answers["gradcheck"]))
    write_notebook(released, tmp_path / "below.ipynb")
    report = json.loads(run("grade", str(tmp_path / "below.ipynb"), "--format", "json").stdout)
    assert {e["name"]: e["score"] for e in report["exercises"]}["gradcheck"] == 10.0
    assert (
        "gradcheck.py: cells after its solution cell define numerical_gradient again, so they were added after "
        "it, as running the notebook in order would use them"
    ) in report["notes"]
    assert sum(e["score"] for e in report["exercises"]) == 10.0  # the other stubs are still stubs


def test_a_tagged_cell_wins_over_an_untagged_one_defining_the_same_functions(tmp_path):
    notebook = source_notebook(REFERENCE)
    broken = (REFERENCE / "gradcheck.py").read_text().replace("return grad", "return grad * 0")
    notebook.cells.append(nbformat.v4.new_code_cell(broken))  # a scratch copy at the end, in deep's part
    write_notebook(notebook, tmp_path / "scratch.ipynb")
    report = json.loads(run("grade", str(tmp_path / "scratch.ipynb"), "--format", "json").stdout)
    assert sum(e["score"] for e in report["exercises"]) == 100.0
    assert not any("was made of the cells" in note for note in report["notes"])


def test_ipython_lines_in_a_solution_cell_do_not_cost_its_file(tmp_path):
    notebook = source_notebook(REFERENCE)
    (cell,) = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "activations"]
    cell.source = "%%time\n%matplotlib inline\n!pip install numpy\n" + cell.source
    write_notebook(notebook, tmp_path / "magic.ipynb")
    report = json.loads(run("grade", str(tmp_path / "magic.ipynb"), "--format", "json").stdout)
    assert sum(e["score"] for e in report["exercises"]) == 100.0
    assert (
        "activations.py: its cell's 3 IPython line(s) (% or !) were made pass, as they are not Python"
        in (report["notes"])
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = (10\n     % 3)\n", ("x = (10\n     % 3)\n", 0)),  # Python already: a continuation line
        ("  %time f()\ndef f(:\n", ("  %time f()\ndef f(:\n", 0)),  # still not Python: its own error stays
        ("def f():\n    !ls\n    return 1\n", ("def f():\n    pass  # IPython: !ls\n    return 1\n", 1)),
    ],
    ids=["continuation", "real syntax error", "indented shell line"],
)
def test_only_lines_that_keep_a_cell_from_being_python_are_made_pass(source, expected):
    assert without_magics(source) == expected


def test_a_notebook_inside_a_zip_is_graded(tmp_path):
    folder = tmp_path / "alice"
    folder.mkdir()
    write_notebook(source_notebook(REFERENCE), folder / "backprop.ipynb")
    shutil.make_archive(str(tmp_path / "alice"), "zip", folder)
    report = json.loads(run("grade", str(tmp_path / "alice.zip"), "--format", "json").stdout)
    assert sum(e["score"] for e in report["exercises"]) == 100.0


def test_the_notebooks_points_are_the_hidden_grades(reference_result):
    assert {e.name: e.max_score for e in reference_result.exercises()} == dict(EXERCISE_POINTS)

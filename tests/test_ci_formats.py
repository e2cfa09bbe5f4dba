"""Gradescope, GitHub Actions, JUnit and Classroom outputs, as each platform reads them."""

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from conftest import EXAMPLES, REFERENCE, REPO, dig, reference_with, reference_with_file, strict_report
from conftest import run_cli as run
from junitparser import Error, Failure, JUnitXml

from grader.diagnosis.catalog import BY_ID
from grader.exercise_api import EXERCISES
from grader.scratch import remove_tree

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "gradescope_results.schema.json").read_text())
TEMPLATES = REPO / "grader" / "templates"
WRONG = EXAMPLES / "forgot_hidden_derivative"


@pytest.fixture(scope="module")
def reports() -> dict:
    """The JSON report and the Gradescope results of one wrong example."""
    return {
        "json": json.loads(run("grade", str(WRONG), "--format", "json").stdout),
        "gradescope": json.loads(run("grade", str(WRONG), "--format", "gradescope").stdout),
    }


def test_the_json_report_is_strict_json_when_a_gradient_holds_nan_and_inf(tmp_path):
    """json.dumps writes NaN and Infinity, which JSON has not (jq and JSON.parse refuse the whole
    document): a deep_gradients whose gradients held NaN gave `"relative_error": NaN`, and the
    report's plots NaN norms. They are null, as a gradient of the wrong shape is."""
    nan_gradients = reference_with(
        tmp_path / "nan",
        {
            "deep.py": [
                ("    return grads\n", "    return [(dW * np.nan, db * np.inf) for dW, db in grads]\n")
            ]
        },
    )
    report = tmp_path / "report.html"
    graded = run("grade", str(nan_gradients), "--format", "json", "--report", str(report))
    assert graded.returncode == 0, graded.stderr
    document = strict_report(graded.stdout)
    rows = [
        row for test in document["tests"] if test["diagnosis"] for row in test["diagnosis"]["gradient_check"]
    ]
    assert rows and all(row["relative_error"] is None and row["ok"] is False for row in rows)
    assert None in document["plots"]["first_layer_norm"]["sigmoid"]["student"]
    text = " ".join(run("grade", str(nan_gradients)).stdout.split())  # its lines wrapped where they were
    assert "layer 1 W no number (wrong shape, or NaN or inf in it) ✗" in text


def test_gradescope_results_follow_the_format_and_hold_the_grade(reports):
    results, report = reports["gradescope"], reports["json"]
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == report["score"] == 107.5
    assert sum(t["score"] for t in results["tests"]) == pytest.approx(results["score"])
    assert len(results["tests"]) == len(report["tests"]) + len(report["quiz"]["questions"])
    public = {t["name"] for t in report["tests"] if t["public"]}
    for test in results["tests"]:
        short = test["name"].split(": ", 1)[1]
        if test["name"].startswith("quiz: "):
            assert test["visibility"] == "after_due_date"
        else:
            assert test["visibility"] == ("visible" if short in public else "after_published")
    assert {t["status"] for t in results["tests"]} == {"passed", "failed"}
    assert public and len(public) < len(report["tests"])


def test_schema_rejects_what_gradescope_would_reject(reports):
    broken = json.loads(json.dumps(reports["gradescope"]))
    broken["tests"][0]["visibility"] = "after_deadline"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


@pytest.fixture(scope="module")
def autograder(tmp_path_factory) -> Path:
    """The bundle built by the real command and unpacked as Gradescope does."""
    root = tmp_path_factory.mktemp("autograder")
    bundle = root / "autograder.zip"
    completed = run("gradescope-bundle", str(bundle))
    assert completed.returncode == 0, completed.stderr
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        archive.extractall(root / "source")
    assert {"setup.sh", "run_autograder"} <= set(names)
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert "backprop-grader/reference/backprop.py" in names
    assert any(n.startswith("backprop-grader/grader/hidden_tests/test_") for n in names)
    assert not any("__pycache__" in n for n in names)
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(0o755)
        assert subprocess.run(["bash", "-n", str(root / "source" / script)]).returncode == 0
    return root


def run_autograder(root: Path, submission: Path | None, installed: bool = False, **env_too: str) -> dict:
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    (root / "submission").mkdir()
    if submission is not None:
        for file in submission.iterdir():
            shutil.copy(file, root / "submission" / file.name)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), **env_too}
    if not installed:  # the bundled grader, run by this test's Python instead of setup.sh's venv
        env |= {
            "BACKPROP_GRADER_PYTHON": sys.executable,
            "PYTHONPATH": str(root / "source" / "backprop-grader"),
        }
    completed = subprocess.run([str(root / "source" / "run_autograder")], capture_output=True, text=True,
                               env=env, timeout=300)  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    return results


def test_the_bundle_grades_a_submission_end_to_end(autograder, reports):
    results = run_autograder(autograder, WRONG)
    assert results["score"] == reports["gradescope"]["score"]
    assert [t["name"] for t in results["tests"]] == [t["name"] for t in reports["gradescope"]["tests"]]


def test_the_bundle_gives_zero_and_the_reason_for_an_empty_submission(autograder):
    results = run_autograder(autograder, None)
    assert results["score"] == 0.0
    assert results["output"].startswith("Your submission could not be graded: no exercise files")


@pytest.mark.parametrize(
    ("metadata", "drawn_for"),
    [
        ({"users": [{"email": "bob@example.edu", "id": 7, "name": "Bob"}, {"email": "eve@example.edu"}]},
         "bob@example.edu"),
        ("not JSON at all", None),
        ({"users": [{"email": "bob o'neil@example.edu"}]}, None),  # no usable id: answers.toml's counts
    ],
    ids=["first-user", "unreadable", "unusable-email"],
)  # fmt: skip
def test_the_bundle_draws_the_quiz_numbers_for_the_student_gradescope_names(autograder, metadata, drawn_for):
    """answers.toml is the student's to write: on Gradescope the id comes from submission_metadata.json,
    so a copied answers file does not bring its owner's numbers along."""
    file = autograder / "submission_metadata.json"
    file.write_text(metadata if isinstance(metadata, str) else json.dumps(metadata))
    try:
        results = run_autograder(autograder, EXAMPLES / "correct")  # answers.toml names "correct"
    finally:
        file.unlink()
    quiz = [test for test in results["tests"] if "quiz" in test.get("tags", [])]
    earned, possible = sum(t["score"] for t in quiz), sum(t["max_score"] for t in quiz)
    if drawn_for is None:
        assert earned == possible and "were drawn for" not in results["output"]
    else:
        assert f"the numbers were drawn for {drawn_for!r}" in results["output"]
        assert earned < possible


def test_setup_sh_installs_the_bundle_and_run_autograder_uses_it(autograder, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    plans = {"BACKPROP_GRADER_CACHE_DIR": str(tmp_path / "cache")}  # the image's, in root's home
    setup = subprocess.run(["bash", str(autograder / "source" / "setup.sh")], capture_output=True, text=True,
                           env={**env, "AUTOGRADER_ROOT": str(autograder), **plans}, timeout=600)  # fmt: skip
    assert setup.returncode == 0, setup.stderr[-3000:]
    # setuptools' warnings fill the build log Gradescope shows; one said that the form of `license`
    # used until 0.4.11 would stop building in February 2027
    assert "BuildBackendWarning" not in setup.stdout + setup.stderr, setup.stderr[-3000:]
    assert "Package would be ignored" not in setup.stdout + setup.stderr
    # the call plan is recorded into the image, and every run_autograder reads it (which marks it
    # used) instead of recording one of its own
    [kept] = (tmp_path / "cache" / "plans").iterdir()
    os.utime(kept, (0, 0))
    built = kept.stat()
    results = run_autograder(autograder, EXAMPLES / "correct", installed=True, **plans)
    assert results["score"] == 143.0
    assert list((tmp_path / "cache" / "plans").iterdir()) == [kept]
    assert kept.stat().st_ino == built.st_ino and kept.stat().st_mtime > 0, "the image's plan was not read"


def test_setup_sh_says_when_the_images_python_is_too_old(autograder, tmp_path):
    """Gradescope's older base images have Python 3.8, which pip would refuse with a line about
    requires-python deep in the build log; setup.sh says what to do instead, before any install."""
    old = tmp_path / "bin" / "python3"
    old.parent.mkdir()
    old.write_text('#!/bin/sh\ncase "$*" in\n  "-m venv --help") exit 0 ;;\n  --version) echo "Python 3.8.10" ;;\n'
                   '  *) exit 1 ;;\nesac\n')  # fmt: skip
    old.chmod(0o755)
    root = tmp_path / "autograder"
    shutil.copytree(autograder / "source", root / "source")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{old.parent}:{os.environ['PATH']}"}
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True, text=True,
                           env=env, timeout=60)  # fmt: skip
    assert setup.returncode == 1 and not (root / "venv").exists()
    assert setup.stderr.strip() == (
        "backprop-grader needs Python 3.10 or newer, and this image's python3 is Python 3.8.10: choose a newer "
        "base image (Ubuntu 22.04 or later) in the autograder's settings"
    )


def test_github_annotations_point_at_the_students_function(tmp_path):
    summary = tmp_path / "summary.md"
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(REPO)}
    completed = run("grade", str(WRONG), "--format", "github", "--fail-under", "90", env=env)
    assert completed.returncode == 1  # --fail-under still decides the exit status
    errors = [line for line in completed.stdout.splitlines() if line.startswith("::error ")]
    report = json.loads(run("grade", str(WRONG), "--format", "json").stdout)
    lost = [t for t in report["tests"] if t["score"] < t["max_score"]]
    # one annotation per cause, not per test: GitHub shows only 10 error annotations of a step
    assert 2 <= len(errors) <= 10 < len(lost)
    decoded = [_decoded(line) for line in errors]
    for test in lost:  # every lost test is named by exactly one annotation
        assert sum(test["name"] in text for text in decoded) == 1, test["name"]
    for line, text in zip(errors, decoded, strict=True):
        properties = dict(p.split("=", 1) for p in line[len("::error ") :].split("::", 1)[0].split(","))
        assert ",line=" in line, text
        source = (REPO / properties["file"]).read_text().splitlines()
        pointed = source[int(properties["line"]) - 1]
        assert pointed.startswith("def "), (text, pointed)
        function = pointed.split("(")[0].removeprefix("def ")
        first = next(t for t in lost if t["name"] in text)
        assert text.startswith(f"{first['exercise']}.py: ") and first["message"] in text
        if first["diagnosis"] and first["diagnosis"]["mistake"]:  # the function the mistake is in
            assert function == BY_ID[first["diagnosis"]["mistake"]].replaces, (function, text)
            continue
        assert function in EXERCISES[first["exercise"]], (function, text)
    assert any(
        "def hidden_delta" in (REPO / p).read_text() for p in [f"{WRONG.relative_to(REPO)}/backprop.py"]
    )
    assert "Feedback for" in summary.read_text() and "hidden_delta" in summary.read_text()
    assert completed.stdout.strip().splitlines()[-1].startswith("backprop-grader: 107.5/143")


def _decoded(line: str) -> str:
    """'TITLE MESSAGE' of a workflow command line, its escapes undone."""
    head, message = line.split("::", 2)[1:]
    title = dict(p.split("=", 1) for p in head.split(" ", 1)[1].split(","))["title"]
    undo = {"%3A": ":", "%2C": ",", "%0A": "\n", "%0D": "\r", "%25": "%"}
    return re.sub("%3A|%2C|%0A|%0D|%25", lambda m: undo[m[0]], f"{title} {message}")


def test_github_annotation_of_a_raising_function_points_at_the_raise(tmp_path):
    target = reference_with(
        tmp_path / "sub",
        {
            "deep.py": [
                (
                    "    zs, activations = deep_forward(",
                    "    raise ValueError('later')\n    zs, activations = deep_forward(",
                )
            ]
        },
    )
    completed = run(
        "grade", str(target), "--format", "github", env={**os.environ, "GITHUB_WORKSPACE": str(tmp_path)}
    )
    errors = [line for line in completed.stdout.splitlines() if line.startswith("::error file=sub/deep.py")]
    assert errors
    lines = (target / "deep.py").read_text().splitlines()
    for line in errors:
        number = int(re.search(r",line=(\d+),", line).group(1))
        assert "raise ValueError('later')" in lines[number - 1]


def test_a_folder_too_deep_to_walk_by_recursion_still_gets_its_annotations(tmp_path):
    """The github format finds the student's file in the folder handed in, which may also hold a
    tree of folders thousands deep (a hostile repository): it looks no deeper than grading
    copies, so the tree costs nothing (it raised RecursionError, exit 1, no annotations)."""
    target = reference_with(
        tmp_path / "sub", {"activations.py": [("def relu(z):\n", "def relu(z):\n    return z\n")]}
    )
    dig(target / "deep", 1500)
    try:
        completed = run(
            "grade", str(target), "--format", "github", env={**os.environ, "GITHUB_WORKSPACE": str(tmp_path)}
        )
    finally:
        remove_tree(target / "deep")
    assert completed.returncode == 0 and "Traceback" not in completed.stderr, completed.stderr[-2000:]
    assert any(
        line.startswith("::error file=sub/activations.py,line=") for line in completed.stdout.splitlines()
    )


def test_a_file_too_deep_for_pythons_parser_still_gets_its_annotations(tmp_path):
    """The github format looks for the failing function's line in the student's file itself; a
    file Python cannot even parse (an expression of 200,000 terms) costs its points, not the run."""
    source = (REFERENCE / "activations.py").read_text() + "\nx = " + "1 + " * 200_000 + "1\n"
    target = reference_with_file(tmp_path / "sub", "activations.py", source)
    completed = run("grade", str(target), "--format", "github")
    assert completed.returncode == 0 and "Traceback" not in completed.stderr, completed.stderr[-2000:]
    errors = [line for line in completed.stdout.splitlines() if line.startswith("::error file=")]
    assert any("activations.py could not be imported: RecursionError" in line for line in errors)
    assert "<frozen" not in completed.stdout  # Python's import machinery is no place of the student's


def test_student_text_cannot_issue_workflow_commands_on_github_actions(tmp_path):
    """A runner takes a line starting with '::' as a workflow command, and the older '##[command]'
    anywhere in a line. The text report quotes the student as written, so on GitHub Actions it is
    printed between ::stop-commands::TOKEN and ::TOKEN::; the JSON and JUnit documents keep line
    breaks escaped and write the '[' of '##[' as an escape that parses back to '['; a one-line
    error writes '##[' as '##[\\', as the runner defangs it, and so do the text cells of an export's
    CSV (an LMS comment quotes the first line of the student's message)."""
    forged = "no ##[add-mask]Total\\n::warning title=x::forged ##[add-mask]Total"
    target = reference_with(
        tmp_path / "sub",
        {"activations.py": [("def relu(z):\n", f"def relu(z):\n    raise ValueError('{forged}')\n")]},
    )
    env = {**os.environ, "GITHUB_ACTIONS": "true"}
    lines = run("grade", str(target), env=env).stdout.splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert lines[0] != token and len(token) == 32 and lines[-1] == f"::{token}::"
    quoted = [i for i, line in enumerate(lines) if line.startswith("::warning title=x::forged ##[add-mask]")]
    assert quoted and all(0 < i < len(lines) - 1 for i in quoted), lines[:40]
    for fmt in ("json", "gradescope", "junit"):
        printed = run("grade", str(target), "--format", fmt, env=env).stdout
        assert "##[" not in printed and not [line for line in printed.splitlines() if line.startswith("::")]
        if fmt == "junit":
            messages = [e.get("message", "") for e in ElementTree.fromstring(printed).iter("error")]
        else:
            messages = [t.get("message", "") or t.get("output", "") for t in json.loads(printed)["tests"]]
        assert any("::warning title=x::forged ##[add-mask]Total" in m for m in messages), fmt
    unreadable = tmp_path / "##[add-mask]Total.zip"
    unreadable.write_bytes(b"not a zip")
    refused = run("grade", str(unreadable), "--format", "json", env=env)
    assert refused.returncode == 2 and "##[\\add-mask]Total.zip" in refused.stderr
    assert "##[add-mask]" not in refused.stderr
    (tmp_path / "class").mkdir()
    shutil.copytree(target, tmp_path / "class" / "ann")
    book = str(tmp_path / "book.sqlite")
    for command in (
        ("grade-all", str(tmp_path / "class"), "--gradebook", book),
        ("stats", "--gradebook", book),
    ):
        printed = run(*command, env=env).stdout.splitlines()
        token = printed[0].removeprefix("::stop-commands::")
        assert len(token) == 32 and printed[-1] == f"::{token}::", command
    exported = {
        fmt: run("export", "--gradebook", book, "--format", fmt, env=env).stdout for fmt in ("moodle", "json")
    }
    for text in exported.values():
        assert "##[add-mask]" not in text and not [
            line for line in text.splitlines() if line.startswith("::")
        ]
    assert "raised ValueError: no ##[\\add-mask]Total" in exported["moodle"]
    assert json.loads(exported["json"])["students"][0]["student"] == "ann"
    elsewhere = run("grade", str(target), env={**env, "GITHUB_ACTIONS": ""}).stdout
    assert "::stop-commands::" not in elsewhere  # only where a runner reads commands


def test_junit_xml_stays_well_formed_whatever_characters_a_student_raises(tmp_path):
    """XML 1.0 cannot hold U+FFFE or U+FFFF even as a character reference: one in an exception's
    message made the whole document unreadable to a CI's test-report parser."""
    raised = "odd \\ufffe and \\uffff and \\x00 \\x1b[31m ]]> <x>&"
    target = reference_with(
        tmp_path / "sub",
        {"activations.py": [("def relu(z):\n", f"def relu(z):\n    raise ValueError('{raised}')\n")]},
    )
    printed = run("grade", str(target), "--format", "junit").stdout
    messages = [e.get("message", "") for e in ElementTree.fromstring(printed).iter("error")]
    assert any(
        "raised ValueError: odd \\ufffe and \\uffff and \\x00 \\x1b[31m ]]> <x>&" in m for m in messages
    ), messages


def test_github_messages_are_escaped():
    from grader.render_github import command

    line = command("error", "50% off\nsecond line", file="a,b.py", title="x: y")
    assert line == "::error file=a%2Cb.py,title=x%3A y::50%25 off%0Asecond line"


def test_junit_xml_parses_and_counts_match(tmp_path, reports):
    out = tmp_path / "report.xml"
    assert run("grade", str(WRONG), "--format", "junit", "--output", str(out)).returncode == 0
    xml = JUnitXml.fromfile(str(out))
    cases = [case for suite in xml for case in suite]
    report = reports["json"]
    assert len(cases) == len(report["tests"]) + len(report["quiz"]["questions"])
    failed = [case for case in cases if any(isinstance(r, Failure) for r in case.result)]
    errored = [case for case in cases if any(isinstance(r, Error) for r in case.result)]
    expected_failed = sum(t["status"] == "failed" for t in report["tests"])
    expected_failed += sum(not q["correct"] for q in report["quiz"]["questions"])
    assert len(failed) == expected_failed and errored == []
    assert {suite.name for suite in xml} == {
        "activations.py",
        "backprop.py",
        "gradcheck.py",
        "deep.py",
        "quiz",
    }


@pytest.mark.parametrize("workflow", sorted((TEMPLATES / "github" / "workflows").glob("*.yml")) + [
    TEMPLATES / "classroom" / "classroom.yml"], ids=lambda p: p.name)  # fmt: skip
def test_workflow_templates_validate(workflow):
    checker = Path(sys.executable).parent / "check-jsonschema"
    completed = subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", str(workflow)],
                               capture_output=True, text=True)  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr


#: the first major of each of GitHub's own actions that runs on Node 24: runners have forced Node 20
#: actions onto Node 24 since June 2026, with a deprecation warning on every student's run
NODE_24_MAJORS = {"actions/checkout": 5, "actions/setup-python": 6, "actions/upload-artifact": 6}


@pytest.mark.parametrize("workflow", sorted((TEMPLATES / "github" / "workflows").glob("*.yml")) + [
    TEMPLATES / "classroom" / "classroom.yml"], ids=lambda p: p.name)  # fmt: skip
def test_workflow_templates_use_githubs_actions_at_a_node_24_major(workflow):
    used = re.findall(r"uses: (actions/[\w-]+)@v(\d+)", workflow.read_text(encoding="utf-8"))
    assert used, "no action of GitHub's own"
    for action, major in used:
        assert int(major) >= NODE_24_MAJORS[action], f"{action}@v{major} runs on Node 20"


def test_the_workflow_check_can_fail(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("name: x\non: push\njobs:\n  a:\n    steps: 3\n")
    checker = Path(sys.executable).parent / "check-jsonschema"
    completed = subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", str(broken)],
                               capture_output=True, text=True)  # fmt: skip
    assert completed.returncode == 1


def test_classroom_points_match_the_exercises():
    text = (TEMPLATES / "classroom" / "classroom.yml").read_text()
    points = dict(
        re.findall(r"--exercise (\w+) --fail-under 100\n\s+timeout: \d+\n\s+max-score: (\d+)", text)
    )
    assert points == {"activations": "20", "backprop": "45", "gradcheck": "10", "deep": "25"}


def test_exercise_option_reports_one_file_and_drives_fail_under():
    completed = run("check", str(EXAMPLES / "relu_prime_at_zero"), "--exercise", "activations",
                    "--fail-under", "100", "--format", "json")  # fmt: skip
    assert completed.returncode == 1
    report = json.loads(completed.stdout)
    assert {t["exercise"] for t in report["tests"]} == {"activations"} and report["quiz"] is None
    assert run("check", str(REFERENCE), "--exercise", "deep", "--fail-under", "100").returncode == 0

"""The student kit holds what students need and nothing they must not see; check works in it."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomlkit
import yaml
from conftest import REFERENCE, REPO, cli, small_filesystem
from test_notebooks import solution_lines

KIT_PYTHON_ENV = "PYTHONPATH"


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    """The kit released by the real command, and its grader installed (pip, no deps) into a folder."""
    root = tmp_path_factory.mktemp("kit")
    out = root / "student-kit"
    completed = subprocess.run(
        cli("release", str(out), "--notebooks"), capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr
    site = root / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(out / "grader-kit")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    return out, site


def kit_run(kit, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """backprop-grader as the kit installs it (its own grader package, not this checkout's)."""
    out, site = kit
    env = {**os.environ, KIT_PYTHON_ENV: str(site)}
    env.pop("BACKPROP_GRADER_REFERENCE", None)
    env.pop("BACKPROP_GRADER_QUIZZES", None)
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, timeout=300,
                          env=env, cwd=cwd or out)  # fmt: skip


def kit_text(out: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


def test_the_kit_has_what_students_need(kit):
    out, _ = kit
    for name in ("activations", "backprop", "gradcheck", "deep"):
        assert "NotImplementedError" in (out / "exercises" / f"{name}.py").read_text()
    for path in ("README.md", "QUESTIONS.md", "answers.toml", "backprop.ipynb", ".github/workflows/check.yml",
                 ".github/workflows/classroom.yml", "grader-kit/pyproject.toml"):  # fmt: skip
        assert (out / path).is_file(), path
    assert "backprop-grader check exercises" in (out / "README.md").read_text()


def test_git_in_the_kit_takes_the_work_and_not_what_working_leaves_behind(kit, tmp_path):
    """Students commit the kit as their repository (GitHub Classroom): a virtual environment, what
    `pip install ./grader-kit` builds beside the kit's grader, and caches must stay out of it."""
    work = tmp_path / "work"
    shutil.copytree(kit[0], work)
    leftovers = (
        ".venv/bin/python",
        "grader-kit/build/lib/grader/cli.py",
        "grader-kit/backprop_grader.egg-info/PKG-INFO",
        "exercises/__pycache__/backprop.cpython-311.pyc",
        ".ipynb_checkpoints/backprop-checkpoint.ipynb",
    )
    for leftover in leftovers:
        (work / leftover).parent.mkdir(parents=True, exist_ok=True)
        (work / leftover).write_text("left behind")
    git = ["git", "-c", "init.defaultBranch=main", "-C", str(work)]
    subprocess.run([*git, "init", "--quiet"], check=True, timeout=60)
    subprocess.run([*git, "add", "--all"], check=True, timeout=60)
    listed = subprocess.run([*git, "ls-files"], capture_output=True, text=True, check=True, timeout=60)
    tracked = set(listed.stdout.splitlines())
    work_files = {"exercises/activations.py", "exercises/backprop.py", "exercises/gradcheck.py", "exercises/deep.py",
                  "answers.toml", "QUESTIONS.md", "README.md", "backprop.ipynb", ".gitignore",
                  ".github/workflows/check.yml", ".github/workflows/classroom.yml",
                  "grader-kit/pyproject.toml", "grader-kit/grader/cli.py"}  # fmt: skip
    assert work_files <= tracked, work_files - tracked
    assert not [
        path for path in tracked if path.startswith((".venv/", "grader-kit/build/", ".ipynb_checkpoints/"))
    ]
    assert not [path for path in tracked if ".egg-info/" in path or "__pycache__" in path]


def test_the_installed_kit_uses_its_own_grader(kit):
    env = {**os.environ, KIT_PYTHON_ENV: str(kit[1])}
    where = subprocess.run([sys.executable, "-c", "import grader; print(grader.__file__)"], capture_output=True,
                           text=True, env=env, cwd=kit[0])  # fmt: skip
    assert where.stdout.strip().startswith(str(kit[1])), where.stdout


def test_the_kit_holds_no_reference_body_no_hidden_test_and_no_key(kit):
    out, site = kit
    text = kit_text(out) + kit_text(site)
    leaked = [line for line in solution_lines() if line in text]
    assert leaked == []
    assert not list(out.rglob("hidden_tests")) and not list(site.rglob("hidden_tests"))
    hidden_names = set()
    for path in (REPO / "grader" / "hidden_tests").glob("test_*.py"):
        hidden_names |= set(re.findall(r"^def (test_\w+)", path.read_text(), re.M))
    public_names = set()
    for path in (REPO / "grader" / "public_tests").glob("test_*.py"):
        public_names |= set(re.findall(r"^def (test_\w+)", path.read_text(), re.M))
    assert not [name for name in hidden_names - public_names if f"def {name}" in text]
    assert not list(out.rglob("reference"))
    # the mistake catalog spells out near-correct formulas: graders only
    assert not list(out.rglob("diagnosis")) and not list(site.rglob("diagnosis"))
    assert "hidden_delta_wrong_orientation" not in text
    assert not re.search(r"^\s*### BEGIN SOLUTION\s*$", text, re.M)  # no solution region left anywhere
    for bank in (REPO / "quizzes").glob("*.toml"):
        for question in tomlkit.parse(bank.read_text()).unwrap()["questions"]:
            explanation = " ".join(question["explanation"].split())
            assert explanation[:60] not in " ".join(text.split()), question["id"]
            kit_bank = tomlkit.parse((site / "grader" / "kit_quizzes" / bank.name).read_text()).unwrap()
            kit_question = next(q for q in kit_bank["questions"] if q["id"] == question["id"])
            assert "answer" not in kit_question and "explanation" not in kit_question


def test_check_in_the_kit_scores_the_stubs_zero_and_the_reference_full(kit, tmp_path):
    stubs = kit_run(kit, "check", "exercises", "--format", "json")
    assert stubs.returncode == 0, stubs.stderr
    assert '"percent": 0.0' in stubs.stdout
    solved = tmp_path / "solved"
    shutil.copytree(REFERENCE, solved)
    full = kit_run(kit, "check", str(solved), "--format", "json")
    assert '"percent": 100.0' in full.stdout, full.stderr


def test_the_kit_cannot_grade_or_score_the_quiz(kit, tmp_path):
    graded = kit_run(kit, "grade", "exercises")
    assert graded.returncode == 3 and "this is the student kit: it has no hidden tests" in graded.stderr
    template = kit_run(kit, "quiz", "template", "--student", "alice", "--out", str(tmp_path / "answers.toml"))
    assert template.returncode == 0, template.stderr
    assert 'student = "alice"' in (tmp_path / "answers.toml").read_text()
    key = kit_run(kit, "quiz", "key", "--student", "alice", "--out", str(tmp_path / "key.toml"))
    assert key.returncode == 2 and "holds the questions but not the answers" in key.stderr


def test_quiz_check_in_the_kit_reads_every_answer_as_grading_will_and_scores_none(kit, tmp_path):
    """The kit has no answer key, but it can tell a student which answers grading could not read
    (each of those would score 0): exit 1 and the question's problem, exit 0 when all can be read."""
    answers = tmp_path / "answers.toml"
    assert kit_run(kit, "quiz", "template", "--student", "alice", "--out", str(answers)).returncode == 0
    blank = kit_run(kit, "quiz", "check", str(answers))
    assert blank.returncode == 0, blank.stderr
    assert "0 of 30 questions answered; every answer can be read" in " ".join(blank.stdout.split())
    text = answers.read_text()
    for line, answer in (("# relu-negative-z = \n", 'relu-negative-z = "0"\n'),
                         ("# chain-rule-why = \n", 'chain-rule-why = "a"\n'),
                         ("# dead-relu-causes = \n", 'dead-relu-causes = "a, b"\n')):  # fmt: skip
        assert line in text
        text = text.replace(line, answer)
    answers.write_text(text)
    checked = kit_run(kit, "quiz", "check", str(answers))
    assert checked.returncode == 1, checked.stderr
    output = " ".join(checked.stdout.split())
    assert (
        'relu-negative-z: the answer must be a number, not the text "0": write it without the quotes'
        in output
    )
    assert (
        'dead-relu-causes: the answer must be a list of choice keys, not one text: write ["a", "b"]' in output
    )
    assert "3 of 30 questions answered; 2 answers cannot be read and would score 0" in output
    as_json = json.loads(kit_run(kit, "quiz", "check", str(answers), "--format", "json").stdout)
    forms = {question["id"]: question for question in as_json["questions"]}
    assert as_json["answered"] == 3 and as_json["unreadable"] == 2 and as_json["student"] == "alice"
    assert forms["chain-rule-why"] == {
        "id": "chain-rule-why",
        "points": 1.0,
        "answered": True,
        "problem": None,
    }
    assert forms["dead-relu"]["answered"] is False


def test_the_kits_check_workflow_fails_on_a_quiz_answer_the_grader_cannot_read(kit, tmp_path):
    """The workflow's quiz step, run as GitHub runs it (bash, the kit's backprop-grader on PATH):
    without answers.toml it passes with a line; with an answer that cannot be read it fails."""
    out, site = kit
    workflow = yaml.safe_load((out / ".github" / "workflows" / "check.yml").read_text())
    step = next(s for s in workflow["jobs"]["check"]["steps"] if "quiz check" in s.get("run", ""))
    assert step["if"] == "${{ !cancelled() }}"  # it runs after failed public tests too
    shim = tmp_path / "bin" / "backprop-grader"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nPYTHONPATH={site} exec {sys.executable} -m grader "$@"\n')
    shim.chmod(0o755)
    work = tmp_path / "repository"
    shutil.copytree(out, work)
    env = {**os.environ, "PATH": f"{shim.parent}:{os.environ['PATH']}"}

    def run_step() -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-e", "-c", step["run"]], capture_output=True, text=True, env=env,
                              cwd=work, timeout=300)  # fmt: skip

    (work / "answers.toml").unlink()
    missing = run_step()
    assert missing.returncode == 0 and "no answers.toml yet" in missing.stdout
    (work / "answers.toml").write_text('student = "alice"\n\n[answers]\nrelu-negative-z = "0"\n')
    unreadable = run_step()
    assert unreadable.returncode == 1, unreadable.stderr
    assert "relu-negative-z: the answer must be a number" in " ".join(unreadable.stdout.split())


def test_release_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "kit").mkdir()
    (tmp_path / "kit" / "keep.txt").write_text("mine")
    completed = subprocess.run(cli("release", str(tmp_path / "kit")), capture_output=True, text=True)
    assert completed.returncode == 2 and "already exists and is not an empty folder" in completed.stderr
    assert (tmp_path / "kit" / "keep.txt").read_text() == "mine"


def test_a_kit_folder_that_cannot_be_made_is_a_usage_error_not_the_graders():
    """It was exit 3, "the grader itself could not run"."""
    completed = subprocess.run(cli("release", "/proc/kit"), capture_output=True, text=True)
    assert completed.returncode == 2
    assert completed.stderr == (
        "Error: could not write the kit to /proc/kit (No such file or directory); what was written of it was "
        "removed; choose a folder you can write to, with room for it\n"
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a small file system")
@pytest.mark.parametrize("given", ["a new folder", "an empty folder"])
def test_a_kit_that_does_not_fit_is_one_line_and_leaves_nothing_so_the_next_try_can_go_ahead(tmp_path, given):
    """A full disk once left half a kit, which release then refused to write over, and printed
    copytree's list of every file that failed."""
    with small_filesystem(tmp_path / "disk") as disk:
        out = disk / "kit"
        if given == "an empty folder":
            out.mkdir()
        completed = subprocess.run(cli("release", str(out)), capture_output=True, text=True)
        assert completed.returncode == 2  # output that could not be written, as README says (was 3)
        assert re.fullmatch(
            rf"Error: could not write the kit to {re.escape(str(out))} \(\[Errno 28\] No space left on device: "
            r"'\S+' -> '\S+', and \d+ more files\); what was written of it was removed; choose a folder you "
            r"can write to, with room for it\n",
            completed.stderr,
        ), completed.stderr
        assert (list(out.iterdir()) == []) if given == "an empty folder" else not out.exists()
    again = subprocess.run(cli("release", str(tmp_path / "disk" / "kit")), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr

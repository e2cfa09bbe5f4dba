"""The student kit: what students get, and nothing they should not.

OUT/exercises/        the stubs (made from reference/ by grader.stubs)
OUT/grader-kit/       an installable backprop-grader without reference code, hidden tests
                      or answers: `pip install ./grader-kit` gives `backprop-grader check`
                      and `backprop-grader quiz take/template`
OUT/QUESTIONS.md      the quiz questions (no answers, no explanations)
OUT/answers.toml      the answers template
OUT/README.md         how to work, check and hand in
OUT/.github/workflows the GitHub Actions check and the GitHub Classroom autograding
OUT/.gitignore        what working leaves behind (.venv/, the kit's build/ and egg-info, caches)
OUT/backprop.ipynb    with --notebooks: the exercises as one notebook
"""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

from grader.exercise_api import EXERCISE_FILES
from grader.paths import KIT_QUIZZES, PACKAGE_DIR, PROJECT_DIR, quizzes_dir, reference_dir
from grader.stubs import make_stub

#: parts of the grader package a student must not get
KIT_EXCLUDED = {"hidden_tests", "diagnosis", "gradescope_bundle.py", "kit_quizzes", "__pycache__"}
KIT_README = PACKAGE_DIR / "templates" / "kit" / "README.md"
#: stored without its dot: a file the kit's repository needs, not one of this repository's
KIT_GITIGNORE = PACKAGE_DIR / "templates" / "kit" / "gitignore"


class ReleaseError(Exception):
    """The kit cannot be written where asked."""


def release_kit(out: Path, *, notebooks: bool = False) -> list[Path]:
    """Write the student kit to out (which must not exist or be empty); return the files written."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} already exists and is not an empty folder; choose a new one")
    made = not out.exists()
    try:
        return _write_kit(out, notebooks)
    except BaseException:
        _take_back(out, made)  # half a kit must not be handed out, nor stop the next try
        raise


def _take_back(out: Path, made: bool) -> None:
    """Remove what a failed release wrote: out itself if it made it, else what it put in it."""
    for path in [out] if made else list(out.iterdir()) if out.is_dir() else []:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


def _write_kit(out: Path, notebooks: bool) -> list[Path]:
    reference = reference_dir()
    (out / "exercises").mkdir(parents=True, exist_ok=True)
    for name in EXERCISE_FILES:
        source = (reference / name).read_text(encoding="utf-8")
        (out / "exercises" / name).write_text(make_stub(source, name), encoding="utf-8")
    _copy_grader(out / "grader-kit")
    _write_quiz(out)
    shutil.copy(KIT_README, out / "README.md")
    shutil.copy(KIT_GITIGNORE, out / ".gitignore")
    workflows = out / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(PACKAGE_DIR / "templates" / "github" / "workflows" / "check.yml", workflows / "check.yml")
    shutil.copy(PACKAGE_DIR / "templates" / "classroom" / "classroom.yml", workflows / "classroom.yml")
    if notebooks:
        from grader.notebooks import student_notebook, write_notebook

        write_notebook(student_notebook(reference), out / "backprop.ipynb")
    return sorted(p for p in out.rglob("*") if p.is_file())


def _copy_grader(target: Path) -> None:
    ignore = shutil.ignore_patterns(*KIT_EXCLUDED, "*.pyc")
    shutil.copytree(PACKAGE_DIR, target / "grader", ignore=ignore)
    pyproject = (PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8")
    for package in ("grader.diagnosis", "grader.hidden_tests"):
        pyproject = pyproject.replace(f'"{package}", ', "")
    pyproject = re.sub(r"\[project.optional-dependencies\]\n(.*\n)*?\n", "", pyproject)
    pyproject = pyproject.replace(
        'grader = ["grading_pytest.ini"', 'grader = ["grading_pytest.ini", "kit_quizzes/*.toml"'
    )
    (target / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (target / "README.md").write_text(
        "# backprop-grader, student kit\n\nThe public tests and the quiz questions; see ../README.md.\n",
        encoding="utf-8",
    )


def _write_quiz(out: Path) -> None:
    from grader.quiz.answers import write_answers
    from grader.quiz.bank import load_quiz, strip_answers
    from grader.quiz.questions_text import questions_markdown

    banks = quizzes_dir()
    if banks is None or banks == KIT_QUIZZES:
        return
    kit_banks = out / "grader-kit" / "grader" / "kit_quizzes"
    kit_banks.mkdir(parents=True)
    for bank in sorted(banks.glob("*.toml")):
        (kit_banks / bank.name).write_text(strip_answers(bank.read_text(encoding="utf-8")), encoding="utf-8")
    quiz = load_quiz(kit_banks)
    (out / "QUESTIONS.md").write_text(questions_markdown(quiz), encoding="utf-8")
    write_answers(out / "answers.toml", quiz, None, {}, blank=True)

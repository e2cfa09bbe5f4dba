"""Load the question banks (quizzes/*.toml), check them, and build the questions.

A bank is checked twice: against bank.schema.json (shape and types), then for
what a schema cannot say (answers that name existing choices, ids unique
across banks, computations and their parts). Any problem raises BankError
naming the file, the question and what is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fastjsonschema

from grader.quiz import toml_reading
from grader.quiz.computations import COMPUTATIONS, OUTPUTS
from grader.quiz.params import value_grid
from grader.quiz.questions import (
    Computed,
    Matching,
    MultipleChoice,
    Numeric,
    Option,
    Ordering,
    Param,
    Part,
    Question,
    SingleChoice,
)

if TYPE_CHECKING:
    import jsonschema

SCHEMA = json.loads((Path(__file__).parent / "bank.schema.json").read_text(encoding="utf-8"))
#: tolerances when a bank gives none: students round to three or four significant figures
DEFAULT_ABS_TOL = 5e-4
DEFAULT_REL_TOL = 5e-3
#: computed parts can be small numbers, so their absolute tolerance is tighter
DEFAULT_PART_ABS_TOL = 1e-5


class BankError(ValueError):
    """A question bank that cannot be used, with where and why."""


@dataclass(frozen=True)
class Quiz:
    """Every question of every bank, in bank order."""

    questions: tuple[Question, ...]
    titles: tuple[tuple[str, str], ...]  # (bank file stem, title)
    answers_removed: bool = False  # the student kit's copy: questions only, nothing can be scored

    def by_id(self) -> dict[str, Question]:
        return {question.id: question for question in self.questions}

    @property
    def max_score(self) -> float:
        return sum(question.points for question in self.questions)


_KEYS_OF_ANSWERS = ("answer", "explanation")


def _without_answers(schema: Any) -> Any:
    """The schema of a student-kit bank: the same, but answer and explanation are not required."""
    if isinstance(schema, dict):
        return {
            key: [name for name in value if name not in _KEYS_OF_ANSWERS]
            if key == "required" and isinstance(value, list)
            else _without_answers(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_without_answers(item) for item in schema]
    return schema


KIT_SCHEMA = _without_answers(SCHEMA)


def strip_answers(text: str) -> str:
    """A bank's TOML without its answers and explanations, marked answers_removed (the student kit)."""
    import tomlkit  # here, not above: its import is 16 ms of every grade, which only reads

    document = tomlkit.parse(text)
    for question in document["questions"]:  # type: ignore[union-attr]
        for key in _KEYS_OF_ANSWERS:
            question.pop(key, None)
    document["answers_removed"] = True
    return tomlkit.dumps(document)


def load_quiz(directory: Path) -> Quiz:
    """All banks in directory, checked; BankError on the first problem."""
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise BankError(f"{directory}: no question banks (*.toml) found")
    questions: list[Question] = []
    titles = []
    seen: dict[str, Path] = {}
    kit = False
    for path in files:
        data = _parse(path)
        kit = kit or data.get("answers_removed") is True
        titles.append((path.stem, data["title"]))
        for raw in data["questions"]:
            if raw["id"] in seen:
                raise BankError(
                    f"{path.name}: question {raw['id']}: the id is already used in {seen[raw['id']].name}"
                )
            seen[raw["id"]] = path
            questions.append(_build(path, raw if "answer" in raw else _placeholder_answer(raw)))
    return Quiz(tuple(questions), tuple(titles), kit)


def _parse(path: Path) -> dict[str, Any]:
    try:
        data = toml_reading.loads(path.read_text(encoding="utf-8"))  # 7x faster than tomlkit here
    except ValueError as error:  # TOMLDecodeError, or an integer of more than 4300 digits
        raise BankError(f"{path.name}: not valid TOML: {error}") from None
    kit = data.get("answers_removed") is True
    try:
        _fast_validator(kit)(data)
    except fastjsonschema.JsonSchemaException as fast_problem:
        raise BankError(f"{path.name}: {_schema_problem(data, kit) or fast_problem}") from None
    return data


@cache
def _fast_validator(kit: bool) -> Any:
    return fastjsonschema.compile(KIT_SCHEMA if kit else SCHEMA)


def _schema_problem(data: dict[str, Any], kit: bool) -> str | None:
    """Where and why data breaks the schema, in the words of jsonschema's most specific error.

    fastjsonschema decides (it imports and runs quickly); jsonschema, whose import alone can
    take most of a second (format checkers it builds at import), only explains a failure.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(KIT_SCHEMA if kit else SCHEMA)
    problem = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if problem is None:
        return None
    problem = _most_specific(problem)
    where = list(problem.absolute_path)
    question = ""
    if len(where) >= 2 and where[0] == "questions":
        raw = data["questions"][where[1]]
        question = f"question {raw.get('id', '#' + str(where[1] + 1))}: "
        where = where[2:]
    field = ".".join(map(str, where))
    return f"{question}{field + ': ' if field else ''}{problem.message}"


def _most_specific(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def _options(raw: Iterable[dict[str, str]]) -> tuple[Option, ...]:
    return tuple(Option(item["key"], item["text"]) for item in raw)


def _check(condition: bool, path: Path, raw: dict, message: str) -> None:
    if not condition:
        raise BankError(f"{path.name}: question {raw['id']}: {message}")


def _check_unique(options: tuple[Option, ...], path: Path, raw: dict, what: str) -> None:
    keys = [option.key for option in options]
    _check(len(keys) == len(set(keys)), path, raw, f"{what} keys must be unique")


def _placeholder_answer(raw: dict[str, Any]) -> dict[str, Any]:
    """A kit question (answers removed) with a stand-in answer that passes the checks; nothing
    in a kit scores answers (there, quiz check only reads them: grader.quiz.form_check)."""
    kind = raw["type"]
    first = {"single": lambda: raw["options"][0]["key"], "multiple": lambda: [raw["options"][0]["key"]],
             "numeric": lambda: 0.0, "ordering": lambda: [item["key"] for item in raw["items"]],
             "matching": lambda: {t["key"]: raw["definitions"][0]["key"] for t in raw["terms"]}}  # fmt: skip
    placeholder = {"explanation": raw.get("explanation", "(not in the student kit)")}
    if kind in first:
        placeholder["answer"] = first[kind]()
    return {**raw, **placeholder}


def _build(path: Path, raw: dict[str, Any]) -> Question:
    common = {
        "id": raw["id"],
        "points": float(raw.get("points", 1)),
        "prompt": raw["prompt"].strip(),
        "explanation": " ".join(raw["explanation"].split()),
        "bank": path.stem,
    }
    kind = raw["type"]
    if kind in ("single", "multiple"):
        options = _options(raw["options"])
        _check_unique(options, path, raw, "option")
        answers = [raw["answer"]] if kind == "single" else raw["answer"]
        keys = {option.key for option in options}
        _check(
            all(a in keys for a in answers),
            path,
            raw,
            f"answer names a choice that does not exist ({answers})",
        )
        if kind == "single":
            return SingleChoice(**common, options=options, answer=raw["answer"])
        return MultipleChoice(**common, options=options, answer=tuple(raw["answer"]))
    if kind == "numeric":
        return Numeric(**common, answer=float(raw["answer"]), abs_tol=raw.get("abs_tol", DEFAULT_ABS_TOL),
                       rel_tol=raw.get("rel_tol", DEFAULT_REL_TOL))  # fmt: skip
    if kind == "matching":
        terms, definitions = _options(raw["terms"]), _options(raw["definitions"])
        _check_unique(terms, path, raw, "term")
        _check_unique(definitions, path, raw, "definition")
        _check(
            set(raw["answer"]) == {t.key for t in terms},
            path,
            raw,
            "answer must give every term exactly once",
        )
        _check(set(raw["answer"].values()) <= {d.key for d in definitions}, path, raw,
               "answer names a definition that does not exist")  # fmt: skip
        return Matching(**common, terms=terms, definitions=definitions, answer=tuple(raw["answer"].items()))
    if kind == "ordering":
        items = _options(raw["items"])
        _check_unique(items, path, raw, "item")
        _check(sorted(raw["answer"]) == sorted(i.key for i in items), path, raw,
               "answer must list every item exactly once")  # fmt: skip
        return Ordering(**common, items=items, answer=tuple(raw["answer"]))
    return _build_computed(path, raw, common)


def _build_computed(path: Path, raw: dict[str, Any], common: dict[str, Any]) -> Computed:
    compute = raw["compute"]
    _check(
        compute in COMPUTATIONS,
        path,
        raw,
        f"unknown computation {compute!r}; known: {', '.join(COMPUTATIONS)}",
    )
    needed = set(COMPUTATIONS[compute].__code__.co_varnames[1 : COMPUTATIONS[compute].__code__.co_argcount])
    _check(
        set(raw["params"]) == needed, path, raw, f"{compute} needs the parameters {', '.join(sorted(needed))}"
    )
    params = []
    for name, spec in raw["params"].items():
        values = (
            tuple(spec["values"]) if "values" in spec else value_grid(spec["low"], spec["high"], spec["step"])
        )
        _check(len(values) > 0 and ("values" in spec or spec["high"] >= spec["low"]), path, raw,
               f"parameter {name} has no values")  # fmt: skip
        params.append(Param(name, values))
    parts = tuple(
        Part(p["key"], p["prompt"], float(p.get("points", 1)), p.get("abs_tol", DEFAULT_PART_ABS_TOL),
             p.get("rel_tol", DEFAULT_REL_TOL))
        for p in raw["parts"]
    )  # fmt: skip
    unknown = [part.key for part in parts if part.key not in OUTPUTS[compute]]
    _check(
        not unknown,
        path,
        raw,
        f"{compute} does not give {', '.join(unknown)}; it gives {', '.join(OUTPUTS[compute])}",
    )
    common["points"] = sum(part.points for part in parts)
    return Computed(**common, params=tuple(params), compute=compute, parts=parts)

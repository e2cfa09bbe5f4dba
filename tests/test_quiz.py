"""Quizzes: banks load and are checked, every question type scores right, the key scores 100%."""

import datetime
import json
import math
import textwrap

import pytest
from click.testing import CliRunner
from conftest import by_name, copy_reference, grade
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from grader.cli import main
from grader.paths import quizzes_dir, reference_dir
from grader.quiz.answers import MAX_BYTES, Answers, AnswersError, read_answers, write_answers
from grader.quiz.bank import BankError, load_quiz
from grader.quiz.params import draw
from grader.quiz.questions import (
    AnswerFormatError,
    Computed,
    Matching,
    MultipleChoice,
    Ordering,
    SingleChoice,
)
from grader.quiz.scoring import answer_key, expected_answer, score_answers, unanswered
from grader.reference import load_reference
from grader.render_text import render_quiz

QUIZ = load_quiz(quizzes_dir())
REF = load_reference(reference_dir())
QUESTIONS = QUIZ.by_id()


def score_one(question_id, value, student="s1"):
    answers = Answers(student, {question_id: value})
    return next(q for q in score_answers(QUIZ, answers, REF).questions if q.id == question_id)


# --- the banks -------------------------------------------------------------------------------


def test_every_bank_loads_with_unique_ids_and_all_question_types():
    assert len(QUIZ.titles) == len(list(quizzes_dir().glob("*.toml")))
    assert {q.type for q in QUIZ.questions} == {
        "single",
        "multiple",
        "numeric",
        "matching",
        "ordering",
        "computed",
    }


@pytest.mark.parametrize(
    "question_id",
    # every practice question of the lessons, and each concept the course asks about
    [
        "relu-negative-z",
        "chain-rule-why",
        "dead-relu",
        "dead-relu-causes",
        "learning-rate-too-large",
        "transpose-weights",
        "fifty-sigmoid-layers",
        "ten-sigmoid-layers",
        "backprop-cost",
        "finite-difference-passes",
        "match-backprop-steps",
        "by-hand-first-step",
        "by-hand-new-loss",
        "by-hand-two-more-steps",
        "by-hand-limit",
        "my-sigmoid-neuron",
        "my-relu-neuron",
        "half-convention",
        "my-half-convention",
        "minibatch-averaging",
        "my-minibatch",
        "training-loop-order",
        "two-layer-output-delta",
    ],
)
def test_the_lessons_are_covered(question_id):
    assert question_id in QUESTIONS


def write_bank(tmp_path, body, name="bank.toml"):
    (tmp_path / name).write_text(textwrap.dedent(body))
    return tmp_path


GOOD = """
    title = "t"
    [[questions]]
    id = "q1"
    type = "single"
    prompt = "p"
    explanation = "e"
    options = [{ key = "a", text = "A" }, { key = "b", text = "B" }]
    answer = "b"
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('answer = "b"', 'answer = "z"'),
            "bank.toml: question q1: answer names a choice that does not exist",
        ),
        (('explanation = "e"\n', ""), "bank.toml: question q1: 'explanation' is a required property"),
        (('type = "single"', 'type = "essay"'), "bank.toml: question q1: type: 'essay' is not one of"),
        (
            ('answer = "b"', 'answer = "b"\nhint = "x"'),
            "bank.toml: question q1: Additional properties are not allowed ('hint'",
        ),
        (('title = "t"', 'title = "t'), "bank.toml: not valid TOML"),
        (('id = "q1"', 'id = "Q 1"'), "bank.toml: question Q 1: id: 'Q 1' does not match"),
    ],
    ids=["answer not a choice", "no explanation", "unknown type", "unknown field", "bad TOML", "bad id"],
)
def test_a_malformed_bank_names_file_question_and_problem(tmp_path, change, message):
    with pytest.raises(BankError) as error:
        load_quiz(write_bank(tmp_path, GOOD.replace(*change)))
    assert message in str(error.value)


def test_duplicate_ids_and_unknown_computations_are_refused(tmp_path):
    write_bank(tmp_path, GOOD, "a.toml")
    write_bank(tmp_path, GOOD, "b.toml")
    with pytest.raises(BankError, match="b.toml: question q1: the id is already used in a.toml"):
        load_quiz(tmp_path)
    (tmp_path / "b.toml").unlink()
    write_bank(
        tmp_path,
        """
        title = "t"
        [[questions]]
        id = "c1"
        type = "computed"
        compute = "sigmoid_neuron"
        prompt = "p"
        explanation = "e"
        params = { x = { values = [1.0] } }
        parts = [{ key = "z", prompt = "z" }]
    """,
        "b.toml",
    )
    with pytest.raises(BankError, match="question c1: sigmoid_neuron needs the parameters b, lr, w, x, y"):
        load_quiz(tmp_path)


# --- scoring each type --------------------------------------------------------------------------


def test_single_choice_right_wrong_malformed():
    assert score_one("dead-relu", "b").correct
    wrong = score_one("dead-relu", "a")
    assert wrong.score == 0 and wrong.feedback.startswith("Not right: you answered a)")
    bad = score_one("dead-relu", 2)
    assert (
        bad.score == 0 and "Could not read your answer: the answer must be one of a, b, c, d" in bad.feedback
    )


def test_multiple_choice_partial_credit_rules():
    assert score_one("exploding-gradients", ["a", "b", "c"]).score == 1
    assert score_one("exploding-gradients", ["a", "b"]).score == pytest.approx(2 / 3)
    assert score_one("exploding-gradients", ["a", "b", "d"]).score == pytest.approx(1 / 3)
    assert score_one("exploding-gradients", ["d"]).score == 0
    assert score_one("exploding-gradients", ["a", "b", "c", "d"]).score == pytest.approx(2 / 3)
    assert "must be a list" in score_one("exploding-gradients", "a").feedback


def test_an_unreadable_answer_is_quoted_as_it_was_written_with_the_fix_where_there_is_one():
    def problem(question_id, value):
        feedback = score_one(question_id, value).feedback
        return feedback.removeprefix("Could not read your answer: ").split(". The answer:")[0]

    assert (
        problem("relu-negative-z", datetime.date(1979, 5, 27))
        == "the answer must be a number, not 1979-05-27"
    )
    assert problem("dead-relu", datetime.time(7, 30)) == "the answer must be one of a, b, c, d, not 07:30:00"
    assert problem("dead-relu", "e") == 'the answer must be one of a, b, c, d, not "e"'
    assert (
        problem("relu-negative-z", {"a b": [1, True]})
        == 'the answer must be a number, not {"a b" = [1, true]}'
    )
    assert problem("relu-negative-z", "x" * 500) == "the answer must be a number, not " + '"' + "x" * 78 + "…"
    # a number in quotes, the keys of a multiple choice as one text: say what to write instead
    assert problem("relu-negative-z", "-0.5") == (
        'the answer must be a number, not the text "-0.5": write it without the quotes'
    )
    assert problem("relu-negative-z", "nan") == 'the answer must be a number, not "nan"'
    assert problem("dead-relu-causes", "a, b") == (
        'the answer must be a list of choice keys, not one text: write ["a", "b"]'
    )
    # the example of the form is not the answer ("a" and "b" here)
    assert problem("dead-relu-causes", "z") == 'the answer must be a list of choice keys, e.g. ["a", "c"]'


def test_numeric_tolerances():
    assert score_one("two-layer-output-delta", -0.1459).correct
    assert not score_one("two-layer-output-delta", -0.15).correct
    assert score_one("ten-sigmoid-layers", 9.5e-7).correct
    assert not score_one("ten-sigmoid-layers", 1e-6).correct
    assert "must be a number" in score_one("ten-sigmoid-layers", "tiny").feedback
    assert "must be a number" in score_one("ten-sigmoid-layers", True).feedback
    assert "must be a number, not inf" in score_one("ten-sigmoid-layers", float("inf")).feedback
    # TOML integers are unbounded: one of 400 digits does not fit a float
    huge = score_one("ten-sigmoid-layers", 10**400)
    assert huge.score == 0 and "not an integer of more than 300 digits" in huge.feedback


#: anything tomllib can give for an answer: TOML's scalars (its integers unbounded, its floats
#: with NaN and infinities, its dates and times), the option keys, and arrays and tables of them
_TOML_VALUES = st.recursive(
    st.one_of(
        st.booleans(),
        st.integers(),
        st.sampled_from([10**400, -(10**300), 2**63]),
        st.floats(),
        st.text(max_size=30),
        st.sampled_from(["a", "b", "c", "d", "e", "x", "y", "loss", "z"]),
        st.dates(),
        st.times(),
        st.datetimes(),
    ),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=6) | st.sampled_from(["a", "b", "loss", "z"]), inner, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)  # the same examples every run
@given(st.dictionaries(st.sampled_from(sorted(QUESTIONS)), _TOML_VALUES), st.sampled_from([None, "alice"]))
def test_whatever_an_answers_file_holds_each_question_gets_a_score_in_range_and_feedback(values, student):
    result = score_answers(QUIZ, Answers(student, values), REF)
    assert [q.id for q in result.questions] == [q.id for q in QUIZ.questions]
    for question in result.questions:
        assert 0 <= question.score <= question.max_score and question.feedback


def test_matching_partial_and_malformed():
    right = {"output-delta": "c", "weight-gradient": "a", "hidden-delta": "d", "update": "b"}
    assert score_one("match-backprop-steps", right).score == 2
    half = {**right, "output-delta": "d", "hidden-delta": "c"}
    assert score_one("match-backprop-steps", half).score == 1
    assert "unknown term 'softmax'" in score_one("match-backprop-steps", {**right, "softmax": "a"}).feedback
    assert "must be a table" in score_one("match-backprop-steps", ["c"]).feedback


def test_ordering_partial_and_malformed():
    assert score_one("training-loop-order", ["c", "d", "a", "b"]).correct
    assert score_one("training-loop-order", ["c", "a", "d", "b"]).score == pytest.approx(2 / 3)
    assert score_one("training-loop-order", ["b", "a", "d", "c"]).score == 0
    assert "each of a, b, c, d once" in score_one("training-loop-order", ["c", "c", "a", "b"]).feedback


def test_unanswered_questions_score_zero_and_say_the_answer():
    result = score_one("by-hand-limit", None)
    assert result.score == 0 and result.feedback.startswith("Not answered. The answer: 2.")


#: answers of every form, right and wrong, for the check below
GIVEN_FORMS = ("a", "b", "zz", "0", 0, 1.5, True, 10**400, [], ["a"], ["a", "zz"], ["a", "b", "c", "d"],
               ["d", "c", "b", "a"], {}, {"a": 1}, {"output-delta": "a"}, {"output-delta": "zz"},
               {"softmax": "a"})  # fmt: skip


@pytest.mark.parametrize("question", QUIZ.questions, ids=lambda q: q.id)
def test_the_kits_form_check_refuses_exactly_what_grading_cannot_read(question):
    """quiz check in the student kit (no answer key) says an answer cannot be read just when
    grading would say so, with the same words: otherwise it would pass answers that score 0."""
    for form in (*GIVEN_FORMS, _a_part_table(question)):
        feedback = score_one(question.id, form).feedback
        try:
            question.check_form(form)
        except AnswerFormatError as error:
            assert feedback.startswith(f"Could not read your answer: {error}."), (question.id, form)
        else:
            assert not feedback.startswith("Could not read"), (question.id, form, feedback)


def _a_part_table(question):
    """A computed question's parts, each given a number (other questions: an empty table)."""
    return {part.key: 1.0 for part in getattr(question, "parts", ())}


def test_the_quiz_table_tells_a_blank_answer_from_a_wrong_one():
    """A question left blank, or a quiz without its answers file, reads "no answer", not "wrong"."""
    answers = Answers("s1", {"training-loop-order": ["c", "d", "a", "b"], "by-hand-limit": 7})
    rows = _quiz_rows(score_answers(QUIZ, answers, REF))
    assert rows["training-loop-order"] == "right"
    assert rows["by-hand-limit"] == "wrong"
    assert rows["dead-relu"] == "no answer"
    missing = _quiz_rows(unanswered(QUIZ, "no answers.toml in the submission: the quiz scores 0"))
    assert set(missing.values()) == {"no answer"} and len(missing) == len(QUIZ.questions)


def _quiz_rows(result):
    """{question id: the Result column} of the quiz table as the terminal shows it."""
    console = Console(record=True, width=200, color_system=None)
    render_quiz(result, console)
    cells = (line.split("│") for line in console.export_text().splitlines() if line.startswith("│"))
    return {row[1].strip(): row[3].strip() for row in cells}


# --- per-student numbers ---------------------------------------------------------------------------


COMPUTED = [q for q in QUIZ.questions if isinstance(q, Computed)]


@pytest.mark.parametrize("question", COMPUTED, ids=[q.id for q in COMPUTED])
def test_numbers_differ_between_students_and_repeat_for_one(question):
    draws = [draw(f"student-{i}", question) for i in range(12)]
    assert len({tuple(sorted(d.items())) for d in draws}) > 3
    assert draw("student-3", question) == draws[3]
    assert expected_answer(question, "student-3", REF) == expected_answer(question, "student-3", REF)


def test_computed_answers_come_from_the_reference():
    question = QUESTIONS["my-sigmoid-neuron"]
    p = draw("ada", question)
    z = p["w"] * p["x"] + p["b"]
    y_hat = 1 / (1 + math.exp(-z))
    dw = 2 * (y_hat - p["y"]) * y_hat * (1 - y_hat) * p["x"]
    expected = expected_answer(question, "ada", REF)
    assert expected == pytest.approx(
        {"z": z, "y_hat": y_hat, "dL_dw": dw, "w_new": p["w"] - p["lr"] * dw}, abs=1e-6
    )


def test_computed_parts_score_separately_and_another_students_numbers_do_not_pass():
    key = expected_answer(QUESTIONS["my-relu-neuron"], "ada", REF)
    assert score_one("my-relu-neuron", key, "ada").score == 6
    assert score_one("my-relu-neuron", {**key, "loss": key["loss"] + 1}, "ada").score == 5
    other = next(
        f"s{i}" for i in range(50) if expected_answer(QUESTIONS["my-relu-neuron"], f"s{i}", REF) != key
    )
    assert score_one("my-relu-neuron", key, other).score < 6
    # TOML integers are unbounded: the feedback quotes one that does not fit a float without failing
    huge = score_one("my-relu-neuron", {**key, "loss": 10**400}, "ada")
    assert (
        huge.score == 0 and "loss must be a number, not an integer of more than 300 digits" in huge.feedback
    )
    extra = score_one("my-relu-neuron", {**key, "loss": key["loss"] + 1, "note": 10**400}, "ada")
    assert extra.score == 5 and "note = an integer of more than 300 digits" in extra.feedback


@pytest.mark.parametrize("student", ["alice", "bob", "x-17"])
def test_the_answer_key_scores_100_percent(tmp_path, student):
    path = tmp_path / "answers.toml"
    write_answers(path, QUIZ, student, answer_key(QUIZ, student, REF), blank=False)
    result = score_answers(QUIZ, read_answers(path), REF)
    assert result.score == result.max_score == QUIZ.max_score
    assert all(q.correct for q in result.questions)


# --- answers files ---------------------------------------------------------------------------------


def test_the_template_has_every_question_as_a_comment_and_no_answer(tmp_path):
    path = tmp_path / "answers.toml"
    write_answers(path, QUIZ, "alice", {}, blank=True)
    text = path.read_text()
    assert read_answers(path) == Answers("alice", {})
    for question in QUIZ.questions:
        assert f"# [{question.id}]" in text and f"# {question.id} = " in text
    assert "x = 0.5, weight w" in text or "input x =" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            'student = "a"\n[answers]\nq = [1,\n',
            "answers.toml line 3: Invalid value at the end of the file",
        ),
        (
            'student = "a"\n[answers\nq = 1\n',
            # the parser's own words: tomli 1.x quotes the bracket with ", tomllib and tomli 2 with '
            r"answers.toml line 2, column 9: Expected (\"\]\"|'\]') at the end of a table",
        ),
        ('student = "a"\nscore = 100\n', "answers.toml line 2: unknown key 'score'"),
        ("student = 7\n", "answers.toml line 1: student must be a non-empty string"),
        ('student = "a"\nanswers = 3\n', "answers.toml line 2: answers must be a table"),
        (
            'student = "a"\n[answers]\nq = ' + "[" * 60_000 + "]" * 60_000 + "\n",
            "answers.toml nests lists or tables too deeply to read",
        ),
        (
            'student = "a"\n[answers]\nq = 1' + "0" * 5000 + "\n",
            # Python's own words advise sys.set_int_max_str_digits, a programmer's remedy
            "answers.toml line 3: a number of more than 4,300 digits, longer than Python reads; an answer "
            "is a number, a string or a list of them",
        ),
    ],
    ids=[
        "syntax",
        "syntax mid-file",
        "unknown key",
        "student not text",
        "answers not a table",
        "nested too deeply",
        "huge integer",
    ],
)
def test_a_malformed_answers_file_is_reported_with_its_line(tmp_path, content, message):
    path = tmp_path / "answers.toml"
    path.write_text(content)
    with pytest.raises(AnswersError, match=message):
        read_answers(path)


def test_a_large_malformed_answers_file_is_located_without_tomlkit(tmp_path, monkeypatch):
    """tomlkit took 16 s to locate the error in 256 KiB of dotted keys: grader time, before any time
    limit, in every run that read the file. tomllib names the line itself."""
    monkeypatch.setattr("tomlkit.parse", _must_not_parse)
    path = tmp_path / "answers.toml"
    lines = [f"a.b.c.d.e{i} = 1" for i in range(MAX_BYTES // 20)]
    path.write_text("\n".join(lines) + "\n= 1\n")
    with pytest.raises(
        AnswersError, match=rf"^answers.toml line {len(lines) + 1}, column 1: Invalid statement$"
    ):
        read_answers(path)


def test_banks_are_read_without_tomlkit(monkeypatch):
    """tomlkit is the writer; as a reader it took 14 ms of every grade for the banks (tomllib: 2 ms)."""
    monkeypatch.setattr("tomlkit.parse", _must_not_parse)
    assert load_quiz(quizzes_dir()) == QUIZ


def _must_not_parse(text):
    raise AssertionError("a TOML file was parsed with tomlkit")


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        (
            lambda text: text.encode("utf-16"),
            'answers.toml is saved as UTF-16 text (Notepad\'s "Unicode"): save it',
        ),
        (lambda text: text.encode("cp1252"), "answers.toml is not UTF-8 text: save it again as UTF-8"),
    ],
    ids=["utf-16", "cp1252"],
)
def test_an_answers_file_in_another_encoding_says_to_save_it_as_utf8(tmp_path, encoded, message):
    path = tmp_path / "answers.toml"
    path.write_bytes(encoded('student = "Zoë"\n[answers]\nrelu-negative-z = 0\n'))
    with pytest.raises(AnswersError) as raised:
        read_answers(path)
    assert str(raised.value).startswith(message)


def test_an_answers_file_with_a_byte_order_mark_reads_as_without(tmp_path):
    path = tmp_path / "answers.toml"
    path.write_bytes(b"\xef\xbb\xbf" + 'student = "Zoë"\n[answers]\nrelu-negative-z = 0\n'.encode())
    assert read_answers(path) == Answers("Zoë", {"relu-negative-z": 0})


def test_grade_reports_a_malformed_answers_file_and_still_grades_the_exercises(tmp_path):
    target = copy_reference(tmp_path / "s")
    (target / "answers.toml").write_text('student = "a"\n[answers]\nrelu-negative-z = = 0\n')
    result = grade(target)
    assert all(test.status == "passed" for test in result.tests)
    assert result.quiz.score == 0 and "answers.toml line 3" in result.quiz.messages[0]


def test_grade_notes_answers_to_questions_that_do_not_exist(tmp_path):
    target = copy_reference(tmp_path / "s")
    (target / "answers.toml").write_text('student = "a"\n[answers]\nrelu-negative-z = 0\nmade-up = 1\n')
    result = grade(target)
    assert by_name(result)  # graded
    assert {q.id: q.score for q in result.quiz.questions}["relu-negative-z"] == 1
    assert "answers questions that do not exist: made-up" in " ".join(result.quiz.messages)


# --- the commands ------------------------------------------------------------------------------------


def cli(*args, input=None):
    return CliRunner().invoke(main, ["quiz", *args], input=input, catch_exceptions=False)


def test_key_then_check_scores_100(tmp_path):
    assert cli("key", "--student", "zoe", "--out", str(tmp_path / "k.toml")).exit_code == 0
    result = cli("check", str(tmp_path / "k.toml"), "--format", "json")
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["score"] == report["max_score"] == QUIZ.max_score


def test_check_of_a_missing_or_malformed_file_exits_2_with_one_line(tmp_path):
    missing = cli("check", str(tmp_path / "nope.toml"))
    assert missing.exit_code == 2 and "does not exist" in missing.output
    (tmp_path / "bad.toml").write_text("student = \n")
    bad = cli("check", str(tmp_path / "bad.toml"))
    assert (
        bad.exit_code == 2 and "bad.toml line 1" in bad.output and len(bad.output.strip().splitlines()) == 1
    )


def test_validate_lists_every_bank():
    result = cli("validate")
    assert result.exit_code == 0
    assert f"all banks are valid: {len(QUIZ.questions)} questions" in result.output


def typed_answer(question, value):
    """What a student types at the prompts of take to give value."""

    def index(options, key):
        return str([o.key for o in options].index(key) + 1)

    if isinstance(question, SingleChoice):
        return [index(question.options, value)]
    if isinstance(question, MultipleChoice):
        return [" ".join(index(question.options, k) for k in value)]
    if isinstance(question, Ordering):
        return [", ".join(index(question.items, k) for k in value)]
    if isinstance(question, Matching):
        return [index(question.definitions, value[t.key]) for t in question.terms]
    if isinstance(question, Computed):
        return [repr(value[p.key]) for p in question.parts]
    return [repr(value)]


def test_take_asks_everything_reasks_bad_input_and_resumes(tmp_path):
    out = tmp_path / "answers.toml"
    key = answer_key(QUIZ, "kim", REF)
    lines = [line for q in QUIZ.questions for line in typed_answer(q, key[q.id])]
    first = cli(
        "take", "--student", "kim", "--out", str(out), input="\n".join(["banana", *lines[:3], "q"]) + "\n"
    )
    assert first.exit_code == 0
    assert "try again" in first.output and "Stopped. 3 answers are saved" in first.output
    assert len(read_answers(out).values) == 3
    second = cli("take", "--out", str(out), input="\n".join(lines[3:]) + "\n")
    assert second.exit_code == 0 and "3 of 30 questions already answered" in second.output
    result = score_answers(QUIZ, read_answers(out), REF)
    assert read_answers(out).student == "kim"
    assert result.score == result.max_score


def test_take_reasks_a_choice_that_is_no_choice_number_in_its_own_words(tmp_path):
    """ "²" passes str.isdigit() and int() refused it: the student read "invalid literal for int()
    with base 10"; a number of 5000 digits read as Python's advice on sys.set_int_max_str_digits."""
    out = tmp_path / "answers.toml"
    first = QUIZ.questions[0]
    choice = next(q for q in QUIZ.questions if isinstance(q, SingleChoice))
    assert QUIZ.questions.index(choice) == 1, "the second question is a single choice"
    typed = typed_answer(first, answer_key(QUIZ, "kim", REF)[first.id])
    answer = "0" + typed_answer(choice, "b")[0]  # a leading zero is the same number
    took = cli(
        "take",
        "--student",
        "kim",
        "--out",
        str(out),
        input="\n".join([*typed, "²", "1" * 5000, answer, "q"]) + "\n",
    )
    retries = [line.strip() for line in took.output.splitlines() if "try again" in line]
    assert retries == [f"answer with a number from 1 to {len(choice.options)}; try again"] * 2
    assert read_answers(out).values[choice.id] == "b"


def test_take_stopped_after_one_answer_says_so_in_the_singular(tmp_path):
    out = tmp_path / "answers.toml"
    typed = typed_answer(QUIZ.questions[0], answer_key(QUIZ, "kim", REF)[QUIZ.questions[0].id])
    stopped = cli("take", "--student", "kim", "--out", str(out), input="\n".join([*typed, "q"]) + "\n")
    assert f"Stopped. 1 answer is saved in {out}; run the same command to continue." in stopped.output


def test_take_stopped_at_the_student_id_prompt_says_nothing_is_saved_yet(tmp_path):
    """Ctrl-C or Ctrl-D at the first prompt (no --student): click's "Aborted!" and exit 1 before 0.4.12."""
    out = tmp_path / "answers.toml"
    stopped = cli("take", "--out", str(out), input="")
    assert stopped.exit_code == 0, stopped.output
    assert stopped.output.endswith("Stopped. No answer is saved yet; run the same command to continue.\n")
    assert not out.exists()


def test_take_refuses_to_mix_students(tmp_path):
    out = tmp_path / "answers.toml"
    write_answers(out, QUIZ, "kim", {}, blank=True)
    result = cli("take", "--student", "lee", "--out", str(out), input="q\n")
    assert result.exit_code == 2 and "belongs to student 'kim'" in result.output


@pytest.mark.parametrize("command", [["take"], ["template"], ["key"]])
@pytest.mark.parametrize("student", ["Kim Lee", ".."])
def test_a_student_id_no_class_folder_could_have_is_refused(tmp_path, command, student):
    """Numbers drawn for "Kim Lee" could never be graded: grade-all names students by their
    folders, and those may hold letters, digits and _ @ . + - only; ".." is no folder of its own.
    The message says which rule the id breaks."""
    out = tmp_path / "answers.toml"
    result = cli(*command, "--student", student, "--out", str(out), input="q\n")
    assert result.exit_code == 2 and not out.exists()
    assert (
        f"{student!r} is not usable as a student id (letters, digits and _ @ . + - only, and not . or .. alone)"
        in result.output
    )


def test_take_asks_again_for_an_unusable_student_id(tmp_path):
    out = tmp_path / "answers.toml"
    key = answer_key(QUIZ, "kim.lee", REF)
    first = typed_answer(QUIZ.questions[0], key[QUIZ.questions[0].id])
    result = cli("take", "--out", str(out), input="\n".join(["Kim Lee", "kim.lee", *first, "q"]) + "\n")
    assert result.exit_code == 0 and "is not usable as a student id" in result.output
    assert read_answers(out).student == "kim.lee" and len(read_answers(out).values) == 1


def test_template_never_replaces_answers_already_written(tmp_path):
    """A student who runs template again, to see the questions, must not lose their answers."""
    out = tmp_path / "answers.toml"
    key = answer_key(QUIZ, "kim", REF)
    write_answers(out, QUIZ, "kim", dict(list(key.items())[:4]), blank=False)
    before = out.read_bytes()
    refused = cli("template", "--student", "kim", "--out", str(out))
    assert refused.exit_code == 2 and out.read_bytes() == before
    assert refused.output == (
        f"Error: {out} holds 4 answers, which a blank template would replace; choose another --out, or "
        f"continue it with: backprop-grader quiz take --out {out}\n"
    )
    out.write_text(before.decode() + "\nrelu-negative-z = \n")  # half-typed: not TOML
    half_typed = cli("template", "--student", "kim", "--out", str(out))
    assert half_typed.exit_code == 2 and half_typed.output == (
        f"Error: {out} already exists and is not a blank answers file, which a template would replace; "
        "choose another --out, or delete the file first\n"
    )
    write_answers(out, QUIZ, "kim", {}, blank=True)  # a blank template may be written again, for a new id
    again = cli("template", "--student", "lee", "--out", str(out))
    assert again.exit_code == 0 and read_answers(out) == Answers("lee", {})


@pytest.mark.parametrize("command", ["template", "key"])
def test_template_and_key_write_to_standard_output_for_a_dash(tmp_path, monkeypatch, command):
    """--out - is standard output, as for grade --output: it used to write a file named "-"."""
    monkeypatch.chdir(tmp_path)
    result = cli(command, "--student", "kim", "--out", "-")
    assert result.exit_code == 0 and not (tmp_path / "-").exists()
    (tmp_path / "answers.toml").write_text(result.output)
    written = read_answers(tmp_path / "answers.toml")
    assert written.student == "kim"
    assert written.values == ({} if command == "template" else answer_key(QUIZ, "kim", REF))


@pytest.mark.parametrize("command", [["take", "--student", "kim"], ["template", "--student", "kim"],
                                     ["key", "--student", "kim"]])  # fmt: skip
def test_an_answers_file_that_cannot_be_written_is_one_line_and_exit_2(tmp_path, command):
    out = tmp_path / "no such folder" / "answers.toml"
    result = cli(*command, "--out", str(out), input="1\n")
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[-1] == (
        f"Error: could not write {out} (No such file or directory); choose a path in a folder you can write to"
    )
    assert "[1/" not in result.output  # take asked nothing it could not save

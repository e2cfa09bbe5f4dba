"""A student's feedback as Markdown and HTML, from the JSON report of their grade.

The report is the document `grade --format json` prints (and the gradebook stores),
so feedback can be rebuilt from a gradebook at any time. Every text that came from
the student's code (messages quote their values, their printed output) goes into
code spans or blocks, and the HTML is rendered with raw HTML turned off.
"""

from __future__ import annotations

import html
import re
from typing import Any

from markdown_it import MarkdownIt

from grader.lost_points import Lost, LostGroup, clause_list, group_lost, quiz_said_once
from grader.render_diagnosis import gradient_check_line

MAX_OUTPUT_CHARS = 4000

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #1b1b1b; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 1rem 0; display: block; overflow-x: auto; }
img { max-width: 100%; height: auto; }
figure { margin: 1.5rem 0; }
figcaption { font-size: .9rem; color: #444; }
th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; }
code, pre { background: #f4f4f4; }
pre { padding: .6rem; overflow-x: auto; }
"""


def _code(text: str) -> str:
    """text as an inline code span that no backtick in it can close."""
    text = " ".join(str(text).split())
    fence = "`"
    while fence in text:
        fence += "`"
    return f"{fence} {text} {fence}" if text else ""


# Characters that mean something anywhere in a line. Parentheses, braces, '!', '#' and '+' do only
# next to '[' or ']' or at the start of a line, so they are left as they are: the Markdown file
# is read as plain text too, where "f\(x\)" would be noise.
# An underscore between two letters or digits cannot emphasise anything, so weight_gradients stays.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>|~&]|(?<![^\W_])_|_(?![^\W_]))")
# what makes a line a heading, list item, rule or quote, at its start
_LINE_START = re.compile(r"^(\d+(?=[.)])|[#+=>-])")


def _text(text: str) -> str:
    """text as plain prose in one line: every Markdown character that could change what it says
    escaped (text may come from the student's code)."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return _LINE_START.sub(lambda m: m[0] + "\\" if m[0][0].isdigit() else "\\" + m[0], escaped)


def _block(text: str) -> list[str]:
    fence = "```"
    while fence in text:
        fence += "`"
    return [fence, text.rstrip(), fence]


def _points(value: float) -> str:
    return f"{value:g}"


def feedback_markdown(student: str, report: dict[str, Any], graded_at: str = "") -> str:
    """The whole feedback for one student: score, each exercise, every lost point and why."""
    lines = [f"# Feedback for {_text(student)}", ""]
    when = f", graded {graded_at}" if graded_at else ""
    lines += [
        f"**Score: {_points(report['score'])} / {_points(report['max_score'])} "
        f"({report['percent']:.1f}%)**{when} by backprop-grader {report.get('grader_version', '')}.",
        "",
        "| Part | Points |",
        "|---|---|",
    ]
    lines += [
        f"| {e['name']}.py | {_points(e['score'])} / {_points(e['max_score'])} |" for e in report["exercises"]
    ]
    quiz = report.get("quiz")
    if quiz:
        lines.append(f"| quiz | {_points(quiz['score'])} / {_points(quiz['max_score'])} |")
    # a list, so that notes stay apart (lines of one quote would run together into one paragraph)
    lines += ["", *[f"> - {_text(note)}" for note in report.get("notes", [])], ""]
    lost = [t for t in report["tests"] if t["score"] < t["max_score"]]
    lines += ["## Points lost in the exercises", ""]
    explained: set[str] = set()
    if not lost:
        lines += ["None: every test passed.", ""]
    for group in group_lost(lost, Lost.of_json):
        lines += _lost_lines(group, explained)
    lines.append("")
    if quiz:
        lines += _quiz_lines(quiz)
    output = report.get("student_output", "")
    if output.strip():
        lines += ["## What your code printed while being graded", "", *_block(output[:MAX_OUTPUT_CHARS]), ""]
    return "\n".join(lines) + "\n"


def _lost_lines(group: LostGroup[dict[str, Any]], explained: set[str]) -> list[str]:
    """One list item for a group of tests that lost points for one cause (grader.lost_points)."""
    tests, test = group.tests, group.first
    which = _code(test["name"]) if len(tests) == 1 else f"{len(tests)} tests"
    lines = [
        f"- **{test['exercise']}.py**, {which} ({_points(group.score)} / {_points(group.max_score)}, {test['status']})"
    ]
    descriptions = {t.get("description") for t in tests}
    if test.get("description") and len(descriptions) == 1:
        lines.append(f"  - The question: {_text(test['description'])}")
    if test.get("message"):
        where = "" if len(tests) == 1 else " in each" if group.same_message else " in the first"
        lines.append(f"  - What happened{where}: {_text(test['message'])}")
    if test.get("diagnosis"):
        lines += _diagnosis_lines(test["diagnosis"], explained)
    if len(tests) > 1:  # after the cause, which matters more than the names
        lines.append(f"  - The tests: {group.names(_code, shown=len(tests))}")
    return lines


def _diagnosis_lines(diagnosis: dict[str, Any], explained: set[str]) -> list[str]:
    mistake = diagnosis.get("mistake")
    if mistake is None:
        lines = [f"  - No known mistake matches: {_text(diagnosis['explanation'])}"]
    elif mistake in explained:
        lines = [f"  - Likely mistake: **{_text(diagnosis['name'])}** (explained above)"]
    else:
        explained.add(mistake)
        lines = [
            f"  - Likely mistake: **{_text(diagnosis['name'])}**. {_text(diagnosis['explanation'])}",
            f"  - Hint: {_text(diagnosis['hint'])}",
        ]
    evidence = diagnosis.get("evidence")
    if evidence:
        where = f" ({_text(evidence['where'])})" if evidence.get("where") else ""
        lines += [
            f"  - Smallest failing call: {_code(evidence['call'])}",
            f"  - Expected {_code(evidence['expected'])}, received {_code(evidence['received'])}{where}",
        ]
    if diagnosis.get("gradient_check"):
        lines.append(f"  - {_text(gradient_check_line(diagnosis['gradient_check']))}")
    return lines


def unreadable_markdown(student: str, error: str) -> str:
    """Feedback for a submission that could not be read at all."""
    return (
        f"# Feedback for {_text(student)}\n\n**Score: 0**: your submission could not be graded.\n\n"
        f"What went wrong: {_text(error)}\n\nFix that and hand it in again.\n"
    )


def _quiz_lines(quiz: dict[str, Any]) -> list[str]:
    lines = ["## Quiz", ""]
    lines += [f"> - {_text(message)}" for message in quiz.get("messages", [])]
    missed = [q for q in quiz["questions"] if not q["correct"]]
    if not missed:
        lines += ["Every question right.", ""]
    if quiz_said_once((q["feedback"] for q in quiz["questions"]), quiz.get("messages", [])):
        return [*lines, ""]
    for question in missed:
        lines.append(
            f"- {_code(question['id'])} ({_points(question['score'])} / {_points(question['max_score'])}): "
            f"{_text(question['feedback'])}"
        )
    return [*lines, ""]


#: causes of lost points a one-paragraph summary names before "and N more"
SUMMARY_CAUSES = 4
#: characters of a failure message a summary quotes
SUMMARY_MESSAGE_CHARS = 120


def feedback_summary(report: dict[str, Any]) -> str:
    """The feedback in one paragraph of plain text, for the comment box of a learning-management
    system: the score, the points of each part, and each cause of lost points (as grouped by
    grader.lost_points) with what it cost: a diagnosed mistake by its name, anything else by the
    first line of its message. Safe to show as text or as HTML: what came from the student's code
    has its angle brackets replaced."""
    parts = [f"{e['name']}.py {_rounded(e['score'])}/{_rounded(e['max_score'])}" for e in report["exercises"]]
    causes = [_summary_cause(group) for group in group_lost(report["tests"], Lost.of_json)]
    quiz = report.get("quiz")
    if quiz:
        parts.append(f"quiz {_rounded(quiz['score'])}/{_rounded(quiz['max_score'])}")
        if missed := [q for q in quiz["questions"] if not q["correct"]]:
            why = f" — {plain_line(quiz['messages'][0])}" if quiz.get("messages") else ""
            lost = sum(q["max_score"] - q["score"] for q in missed)
            causes.append(
                f"quiz -{_rounded(lost)}: {len(missed)} of {len(quiz['questions'])} questions missed{why}"
            )
    text = (
        f"{_rounded(report['score'])}/{_rounded(report['max_score'])} ({report['percent']:.1f}%) by backprop-grader "
        f"{report.get('grader_version', '')}: {', '.join(parts)}."
    )
    if causes:
        text += f" Points lost: {clause_list(causes, SUMMARY_CAUSES)}."
    return text


def _summary_cause(group: LostGroup[dict[str, Any]]) -> str:
    test = group.first
    diagnosis = test.get("diagnosis") or {}
    if diagnosis.get("mistake"):
        what = f"likely {diagnosis['name']}"
    else:
        what = plain_line(test.get("message") or test["status"])
    tests = f" in {len(group.tests)} tests" if len(group.tests) > 1 else ""
    return f"{test['exercise']}.py -{_rounded(group.points)}{tests}: {what}"


def _rounded(value: float) -> str:
    return f"{round(value, 2):g}"


def plain_line(message: str) -> str:
    """The first line of message, shortened, with no angle brackets (it may quote the student's code)."""
    line = message.strip().splitlines()[0] if message.strip() else ""
    if len(line) > SUMMARY_MESSAGE_CHARS:
        line = line[: SUMMARY_MESSAGE_CHARS - 1].rstrip() + "…"
    return line.replace("<", "‹").replace(">", "›")


def feedback_html(student: str, markdown: str, plots: dict[str, Any] | None = None) -> str:
    """A standalone HTML page of the Markdown feedback (raw HTML in it is escaped), with the
    report's plots (the JSON form of PlotData) when given; readable on a phone."""
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    if plots:
        from grader.render_report import plot_figures

        body += f"<h2>What your functions do</h2>\n{plot_figures(plots)}\n"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Feedback for {html.escape(student)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )

"""ClassStats as terminal tables and as a standalone HTML page with plots (matplotlib, inline SVG)."""

from __future__ import annotations

import html
import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.lost_points import name_list
from grader.matplotlib_setup import agg_matplotlib
from grader.stats import ClassStats

EMPTY = "No graded submissions in this gradebook yet: run backprop-grader grade-all first."
NONE_READABLE = "No submission in this gradebook could be graded: each one is listed above with why."
NO_MISTAKES = "No failure matched a known mistake of the diagnosis catalog."


def _empty(stats: ClassStats) -> str:
    """What stats says when nothing is graded: grade first, or the submissions could not be read."""
    return NONE_READABLE if stats.unreadable else EMPTY


def render_stats_text(stats: ClassStats, console: Console) -> None:
    console.print(
        f"[bold]{stats.students} students[/]: {stats.graded} graded, {stats.unreadable} unreadable submissions"
    )
    for student, why in stats.unreadable_students:
        console.print(f"[yellow]unreadable:[/] {escape(student)}: {escape(why)}")
    if not stats.graded:
        console.print(_empty(stats))
        return
    summary = stats.summary
    console.print(
        "percent: " + ", ".join(f"{key} {value:.1f}" for key, value in summary.items()), highlight=False
    )
    histogram = Table(title="Score distribution")
    histogram.add_column("Percent")
    histogram.add_column("Students", justify="right")
    histogram.add_column("")
    largest = max(count for *_, count in stats.histogram()) or 1
    for low, high, count in stats.histogram():
        histogram.add_row(f"{low:.0f}–{high:.0f}", str(count), "█" * round(20 * count / largest))
    console.print(histogram)
    tests = Table(title="Pass rate of every test (hardest first)")
    for column in ("Test", "Exercise", "Passed", "Rate"):
        tests.add_column(column, justify="right" if column in ("Passed", "Rate") else "left")
    for test in stats.tests:
        tests.add_row(
            escape(test.name), test.exercise, f"{test.passed}/{test.total}", f"{100 * test.rate:.0f}%"
        )
    console.print(tests)
    failures = Table(title="Commonest failures (numbers masked as #)")
    for column in ("Students", "Exercise", "Failure", "In tests"):
        failures.add_column(column)
    for failure in stats.failures:
        failures.add_row(
            str(failure.students), failure.exercise, escape(failure.pattern), escape(_tests(failure.tests))
        )
    console.print(failures)
    if stats.mistakes:
        mistakes = Table(title="Commonest mistakes (diagnosed)")
        for column in ("Students", "Mistake", "In tests"):
            mistakes.add_column(column)
        for mistake in stats.mistakes:
            mistakes.add_row(str(mistake.students), escape(mistake.name), escape(_tests(mistake.tests)))
        console.print(mistakes)
    else:
        console.print(NO_MISTAKES)


def _tests(names: tuple[str, ...]) -> str:
    """'12: a, b and 10 more'"""
    return f"{len(names)}: {name_list(names, shown=2)}"


def _svg(figure: object) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")  # type: ignore[attr-defined]
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _plots(stats: ClassStats) -> list[str]:
    matplotlib = agg_matplotlib()
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, searchable, selectable
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figures = []
    figure, axes = plt.subplots(figsize=(7, 3.2))
    bins = stats.histogram()
    axes.bar(
        [low for low, *_ in bins], [count for *_, count in bins], width=9.5, align="edge", color="#3b6ea8"
    )
    axes.set(xlabel="percent", ylabel="students", title="Score distribution", xlim=(0, 100))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # no half students
    figures.append(_svg(figure))
    plt.close(figure)
    tests = stats.tests
    figure, axes = plt.subplots(figsize=(7, max(2.5, 0.22 * len(tests))))
    axes.barh(range(len(tests)), [100 * t.rate for t in tests], color="#c2683a")
    axes.set_yticks(range(len(tests)), [t.name for t in tests], fontsize=6)
    axes.invert_yaxis()
    axes.set(xlabel="students passing (%)", title="Pass rate of every test", xlim=(0, 100))
    figures.append(_svg(figure))
    plt.close(figure)
    return figures


def render_stats_html(stats: ClassStats) -> str:
    e = html.escape
    parts = [f"<h1>Class statistics</h1><p>{stats.students} students: {stats.graded} graded, "
             f"{stats.unreadable} unreadable submissions.</p>"]  # fmt: skip
    if stats.unreadable_students:
        items = "".join(f"<li>{e(student)}: {e(why)}</li>" for student, why in stats.unreadable_students)
        parts.append(
            f"<p>Could not be read (ask these students to hand in again):</p><ul class='unreadable'>{items}</ul>"
        )
    if not stats.graded:
        parts.append(f"<p class='empty'>{e(_empty(stats))}</p>")
    else:
        cells = "".join(f"<tr><th>{e(k)}</th><td>{v:.1f}</td></tr>" for k, v in stats.summary.items())
        parts.append(f"<table class='summary'>{cells}</table>")
        distribution, pass_rates = _plots(stats)
        parts.append(f"<figure>{distribution}</figure>")
        # what to go over with the class first; the long per-test view after it
        parts += [_mistakes_html(stats), _failures_html(stats), f"<figure>{pass_rates}</figure>"]
        rows = "".join(
            f"<tr><td>{e(t.name)}</td><td>{e(t.exercise)}</td><td>{t.passed}/{t.total}</td>"
            f"<td>{100 * t.rate:.0f}%</td></tr>"
            for t in stats.tests
        )
        parts.append("<h2>Pass rate of every test</h2><table class='tests'><tr><th>Test</th><th>Exercise</th>"
                     f"<th>Passed</th><th>Rate</th></tr>{rows}</table>")  # fmt: skip
    style = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
             "table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.2rem .5rem}"
             "figure{margin:1rem 0}svg{max-width:100%;height:auto}")  # fmt: skip
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head><meta charset='utf-8'><title>Class statistics</title>"
        f"<style>{style}</style></head>\n<body>\n{''.join(parts)}\n</body>\n</html>\n"
    )


def _mistakes_html(stats: ClassStats) -> str:
    if not stats.mistakes:
        return f"<h2>Commonest mistakes (diagnosed)</h2><p>{html.escape(NO_MISTAKES)}</p>"
    rows = "".join(
        f"<tr><td>{m.students}</td><td>{html.escape(m.name)}</td><td>{html.escape(_tests(m.tests))}</td></tr>"
        for m in stats.mistakes
    )
    return ("<h2>Commonest mistakes (diagnosed)</h2><table class='mistakes'><tr><th>Students</th>"
            f"<th>Mistake</th><th>In tests</th></tr>{rows}</table>")  # fmt: skip


def _failures_html(stats: ClassStats) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{f.students}</td><td>{e(f.exercise)}</td><td><code>{e(f.pattern)}</code></td>"
        f"<td>{e(_tests(f.tests))}</td></tr>"
        for f in stats.failures
    )
    return ("<h2>Commonest failures</h2><table class='failures'><tr><th>Students</th><th>Exercise</th>"
            f"<th>Failure (numbers masked as #)</th><th>In tests</th></tr>{rows}</table>")  # fmt: skip

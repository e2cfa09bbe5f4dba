"""The report's plots (matplotlib) as self-contained <figure> elements for an HTML page.

Takes the JSON form of PlotData (the "plots" of the JSON report, also stored in the
gradebook), so a report can be drawn again from a gradebook. Each image is an SVG
embedded as a data: URI, so the page needs no other file and scales on a phone.

A class run draws these for every student, so they are drawn the cheap way: margins set
by hand instead of matplotlib's layout engines (which measure every label several times),
powers of ten written with Unicode superscripts instead of mathtext, no minor ticks on the
log axes, and text kept as SVG text instead of glyph outlines. Equal numbers give the same
file, so a process keeps the figures it drew lately by their numbers: most of a class's
pages show the numbers of a few ways of writing the functions.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.gradient_check import THRESHOLD
from grader.matplotlib_setup import agg_matplotlib
from grader.memo import Memo
from grader.quiet import no_numeric_warnings
from grader.results import GradeResult

STUDENT, REFERENCE = "yours", "reference"
COLOURS = {"sigmoid": "#1f77b4", "relu": "#d62728"}


def report_page(result: GradeResult) -> str:
    """`grade --report`: the student's feedback page (grader.feedback) with the plots."""
    from grader.feedback import feedback_html, feedback_markdown
    from grader.render_json import result_to_dict

    name = Path(result.submission).name or result.submission
    report = result_to_dict(result)
    return feedback_html(name, feedback_markdown(name, report), report["plots"])


def plot_figures(plots: dict[str, Any]) -> str:
    """The HTML of the three figures with their captions (the same for equal numbers, and drawn
    once for them while this process keeps it)."""
    return _figures.get((), plots, lambda: _draw_figures(plots))


#: pages' figures kept by their numbers (each page's are about 100 KB), the last 16
_figures = Memo[str](16)


def _draw_figures(plots: dict[str, Any]) -> str:
    matplotlib = agg_matplotlib()
    parts = []
    for draw, alt, caption in _FIGURES:
        # text as SVG text; element ids that depend on the drawing only (not on a random salt); a
        # student's infinities and NaNs left out of the plot, not warned about
        with (
            matplotlib.rc_context(
                {"svg.fonttype": "none", "svg.hashsalt": "backprop-grader", "font.size": 10}
            ),
            no_numeric_warnings(),
        ):
            image = _data_uri(draw, plots)
        parts.append(
            f'<figure>\n<img src="{image}" alt="{html.escape(alt)}">\n'
            f"<figcaption>{html.escape(caption)}</figcaption>\n</figure>"
        )
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in plots.get("notes", []))
    if notes:
        parts.append(f"<p>Some of your functions gave no value for the plots:</p>\n<ul>{notes}</ul>")
    return "\n".join(parts)


def _data_uri(draw: Callable[[Any, dict[str, Any]], None], plots: dict[str, Any]) -> str:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, NullLocator

    figure = Figure(figsize=(7.2, 3.6))
    figure.subplots_adjust(left=0.1, right=0.98, bottom=0.14, top=0.91, wspace=0.28)
    draw(figure, plots)
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            if axis.get_scale() == "log":
                axis.set_major_formatter(FuncFormatter(_power_of_ten))
                axis.set_minor_locator(NullLocator())  # the plots span many decades: ticks at each are enough
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})  # the same data, the same file
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value: float, position: int | None = None) -> str:
    """A log axis's tick label: 10⁻⁵ for 1e-05 (what mathtext would draw, at a fraction of its cost)."""
    if value <= 0:
        return ""
    exponent = math.log10(value)
    if abs(exponent - round(exponent)) > 1e-9:
        return f"{value:.0e}"
    return "10" + str(round(exponent)).translate(_SUPERSCRIPT)


def _present(values: list[float | None]) -> tuple[list[int], list[float]]:
    """(positions, values) of the entries that are not None, positions counted from 1."""
    kept = [(i, v) for i, v in enumerate(values, start=1) if v is not None and v > 0]
    return [i for i, _ in kept], [v for _, v in kept]


def _draw_series(axes: Any, x: list[int], series: dict[str, Any], activation: str) -> None:
    colour = COLOURS[activation]
    axes.plot(x, series["reference"], color=colour, label=f"{activation}, {REFERENCE}")
    positions, values = _present(series["student"])
    axes.plot([x[i - 1] for i in positions], values, "o", color=colour, fillstyle="none", markersize=7,
              label=f"{activation}, {STUDENT}")  # fmt: skip


def _vanishing(figure: Any, plots: dict[str, Any]) -> None:
    per_layer, per_depth = figure.subplots(1, 2)
    deepest = plots["depths"][-1]
    for activation, series in plots["layer_norms"].items():
        _draw_series(per_layer, list(range(1, deepest + 1)), series, activation)
    for activation, series in plots["first_layer_norm"].items():
        _draw_series(per_depth, plots["depths"], series, activation)
    per_layer.set(yscale="log", xlabel="layer (1 = next to the input)", ylabel="‖dW‖",
                  title=f"every layer of a {deepest}-layer network")  # fmt: skip
    per_depth.set(
        yscale="log", xlabel="number of layers", ylabel="‖dW‖ of layer 1", title="layer 1 as depth grows"
    )
    per_layer.legend(fontsize="small")


def _loss(figure: Any, plots: dict[str, Any]) -> None:
    axes = figure.subplots()
    loss = plots["loss"]
    steps = list(range(1, len(loss["reference"]) + 1))
    axes.plot(steps, loss["reference"], color="black", label=REFERENCE)
    positions, values = _present(loss["student"])
    axes.plot(positions, values, "--", color="#ff7f0e", linewidth=2, label=STUDENT)
    if not values:
        axes.text(0.5, 0.5, "your train_step gave no loss", transform=axes.transAxes, ha="center")
    axes.set(xlabel="step", ylabel="loss before the step", title="100 steps of train_step")
    axes.legend()


def _gradient_check(figure: Any, plots: dict[str, Any]) -> None:
    axes = figure.subplots()
    names = list(plots["gradient_errors"])
    errors = [plots["gradient_errors"][name] for name in names]
    shown = [1.0 if e is None else max(e, 1e-16) for e in errors]
    colours = ["#999999" if e is None else ("#2ca02c" if e <= THRESHOLD else "#d62728") for e in errors]
    axes.barh(range(len(names)), shown, color=colours)
    axes.set_yticks(range(len(names)), [_bar_label(n, e) for n, e in zip(names, errors)])
    axes.invert_yaxis()
    axes.axvline(THRESHOLD, color="black", linestyle=":", label=f"limit {THRESHOLD:g}")
    axes.set(xscale="log", xlabel="relative error against central differences", title="gradient check")
    axes.tick_params(axis="y", labelsize="x-small")
    axes.legend(fontsize="small")


def _bar_label(name: str, error: float | None) -> str:
    return name + (" (none)" if error is None else "")


def _tall(draw: Callable[[Any, dict[str, Any]], None]) -> Callable[[Any, dict[str, Any]], None]:
    def tall(figure: Any, plots: dict[str, Any]) -> None:
        errors = plots["gradient_errors"]
        height = 0.28 * len(errors) + 1.4
        figure.set_size_inches(7.2, height)
        # the parameters' names stand left of the bars: room for the longest (x-small text, about
        # 0.055 in a letter), as a layout engine would leave, without its cost
        longest = max((len(_bar_label(name, error)) for name, error in errors.items()), default=0)
        figure.subplots_adjust(
            left=min(0.5, (0.055 * longest + 0.2) / 7.2), bottom=0.5 / height, top=1 - 0.35 / height
        )
        draw(figure, plots)

    return tall


_FIGURES = (
    (
        _vanishing,
        "Gradient size per layer, sigmoid versus ReLU, your deep_gradients beside the reference",
        "The vanishing gradient. Each step back through a sigmoid layer multiplies the gradient by σ'(z) ≤ "
        "0.25, so layers near the input get almost none of it; with ReLU the factor is 0 or 1 and far "
        "more survives. Your points (circles) should sit on the reference's lines.",
    ),
    (
        _loss,
        "Loss over 100 steps of your train_step beside the reference",
        "Learning. Each train_step is fed the parameters its previous step returned. A correct step follows "
        "the black line; a wrong one drifts off it, stalls, or climbs.",
    ),
    (
        _tall(_gradient_check),
        "Relative error of each parameter's gradient against finite differences",
        "The gradient check, parameter by parameter: green bars are below the limit, red bars are off, grey "
        "ones had no gradient. The first red layer from the output is where to look.",
    ),
)

"""grade --report: a self-contained HTML page with the diagnosis and plots, opened in real headless Chromium."""

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLES, FAST_LIMITS, REPO, cli, reference_with

from grader.grading import grade_path

PHONE = {"width": 390, "height": 844}
#: as the machine notes advise: no background connections (the network is closed), a fresh profile
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


def chromium() -> str:
    """The Chromium binary: $BACKPROP_GRADER_CHROMIUM, else the one on PATH (README's test command installs it)."""
    found = (
        os.environ.get("BACKPROP_GRADER_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found:
        pytest.fail("no Chromium: install it (apt-get install chromium) or set BACKPROP_GRADER_CHROMIUM")
    return found


def write_report(submission: Path, out: Path) -> subprocess.CompletedProcess:
    completed = subprocess.run(cli("grade", str(submission), "--report", str(out)), capture_output=True,
                               text=True, timeout=300)  # fmt: skip
    assert out.is_file(), completed.stderr
    return completed


def open_in_chromium(page_file: Path, screenshot_of_image: bool = True) -> dict:
    """Load the page at phone size and report what the browser sees."""
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=PHONE, device_scale_factor=2)
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_file.as_uri(), wait_until="load")
            seen = page.evaluate(
                """() => ({
                    images: [...document.images].map(i => ({complete: i.complete, width: i.naturalWidth,
                        shown: i.getBoundingClientRect().width, alt: i.alt})),
                    scrollWidth: document.documentElement.scrollWidth,
                    innerWidth: window.innerWidth,
                    text: document.body.innerText,
                })"""
            )
            seen["requests"] = requests
            if screenshot_of_image:
                seen["image_png"] = page.locator("img").first.screenshot()
        finally:
            browser.close()
    return seen


def painted(png: bytes) -> bool:
    """Does the screenshot hold a drawing (many colours), not a blank or broken-image box?"""
    import matplotlib.image

    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    return pixels.std() > 0.05 and len({tuple(p) for p in pixels.reshape(-1, pixels.shape[-1])[::50]}) > 20


def test_the_report_renders_with_its_plots_on_a_phone(tmp_path):
    out = tmp_path / "report.html"
    completed = write_report(EXAMPLES / "forgot_hidden_derivative", out)
    assert completed.returncode == 0  # the report does not change the exit status
    seen = open_in_chromium(out)
    assert len(seen["images"]) == 3
    for image in seen["images"]:
        assert image["complete"] and image["width"] > 0, image  # decoded: the image is really there
        assert 0 < image["shown"] <= PHONE["width"], image
    assert seen["scrollWidth"] <= seen["innerWidth"], "the page scrolls sideways on a phone"
    assert all(url.startswith(("file:", "data:")) for url in seen["requests"]), seen["requests"]
    assert painted(seen["image_png"])
    text = seen["text"]
    assert "Likely mistake: the activation's derivative forgotten in the hidden delta" in text
    assert "The vanishing gradient." in text and "Learning. Each train_step" in text
    assert "What your functions do" in text


def test_the_report_of_untouched_stubs_still_renders(tmp_path):
    out = tmp_path / "stubs.html"
    write_report(REPO / "exercises", out)
    seen = open_in_chromium(out, screenshot_of_image=False)
    assert len(seen["images"]) == 3 and all(i["complete"] and i["width"] > 0 for i in seen["images"])
    assert "gave no value for the plots" in seen["text"] and "not implemented yet" in seen["text"]


def test_an_unwritable_report_path_is_one_clear_line(tmp_path):
    target = tmp_path / "missing-folder" / "report.html"
    completed = subprocess.run(cli("grade", str(EXAMPLES / "correct"), "--report", str(target), "--format", "json"),
                               capture_output=True, text=True, timeout=300)  # fmt: skip
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1].startswith("Error: could not write")
    assert "Traceback" not in completed.stderr
    assert '"score": 143.0' in completed.stdout  # the grade itself is not lost


def test_the_report_plots_hold_the_students_numbers():
    correct = grade_path(EXAMPLES / "correct", limits=FAST_LIMITS, plots=True).plots
    wrong = grade_path(EXAMPLES / "forgot_hidden_derivative", limits=FAST_LIMITS, plots=True).plots
    for activation in ("sigmoid", "relu"):
        series = correct.first_layer_norm[activation]
        assert series.student == pytest.approx(series.reference, rel=1e-9)
    sigmoid, relu = correct.first_layer_norm["sigmoid"].reference, correct.first_layer_norm["relu"].reference
    assert sigmoid[-1] < sigmoid[0] / 100 and relu[-1] > 10 * sigmoid[-1]  # the lesson's picture
    assert correct.loss.student == pytest.approx(correct.loss.reference, rel=1e-9)
    assert correct.loss.reference[-1] < correct.loss.reference[0] / 2  # it learns
    assert max(correct.gradient_errors.values()) < 1e-5 and not correct.notes
    assert wrong.gradient_errors["train_step W1"] > 1e-2 and wrong.gradient_errors["train_step W2"] < 1e-5
    assert wrong.loss.student != pytest.approx(wrong.loss.reference, rel=1e-3)


def test_the_loss_curve_ends_where_train_step_stops_returning_a_pair(tmp_path):
    # on the curve's problem (16 examples) the first two steps are right, the third returns the loss alone
    path = reference_with(tmp_path / "sub", {"backprop.py": [(
        "def train_step(params, X, Y, lr):\n",
        "_curve_steps = []\n\n\ndef train_step(params, X, Y, lr):\n"
        "    if len(X) == 16:\n        _curve_steps.append(1)\n"
        "    if len(_curve_steps) == 3:\n        return 0.5\n    return _train_step(params, X, Y, lr)\n\n\n"
        "def _train_step(params, X, Y, lr):\n",
    )]})  # fmt: skip
    plots = grade_path(path, limits=FAST_LIMITS, plots=True).plots
    assert plots.loss.student[:2] == pytest.approx(plots.loss.reference[:2], rel=1e-9)
    assert plots.loss.student[2:] == [None] * (len(plots.loss.student) - 2)
    assert "train_step at step 3: train_step should return (new_params, loss)" in plots.notes


def test_overflowing_results_are_graded_and_drawn_without_warnings_on_the_terminal(tmp_path):
    """Results that overflow (a wrong scale, an infinite loss) meet the grader's own arithmetic,
    its norms and its plots; none of NumPy's or matplotlib's warnings about them may reach stderr."""
    path = reference_with(tmp_path / "sub", {
        "deep.py": [("    return grads\n", "    return [(dW * 1e308 * 10, db) for dW, db in grads]\n")],
        "backprop.py": [("    return new_params, loss\n", "    return new_params, float('inf')\n")],
    })  # fmt: skip
    out = tmp_path / "report.html"
    completed = subprocess.run(cli("grade", str(path), "--report", str(out), "--format", "json"),
                               capture_output=True, text=True, timeout=300)  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr.strip() == f"wrote {out}"
    assert '"status": "failed"' in completed.stdout and out.read_text().count("data:image/svg+xml") == 3


def test_figures_of_equal_numbers_are_drawn_once_and_the_same_as_drawn_anew(monkeypatch):
    """A class's feedback pages mostly show the numbers of a few ways of writing the functions: a
    process draws the figures once for equal numbers (they make the same file), and again for any
    other numbers."""
    import copy
    import json

    from grader import render_report
    from grader.render_json import result_to_dict

    plots = result_to_dict(grade_path(EXAMPLES / "correct", limits=FAST_LIMITS, plots=True))["plots"]
    other = copy.deepcopy(plots)
    other["gradient_errors"]["train_step W1"] *= 2
    drawn = []
    draw = render_report._draw_figures
    monkeypatch.setattr(render_report, "_draw_figures", lambda numbers: drawn.append(1) or draw(numbers))
    render_report._figures.clear()
    first = render_report.plot_figures(plots)
    assert render_report.plot_figures(json.loads(json.dumps(plots))) == first and len(drawn) == 1
    assert render_report.plot_figures(other) != first and len(drawn) == 2
    assert draw(plots) == first  # what is kept is what drawing them anew gives

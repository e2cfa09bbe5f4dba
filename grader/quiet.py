"""The grader's own arithmetic on a student's values, without warnings on the terminal.

Ratios, norms and plots of what a student's functions returned meet infinities and NaNs by
design (a wrong formula overflows), and NumPy and matplotlib warn about them. Those warnings
would only scatter the grader's file names over a student's terminal or an instructor's
progress bar: the student's own warnings are reported with each call, and what the grader
makes of the values is in the report.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np


@contextmanager
def no_numeric_warnings() -> Iterator[None]:
    """Within: no NumPy floating-point warnings (in this thread) and no Python warnings shown.
    Code that records warnings itself (catch_warnings(record=True) with its own filter) still
    sees them."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield

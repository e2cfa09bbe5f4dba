"""Compare analytic gradients with finite differences, parameter by parameter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

#: relative error above which an analytic gradient is taken to be wrong
THRESHOLD = 1e-5


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """max |a − n| / max(1e-8, max|a| + max|n|): the error scaled by the gradient's size."""
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    if analytic.size == 0:
        return 0.0
    scale = max(1e-8, float(np.max(np.abs(analytic)) + np.max(np.abs(numeric))))
    return float(np.max(np.abs(analytic - numeric)) / scale)


@dataclass(frozen=True)
class ParameterCheck:
    """The finite-difference verdict on one parameter's gradient."""

    name: str
    relative_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float

    @property
    def ok(self) -> bool:
        return bool(self.relative_error <= THRESHOLD)

    def describe(self) -> str:
        return (
            f"{self.name}: relative error {self.relative_error:.1e} (limit {THRESHOLD:.0e}); "
            f"at {list(self.worst_index)} yours is {self.analytic:.6g}, "
            f"finite differences give {self.numeric:.6g}"
        )


def check_parameters(
    analytic: Mapping[str, np.ndarray], numeric: Mapping[str, np.ndarray]
) -> list[ParameterCheck]:
    """One ParameterCheck per parameter name, in the order of numeric."""
    checks = []
    for name, expected in numeric.items():
        got = np.asarray(analytic[name], float)
        expected = np.asarray(expected, float)
        if got.shape != expected.shape:
            raise AssertionError(f"{name}: gradient has shape {got.shape}, expected {expected.shape}")
        difference = np.abs(got - expected)
        worst: tuple[int, ...] = ()
        if difference.size:
            worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(difference)), difference.shape))
        checks.append(
            ParameterCheck(
                name,
                relative_error(got, expected),
                worst,
                float(got[worst]) if got.size else 0.0,
                float(expected[worst]) if expected.size else 0.0,
            )
        )
    return checks


def assert_gradients_match(
    analytic: Mapping[str, np.ndarray], numeric: Mapping[str, np.ndarray], what: str
) -> None:
    """Fail with one line per parameter whose gradient disagrees with finite differences."""
    bad = [check for check in check_parameters(analytic, numeric) if not check.ok]
    if bad:
        raise AssertionError(
            f"{what} disagree with finite differences: " + "; ".join(c.describe() for c in bad)
        )

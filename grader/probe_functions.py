"""Scalar functions handed to the student's numerical_gradient.

A function cannot cross the process boundary, so the grader names one of these
and the worker builds it locally. The hidden tests use the same definitions and
their exact derivatives as the oracle. Standard library and NumPy only: the
worker loads this file by path.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def cubic(x: np.ndarray) -> float:
    """f(x) = Σ x³ + Σ sin(3x); large third derivative, so one-sided differences show."""
    return float(np.sum(x**3) + np.sum(np.sin(3.0 * x)))


def cubic_gradient(x: np.ndarray) -> np.ndarray:
    """Exact ∂f/∂x of cubic: 3x² + 3 cos(3x)."""
    return 3.0 * x**2 + 3.0 * np.cos(3.0 * x)


def softplus_mix(x: np.ndarray) -> float:
    """f(x) = Σ log(1 + e^(x_i · i/size)) · (i + 1); every entry has its own weight."""
    flat = x.reshape(-1)
    scale = np.arange(1, flat.size + 1) / flat.size
    return float(np.sum(np.logaddexp(0.0, flat * scale) * np.arange(1, flat.size + 1)))


def softplus_mix_gradient(x: np.ndarray) -> np.ndarray:
    """Exact gradient of softplus_mix, shaped like x."""
    flat = x.reshape(-1)
    scale = np.arange(1, flat.size + 1) / flat.size
    sig = 1.0 / (1.0 + np.exp(-flat * scale))
    return (sig * scale * np.arange(1, flat.size + 1)).reshape(x.shape)


def cubic_central_difference(x: np.ndarray, eps: float) -> np.ndarray:
    """What central differences with step eps give for cubic, exactly (shaped like x):

    ((x+h)³ − (x−h)³) / 2h = 3x² + h², and (sin 3(x+h) − sin 3(x−h)) / 2h = cos(3x) · sin(3h) / h.
    So the estimate's error, h² + cos(3x)(sin(3h)/h − 3), shows which step was taken.
    """
    return 3.0 * x**2 + eps**2 + np.cos(3.0 * x) * np.sin(3.0 * eps) / eps


PROBES: dict[str, Callable[[np.ndarray], float]] = {"cubic": cubic, "softplus_mix": softplus_mix}
GRADIENTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "cubic": cubic_gradient,
    "softplus_mix": softplus_mix_gradient,
}

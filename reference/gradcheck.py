"""Numerical gradients by central differences: the independent check on backprop."""

import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    """Estimate ∂f/∂x by central differences.

    f:   a function of x that returns a scalar (a float).
    x:   a float array of any shape; f is evaluated at x with one entry nudged.
    eps: the nudge h.
    Returns an array shaped like x whose entry i is
        (f(x + h·e_i) − f(x − h·e_i)) / (2h)
    The error of this estimate shrinks like h², against h for the one-sided
    (f(x + h·e_i) − f(x)) / h. x may be changed while f is evaluated, but
    must hold its original values again when the function returns.
    """
    ### BEGIN SOLUTION
    grad = np.zeros(np.shape(x), dtype=np.float64)
    for index in np.ndindex(np.shape(x)):
        original = x[index]
        try:
            x[index] = original + eps
            f_plus = f(x)
            x[index] = original - eps
            f_minus = f(x)
        finally:
            x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad
    ### END SOLUTION

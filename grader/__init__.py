"""backprop-grader: graded backpropagation exercises and their autograder."""

__version__ = "0.4.32"

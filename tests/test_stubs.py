"""exercises/ is generated from reference/ and stays in step with it and with the contract."""

import ast

import pytest
from conftest import EXERCISES, REFERENCE

from grader.exercise_api import EXERCISE_FILES
from grader.exercise_api import EXERCISES as API
from grader.stubs import StubError, make_stub, stale_stubs


def test_exercises_are_up_to_date_with_the_reference():
    assert stale_stubs(REFERENCE, EXERCISES) == [], "run: python -m grader.stubs"


def test_exercises_and_reference_hold_the_same_files():
    assert sorted(p.name for p in EXERCISES.glob("*.py")) == sorted(p.name for p in REFERENCE.glob("*.py"))
    assert sorted(EXERCISE_FILES) == sorted(p.name for p in REFERENCE.glob("*.py"))


@pytest.mark.parametrize("name", EXERCISE_FILES)
def test_stubs_keep_the_contract_signatures_and_docstrings(name):
    tree = ast.parse((EXERCISES / name).read_text())
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    for function, signature in API[name.removesuffix(".py")].items():
        node = functions[function]
        assert ast.get_docstring(node), f"{function} has no docstring"
        assert _arguments(node) == _arguments(ast.parse(f"def {signature}: pass").body[0]), signature
        assert isinstance(node.body[-1], ast.Raise) and "NotImplementedError" in ast.unparse(node.body[-1])


def _arguments(node):
    """[(name, default value or None)] of a function definition."""
    args = node.args
    defaults = [None] * (len(args.args) - len(args.defaults)) + [ast.literal_eval(d) for d in args.defaults]
    return [(arg.arg, default) for arg, default in zip(args.args, defaults)]


def test_stub_generation_cuts_solution_regions():
    source = 'def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n'
    assert (
        make_stub(source)
        == 'def f(x):\n    """Doc."""\n    raise NotImplementedError("f: write your solution here")\n'
    )


@pytest.mark.parametrize(
    "source",
    ["    ### BEGIN SOLUTION\n", "    ### END SOLUTION\n", "### BEGIN SOLUTION\n### BEGIN SOLUTION\n"],
)
def test_unbalanced_markers_are_an_error(source):
    with pytest.raises(StubError):
        make_stub(source)

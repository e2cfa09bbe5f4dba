"""Load the reference solutions into the grader's own process, under private names."""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType, SimpleNamespace

from grader.exercise_api import EXERCISES


@lru_cache(maxsize=4)
def load_reference(directory: Path) -> SimpleNamespace:
    """All public names of reference/*.py in one namespace (ref.sigmoid, ref.forward, ...).

    The exercise files import each other by plain name (`from activations import ...`),
    so they are loaded under those names and then taken out of sys.modules again,
    leaving nothing named `activations` or `backprop` behind in the grader.
    """
    namespace = SimpleNamespace()
    for module in load_reference_modules(directory).values():
        for attribute, value in vars(module).items():
            if not attribute.startswith("_"):
                setattr(namespace, attribute, value)
    return namespace


def load_reference_modules(directory: Path) -> dict[str, ModuleType]:
    """A fresh, private copy of the reference modules by file stem (not cached: callers may patch it)."""
    saved = {name: sys.modules.pop(name) for name in EXERCISES if name in sys.modules}
    try:
        return {name: _load(name, directory / f"{name}.py") for name in EXERCISES}
    finally:
        for name in EXERCISES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module

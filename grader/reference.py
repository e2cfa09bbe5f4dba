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
    saved = {name: sys.modules.pop(name) for name in EXERCISES if name in sys.modules}
    namespace = SimpleNamespace()
    try:
        for name in EXERCISES:
            module = _load(name, directory / f"{name}.py")
            for attribute, value in vars(module).items():
                if not attribute.startswith("_"):
                    setattr(namespace, attribute, value)
    finally:
        for name in EXERCISES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
    return namespace


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module

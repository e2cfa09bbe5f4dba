"""A private copy of the reference with one function replaced by a catalog mistake.

The reference files import each other's functions by name (`from activations
import relu_prime`), so the replacement is bound in every module that holds the
original: whatever the reference builds on the replaced function (output_delta on
relu_prime, train_step on output_delta, ...) then computes the mistake's
consequences with no code of its own.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import SimpleNamespace

from grader.diagnosis.catalog import BY_ID
from grader.reference import load_reference_modules

#: every mutant (each form of each mistake) of two reference folders at once: a diagnosis asks for
#: every catalog entry in turn, and an LRU cache smaller than the catalog misses on each of them (it
#: held 64, and at 66 entries every diagnosis loaded every mutant's reference files again)
MUTANTS_KEPT = 2 * sum(len(entry.forms) for entry in BY_ID.values())


@functools.lru_cache(maxsize=MUTANTS_KEPT)
def mutant(mistake: str, reference_dir: Path, form: int = 0) -> SimpleNamespace:
    """The reference (all public names, as in grader.reference.load_reference) with the mistake in
    it, computed as its form-th form (Misconception.forms)."""
    entry = BY_ID[mistake]
    modules = load_reference_modules(reference_dir)
    namespace = SimpleNamespace()
    original = next(
        getattr(module, entry.replaces) for module in modules.values() if hasattr(module, entry.replaces)
    )
    replacement = functools.partial(entry.forms[form], namespace)
    for module in modules.values():
        for name, value in list(vars(module).items()):
            if value is original:
                setattr(module, name, replacement)
    for module in modules.values():
        for name, value in vars(module).items():
            if not name.startswith("_"):
                setattr(namespace, name, value)
    namespace.original = original
    return namespace

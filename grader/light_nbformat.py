"""nbformat, imported without the 0.7 s that one optional part of jsonschema costs.

nbformat imports jsonschema, which imports rfc3987-syntax, when it is installed (nbgrader's
dependencies install it), for its "iri" format checker; that import builds some 35 parsers and
took 0.7 s here, more than grading a notebook takes (python-jsonschema/jsonschema#1428).
nbformat never checks formats, so jsonschema is left without that one checker: rfc3987_syntax is
marked as not importable, unless something in the process imported it already. Import nbformat
from here, before anything else imports it.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat  # noqa: E402
from nbformat import NotebookNode  # noqa: E402

__all__ = ["NotebookNode", "nbformat"]

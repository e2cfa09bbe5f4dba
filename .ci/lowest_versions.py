"""Print pip constraints that pin every dependency in pyproject.toml to the lowest version it allows.

CI installs the oldest Python with them, so the lower bounds that pyproject.toml promises are the
versions it grades with, not a guess. A dependency without a ``>=`` bound is an error: it would
promise every version ever released.
"""

import re
import sys
from pathlib import Path

import tomllib

LOWER_BOUND = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)\s*>=\s*(?P<version>[^,;\s]+)\s*(?P<marker>;.*)?$")


def main() -> int:
    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    for dependency in project["project"]["dependencies"]:
        match = LOWER_BOUND.match(dependency)
        if match is None:
            print(f"pyproject.toml: {dependency!r} has no single '>=' lower bound to pin", file=sys.stderr)
            return 1
        print(f"{match['name']}=={match['version']}{match['marker'] or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

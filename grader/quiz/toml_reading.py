"""Reading TOML: the standard library's tomllib (Python 3.11 on), or tomli, the same reader, before.

tomlkit writes the grader's TOML (answers.toml, the kit's question banks) so that comments and
layout survive; it is not used to read. It parses several times more slowly, and on a hostile
answers.toml it took minutes to place a syntax error (see answers._parse).
"""

import sys

if sys.version_info >= (3, 11):
    from tomllib import TOMLDecodeError, loads
else:  # pragma: no cover - Python 3.10
    from tomli import TOMLDecodeError, loads

__all__ = ["TOMLDecodeError", "loads"]

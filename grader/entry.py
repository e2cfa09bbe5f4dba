"""The backprop-grader command (and `python -m grader`): the CLI of grader/cli.py, started so that
a stop during its own start-up ends it as one after it does.

Importing the CLI (click, NumPy, pytest and the grader's modules) takes about a tenth of a second,
before any command's handlers are in place. A Ctrl-C then printed Python's traceback of whatever
import it hit; it now ends the command with one line and exit 130, as later (cli_errors), having
done nothing. Standard library only, so that the window it cannot cover (Python's own start-up)
stays small.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from grader.cli import main as cli
    except KeyboardInterrupt:
        sys.stderr.write(
            "Error: interrupted (Ctrl-C) while backprop-grader was starting, before it did anything: "
            "run the same command again\n"
        )
        sys.exit(130)
    cli()

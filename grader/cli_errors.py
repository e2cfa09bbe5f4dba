"""Errors the CLI turns into one line on stderr and an exit status."""

from __future__ import annotations

import click


class SubmissionUnreadable(click.ClickException):
    """Usage error or unreadable input: exit 2."""

    exit_code = 2


class GraderBroken(click.ClickException):
    """The grader's own set-up is broken (reference, banks): exit 3."""

    exit_code = 3

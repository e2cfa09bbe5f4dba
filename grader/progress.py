"""Progress of a class run: a live bar in a terminal, plain periodic lines elsewhere (CI logs)."""

from __future__ import annotations

import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress

from grader.bulk import Outcome, Progress, RunSummary

_KINDS = ("graded", "skipped", "unreadable", "grader_error")


def progress_for(stream: TextIO) -> Progress:
    """The live bar when stream is a terminal, else plain lines."""
    return LiveProgress(stream) if stream.isatty() else PlainProgress(stream)


class _Counting(Progress):
    def __init__(self) -> None:
        self.total = 0
        self.counts = dict.fromkeys(_KINDS, 0)

    def start(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()

    def advance(self, outcome: Outcome) -> None:
        self.counts[outcome.kind] += 1

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def counts_text(self) -> str:
        c = self.counts
        return (f"{c['graded']} graded, {c['skipped']} skipped, {c['unreadable']} unreadable, "
                f"{c['grader_error']} grader errors")  # fmt: skip


class PlainProgress(_Counting):
    """A line every `every` seconds (and at the end): done/total, counts, rate and ETA."""

    def __init__(self, stream: TextIO, every: float = 5.0) -> None:
        super().__init__()
        self.stream, self.every = stream, every
        self.last = 0.0

    def advance(self, outcome: Outcome) -> None:
        super().advance(outcome)
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self._line(now)

    def _line(self, now: float) -> None:
        worked = self.done - self.counts["skipped"]
        rate = worked / (now - self.started) if now > self.started else 0.0
        eta = (
            f", about {(self.total - self.done) / rate:.0f} s left" if rate and self.done < self.total else ""
        )
        print(f"grading: {self.done}/{self.total} ({self.counts_text()}), {rate:.1f}/s{eta}",
              file=self.stream, flush=True)  # fmt: skip

    def finish(self, summary: RunSummary) -> None:
        print(summary.line(), file=self.stream, flush=True)


class LiveProgress(_Counting):
    """rich's progress bar with counts and time remaining, then the summary line."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.console = Console(file=stream)
        self.bar = RichProgress(
            TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=self.console,
        )  # fmt: skip

    def start(self, total: int) -> None:
        super().start(total)
        self.task = self.bar.add_task(self.counts_text(), total=total)
        self.bar.start()

    def advance(self, outcome: Outcome) -> None:
        super().advance(outcome)
        self.bar.update(self.task, advance=1, description=self.counts_text())

    def finish(self, summary: RunSummary) -> None:
        self.bar.stop()
        self.console.print(summary.line(), highlight=False)

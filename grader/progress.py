"""Progress of a class run (grade-all) and of writing the class's feedback pages (feedback): a live
bar in a terminal, plain periodic lines elsewhere (CI logs)."""

from __future__ import annotations

import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress
from rich.table import Column

from grader.bulk import Outcome, Progress, RunSummary
from grader.output_streams import messages_may_be_lost

#: each kind of Outcome, and how the counts name it
_NAMES = {
    "graded": "graded",
    "skipped": "skipped",
    "unreadable": "unreadable",
    "grader_error": "grader error",  # the one count whose name takes a plural s
}


def progress_for(stream: TextIO) -> Progress:
    """The live bar when stream is a terminal, else plain lines."""
    return LiveProgress(stream) if stream.isatty() else PlainProgress(stream)


class _Counting(Progress):
    def __init__(self) -> None:
        self.total = 0
        self.counts = dict.fromkeys(_NAMES, 0)

    def start(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()

    def advance(self, outcome: Outcome) -> None:
        self.counts[outcome.kind] += 1

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def counts_text(self, all_kinds: bool = True) -> str:
        """The counts, as in "3 graded, 1 skipped, 0 unreadable, 0 grader errors"; without all_kinds
        (for the live bar, which shares a line with done/total and the time left) only graded and the
        kinds that occurred."""
        return ", ".join(
            f"{self.counts[kind]} {name}{'s' if kind == 'grader_error' and self.counts[kind] != 1 else ''}"
            for kind, name in _NAMES.items()
            if all_kinds or kind == "graded" or self.counts[kind]
        )


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
        pace = _pace(self.done - self.counts["skipped"], self.total - self.done, now - self.started)
        with messages_may_be_lost():  # a progress line that cannot be written must not stop the grading
            print(
                f"grading: {self.done}/{self.total} ({self.counts_text()}), {pace}",
                file=self.stream,
                flush=True,
            )

    def finish(self, summary: RunSummary) -> None:
        with messages_may_be_lost():
            print(summary.line(), file=self.stream, flush=True)


class LiveProgress(_Counting):
    """rich's progress bar with counts and time remaining, then the summary line.

    A terminal can go away mid-run (its window closed, the SSH connection dropped): every write to
    it then fails (EIO), and grading goes on, or stops as after Ctrl-C where the hangup's SIGHUP
    stops it, with its own exit status (grader/stop_signals.py).
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.console = Console(file=stream)
        self.bar = _bar("grading", self.console)

    def start(self, total: int) -> None:
        super().start(total)
        self.task = self.bar.add_task(self.counts_text(all_kinds=False), total=total)
        with messages_may_be_lost():
            self.bar.start()

    def advance(self, outcome: Outcome) -> None:
        super().advance(outcome)
        with messages_may_be_lost():
            self.bar.update(self.task, advance=1, description=self.counts_text(all_kinds=False))

    def finish(self, summary: RunSummary) -> None:
        with messages_may_be_lost():
            self.bar.stop()
        with messages_may_be_lost():
            self.console.print(summary.line(), highlight=False)


class PagesProgress:
    """Progress of writing the feedback pages, nearly all of it drawing their plots (about 0.15 s
    of CPU a student): rich's bar in a terminal, else a line every `every` seconds."""

    def __init__(self, stream: TextIO, total: int, every: float = 5.0) -> None:
        self.stream, self.total, self.every = stream, total, every
        self.done = 0
        self.started = self.last = time.monotonic()
        self.bar = _bar("writing feedback", Console(file=stream)) if stream.isatty() else None
        if self.bar is not None:
            self.task = self.bar.add_task("", total=total)
            with messages_may_be_lost():
                self.bar.start()

    def advance(self) -> None:
        """One more student's pages written (or given up on)."""
        self.done += 1
        if self.bar is not None:
            with messages_may_be_lost():  # the terminal gone: the pages are still written
                self.bar.update(self.task, advance=1)
            return
        now = time.monotonic()
        if now - self.last >= self.every and self.done < self.total:
            self.last = now
            pace = _pace(self.done, self.total - self.done, now - self.started)
            with messages_may_be_lost():
                print(f"writing feedback: {self.done}/{self.total}, {pace}", file=self.stream, flush=True)

    def stop(self) -> None:
        if self.bar is not None:
            with messages_may_be_lost():
                self.bar.stop()


def _pace(done: int, left: int, seconds: float) -> str:
    """The rate so far and, while any are left, the time they will take: "12.5/s, about 8 s left"."""
    rate = done / seconds if seconds > 0 else 0.0
    return f"{rate:.1f}/s" + (f", about {left / rate:.0f} s left" if rate and left else "")


def _bar(label: str, console: Console) -> RichProgress:
    """rich's bar: label, done/total, the task's description, time taken and time remaining, as wide
    as the terminal, the bar taking what the rest leaves. The description is cut short with "…"
    past 34 characters, so that an 80-column terminal keeps done/total and the times whole (rich
    cut those instead)."""
    return RichProgress(
        TextColumn(label),
        BarColumn(bar_width=None, table_column=Column(min_width=10, ratio=1)),
        MofNCompleteColumn(),
        TextColumn(
            "{task.description}", table_column=Column(max_width=34, no_wrap=True, overflow="ellipsis")
        ),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        expand=True,
    )

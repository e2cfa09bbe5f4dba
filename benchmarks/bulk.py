"""Submissions per second of `grade-all`, against a naive grader measured in the same run.

Generates N synthetic submissions from reference/ (most correct, some partly wrong, a
few raising, a few looping until the time limit; every one with its own bytes, so no
two share a content hash, and the correct ones written in eight ways, as a class would,
so that not all answer alike), then:

- grade-all: `backprop-grader grade-all` on all N into a fresh gradebook;
- grade-all again on N ordinary submissions only (correct or partly wrong), the rate the
  target is about; and on one of them per job, the start-up a run pays whatever its size, to tell
  what each further submission costs (the rate past the start-up, which a large class approaches);
- naive:     a fresh process per submission that runs pytest on the hidden tests
             (`python -m grader grade SUB`), one after another, on M submissions with the
             same mix as the class (M = 20 by default: one of every kind in the right proportion),
             and again on one ordinary submission of each kind, for the ordinary rate's ratio.
             Each reads the call plan that grade-all kept (grader/plan_cache.py, in a folder of
             the run's own), as `grade` does; the ratio is against this rate. The whole mix is
             graded a third time with every process recording its plan again, the naive rate
             of 0.4.28 and before, for comparison with the figures measured then.

It prints both rates, their ratio and the peak memory of grade-all's whole process tree
(the sum of the resident memory of the grader, its job processes and their workers,
sampled every 50 ms), and the peak memory of export and stats on the class's gradebook against
their peak on an empty one. Targets on a 2-core machine with every protection on: 40
submissions/s, 10x the naive rate, peak memory under 1 GiB whatever N is.

With --feedback it also times grade-all --feedback-dir on N ordinary submissions (each
student's Markdown and HTML feedback, plots drawn, written as well); the targets are about
grading alone.

    python benchmarks/bulk.py [-n 200] [--naive 20] [--jobs N] [--feedback]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference"
TIMEOUT = "0.5"  # seconds per call, so the looping submissions cost little

WRONG = ("    return (z > 0).astype(z.dtype)", "    return (z >= 0).astype(z.dtype)")
RAISING = ("def sigmoid(z):\n", "def sigmoid(z):\n    raise ValueError('not done yet')\n")
LOOPING = ("def tanh_prime(z):\n", "def tanh_prime(z):\n    while True:\n        pass\n")


#: right, but written another way than the reference, so that some answers differ from its answers
#: in the last bits: a class writes each function in a few ways (a test that passed is run again
#: only for answers it has not passed with yet, grader/passed_tests.py)
FORMULAS = [
    (
        "    e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n",
        "    return np.exp(-np.logaddexp(0.0, -z))\n",
    ),
    ("    return s * (1.0 - s)\n", "    return s - s * s\n"),
    ("    return 1.0 - np.tanh(z) ** 2\n", "    t = np.tanh(z)\n    return (1.0 - t) * (1.0 + t)\n"),
]


def _written_another_way(kind: int) -> list[tuple[str, str]]:
    """The correct kind's formulas: each of the 2 ** len(FORMULAS) ways in turn (the first as the
    reference writes them)."""
    way = kind - 5
    return [change for bit, change in enumerate(FORMULAS) if way >> bit & 1]


#: the class's mix, repeating every 20 submissions: 1 raising, 1 looping, 3 partly wrong, 15 correct
#: (written in 8 ways, each function in 2)
CHANGES = {0: [RAISING], 1: [LOOPING], 2: [WRONG], 3: [WRONG], 4: [WRONG]} | {
    kind: _written_another_way(kind) for kind in range(5, 20)
}
CYCLE = 20
ORDINARY = [kind for kind in range(CYCLE) if kind not in (0, 1)]  # correct or partly wrong


def make_submissions(root: Path, n: int, kinds: list[int] | None = None) -> None:
    """n submissions; the i-th is of kind kinds[i % len(kinds)] (default: the whole mix)."""
    kinds = kinds or list(range(CYCLE))
    for i in range(n):
        folder = root / f"student{i:05d}"
        shutil.copytree(REFERENCE, folder, ignore=shutil.ignore_patterns("__pycache__"))
        activations = folder / "activations.py"
        text = activations.read_text(encoding="utf-8")
        for old, new in CHANGES.get(kinds[i % len(kinds)], []):
            assert old in text, old
            text = text.replace(old, new, 1)
        activations.write_text(text + f"\n# submission {i}\n", encoding="utf-8")
        shutil.copy(ROOT / "examples" / "submissions" / "correct" / "answers.toml", folder / "answers.toml")


def tree_rss(pid: int) -> int:
    """Resident bytes of pid and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text(encoding="utf-8")
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        ppid = int(fields.get("PPid", "0").strip() or 0)
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def run_sampled(command: list[str]) -> tuple[float, int]:
    """Wall time and peak tree memory of command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"grade-all failed ({process.returncode}): {stderr[-2000:]}")
    print(stderr.strip().splitlines()[-1])
    return elapsed, peak


def grade_all(
    grader: list[str], scratch: Path, name: str, n: int, jobs: int, kinds: list[int] | None, *extra: str
) -> tuple[float, int]:
    """(seconds, peak bytes) of grade-all (with the extra options) on n fresh submissions of the given kinds."""
    root = scratch / name
    root.mkdir()
    make_submissions(root, n, kinds)
    return run_sampled(
        [*grader, "grade-all", str(root), "--gradebook", str(scratch / f"{name}.sqlite"),
         "--jobs", str(jobs), "--timeout", TIMEOUT, *extra]
    )  # fmt: skip


#: what reads a whole gradebook, besides grade-all: each should take memory for its output, not
#: for every report (a parsed report is about 200 KB)
READERS = ("export csv", "export json", "stats")


def reading_peak(grader: list[str], scratch: Path, command: str) -> tuple[int, int]:
    """Peak resident bytes of command (its first word, and --format the second if any) on the whole
    mix's gradebook, and on an empty one: the baseline, measured in the same run."""
    verb, *fmt = command.split()
    peaks = []
    for book in (scratch / "class.sqlite", scratch / "empty.sqlite"):
        if not book.exists():
            (scratch / "nobody").mkdir(exist_ok=True)
            subprocess.run([*grader, "grade-all", str(scratch / "nobody"), "--gradebook", str(book)],
                           check=True, capture_output=True)  # fmt: skip
        options = ["--format", fmt[0]] if fmt else []
        child = subprocess.Popen(
            [*grader, verb, "--gradebook", str(book), *options], stdout=subprocess.DEVNULL
        )
        peaks.append(os.wait4(child.pid, 0)[2].ru_maxrss * 1024)
    return peaks[0], peaks[1]


def naive(grader: list[str], root: Path, n: int, kinds: list[int] | None, kept_plans: bool = True) -> float:
    """Submissions per second of a fresh `grade` process per submission, one after another; each
    reads the call plan grade-all kept (as `grade` does since 0.4.29), or, without kept_plans,
    records it again by grading the reference twice (as every `grade` did until then)."""
    root.mkdir()
    make_submissions(root, n, kinds)
    env = os.environ if kept_plans else {**os.environ, "BACKPROP_GRADER_CACHE_DIR": ""}
    started = time.perf_counter()
    for submission in sorted(root.iterdir()):
        subprocess.run([*grader, "grade", str(submission), "--format", "json", "--timeout", TIMEOUT],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)  # fmt: skip
    return n / (time.perf_counter() - started)


def past_startup(n: int, seconds: float, startup_n: int, startup_seconds: float) -> str:
    """The rate of the run of n that took seconds once the start-up (a run of startup_n, one per
    job, that took startup_seconds) is taken off: (n - startup_n) / (seconds - startup_seconds),
    or why there is none."""
    if n <= startup_n or seconds <= startup_seconds:
        return f"not measured (it needs -n above {startup_n} and a run longer than the start-up)"
    return f"{(n - startup_n) / (seconds - startup_seconds):.1f}/s"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=200, help="synthetic submissions for each grade-all run")
    parser.add_argument("--naive", type=int, default=CYCLE, help="submissions for the naive baseline "
                        f"(a multiple of {CYCLE} has exactly the class's mix)")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--feedback", action="store_true",
                        help="also time grade-all --feedback-dir on the ordinary submissions (pages with plots)")  # fmt: skip
    args = parser.parse_args()
    grader = [sys.executable, "-m", "grader"]
    with tempfile.TemporaryDirectory(prefix="bulk-benchmark-") as folder:
        scratch = Path(folder)
        # the call plans of this run's own (grader/plan_cache.py): the first grade-all keeps them
        os.environ["BACKPROP_GRADER_CACHE_DIR"] = str(scratch / "cache")
        seconds, peak = grade_all(grader, scratch, "class", args.n, args.jobs, None)
        ordinary_seconds, ordinary_peak = grade_all(grader, scratch, "ordinary", args.n, args.jobs, ORDINARY)
        startup_seconds, _ = grade_all(grader, scratch, "start-up", args.jobs, args.jobs, ORDINARY)
        if args.feedback:
            feedback_seconds, feedback_peak = grade_all(
                grader,
                scratch,
                "feedback",
                args.n,
                args.jobs,
                ORDINARY,
                "--feedback-dir",
                str(scratch / "pages"),
            )
            ordinary_peak = max(ordinary_peak, feedback_peak)
        reading = {command: reading_peak(grader, scratch, command) for command in READERS}
        naive_rate = naive(grader, scratch / "naive", args.naive, None)
        naive_ordinary_rate = naive(grader, scratch / "naive-ordinary", len(ORDINARY), ORDINARY)
        recording_rate = naive(grader, scratch / "naive-recording", args.naive, None, kept_plans=False)
    rate, ordinary_rate = args.n / seconds, args.n / ordinary_seconds
    peak = max(peak, ordinary_peak)
    print(f"grade-all, the whole mix : {args.n} in {seconds:.1f} s = {rate:.1f}/s with {args.jobs} jobs")
    print(f"grade-all, ordinary only : {args.n} in {ordinary_seconds:.1f} s = {ordinary_rate:.1f}/s "
          "(correct or partly wrong)")  # fmt: skip
    print(f"grade-all, start-up      : {args.jobs} in {startup_seconds:.1f} s (ordinary, one per job); "
          f"past it: {past_startup(args.n, ordinary_seconds, args.jobs, startup_seconds)}")  # fmt: skip
    if args.feedback:
        print(f"grade-all --feedback-dir : {args.n} in {feedback_seconds:.1f} s = {args.n / feedback_seconds:.1f}/s "
              "(ordinary, each student's Markdown and HTML page with plots written too)")  # fmt: skip
    print(f"naive, the whole mix     : {naive_rate:.2f}/s (a process each, {args.naive} submissions)")
    print(
        f"naive, ordinary only     : {naive_ordinary_rate:.2f}/s ({len(ORDINARY)} submissions, one of each kind)"
    )
    print(f"naive, recording plans   : {recording_rate:.2f}/s (the whole mix, each process grading the reference "
          "twice first, as until 0.4.29)")  # fmt: skip
    print(f"ratio grade-all / naive (same mix): {rate / naive_rate:.1f}x "
          f"({rate / recording_rate:.1f}x against the naive grader recording its plans)")  # fmt: skip
    print(
        f"ratio grade-all / naive (ordinary only, for comparison): {ordinary_rate / naive_ordinary_rate:.1f}x"
    )
    print(f"peak memory of a grade-all process tree: {peak / 1024**2:.0f} MiB")
    for command, (full, empty) in reading.items():
        print(f"peak memory of {command:<11}: {full / 1024**2:.0f} MiB on the {args.n} graded, "
              f"{empty / 1024**2:.0f} MiB on an empty gradebook ({full / empty:.1f}x)")  # fmt: skip
    targets = {
        "40 ordinary/s": ordinary_rate >= 40,
        "10x naive": rate / naive_rate >= 10,
        "< 1 GiB": peak < 1024**3,
    }
    print("targets: " + ", ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in targets.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

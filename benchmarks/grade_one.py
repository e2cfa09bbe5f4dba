"""How long `backprop-grader grade` takes on one submission, against `python -c "import numpy"`.

Both are timed in the same run, on the same machine, so the ratio means something
even on a busy shared machine. The target is well under 2 s of wall time for
one grade on a 2-core machine. `grade` reads the call plan it kept in a folder of the run's own
(grader/plan_cache.py), as every run after a user's first does; it is also timed recording the
plan again (BACKPROP_GRADER_CACHE_DIR=""), as every `grade` did until 0.4.29, the runs of the two
taken in turn.

    python benchmarks/grade_one.py [--repeat 5] [SUBMISSION]

SUBMISSION may be a notebook too: `backprop-grader nbgrader-source course` writes one with the
reference's solutions in course/source/backprop/backprop.ipynb.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wall_time(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("submission", nargs="?", default=str(ROOT / "examples" / "submissions" / "correct"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    grade = [sys.executable, "-m", "grader", "grade", args.submission, "--format", "json"]
    baseline = [sys.executable, "-c", "import numpy"]
    with tempfile.TemporaryDirectory(prefix="grade-one-") as plans:
        keeping = {**os.environ, "BACKPROP_GRADER_CACHE_DIR": plans}
        recording = {**os.environ, "BACKPROP_GRADER_CACHE_DIR": ""}
        wall_time(grade, keeping)  # warm the file cache once, and keep the plan
        grade_times, recording_times = [], []
        for _ in range(args.repeat):
            grade_times.append(wall_time(grade, keeping))
            recording_times.append(wall_time(grade, recording))
    numpy_times = [wall_time(baseline) for _ in range(args.repeat)]
    grade_median, numpy_median = statistics.median(grade_times), statistics.median(numpy_times)
    print(f"grade one submission : median {grade_median:.3f} s over {args.repeat} runs")
    print(f"  recording its plan : median {statistics.median(recording_times):.3f} s (as until 0.4.29)")
    print(f"python -c 'import numpy': median {numpy_median:.3f} s")
    print(f"ratio grade / import numpy: {grade_median / numpy_median:.1f}x")
    print(f"target < 2 s: {'met' if grade_median < 2 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It installs backprop-grader (with its hidden tests) into its own virtual environment.
# AUTOGRADER_ROOT lets you try it somewhere other than /autograder.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
if ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3 python3-venv python3-pip
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "backprop-grader needs Python 3.10 or newer, and this image's python3 is $(python3 --version 2>&1):" \
         "choose a newer base image (Ubuntu 22.04 or later) in the autograder's settings" >&2
    exit 1
fi
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install --quiet --upgrade pip
"$ROOT/venv/bin/pip" install --quiet "$ROOT/source/backprop-grader"
# Student code runs as a user of its own, not as root (docs/security.md): keep what the grader
# reads (its code, the hidden tests, the reference, the question banks) from other users, for
# containers where Landlock is not there to do it.
chmod -R go-rwx "$ROOT/source" \
    "$("$ROOT/venv/bin/python" -c 'import grader, os; print(os.path.dirname(grader.__file__))')"
# Record the call plan into the image (grader/plan_cache.py): every run_autograder then reads it
# instead of grading the reference twice before it grades the student. Graded as run_autograder
# grades, so that the plan is kept under the name it looks for; where it cannot be kept, each
# submission records it again, as before, and nothing else changes.
SOURCE="$ROOT/source/backprop-grader"
BACKPROP_GRADER_REFERENCE="$SOURCE/reference" BACKPROP_GRADER_QUIZZES="$SOURCE/quizzes" \
    "$ROOT/venv/bin/python" -m grader grade "$SOURCE/reference" --format gradescope > /dev/null 2>&1 || true

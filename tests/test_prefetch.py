"""Prefetching: grade-all sends the worker every call the tests will make before they run.

The plan is recorded once per process by grading the reference solutions; a submission
graded with it must get exactly the grade it gets without it, unless its results depend on
how often it was called, and even then every command gives it the same grade.
"""

import contextlib
import json
import os
import threading
from collections import Counter, deque
from pathlib import Path

import numpy as np
import pytest
from conftest import EXAMPLES, FAST_LIMITS, REFERENCE, reference_with

from grader import grading, wire, worker_zygote
from grader.bulk import grade_entry
from grader.grading import call_plan, grade_path
from grader.planned_calls import PlannedCall, PlanRecording, nudged
from grader.probe_functions import PROBES
from grader.reference import load_reference
from grader.render_json import result_to_dict
from grader.roster import find_submissions
from grader.student import StudentSession
from grader.worker import WorkerDied, WorkerLimits, WorkerProcess

LOOP_LIMITS = WorkerLimits(call_timeout=1.0, submission_timeout=30.0)

#: relu writes an answer of its own making (not JSON) into the worker's answer pipe, with the id of
#: the call it is answering, before the worker's own answer
FORGING = (
    "def relu(z):\n",
    """def relu(z):
    import os, struct, sys
    frame = sys._getframe(1)
    while "responses" not in frame.f_locals or "request" not in frame.f_locals:
        frame = frame.f_back
    body = b'{"ok": forged, "id":%d}' % frame.f_locals["request"]["id"]
    os.write(frame.f_locals["responses"].fileno(), struct.pack(">I", len(body)) + body)
""",
)

#: submissions built from the reference: (file, old text, new text)
CHANGED = {
    "raising": ("activations.py", "def sigmoid(z):\n", "def sigmoid(z):\n    raise ValueError('not yet')\n"),
    "crashing": ("activations.py", "def relu(z):\n", "def relu(z):\n    import os\n    os._exit(3)\n"),
    "looping": (
        "activations.py",
        "def tanh_prime(z):\n",
        "def tanh_prime(z):\n    while True:\n        pass\n",
    ),
    # a function whose result depends on how often it was called before: prefetching runs
    # calls a test that failed early would not have made, so only the same plan everywhere
    # gives it the same grade everywhere
    "counting": (
        "activations.py",
        "def relu(z):\n",
        "_calls = []\n\n\ndef relu(z):\n    _calls.append(1)\n    if len(_calls) % 7 == 0:\n"
        "        return np.zeros_like(z)\n",
    ),
    "printing": ("backprop.py", "def train_step(", "print('step')\n\n\ndef train_step("),
    # 2.7 MiB (3.7 as JSON) for every call of relu: past what the grader takes in for one answer
    "huge": ("activations.py", "def relu(z):\n", "def relu(z):\n    return np.ones((600, 600))\n"),
    # a view of a billion entries holds 8 bytes; written out, 7.5 GiB
    "huge_view": (
        "activations.py",
        "def relu(z):\n",
        "def relu(z):\n    return np.broadcast_to(np.ones(1), (10**9,))\n",
    ),
    # past what Python writes out as JSON: the worker died of it (exit 70, "ended the worker process")
    "huge_int": ("activations.py", "def relu(z):\n", "def relu(z):\n    return 10**5000\n"),
    # views of 234 KiB each (just under the limit), 2 GiB together
    "many_views": (
        "activations.py",
        "def relu(z):\n",
        "def relu(z):\n    return [np.broadcast_to(np.ones(1), (30000,))] * 10**4\n",
    ),
    "forging": ("activations.py", *FORGING),
}


def graded(path: Path, limits: WorkerLimits, prefetch: bool) -> dict:
    result = result_to_dict(grade_path(path, limits=limits, plots=True, prefetch=prefetch))
    result.pop("seconds")
    return json.loads(json.dumps(result, default=str))


@pytest.mark.parametrize(
    "name",
    [
        "correct",
        "sign_flipped_update",
        "forgot_hidden_derivative",
        *(name for name in CHANGED if name != "counting"),
    ],
)
def test_a_prefetched_grade_is_the_grade_without_prefetching(tmp_path, name):
    if name in CHANGED:
        file, old, new = CHANGED[name]
        path = reference_with(tmp_path / name, {file: [(old, new)]})
    else:
        path = EXAMPLES / name
    limits = LOOP_LIMITS if name == "looping" else FAST_LIMITS
    assert graded(path, limits, prefetch=True) == graded(path, limits, prefetch=False)


@pytest.mark.parametrize(
    "name, sent",
    [("huge", "an array of 2.7 MiB"), ("huge_view", "an array of 7629.4 MiB"),
     ("many_views", "0.3 MiB or more")],
)  # fmt: skip
def test_an_answer_too_large_to_take_in_fails_its_call_and_nothing_else(tmp_path, name, sent):
    """The grader holds prefetched answers until the tests take them: answers of many MB each
    once held GBs in its process. One past wire.MAX_RESPONSE_BYTES is the call's failure. The
    worker counts an answer's bytes before writing them out: broadcast views that hold a few
    bytes but take gigabytes written out got a blank message after seconds of copying each."""
    file, old, new = CHANGED[name]
    result = grade_path(reference_with(tmp_path / name, {file: [(old, new)]}), limits=FAST_LIMITS)
    messages = {test.message for test in result.tests if test.status != "passed"}
    assert (
        f"relu sent back {sent} for one call, more than the grader takes in; return only "
        "what it should (its arrays are no larger than its inputs)" in messages
    )
    sigmoid = [test for test in result.tests if test.name == "test_matches_reference[float64-sigmoid]"]
    assert sigmoid and sigmoid[0].status == "passed"  # the other functions are graded as ever


def test_an_integer_no_number_type_holds_fails_its_call_with_what_it_is(tmp_path):
    """It ended the worker, and the call was charged as the student's sys.exit or os._exit."""
    file, old, new = CHANGED["huge_int"]
    result = grade_path(reference_with(tmp_path / "huge_int", {file: [(old, new)]}), limits=FAST_LIMITS)
    relu = [test for test in result.tests if test.name == "test_matches_reference[float64-relu]"]
    assert relu and relu[0].message == (
        "relu returned an integer of about 5001 digits, too large for NumPy's integers; return NumPy "
        "arrays or floats"
    )


def test_an_answer_forged_into_the_workers_pipe_loses_the_call_it_answers(tmp_path):
    """Prefetched answers come many at a time: one that is not an answer stops the worker's
    prefetching there, costs its own call, and the calls after it are made again elsewhere."""
    result = grade_path(
        reference_with(tmp_path / "forging", {"activations.py": [FORGING]}), limits=FAST_LIMITS
    )
    by_name = {test.name: test for test in result.tests}
    relu = by_name["test_matches_reference[float64-relu]"]
    assert relu.status == "error" and "message is not valid JSON" in relu.message
    assert by_name["test_matches_reference[float64-sigmoid]"].status == "passed"
    assert by_name["test_matches_reference[float64-tanh_prime]"].status == "passed"
    assert result.score < result.max_score


def test_a_forged_answer_read_last_is_found_when_taken_and_costs_its_call_alone(tmp_path):
    """Prefetched answers are parsed only as tests take them (most are never parsed in a class
    run: grader/passed_tests.py). A forged answer that nothing read after it gave away is found
    then: its call is a crash, and the calls after it run in a new worker."""
    forging = reference_with(tmp_path / "forging", {"activations.py": [FORGING]})
    z = np.linspace(-2.0, 2.0, 5)
    session = StudentSession(forging, FAST_LIMITS)
    session.prefetch([PlannedCall("sigmoid", (z,), {}), PlannedCall("relu", (z,), {})])
    try:
        assert session.call("sigmoid", z).failure is None
        relu = session.call("relu", z).failure
        assert relu is not None and relu.kind == "crash" and "message is not valid JSON" in relu.message
        starts = session.worker_starts
        again = session.call("sigmoid", 2 * z)
        assert again.failure is None and session.worker_starts == starts + 1
        np.testing.assert_allclose(again.result, load_reference(REFERENCE).sigmoid(2 * z))
    finally:
        session.finish()


def test_a_worker_answer_is_read_whole_but_parsed_only_when_asked_for():
    read_end, write_end = os.pipe()
    worker = object.__new__(WorkerProcess)  # only its reading side, over a pipe of the test's
    worker._inbox, worker._outgoing, worker._resp_read = bytearray(), bytearray(), read_end
    worker._awaited, worker._ready = deque([1, 2, 3]), True
    forged, good = b'{"ok": forged, "id":1}', wire.frame({"ok": True, "result": 7, "id": 2})
    misplaced = wire.frame({"ok": True, "result": 8, "id": 2})
    os.write(write_end, wire.HEADER.pack(len(forged)) + forged + good + misplaced)
    os.close(write_end)
    try:
        answer = worker.receive_answer(10)
        with pytest.raises(WorkerDied, match="message is not valid JSON"):
            answer.response()
        assert worker.receive_answer(10).response() == {"ok": True, "result": 7, "id": 2}
        with pytest.raises(WorkerDied, match="does not belong to this call"):
            worker.receive_answer(10)  # the id is not this call's: found at once
    finally:
        os.close(read_end)


def test_the_grader_drops_a_forged_answer_past_the_limit_unread_and_reads_the_next():
    """A worker whose code was taken over may send a large answer anyway (the worker's own check
    is then gone): the grader skips its bytes without holding them."""
    read_end, write_end = os.pipe()
    worker = object.__new__(WorkerProcess)  # only its reading side, over a pipe of the test's
    worker._inbox, worker._outgoing, worker._resp_read = bytearray(), bytearray(), read_end
    worker._awaited, worker._ready = deque([1, 2]), True
    big = wire.frame({"id": 1, "ok": True, "result": "x" * (wire.MAX_RESPONSE_BYTES + 10)})
    small = wire.frame({"id": 2, "ok": True, "result": 7})
    writer = threading.Thread(target=lambda: os.write(write_end, big + small) and os.close(write_end))
    writer.start()
    try:
        assert worker.receive(10) == wire.too_large_response(1, len(big) - wire.HEADER.size)
        assert worker.receive(10) == {"id": 2, "ok": True, "result": 7}
        assert len(worker._inbox) == 0
    finally:
        os.close(read_end)  # first: a writer left with a full pipe then fails instead of waiting forever
        writer.join()


def test_a_correct_submission_runs_only_the_chained_calls_on_its_own(monkeypatch):
    plan = call_plan("hidden", True, FAST_LIMITS)
    assert plan is not None
    assert len(plan.calls) > 200, "the plan should hold every call of the hidden tests and the plots"
    run_one_by_one = []
    call = StudentSession._call

    def counted(self, planned):
        run_one_by_one.append(planned.function)
        return call(self, planned)

    monkeypatch.setattr(StudentSession, "_call", counted)
    result = grade_path(REFERENCE, limits=FAST_LIMITS, plots=True, prefetch=True)
    assert result.tests and all(test.status == "passed" for test in result.tests)
    assert Counter(run_one_by_one) == CHAINED
    run_one_by_one.clear()
    grade_path(REFERENCE, limits=FAST_LIMITS, plots=True, prefetch=False)
    assert len(run_one_by_one) == len(plan.calls) + sum(CHAINED.values())


#: the calls the tests make with what an earlier call returned: the second training step of the
#: public test_train_step_lowers_the_loss_it_reports, and the pieces chained by hand in the hidden
#: test_backprop_pieces_pass_finite_difference_check
CHAINED = Counter({"train_step": 1, "hidden_delta": 1, "weight_gradients": 2})


def test_the_plan_leaves_out_every_call_made_with_a_result_of_the_reference():
    """What a worker holds of the plan must not tell student code what the reference returned."""
    plan = call_plan("hidden", True, FAST_LIMITS)
    assert plan is not None
    every = PlanRecording()
    assert grading._grade_reference("hidden", True, FAST_LIMITS, None, every)
    recorded = every.calls
    ref = load_reference(REFERENCE)
    held = {call.key for call in plan.calls}
    returned: list[np.ndarray] = []
    carrying, left_out = [], []
    for call in recorded:
        request = json.loads(call.serialised)
        args, kwargs = wire.decode(request["args"]), wire.decode(request["kwargs"])
        if any(_holds(returned, array) for array in _arrays((args, kwargs))):
            carrying.append(call.function)
        if call.key not in held:
            left_out.append(call.function)
        if request["repeat"] is None:  # (a repeated call's later steps stay in the worker)
            with contextlib.suppress(ValueError):  # the tests of an unknown activation's error
                function = getattr(ref, call.function)
                returned.extend(
                    _arrays(function(*map(_probe, args), **{k: _probe(v) for k, v in kwargs.items()}))
                )
    assert Counter(left_out) == CHAINED
    # sgd_update is given the lesson's dW2 (grader/cases.py), the very array weight_gradients
    # returns on the lesson's example: a constant of the public tests, not a result passed on
    assert Counter(carrying) == CHAINED + Counter({"sgd_update": 2})
    assert len(plan.calls) == len(recorded) - sum(CHAINED.values())


def _probe(value):
    return PROBES[value["__probe__"]] if isinstance(value, dict) and "__probe__" in value else value


def _arrays(value) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [array for item in value for array in _arrays(item)]
    return []


def _holds(arrays: list[np.ndarray], array: np.ndarray) -> bool:
    return array.size > 1 and any(
        a.shape == array.shape and a.dtype == array.dtype and np.array_equal(a, array) for a in arrays
    )


def test_nudged_moves_every_float_and_nothing_else():
    result = (np.array(0.5), np.array([1.0, 0.0], dtype=np.float32), {"loss": 0.25, "n": 3}, [True, "relu"])
    moved = nudged(result)
    assert isinstance(moved[0], np.ndarray) and moved[0].shape == () and moved[0] != 0.5
    assert moved[1].dtype == np.float32 and moved[1][0] != 1.0 and moved[1][1] == 0.0
    np.testing.assert_allclose(moved[1], result[1], rtol=2e-6)
    assert moved[2]["loss"] != 0.25 and abs(moved[2]["loss"] - 0.25) < 1e-12 and moved[2]["n"] == 3
    assert moved[3] == [True, "relu"]
    assert result[0] == 0.5 and result[1][0] == 1.0, "the results themselves are left as they were"


def test_the_prefetched_calls_no_test_took_are_told():
    calls = [PlannedCall("relu", (np.array([x]),), {}) for x in (1.0, -2.0, 1.0)]
    session = StudentSession(REFERENCE, FAST_LIMITS)
    try:
        session.prefetch(calls)
        assert session.relu(np.array([1.0])).tolist() == [1.0]
        untaken = session.untaken()
        assert len(untaken) == 2 and {id(call) for call in untaken} == {id(calls[1]), id(calls[2])}
    finally:
        session.finish()


def messages_sent(monkeypatch) -> list[str]:
    sent: list[str] = []
    send = WorkerProcess.send

    def recorded(self, requests):
        requests = list(requests)
        sent.extend(requests)
        return send(self, requests)

    monkeypatch.setattr(WorkerProcess, "send", recorded)
    return sent


def test_workers_are_sent_the_numbers_of_planned_calls_even_after_the_zygote_died(monkeypatch):
    """The zygote keeps the plan decoded, so a planned call travels as its number; a zygote started
    again after dying is handed the plan again."""
    plan = call_plan("hidden", True, FAST_LIMITS)
    assert plan is not None
    sent = messages_sent(monkeypatch)
    expected = graded(REFERENCE, FAST_LIMITS, prefetch=True)
    assert sent[: len(plan.calls)] == [f'{{"planned":{i}}}' for i in range(len(plan.calls))]
    assert worker_zygote._zygote is not None
    worker_zygote._zygote.process.kill()
    worker_zygote._zygote.process.wait()
    sent.clear()
    assert graded(REFERENCE, FAST_LIMITS, prefetch=True) == expected
    assert sent[: len(plan.calls)] == [f'{{"planned":{i}}}' for i in range(len(plan.calls))]


def test_a_looping_function_costs_no_more_time_outs_when_prefetched(tmp_path):
    file, old, new = CHANGED["looping"]
    path = reference_with(tmp_path / "looping", {file: [(old, new)]})
    results = [grade_path(path, limits=LOOP_LIMITS, prefetch=flag) for flag in (False, True)]
    timed_out = [[t.name for t in r.tests if "did not return" in t.message] for r in results]
    assert timed_out[0] and timed_out[1] == timed_out[0]


def test_grade_and_grade_all_give_code_with_hidden_state_the_same_grade(tmp_path):
    file, old, new = CHANGED["counting"]
    root = tmp_path / "class"
    path = reference_with(root / "counting", {file: [(old, new)]})
    alone = result_to_dict(grade_path(path, limits=FAST_LIMITS, plots=True))
    entry = find_submissions(root)[0][0]
    in_class = grade_entry(entry, FAST_LIMITS, require_sandbox=False).report
    assert in_class is not None
    assert in_class["tests"] == alone["tests"]
    assert in_class["plots"] == json.loads(json.dumps(alone["plots"]))
    assert any(test["status"] == "failed" for test in alone["tests"])


def test_a_plan_the_zygote_dropped_is_handed_over_again(monkeypatch):
    """The zygote keeps the last few plans only; a worker that does not hold its plan is sent
    whole requests, and the next one gets the plan again."""
    plan = call_plan("hidden", True, FAST_LIMITS)
    assert plan is not None
    expected = graded(REFERENCE, FAST_LIMITS, prefetch=True)
    zygote = worker_zygote._zygote
    assert zygote is not None
    request = plan.calls[0].serialised
    for copies in range(1, 6):  # five other plans push this one out
        assert zygote._holds(worker_zygote.HeldPlan.of((request,) * copies))
    sent = messages_sent(monkeypatch)
    assert graded(REFERENCE, FAST_LIMITS, prefetch=True) == expected
    assert sent[: len(plan.calls)] == [call.serialised for call in plan.calls]
    sent.clear()
    assert graded(REFERENCE, FAST_LIMITS, prefetch=True) == expected
    assert sent[: len(plan.calls)] == [f'{{"planned":{i}}}' for i in range(len(plan.calls))]

"""Calls of the student's functions as the grader plans them: what the worker is sent for each.

A PlannedCall is one call as a test makes it, with a key that tells apart calls with different
arguments (wire.fingerprint) and its request in the wire format. A CallPlan is every call
grading makes, in order (grading.call_plan records it by grading the reference): the worker
zygote keeps it decoded, and a worker is then sent a planned call's number instead of its request.

A plan holds only the calls whose arguments are the tests' own inputs. A call a test makes with
what an earlier call returned (the chained pieces of backprop, a second training step) would,
recorded on the reference, carry the reference's results into every worker, ahead of the call
they answer: student code could read them there and return them as its own. So the reference
is graded a second time with its whole recording prefetched and its results nudged (nudged):
the calls no test takes then are those made with a result, and they are left out of the plan.
They run on their own, with what the student's code returned.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from grader import wire
from grader.exercise_api import MODULE_OF
from grader.worker_zygote import HeldPlan


@dataclass(frozen=True)
class Probe:
    """A scalar function (from grader.probe_functions) passed to numerical_gradient by name."""

    name: str


@dataclass(eq=False)
class PlannedCall:
    """One call of a student function as a test makes it: what the worker is sent (request) and
    a key that is equal for calls with equal arguments (of equal types, dtypes and shapes)."""

    function: str
    args: tuple
    kwargs: Mapping[str, Any]
    repeat: dict | None = None
    #: the identity of the CallPlan the call is in, and its number there
    plan: str = ""
    index: int = -1

    @property
    def module(self) -> str:
        return MODULE_OF[self.function]

    def message_for(self, held_plan: str | None) -> str:
        """What a worker is sent for this call (wire.serialise()d): its number, when the worker holds
        its plan, else the request itself."""
        if held_plan is not None and held_plan == self.plan and self.index >= 0:
            return f'{{"planned":{self.index}}}'
        return self.serialised

    @cached_property
    def key(self) -> Hashable:
        # finer than the request (a tuple and a list differ here, not there), never coarser
        return (
            self.function,
            wire.fingerprint(self.args),
            wire.fingerprint(self.kwargs),
            wire.fingerprint(self.repeat),
        )

    @cached_property
    def request(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "function": self.function,
            "args": wire.encode(probes_to_plain(list(self.args))),
            "kwargs": wire.encode(probes_to_plain(dict(self.kwargs))),
            "repeat": self.repeat,
        }

    @cached_property
    def serialised(self) -> str:
        return wire.serialise(self.request)

    def frozen(self) -> PlannedCall:
        """This call with its key and request worked out now, from the arguments as they are now."""
        _ = self.key, self.serialised
        self.args, self.kwargs = (), {}
        return self

    @classmethod
    def restored(cls, function: str, key: Hashable, serialised: str, request: dict[str, Any]) -> PlannedCall:
        """A frozen() call as plan_cache kept it: its key, and its request (serialised and read back)."""
        call = cls(function, (), {}, request.get("repeat"))
        call.__dict__.update(key=key, serialised=serialised, request=request)  # the cached properties
        return call


@dataclass(frozen=True)
class CallPlan:
    """Every call grading makes, in order (grading.call_plan), numbered. The worker zygote keeps
    the plan decoded (held), so a worker is sent a planned call's number, not its arguments."""

    calls: tuple[PlannedCall, ...]
    held: HeldPlan

    @classmethod
    def of(cls, recorded: Sequence[PlannedCall]) -> CallPlan:
        held = HeldPlan.of(tuple(call.serialised for call in recorded))
        for index, call in enumerate(recorded):
            call.plan, call.index = held.identity, index
        return cls(tuple(recorded), held)


@dataclass
class PlanRecording:
    """What grading the reference for a plan collects (grading.call_plan)."""

    #: hand the tests every result nudged (see nudged)
    nudge: bool = False
    #: the calls that ran one by one, in order
    calls: list[PlannedCall] = field(default_factory=list)
    #: the prefetched calls no test took
    untaken: list[PlannedCall] = field(default_factory=list)


#: how far nudged moves a number: far inside every tolerance, yet it changes every float's bits
NUDGE = {np.dtype(np.float64): 2.0**-40, np.dtype(np.float32): 2.0**-20}


def nudged(value: Any) -> Any:
    """value with every floating-point number multiplied by 1 + NUDGE (a few units in the last
    place; zeros stay zero, so exact checks such as relu'(0) = 0 still hold), in the same
    containers. A recording handed nudged results makes every argument computed from them differ
    from the one it makes when handed the results themselves."""
    if isinstance(value, np.ndarray) and value.dtype in NUDGE:
        moved = value.copy()  # an in-place product keeps a 0-d array an array
        moved *= 1 + NUDGE[value.dtype]
        return moved
    if isinstance(value, (float, np.floating)) and np.dtype(type(value)) in NUDGE:
        return type(value)(value * (1 + NUDGE[np.dtype(type(value))]))
    if isinstance(value, dict):
        return {key: nudged(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(nudged(item) for item in value)
    return value


def probes_to_plain(value: Any) -> Any:
    """value with each Probe as the worker's wire format names it: {"__probe__": name}."""
    if isinstance(value, Probe):
        return {"__probe__": value.name}
    if isinstance(value, dict):
        return {key: probes_to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [probes_to_plain(item) for item in value]
    return value

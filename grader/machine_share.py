"""How much of the machine this process may use: the CPUs it may run on and the memory it may take.

os.cpu_count() counts the machine's cores, not the ones a run may use. In a container started with
`docker run --cpus 2`, a Kubernetes pod with a CPU limit, a Slurm job, or under `taskset`, it still
says 64 on a 64-core host, and grade-all would start 64 job processes that the kernel then throttles
to 2 cores' worth of time (while the per-call time limit runs on the clock). So the CPU count here is
the smallest of:
- the CPUs the process may be scheduled on (its affinity: taskset, cpusets, Slurm);
- each enclosing cgroup's CPU quota, quota / period, rounded down but at least 1 (cgroup v2
  `cpu.max`, v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`), as Go's automaxprocs does: a quota of
  1.5 CPUs runs 1 job unthrottled rather than 2 that stall.

The memory is the smallest of the kernel's estimate of what can be had without swapping
(/proc/meminfo's MemAvailable) and each enclosing cgroup's limit (v2 `memory.max`, v1
`memory.limit_in_bytes`). A cgroup's usage is not subtracted: it counts the page cache, which the
kernel gives back when asked.

Only Linux has cgroups and affinity; elsewhere these are os.cpu_count() and None (unknown).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

#: v1 reports "no limit" as a huge number (PAGE_COUNTER_MAX pages); anything past this is none
_NO_LIMIT = 1 << 62


@dataclass(frozen=True)
class MachineShare:
    """cpus: CPUs this process may use (at least 1); machine_cpus: os.cpu_count(); memory: bytes it
    may take, or None where that is unknown; why: what made cpus fewer than machine_cpus, or ""."""

    cpus: int
    machine_cpus: int
    memory: int | None
    why: str = ""


def machine_share(proc: Path = Path("/proc/self"), meminfo: Path = Path("/proc/meminfo")) -> MachineShare:
    """This process's share of the machine (proc and meminfo are parameters for the tests)."""
    machine = os.cpu_count() or 1
    cpus, why = machine, ""
    if (allowed := _affinity()) is not None and 0 < allowed < cpus:
        cpus, why = allowed, f"this process may run on {allowed} of them (its CPU affinity)"
    folders = cgroup_folders(proc)
    if (quota := _cpu_quota(folders)) is not None and quota < cpus:
        cpus, why = quota, f"its cgroup's CPU quota allows it {quota} CPU{'s' if quota != 1 else ''} of time"
    limits = [limit for limit in (_memory_available(meminfo), _memory_limit(folders)) if limit is not None]
    return MachineShare(cpus, machine, min(limits) if limits else None, why)


def _affinity() -> int | None:
    """How many CPUs the process may be scheduled on, or None where that cannot be asked (not Linux,
    or a sandbox that refuses the call)."""
    try:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    except OSError:
        return None


def cgroup_folders(proc: Path = Path("/proc/self")) -> dict[str, list[Path]]:
    """For each controller (v2's unified hierarchy under ""), the folders of the cgroups that
    enclose this process, its own first, up to the hierarchy's mount point: each one's limits apply.
    Empty where there are no cgroups (not Linux, /proc not mounted)."""
    # paths as the file system has them, whatever the locale (surrogateescape, as os.fsdecode)
    memberships = _read(proc / "cgroup").splitlines()
    mounts = _read(proc / "mountinfo").splitlines()
    folders: dict[str, list[Path]] = {}
    for line in memberships:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        for controller in controllers.split(",") if controllers else [""]:
            if (mount := _mount_of(mounts, controller)) is not None:
                folders.setdefault(controller, _enclosing(*mount, path))
    return folders


def _mount_of(mounts: list[str], controller: str) -> tuple[str, str] | None:
    """(root, mount point) of the hierarchy that holds controller ("" for v2's), from mountinfo's
    lines: `id parent major:minor root mountpoint options [optional...] - type source superoptions`."""
    for line in mounts:
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        if (controller == "" and tail[0] == "cgroup2") or (
            controller and tail[0] == "cgroup" and controller in tail[2].split(",")
        ):
            return _unescaped(fields[3]), _unescaped(fields[4])
    return None


def _enclosing(root: str, mount_point: str, path: str) -> list[Path]:
    """The folders from path's cgroup up to the mount point. A container sees its own cgroup as its
    mount's root ("/docker/<id>" mounted at /sys/fs/cgroup/cpu): path is then taken relative to it."""
    relative = path
    if root != "/" and (path == root or path.startswith(root + "/")):
        relative = path[len(root) :]
    elif root != "/":
        relative = "/"  # outside what this mount shows: only the mount's own limits can be read
    top = Path(mount_point)
    parts = [part for part in relative.split("/") if part and part not in (".", "..")]
    return [top.joinpath(*parts[:depth]) for depth in range(len(parts), -1, -1)]


def _cpu_quota(folders: dict[str, list[Path]]) -> int | None:
    """The smallest CPU quota of the enclosing cgroups, in whole CPUs (at least 1), or None."""
    quotas = []
    for folder in folders.get("", []):
        fields = _read(folder / "cpu.max").split()
        if len(fields) == 2 and fields[0] != "max":
            quotas.append(_ratio(fields[0], fields[1]))
    for folder in folders.get("cpu", []):
        quotas.append(_ratio(_read(folder / "cpu.cfs_quota_us"), _read(folder / "cpu.cfs_period_us")))
    known = [quota for quota in quotas if quota is not None]
    return max(1, math.floor(min(known))) if known else None


def _memory_limit(folders: dict[str, list[Path]]) -> int | None:
    """The smallest memory limit of the enclosing cgroups, in bytes, or None."""
    limits = [_number(_read(folder / "memory.max")) for folder in folders.get("", [])]
    limits += [_number(_read(folder / "memory.limit_in_bytes")) for folder in folders.get("memory", [])]
    known = [limit for limit in limits if limit is not None and limit < _NO_LIMIT]
    return min(known) if known else None


def _memory_available(meminfo: Path) -> int | None:
    for line in _read(meminfo).splitlines():
        name, _, value = line.partition(":")
        if name == "MemAvailable" and (kib := _number(value.split()[0] if value.split() else "")) is not None:
            return kib * 1024
    return None


def _ratio(quota: str, period: str) -> float | None:
    """quota / period, or None when either is missing or the quota is none (v1's -1)."""
    q, p = _number(quota), _number(period)
    return q / p if q is not None and p and q > 0 else None


def _number(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _read(path: Path) -> str:
    """path's text, or "" if it cannot be read."""
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return ""


def _unescaped(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash in paths as octal escapes (\\040)."""
    for escape, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(escape, char)
    return field

"""How many jobs grade-all starts by default: the CPUs and memory this process may use (affinity, cgroup
quotas and limits), read from fake /proc and /sys trees, and tried for real with taskset and cgroups."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import class_folder
from conftest import run_cli as run

from grader.job_count import JOB_MEMORY, RUN_MEMORY, job_count
from grader.machine_share import MachineShare, cgroup_folders, machine_share

MiB = 2**20
UNLIMITED_V1 = "9223372036854771712"


def fake_proc(tmp_path: Path, memberships: str, mounts: list[tuple[str, str, str, str]]) -> Path:
    """A /proc/self with the given cgroup lines and, for each (root, mount point under tmp_path,
    type, superoptions), a mountinfo line; the mount points are made."""
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "cgroup").write_text(memberships)
    lines = ["22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw"]
    for number, (root, point, kind, options) in enumerate(mounts, 30):
        (tmp_path / point).mkdir(parents=True, exist_ok=True)
        escaped = str(tmp_path / point).replace(" ", "\\040")
        lines.append(
            f"{number} 22 0:{number} {root} {escaped} rw,nosuid shared:9 - {kind} {kind} rw,{options}"
        )
    (proc / "mountinfo").write_text("\n".join(lines) + "\n")
    return proc


def write(folder: Path, **files: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_", ".", 1)).write_text(text + "\n")


def meminfo(tmp_path: Path, available_kib: int) -> Path:
    path = tmp_path / "meminfo"
    path.write_text(f"MemTotal:       99999999 kB\nMemFree:  1 kB\nMemAvailable:   {available_kib} kB\n")
    return path


def test_a_kubernetes_pod_on_cgroup_v2_gets_the_tightest_quota_and_limit_of_its_cgroups(tmp_path):
    proc = fake_proc(tmp_path, "0::/kubepods/pod7/box\n", [("/", "sys/fs/cgroup", "cgroup2", "nsdelegate")])
    top = tmp_path / "sys/fs/cgroup"
    write(top / "kubepods", cpu_max="max 100000", memory_max="max")
    write(top / "kubepods/pod7", cpu_max="150000 100000", memory_max=str(700 * MiB))
    write(top / "kubepods/pod7/box", cpu_max="400000 100000", memory_max="max")
    assert cgroup_folders(proc)[""] == [
        top / "kubepods/pod7/box",
        top / "kubepods/pod7",
        top / "kubepods",
        top,
    ]
    share = machine_share(proc, meminfo(tmp_path, 8 * 2**20))
    # 1.5 CPUs of time run one job unthrottled, not two that stall
    assert share == MachineShare(1, os.cpu_count() or 1, 700 * MiB, share.why)
    assert share.why == "its cgroup's CPU quota allows it 1 CPU of time"


def test_a_docker_container_on_cgroup_v1_reads_its_own_cgroup_at_the_mounts_root(tmp_path):
    """Without a cgroup namespace, /proc/self/cgroup names /docker/<id>, and the container's mount of
    the hierarchy shows that cgroup as its root."""
    proc = fake_proc(
        tmp_path,
        "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n0::/\n",
        [
            ("/docker/abc", "sys/fs/cgroup/cpu,cpuacct", "cgroup", "cpu,cpuacct"),
            ("/docker/abc", "sys/fs/cgroup/memory", "cgroup", "memory"),
        ],
    )
    write(tmp_path / "sys/fs/cgroup/cpu,cpuacct", cpu_cfs_quota_us="50000", cpu_cfs_period_us="100000")
    write(tmp_path / "sys/fs/cgroup/memory", memory_limit_in_bytes=str(2048 * MiB))
    share = machine_share(proc, meminfo(tmp_path, 1024 * 1024))
    assert cgroup_folders(proc)["cpu"] == [tmp_path / "sys/fs/cgroup/cpu,cpuacct"]
    assert share.cpus == 1 and share.memory == 1024 * MiB  # half a CPU still runs one; MemAvailable is less


def test_no_quota_and_no_limit_leave_the_machine_whole(tmp_path):
    proc = fake_proc(
        tmp_path,
        "4:cpu,cpuacct:/user.slice\n9:memory:/user.slice\n",
        [("/", "cg/cpu dir", "cgroup", "cpu,cpuacct"), ("/", "cg/memory", "cgroup", "memory")],
    )
    write(tmp_path / "cg/cpu dir/user.slice", cpu_cfs_quota_us="-1", cpu_cfs_period_us="100000")
    write(tmp_path / "cg/memory/user.slice", memory_limit_in_bytes=UNLIMITED_V1)
    assert cgroup_folders(proc)["cpu"][0] == tmp_path / "cg/cpu dir/user.slice"  # mountinfo's \040 read back
    share = machine_share(proc, meminfo(tmp_path, 3 * 2**20))
    assert share.memory == 3 * 2**30 and share.cpus == len(os.sched_getaffinity(0)) and share.why == ""


def test_without_proc_the_share_is_the_machine_and_the_memory_unknown(tmp_path):
    share = machine_share(tmp_path / "no proc", tmp_path / "no meminfo")
    assert cgroup_folders(tmp_path / "no proc") == {}
    assert share.memory is None and share.machine_cpus == (os.cpu_count() or 1)


def test_the_default_is_one_job_per_usable_cpu_and_says_why_when_that_is_fewer_than_the_cores():
    quota = MachineShare(3, 64, None, "its cgroup's CPU quota allows it 3 CPUs of time")
    assert job_count(None, 1000, quota) == (
        3,
        "graded with 3 jobs at a time rather than one per core of the machine's 64: its cgroup's CPU quota "
        "allows it 3 CPUs of time; --jobs sets the number",
    )
    assert job_count(None, 2, quota) == (2, "")  # fewer submissions than CPUs: nothing held back
    assert job_count(7, 1000, quota) == (7, "")  # asked for: as asked, quota or not
    assert job_count(None, 1000, MachineShare(8, 8, None)) == (8, "")


def test_the_default_leaves_out_the_jobs_that_the_memory_would_not_hold():
    memory = RUN_MEMORY + 2 * JOB_MEMORY + JOB_MEMORY // 2
    jobs, why = job_count(None, 1000, MachineShare(16, 16, memory))
    assert jobs == 2
    assert why.startswith(
        f"graded with 2 jobs at a time rather than one per core of the machine's 16: it may take {memory >> 20} MiB"
    )
    assert job_count(None, 1000, MachineShare(16, 16, RUN_MEMORY // 2))[0] == 1  # always one
    assert job_count(None, 1000, MachineShare(16, 16, 64 * 2**30)) == (16, "")


def test_no_more_job_processes_start_than_there_are_submissions_to_grade():
    assert job_count(4, 1)[0] == 1 and job_count(4, 3)[0] == 3 and job_count(4, 10)[0] == 4
    assert job_count(None, 0)[0] == 1  # everything skipped: a pool needs at least one (none starts)


TWO_CORES = pytest.mark.skipif(
    len(os.sched_getaffinity(0)) < 2, reason="needs two cores to allow only one of"
)


@TWO_CORES
def test_grade_all_under_taskset_runs_one_job_and_says_why(tmp_path):
    first = min(os.sched_getaffinity(0))
    completed = run(
        "grade-all", str(class_folder(tmp_path / "class", "correct", "no_batch_average")), "--gradebook", str(tmp_path / "book.sqlite"),
        preexec_fn=lambda: os.sched_setaffinity(0, {first}),
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "2 graded" in completed.stderr and "/s, 1 job)" in completed.stderr
    assert "note: graded with 1 job at a time rather than one per core" in completed.stderr
    assert "(its CPU affinity); --jobs sets the number" in completed.stderr
    again = run(
        "grade-all", str(tmp_path / "class"), "--gradebook", str(tmp_path / "book.sqlite"), "--regrade"
    )
    assert "/s, 2 jobs)" in again.stderr and "note: graded with" not in again.stderr


@contextlib.contextmanager
def child_cgroup(controller: str, **limits: str) -> Iterator[Path]:
    """A new cgroup inside this process's own for controller ("cpu" or "memory"; v1, or v2 where the
    controller is delegated), with the given limits; removed afterwards. Skips where none can be made."""
    folders = cgroup_folders()
    v1 = folders.get(controller, [None])[0]
    v2 = folders.get("", [None])[0]
    if v1 is not None and (v1 / "cgroup.procs").exists():
        parent = v1
    elif v2 is not None and controller in (v2 / "cgroup.subtree_control").read_text().split():
        parent = v2
    else:
        pytest.skip(f"no {controller} cgroup hierarchy to make a cgroup in")
    folder = parent / f"backprop-grader-test-{os.getpid()}"
    try:
        folder.mkdir()
        for name, value in limits.items():
            (folder / name).write_text(value)
    except OSError as error:
        if folder.exists():
            folder.rmdir()
        pytest.skip(f"cannot make a {controller} cgroup here: {error}")
    try:
        yield folder
    finally:
        for _ in range(50):  # the last job processes may still be on their way out
            with contextlib.suppress(OSError):
                folder.rmdir()
                break
            time.sleep(0.1)


def grade_all_in(folder: Path, tmp_path: Path):
    procs = str(folder / "cgroup.procs")

    def join() -> None:
        with open(procs, "w") as file:
            file.write(str(os.getpid()))

    return run(
        "grade-all",
        str(class_folder(tmp_path / "class", "correct", "no_batch_average")),
        "--gradebook",
        str(tmp_path / "book.sqlite"),
        preexec_fn=join,
    )


@TWO_CORES
def test_grade_all_in_a_cgroup_with_one_cpus_quota_runs_one_job(tmp_path):
    v1 = {"cpu.cfs_quota_us": "150000", "cpu.cfs_period_us": "100000"}
    with child_cgroup("cpu", **(v1 if "cpu" in cgroup_folders() else {"cpu.max": "150000 100000"})) as folder:
        completed = grade_all_in(folder, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "2 graded" in completed.stderr and "/s, 1 job)" in completed.stderr
    assert "its cgroup's CPU quota allows it 1 CPU of time; --jobs sets the number" in completed.stderr


@TWO_CORES
def test_grade_all_in_a_cgroup_with_little_memory_runs_fewer_jobs_and_finishes(tmp_path):
    limit = RUN_MEMORY + JOB_MEMORY + JOB_MEMORY // 2  # room for one job by the default's reckoning
    name = "memory.limit_in_bytes" if "memory" in cgroup_folders() else "memory.max"
    with child_cgroup("memory", **{name: str(limit)}) as folder:
        completed = grade_all_in(folder, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "2 graded" in completed.stderr and "/s, 1 job)" in completed.stderr
    assert f"it may take {limit >> 20} MiB of memory" in completed.stderr

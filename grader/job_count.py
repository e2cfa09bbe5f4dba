"""How many job processes grade-all starts: one per CPU the run may use, as many as its memory holds."""

from __future__ import annotations

from grader.machine_share import MachineShare, machine_share

#: what a class run takes besides its job processes, and what each job adds with its spare: the
#: peak charge of a memory cgroup that held grade-all of 60 mixed submissions on the 2-core machine
#: was 203, 264, 388 and 626 MiB with 1, 2, 4 and 8 jobs (298, 358 and 480 MiB with 1, 2 and 4
#: after the page cache was dropped), so about 60 MiB per job
RUN_MEMORY, JOB_MEMORY = 300 * 2**20, 80 * 2**20


def job_count(requested: int | None, to_grade: int, share: MachineShare | None = None) -> tuple[int, str]:
    """How many job processes to start, and why that is fewer than one per core of the machine, if
    it is and nobody asked for it: requested, else one per CPU this run may use (share, default this
    process's: affinity and cgroup quotas, grader.machine_share), fewer if the memory it may take
    would not hold them; at least one and no more than there are submissions to grade. The pool may
    start as many spares as well (job_pool.run_pool)."""
    wanted = max(1, to_grade)
    if requested:
        return min(requested, wanted), ""
    share = share or machine_share()
    jobs, why = share.cpus, share.why
    memory = share.memory
    if memory is not None and (fits := max(1, (memory - RUN_MEMORY) // JOB_MEMORY)) < jobs:
        jobs = fits
        why = (
            f"it may take {memory >> 20} MiB of memory, and a run needs about {RUN_MEMORY >> 20} MiB "
            f"and {JOB_MEMORY >> 20} MiB per job"
        )
    if jobs >= wanted or not why:
        return min(jobs, wanted), ""
    plural = "s" if jobs != 1 else ""
    return jobs, (
        f"graded with {jobs} job{plural} at a time rather than one per core of the machine's "
        f"{share.machine_cpus}: {why}; --jobs sets the number"
    )

"""Small runners for the background-job tests (and for checking a real worker by hand)."""

from core.jobs import JobResult


def count_to_ten(job, progress):
    """Counts to `parameters["n"]` (default 10), reporting progress, and returns a text file."""
    n = int(job.parameters.get("n", 10))
    progress.set_total(n)
    for i in range(1, n + 1):
        progress.advance(i, f"Counted {i}")
    return JobResult(
        filename="count.txt", content_type="text/plain", data="\n".join(str(i) for i in range(1, n + 1)).encode(),
        summary={"Counted": n}, message=f"Counted to {n}",
    )


def summary_only(job, progress):
    return JobResult(summary={"Learners checked": 3}, message="All good")


def explode(job, progress):
    progress.set_total(5)
    progress.advance(2)
    raise ValueError("row 7 has no ULN")

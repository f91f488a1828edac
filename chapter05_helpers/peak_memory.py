"""Section 2's memory measurements: the book's pandas way and Dask's way, in a fresh process.

Notebook 02 runs :func:`aggregate` in a fresh *spawn* process per measurement, so peaks do not
mix; a spawned process must import it, hence this module.

Example:
    >>> import tempfile
    >>> from chapter05_helpers.data import make_dataset
    >>> files = sorted(make_dataset("ci", tempfile.mkdtemp(), rows_per_year=100,
    ...                             progress=False).glob("*.csv"))[:2]
    >>> result = aggregate("pandas", files)
    >>> result["error"], list(result["sums"].index), result["peak"] >= result["footprint"] > 0
    (None, [2010, 2011], True)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

WAYS = ("pandas", "dask")


def rss_peak() -> int:
    """This process's peak resident memory so far, in bytes (0 where it cannot be read).

    Example:
        >>> rss_peak() > 10 * 2**20
        True
    """
    if sys.platform == "linux":  # VmHWM: restarts with each new program, unlike ru_maxrss
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    if sys.platform == "darwin":
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS
    import psutil

    return getattr(psutil.Process().memory_info(), "peak_wset", 0)  # Windows


def cap_supported() -> bool:
    """Whether :func:`aggregate` can run under a hard memory cap here (Linux's RLIMIT_DATA).

    Example:
        >>> cap_supported() == (sys.platform == "linux")
        True
    """
    return sys.platform == "linux"


def _set_cap(extra: int) -> None:
    """Let this process's writable memory grow by at most ``extra`` bytes from now on."""
    import resource

    data = next(
        int(line.split()[1]) * 1024
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmData:")
    )
    resource.setrlimit(resource.RLIMIT_DATA, (data + extra, resource.RLIM_INFINITY))


def aggregate(way: str, files: list[str | Path], cap: int | None = None) -> dict:
    """Sum ``X0`` .. ``X4`` per year over ``files`` the ``way`` named, and measure it.

    ``"pandas"`` is the book's way: read every file, ``pd.concat`` them, group by year.
    ``"dask"`` is Dask's: ``dd.read_csv`` over the files, group by year, ``compute()``.
    With ``cap`` (bytes, Linux only), the process may allocate at most that much beyond
    what it holds after its imports; running out raises an error in the process, which
    is reported as ``error``.

    Returns ``footprint`` (resident bytes after the imports), ``peak`` (the process's peak),
    ``seconds`` (the aggregation's wall time), ``sums`` (or ``None``) and ``error`` (or ``None``).
    """
    import dask.dataframe as dd
    import pandas as pd

    if way not in WAYS:
        raise ValueError(f"way must be one of {WAYS}, not {way!r}")
    footprint = rss_peak()
    if cap is not None:
        _set_cap(cap)
    start = time.perf_counter()
    sums, error = None, None
    try:
        if way == "pandas":
            df = pd.concat([pd.read_csv(f, parse_dates=["Date"]) for f in files], axis=0)
            sums = df.groupby(by=df["Date"].dt.year).sum(numeric_only=True)
        else:
            ddf = dd.read_csv([str(f) for f in files], parse_dates=["Date"])
            sums = ddf.groupby(by=ddf["Date"].dt.year).sum(numeric_only=True).compute()
    except (MemoryError, RuntimeError, OSError, ValueError) as caught:  # out of memory, in C too
        error = f"{type(caught).__name__}: {caught}"[:120]
    return {
        "footprint": footprint,
        "peak": rss_peak(),
        "seconds": time.perf_counter() - start,
        "sums": sums,
        "error": error,
    }

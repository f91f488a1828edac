"""Section 2's memory measurements: the book's pandas way and Dask's way, in a fresh process.

The optional notebook 02b runs :func:`aggregate` through :func:`measure`, in a fresh *spawn*
process per measurement, so peaks do not mix; a spawned process must import it, hence this
module. :func:`fit_lines` and :func:`describe_crossing` read the measured points.

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

import concurrent.futures
import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from chapter05_helpers.i18n import _

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

    Example (``files`` as in the module's example)::

        measure("pandas", files, cap=400 * 2**20) if cap_supported() else None
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
        raise ValueError(_("way must be one of {ways}, not {way!r}").format(ways=WAYS, way=way))
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


def measure(way: str, files: list[str | Path], cap: int | None = None) -> dict:
    """Run :func:`aggregate` in a fresh process of its own (``spawn``); return what it measured.

    Example (``files`` as in the module's example)::

        measure("dask", files)["peak"]  # the fresh process's peak resident memory, in bytes
    """
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(aggregate, way, files, cap).result()


def fit_lines(curves: pd.DataFrame, column: str) -> dict[str, tuple[float, float]]:
    """The straight line through each way's points of ``column`` against ``disk_mb``.

    Returns ``{way: (slope, intercept)}``, the slope in units of ``column`` per MB of CSV.

    Example:
        >>> curves = pd.DataFrame({"way": ["pandas"] * 2 + ["dask"] * 2,
        ...     "disk_mb": [10.0, 20.0] * 2, "needed_mib": [30.0, 60.0, 50.0, 52.0]})
        >>> {way: tuple(round(x, 2) for x in line)
        ...  for way, line in fit_lines(curves, "needed_mib").items()}
        {'dask': (0.2, 48.0), 'pandas': (3.0, 0.0)}
    """
    lines = {}
    for way, points in curves.groupby("way"):
        slope, intercept = np.polyfit(points["disk_mb"], points[column], 1)
        lines[way] = (float(slope), float(intercept))
    return lines


def describe_crossing(lines: dict[str, tuple[float, float]], data_mb: float, less: str) -> str:
    """Where pandas' line crosses Dask's, in words; ``less`` says what "below" wins.

    Example:
        >>> describe_crossing({"pandas": (3.0, 0.0), "dask": (0.2, 48.0)}, 100.0, "needs less")
        'the lines cross at 17 MB, within this data: pandas needs less below, Dask above'
        >>> describe_crossing({"pandas": (0.1, 0.0), "dask": (0.2, 48.0)}, 100.0, "needs less")
        'the lines do not cross: pandas needs less at every size'
    """
    p_slope, p_cut = lines["pandas"]
    d_slope, d_cut = lines["dask"]
    if p_slope <= d_slope:
        return f"the lines do not cross: pandas {less} at every size"
    crossing = (d_cut - p_cut) / (p_slope - d_slope)
    if crossing <= 0:
        return f"the lines cross at {crossing:.0f} MB, before any data: Dask {less} at every size"
    where = "within" if crossing <= data_mb else "beyond"
    return (
        f"the lines cross at {crossing:.0f} MB, {where} this data: pandas {less} below, Dask above"
    )

"""Benchmark: the chapter's aggregations, wall time and peak memory, per profile.

Run from the repository root (the data set and its Parquet copy are made first if missing;
``flock`` keeps heavy jobs from overlapping on 2 cores):

    flock /tmp/chapter05-heavy.lock .venv/bin/python benchmarks/bench_aggregation.py --profile demo
    flock /tmp/chapter05-heavy.lock .venv/bin/python benchmarks/bench_aggregation.py \\
        --profile book --data /work/bench/book --repeat 3

Each case runs in a fresh Python process, so its peak memory (the process's high-water mark
of resident memory, threads and imports included) is its own. Cases: pandas on one year
(group by month); Dask on all years, ``ddf.groupby(ddf["Date"].dt.year).sum(numeric_only=True)``,
from the CSV files (default engine, and ``engine="pyarrow"``) and from Parquet (made once by
``csv_to_parquet``, not timed here). Dask uses its default local scheduler (threads, one per
core). With ``--repeat N`` each case runs N times: the table shows the median and the range.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

CASES = ["pandas-one-year", "dask-csv", "dask-csv-pyarrow", "dask-parquet"]


def run_case(case: str, data_dir: Path, parquet_dir: Path) -> dict:
    """Run one case in this process; return its time, this process's peak memory, its sums."""
    import dask.dataframe as dd
    import pandas as pd

    from chapter05_helpers.peak_memory import rss_peak

    start = time.perf_counter()
    if case == "pandas-one-year":
        df = pd.read_csv(sorted(data_dir.glob("*.csv"))[0], parse_dates=["Date"])
        result = df.groupby(by=df["Date"].dt.month).sum(numeric_only=True)
    elif case in ("dask-csv", "dask-csv-pyarrow"):
        options = {"engine": "pyarrow"} if case.endswith("pyarrow") else {}
        ddf = dd.read_csv(str(data_dir / "*.csv"), parse_dates=["Date"], **options)
        result = ddf.groupby(by=ddf["Date"].dt.year).sum(numeric_only=True).compute()
    elif case == "dask-parquet":
        ddf = dd.read_parquet(parquet_dir)
        result = ddf.groupby(by=ddf["Date"].dt.year).sum(numeric_only=True).compute()
    else:
        raise ValueError(case)
    return {
        "seconds": time.perf_counter() - start,
        "peak_bytes": rss_peak(),
        "total": int(result.to_numpy().sum()),
        "dtypes": sorted({str(t) for t in result.dtypes}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--data", type=Path, help="data folder (default: data/<profile>)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each case")
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if sys.platform != "linux":  # rss_peak() reads VmHWM, which restarts at exec, on Linux
        parser.exit(2, "This benchmark measures peak memory on Linux only.\n")

    from chapter05_helpers.data import csv_to_parquet, default_data_dir, make_dataset
    from chapter05_helpers.profiles import get_profile

    profile = get_profile(args.profile)
    data_dir = args.data or default_data_dir(profile)
    parquet_dir = data_dir.with_name(data_dir.name + "-parquet")
    if args.case:  # the child process
        print(json.dumps(run_case(args.case, data_dir, parquet_dir)))
        return

    make_dataset(profile, data_dir)
    start = time.perf_counter()
    csv_to_parquet(data_dir, parquet_dir, progress=True)
    converted = time.perf_counter() - start
    size = sum(p.stat().st_size for p in data_dir.glob("*.csv"))
    parquet_size = sum(p.stat().st_size for p in parquet_dir.glob("*.parquet"))
    runs = {case: [] for case in CASES}
    for _ in range(args.repeat):
        for case in CASES:
            command = [sys.executable, __file__, "--profile", profile.name, "--data", str(data_dir)]
            out = subprocess.run(
                [*command, "--case", case], capture_output=True, text=True, check=True
            ).stdout
            runs[case].append(json.loads(out.strip().splitlines()[-1]))
    print(
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; profile "
        f"{profile.name}: {size / 1e9:.2f} GB of CSV in {len(list(data_dir.glob('*.csv')))} "
        f"files, {parquet_size / 1e9:.2f} GB of Parquet"
    )
    print(f"(CSV -> Parquet: {converted:.1f} s; under a second means it was already there)")
    print("\n| case | seconds | peak memory (GB) | sums' dtype |")
    print("|---|---:|---:|---|")
    for case, results in runs.items():
        seconds = [r["seconds"] for r in results]
        shown = f"{statistics.median(seconds):.1f}"
        if len(seconds) > 1:
            shown += f" ({min(seconds):.1f}-{max(seconds):.1f})"
        peak = max(r["peak_bytes"] for r in results) / 1e9
        print(f"| {case} | {shown} | {peak:.2f} | {', '.join(results[0]['dtypes'])} |")
    totals = {r["total"] for case in CASES[1:] for r in runs[case]}
    print(f"\nAll Dask cases give the same grand total: {len(totals) == 1}")


if __name__ == "__main__":
    main()

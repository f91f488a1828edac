"""Benchmark: the chapter's aggregations, wall time and peak memory, per profile.

Run from the repository root (the data set is made first if it is missing):

    .venv/bin/python benchmarks/bench_aggregation.py --profile demo
    .venv/bin/python benchmarks/bench_aggregation.py --profile book --data /work/bench/book

Each case runs in a fresh Python process, so its peak memory (the process's high-water
mark of resident memory, threads included, imports included) is its own. Cases: pandas
on one year (group by month); Dask on all years from CSV with the default engine and with
``engine="pyarrow"``; Dask from Parquet (converted once, not timed here). Dask uses its
default local scheduler (threads, one per core). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

CASES = ["pandas-one-year", "dask-csv", "dask-csv-pyarrow", "dask-parquet"]


def peak_rss() -> int:
    """This process's peak resident memory in bytes (Linux's VmHWM, which restarts at exec).

    ``ru_maxrss`` would not do: on Linux it keeps the parent's peak across fork and exec.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("VmHWM not found: this benchmark measures memory on Linux only")


def run_case(case: str, data_dir: Path, parquet_dir: Path) -> dict:
    import dask.dataframe as dd
    import pandas as pd

    start = time.perf_counter()
    if case == "pandas-one-year":
        df = pd.read_csv(
            data_dir / f"{min(p.stem for p in data_dir.glob('*.csv'))}.csv", parse_dates=["Date"]
        )
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
    seconds = time.perf_counter() - start
    peak = peak_rss()
    return {
        "case": case,
        "seconds": seconds,
        "peak_bytes": peak,
        "checksum": int(result.to_numpy().sum()),
    }


def ensure_parquet(data_dir: Path, parquet_dir: Path) -> float:
    """Convert once (under a temporary name, renamed when complete); return the seconds it took."""
    if parquet_dir.exists():
        return 0.0
    import shutil

    import dask.dataframe as dd

    unfinished = parquet_dir.with_name(parquet_dir.name + ".unfinished")
    shutil.rmtree(unfinished, ignore_errors=True)
    start = time.perf_counter()
    dd.read_csv(str(data_dir / "*.csv"), parse_dates=["Date"]).to_parquet(unfinished)
    unfinished.rename(parquet_dir)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--data", type=Path, help="data folder (default: data/<profile>)")
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()

    from chapter05_helpers.data import default_data_dir, make_dataset
    from chapter05_helpers.profiles import get_profile

    profile = get_profile(args.profile)
    data_dir = args.data or default_data_dir(profile)
    parquet_dir = data_dir.with_name(data_dir.name + "-parquet")
    if args.case:  # the child process
        print(json.dumps(run_case(args.case, data_dir, parquet_dir)))
        return

    make_dataset(profile, data_dir)
    converted = ensure_parquet(data_dir, parquet_dir)
    size = sum(p.stat().st_size for p in data_dir.glob("*.csv"))
    rows = []
    for case in CASES:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--profile",
                profile.name,
                "--data",
                str(data_dir),
                "--case",
                case,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    print(
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"profile {profile.name}: "
        f"{size / 1e9:.2f} GB of CSV in {len(list(data_dir.glob('*.csv')))} files"
    )
    if converted:
        print(f"(CSV -> Parquet conversion, once: {converted:.1f} s)")
    print("\n| case | seconds | peak memory (GB) |")
    print("|---|---:|---:|")
    for row in rows:
        print(f"| {row['case']} | {row['seconds']:.1f} | {row['peak_bytes'] / 1e9:.2f} |")
    dask_sums = {row["checksum"] for row in rows if row["case"] != "pandas-one-year"}
    print(f"\nAll Dask cases give the same grand total: {len(dask_sums) == 1}")


if __name__ == "__main__":
    main()

"""Benchmark: writing the yearly CSV files, the book's way and ours, beside the disk's speed.

Run from the repository root:

    .venv/bin/python benchmarks/bench_data.py --profile book --out /tmp/bench-data

It measures, in one run and on the same rows (one month of seconds by default):
the disk's write speed (1 GiB, flushed to disk), the book's loop (``pd.date_range`` +
``np.random.randint`` + ``to_csv``), a plain pyarrow ``write_csv``, and our
``write_year`` on one core; then the whole data set of the profile with one writer
per core. It prints a Markdown table (throughput in MB/s of CSV written).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from chapter05_helpers.data import make_dataset, write_year
from chapter05_helpers.profiles import get_profile


def disk_write_speed(folder: Path, size: int = 1 << 30) -> float:
    """MB/s writing ``size`` bytes and flushing them to disk (like dd ... conv=fdatasync)."""
    block = os.urandom(1 << 24)
    path = folder / "disk-speed.tmp"
    start = time.perf_counter()
    with open(path, "wb") as file:
        for _ in range(size // len(block)):
            file.write(block)
        file.flush()
        os.fsync(file.fileno())
    seconds = time.perf_counter() - start
    path.unlink()
    return size / seconds / 1e6


def book_loop(path: Path, rows: int) -> float:
    """The chapter's code for one file, on ``rows`` seconds (``freq='s'``: 'S' no longer parses)."""
    start = time.perf_counter()
    dates = pd.date_range(start="2010-01-01", periods=rows, freq="s")
    df = pd.DataFrame()
    df["Date"] = dates
    for i in range(5):
        df[f"X{i}"] = np.random.randint(low=0, high=100, size=len(df))
    df.to_csv(path, index=False)
    return time.perf_counter() - start


def pyarrow_write(path: Path, rows: int) -> float:
    start = time.perf_counter()
    dates = np.datetime64("2010-01-01T00:00:00", "s") + np.arange(rows).astype("m8[s]")
    rng = np.random.default_rng(0)
    columns = {"Date": pa.array(dates)}
    columns.update({f"X{i}": rng.integers(0, 100, rows) for i in range(5)})
    pacsv.write_csv(pa.table(columns), path)
    return time.perf_counter() - start


def ours(path: Path, rows: int) -> float:
    start = time.perf_counter()
    written = write_year(2010, path.parent, rows)
    seconds = time.perf_counter() - start
    written.rename(path)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--out", type=Path, default=None, help="scratch folder (deleted after)")
    parser.add_argument("--rows", type=int, default=31 * 86_400, help="rows for the one-file race")
    args = parser.parse_args()
    profile = get_profile(args.profile)
    scratch = Path(tempfile.mkdtemp(dir=args.out.parent if args.out else None))
    print(f"Machine: {os.cpu_count()} cores, {platform.python_version()}, pandas {pd.__version__}")
    results = []
    try:
        results.append(("disk, 1 GiB + fsync", None, disk_write_speed(scratch)))
        for label, writer in (
            ("book loop (pandas to_csv), 1 core", book_loop),
            ("pyarrow write_csv, 1 core", pyarrow_write),
            ("ours, write_year, 1 core", ours),
        ):
            path = scratch / f"{label.split()[0]}.csv"
            seconds = writer(path, args.rows)
            size = path.stat().st_size
            results.append((label, seconds, size / seconds / 1e6))
            path.unlink()
        target = args.out or scratch / "dataset"
        shutil.rmtree(target, ignore_errors=True)
        start = time.perf_counter()
        folder = make_dataset(profile, target, progress=False)
        seconds = time.perf_counter() - start
        size = sum(p.stat().st_size for p in folder.glob("*.csv"))
        label = (
            f"ours, whole `{profile.name}` data set ({size / 1e9:.2f} GB), {os.cpu_count()} writers"
        )
        results.append((label, seconds, size / seconds / 1e6))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\nOne file race: {args.rows:,} rows; profile {profile.name}\n")
    print("| what | seconds | MB/s |")
    print("|---|---:|---:|")
    for label, seconds, speed in results:
        print(f"| {label} | {'' if seconds is None else f'{seconds:.2f}'} | {speed:.0f} |")
    book = results[1][2]
    print(f"\nOur whole data set vs the book loop: {results[-1][2] / book:.1f}x the throughput")


if __name__ == "__main__":
    main()

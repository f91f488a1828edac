"""Benchmark: writing the yearly CSV files, the book's way and ours, beside the disk's speed.

Run from the repository root (``flock`` keeps heavy jobs from overlapping on 2 cores):

    flock /tmp/chapter05-heavy.lock .venv/bin/python benchmarks/bench_data.py --profile demo
    flock /tmp/chapter05-heavy.lock .venv/bin/python benchmarks/bench_data.py --profile book \\
        --out /work/bench/book

In one run: the disk's write speed (2 GiB, flushed to disk); then one file of ``--rows``
rows (one month by default), written on one core by the book's loop (``pd.date_range`` +
``np.random.randint`` + ``to_csv``) and by each candidate on the same seeded rows: pandas
``to_csv``, pyarrow ``write_csv`` (plain, and with the values as a dictionary of 100
strings) and our ``write_year`` (NumPy, one day at a time); then the profile's whole data set
with one writer per core (``--out`` is emptied first and kept, a scratch folder otherwise). The
candidates must write the same bytes as ``write_year`` ("same bytes"). To race an older
``data.py``, run this script in a checkout of that commit.
"""

from __future__ import annotations

import argparse
import hashlib
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

from chapter05_helpers.data import HEADER, make_dataset, write_year
from chapter05_helpers.profiles import get_profile

YEAR, SEED = 2010, 42


def disk_write_speed(folder: Path, size: int = 2 << 30) -> float:
    """MB/s writing ``size`` bytes and flushing them to disk, as our writer does."""
    block, path = os.urandom(1 << 24), folder / "disk-speed.tmp"
    start = time.perf_counter()
    with open(path, "wb") as file:
        for _ in range(size // len(block)):
            file.write(block)
            file.flush()
            if hasattr(os, "posix_fadvise"):  # as write_year does: to disk now, no cache
                os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        os.fsync(file.fileno())
    seconds = time.perf_counter() - start
    path.unlink()
    return size / seconds / 1e6


def book_loop(path: Path, rows: int) -> None:
    """The chapter's code for one file (``freq='s'``: 'S' no longer parses), its own rows."""
    df = pd.DataFrame()
    df["Date"] = pd.date_range(start=f"{YEAR}-01-01", periods=rows, freq="s")
    for i in range(5):
        df[f"X{i}"] = np.random.randint(low=0, high=100, size=len(df))
    df.to_csv(path, index=False)


def same_rows(rows: int, block: int = 12 * 86_400):
    """Our rows, ``block`` at a time: ``(dates, values)``, drawn as ``write_year`` draws them."""
    values = np.random.default_rng([SEED, YEAR]).integers(0, 100, (5, rows), np.uint8)
    for start in range(0, rows, block):
        yield (
            np.datetime64(f"{YEAR}-01-01T00:00:00") + np.arange(start, min(start + block, rows)),
            values[:, start : start + block],
        )


def pandas_to_csv(path: Path, rows: int) -> None:
    with open(path, "wb") as file:
        file.write(HEADER)
        for dates, values in same_rows(rows):
            frame = pd.DataFrame({"Date": dates, **{f"X{i}": v for i, v in enumerate(values)}})
            frame.to_csv(file, index=False, header=False)


def pyarrow_write_csv(path: Path, rows: int, dictionary: bool = False) -> None:
    options = pacsv.WriteOptions(include_header=False, batch_size=1 << 16, quoting_style="none")
    words = pa.array([str(i) for i in range(100)])
    with open(path, "wb") as file:
        file.write(HEADER)
        for dates, values in same_rows(rows):
            columns = [
                pa.DictionaryArray.from_arrays(v, words) if dictionary else v for v in values
            ]
            table = pa.table([dates, *columns], names=["Date", "X0", "X1", "X2", "X3", "X4"])
            pacsv.write_csv(table, file, options)


def timed(write, path: Path, rows: int) -> tuple[float, int, str]:
    start = time.perf_counter()
    write(path, rows)
    seconds = time.perf_counter() - start
    size, digest = path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest()
    path.unlink()
    return seconds, size, digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--out", type=Path, help="folder for the whole data set (emptied first)")
    parser.add_argument("--rows", type=int, default=31 * 86_400, help="rows of the one-file race")
    args = parser.parse_args()
    profile = get_profile(args.profile)
    scratch = Path(tempfile.mkdtemp(dir=args.out.parent if args.out else None))
    ours = lambda path, rows: write_year(YEAR, scratch, rows, SEED).rename(path)  # noqa: E731
    writers = {
        "book loop (pandas, its own rows)": book_loop,
        "pandas to_csv": pandas_to_csv,
        "pyarrow write_csv": pyarrow_write_csv,
        "pyarrow write_csv, values as dictionary": lambda p, r: pyarrow_write_csv(p, r, True),
        "ours: write_year (NumPy, a day at a time)": ours,
    }
    print(f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, ", end="")
    print(f"numpy {np.__version__}, pandas {pd.__version__}, pyarrow {pa.__version__}")
    rows = []
    try:
        rows.append(("disk: 2 GiB written + fsync", None, disk_write_speed(scratch), ""))
        results = {
            label: timed(write, scratch / "race.csv", args.rows) for label, write in writers.items()
        }
        reference = results["ours: write_year (NumPy, a day at a time)"][2]
        for label, (seconds, size, digest) in results.items():
            same = "" if label.startswith("book") else ("yes" if digest == reference else "NO")
            rows.append((f"{label}, 1 core", seconds, size / seconds / 1e6, same))
        target = args.out or scratch / "dataset"
        shutil.rmtree(target, ignore_errors=True)
        start = time.perf_counter()
        folder = make_dataset(profile, target, progress=False)
        seconds = time.perf_counter() - start
        size = sum(p.stat().st_size for p in folder.glob("*.csv"))
        label = f"ours: whole `{profile.name}` set, {size / 1e9:.2f} GB, {os.cpu_count()} cores"
        rows.append((label, seconds, size / seconds / 1e6, ""))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    book = rows[1][2]
    print(f"\nOne-file race: {args.rows:,} rows of {YEAR}; whole set: profile {profile.name}\n")
    print("| what | seconds | MB/s | x book loop | same bytes |")
    print("|---|---:|---:|---:|---|")
    for label, seconds, speed, same in rows:
        shown = "" if seconds is None else f"{seconds:.2f}"
        print(f"| {label} | {shown} | {speed:.0f} | {speed / book:.1f} | {same} |")


if __name__ == "__main__":
    main()

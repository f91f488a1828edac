"""The chapter's data set: one CSV file per year of per-second rows with five integer features.

Each file ``<out>/<year>.csv`` has the columns ``Date`` (one row per second, starting at
midnight on 1 January) and ``X0`` .. ``X4`` (integers in ``[0, 100)``). At the ``book``
profile every file holds the whole year (31,536,000 rows, 31,622,400 in leap years, about
1.09 GB); the ``demo`` and ``ci`` profiles keep the ten files but cover a shorter span.

The generator is

* seeded: the same settings and seed give byte-identical files;
* safe: each file is written under a temporary name and renamed only when complete, so an
  interrupted run (even ``kill -9``) leaves no file that reads as complete, and running again
  writes only the missing files;
* careful: it checks the arguments and the free disk space before writing anything;
* fast: rows are formatted with NumPy in fixed-width blocks, and files are written in
  parallel, with a progress bar.

Command line::

    python -m chapter05_helpers.data --profile demo --out data/demo

Example:
    >>> import tempfile
    >>> from chapter05_helpers.data import make_dataset
    >>> folder = make_dataset("ci", out=tempfile.mkdtemp(), progress=False)
    >>> sorted(p.name for p in folder.glob("*.csv"))[:2]
    ['2010.csv', '2011.csv']
"""

from __future__ import annotations

import argparse
import calendar
import concurrent.futures
import functools
import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from chapter05_helpers.profiles import Profile, UnknownProfileError, get_profile

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 42
HEADER = b"Date,X0,X1,X2,X3,X4\n"
COLUMNS = ["Date", "X0", "X1", "X2", "X3", "X4"]
CHUNK_ROWS = 12 * 86_400  # rows formatted at a time (fixed, so the output never depends on it)
MANIFEST = "dataset.json"
# "2010-01-01 00:00:00" (19) + five ",NN" (a value has 1.9 digits on average) + "\n"
BYTES_PER_ROW = 19 + 5 * (1 + 1.9) + 1
_WIDTH = 19 + 5 * 3 + 1  # a row with every value padded to two digits


class DatasetError(ValueError):
    """A bad argument or an unusable output folder; the message says what to do."""


class NotEnoughDiskSpace(DatasetError):
    """The data set would not fit in the free disk space."""


@dataclass(frozen=True)
class DatasetSpec:
    """What a data set folder holds: its years, rows per year and seed.

    Example:
        >>> spec = DatasetSpec(first_year=2012, last_year=2012, rows_per_year=None, seed=1)
        >>> spec.rows(2012)
        31622400
    """

    first_year: int
    last_year: int
    rows_per_year: int | None  # None: every second of the year
    seed: int = DEFAULT_SEED

    @classmethod
    def from_profile(cls, profile: Profile, seed: int = DEFAULT_SEED) -> DatasetSpec:
        """The data set a profile asks for.

        Example:
            >>> DatasetSpec.from_profile(get_profile("ci")).years[:2]
            [2010, 2011]
        """
        return cls(profile.first_year, profile.last_year, profile.rows_per_year, seed)

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def rows(self, year: int) -> int:
        """Rows in the file of ``year``.

        Example:
            >>> DatasetSpec(2010, 2010, rows_per_year=100).rows(2010)
            100
        """
        whole_year = seconds_in_year(year)
        return whole_year if self.rows_per_year is None else min(self.rows_per_year, whole_year)

    def estimated_bytes(self, years: list[int] | None = None) -> int:
        """About how many bytes the files of ``years`` (default: all) take on disk.

        Example:
            >>> DatasetSpec(2010, 2010, rows_per_year=1000).estimated_bytes()
            34520
        """
        years = self.years if years is None else years
        return int(sum(self.rows(y) * BYTES_PER_ROW + len(HEADER) for y in years))

    def validate(self) -> None:
        """Raise :class:`DatasetError` for settings that make no data set.

        Example:
            >>> DatasetSpec(2020, 2010, None).validate()  # doctest: +ELLIPSIS
            Traceback (most recent call last):
            ...
            chapter05_helpers.data.DatasetError: The first year (2020) is after ...
        """
        if self.first_year > self.last_year:
            raise DatasetError(
                f"The first year ({self.first_year}) is after the last year ({self.last_year}): "
                "swap them."
            )
        if not 1 <= self.first_year <= 9998 or not 1 <= self.last_year <= 9998:
            raise DatasetError("Years must be between 1 and 9998.")
        if self.rows_per_year is not None and self.rows_per_year < 1:
            raise DatasetError(f"rows_per_year must be at least 1, not {self.rows_per_year}.")
        if self.seed < 0:
            raise DatasetError(f"The seed must be 0 or more, not {self.seed}.")


def seconds_in_year(year: int) -> int:
    """Seconds from 1 January 00:00:00 to the next 1 January: the rows of a whole year.

    Example:
        >>> seconds_in_year(2010), seconds_in_year(2012)
        (31536000, 31622400)
    """
    return (366 if calendar.isleap(year) else 365) * 86_400


@functools.lru_cache(maxsize=16)
def _day_strings(year: int) -> np.ndarray:
    """An array (days, 10) of the ASCII bytes of ``YYYY-MM-DD`` for each day of ``year``."""
    days = np.arange(
        np.datetime64(f"{year:04d}-01-01"), np.datetime64(f"{year + 1:04d}-01-01"), dtype="M8[D]"
    )
    text = np.datetime_as_string(days, unit="D").astype("S10")
    return np.frombuffer(text.tobytes(), dtype=np.uint8).reshape(-1, 10)


@functools.lru_cache(maxsize=1)
def _time_strings() -> np.ndarray:
    """An array (86400, 9) of the ASCII bytes of `` HH:MM:SS`` for each second of a day."""
    hours, rest = np.divmod(np.arange(86_400), 3600)
    minutes, seconds = np.divmod(rest, 60)
    table = np.empty((86_400, 9), dtype=np.uint8)
    table[:, 0] = ord(" ")
    table[:, 3] = table[:, 6] = ord(":")
    for column, number in ((1, hours), (4, minutes), (7, seconds)):
        table[:, column] = _TENS[number]
        table[:, column + 1] = _ONES[number]
    return table


_TENS = (np.arange(100) // 10 + ord("0")).astype(np.uint8)
_ONES = (np.arange(100) % 10 + ord("0")).astype(np.uint8)


def format_rows(year: int, first_second: int, values: np.ndarray) -> np.ndarray:
    """CSV lines (as a uint8 array of bytes) for the seconds ``first_second ..`` of ``year``.

    ``values`` has one row per second and five columns. Each line is laid out at a fixed
    width with every value padded to two digits, then the padding zeros of one-digit values
    are dropped in one pass, so the text is what ``pandas.DataFrame.to_csv`` writes.

    Example:
        >>> format_rows(2010, 59, np.array([[7, 42, 0, 99, 10], [1, 2, 3, 4, 5]])).tobytes()
        b'2010-01-01 00:00:59,7,42,0,99,10\\n2010-01-01 00:01:00,1,2,3,4,5\\n'
    """
    values = np.asarray(values, dtype=np.uint8)
    n = len(values)
    rows = np.empty((n, _WIDTH), dtype=np.uint8)
    days, times = _day_strings(year), _time_strings()
    # The seconds are consecutive: copy whole runs of the time table, one run per day.
    done = 0
    while done < n:
        day, second = divmod(first_second + done, 86_400)
        run = min(n - done, 86_400 - second)
        rows[done : done + run, 0:10] = days[day]
        rows[done : done + run, 10:19] = times[second : second + run]
        done += run
    keep = np.ones((n, _WIDTH), dtype=bool)
    for j in range(5):
        base = 19 + 3 * j
        column = values[:, j]
        rows[:, base] = ord(",")
        rows[:, base + 1] = _TENS[column]
        rows[:, base + 2] = _ONES[column]
        keep[:, base + 1] = column >= 10
    rows[:, _WIDTH - 1] = ord("\n")
    return rows[keep]


def _part_name(year: int) -> str:
    return f".{year}.csv.{os.getpid()}.part"


def write_year(year: int, out_dir: str | Path, rows: int, seed: int = DEFAULT_SEED) -> Path:
    """Write ``<out_dir>/<year>.csv`` with ``rows`` rows, atomically; return its path.

    The file is written as a hidden ``.part`` file, flushed to disk, and only then renamed
    to ``<year>.csv``. The values come from a generator seeded with ``(seed, year)``.

    Example:
        >>> import tempfile
        >>> path = write_year(2010, tempfile.mkdtemp(), rows=3)
        >>> path.read_text().splitlines()[:2]
        ['Date,X0,X1,X2,X3,X4', '2010-01-01 00:00:00,88,97,24,60,66']
    """
    out_dir = Path(out_dir)
    final = out_dir / f"{year}.csv"
    part = out_dir / _part_name(year)
    rng = np.random.default_rng([seed, year])
    try:
        with open(part, "wb") as file:
            file.write(HEADER)
            for start in range(0, rows, CHUNK_ROWS):
                count = min(CHUNK_ROWS, rows - start)
                values = rng.integers(0, 100, size=(5, count), dtype=np.uint8).T
                file.write(format_rows(year, start, values).data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(part, final)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    _fsync_dir(out_dir)
    return final


def _fsync_dir(folder: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):  # not on Windows, where the rename is durable enough
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _pid_alive(pid: int) -> bool:
    import psutil

    return psutil.pid_exists(pid)


def remove_stale_parts(out_dir: Path) -> list[Path]:
    """Delete ``.part`` files left by generators that are no longer running; return them.

    Example:
        >>> import tempfile
        >>> remove_stale_parts(Path(tempfile.mkdtemp()))
        []
    """
    removed = []
    for part in out_dir.glob(".*.csv.*.part"):
        try:
            pid = int(part.name.split(".")[-2])
        except ValueError:
            continue
        if not _pid_alive(pid):
            part.unlink(missing_ok=True)
            removed.append(part)
    return removed


def default_data_dir(profile: Profile) -> Path:
    """Where the course keeps a profile's data set: ``<repo>/data/<profile>``.

    Example:
        >>> default_data_dir(get_profile("ci")).name
        'ci'
    """
    return REPO_ROOT / "data" / profile.name


def _check_out_dir(out: Path) -> None:
    """Fail clearly unless ``out`` is (or can become) a writable folder; leave no trace."""
    if out.exists() and not out.is_dir():
        raise DatasetError(f"The output path {out} is a file; give a folder (--out DIR).")
    existing = out
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise DatasetError(f"Cannot write to {out}: {existing} is a file. Choose another --out.")
    probe = existing / f".chapter05-probe-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise DatasetError(
            f"Cannot write to {out}: {existing} is not writable ({error.strerror}). "
            "Choose another --out."
        ) from None


def _check_manifest(out: Path, spec: DatasetSpec) -> None:
    manifest = out / MANIFEST
    if manifest.exists():
        found = json.loads(manifest.read_text())
        if found != asdict(spec):
            raise DatasetError(
                f"{out} already holds a data set made with other settings ({found}); "
                f"these are {asdict(spec)}. Delete the folder or choose another --out."
            )


def _write_manifest(out: Path, spec: DatasetSpec) -> None:
    manifest = out / MANIFEST
    if not manifest.exists():
        tmp = out / f".{MANIFEST}.{os.getpid()}.part"
        tmp.write_text(json.dumps(asdict(spec), indent=1) + "\n")
        os.replace(tmp, manifest)


def check_disk_space(out: Path, needed: int) -> None:
    """Raise :class:`NotEnoughDiskSpace` unless ``needed`` bytes (plus 2%) are free at ``out``.

    Example:
        >>> check_disk_space(Path("."), 1)
    """
    probe = out
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if needed * 1.02 > free:
        raise NotEnoughDiskSpace(
            f"The data set needs about {needed / 1e9:.2f} GB in {out}, but only "
            f"{free / 1e9:.2f} GB are free. Free some space, choose a folder on a bigger disk "
            "(--out), or use a smaller profile (--profile demo)."
        )


def make_dataset(
    profile: str | Profile | None = None,
    out: str | Path | None = None,
    *,
    seed: int = DEFAULT_SEED,
    first_year: int | None = None,
    last_year: int | None = None,
    rows_per_year: int | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> Path:
    """Make sure ``out`` holds the profile's yearly CSV files; write only the missing ones.

    Returns the folder. ``profile`` defaults to ``CHAPTER05_PROFILE``, ``out`` to
    ``data/<profile>`` in the repository; the other keywords override the profile's sizes.
    Calling it again when every file is there does nothing (and prints nothing).

    Example:
        >>> import tempfile
        >>> folder = make_dataset("ci", tempfile.mkdtemp(), rows_per_year=10, progress=False)
        >>> len(list(folder.glob("*.csv")))
        10
    """
    chosen = profile if isinstance(profile, Profile) else get_profile(profile)
    base = DatasetSpec.from_profile(chosen, seed)
    spec = DatasetSpec(
        first_year=base.first_year if first_year is None else first_year,
        last_year=base.last_year if last_year is None else last_year,
        rows_per_year=base.rows_per_year if rows_per_year is None else rows_per_year,
        seed=seed,
    )
    spec.validate()
    if workers is not None and workers < 1:
        raise DatasetError(f"workers must be at least 1, not {workers}.")
    out = default_data_dir(chosen) if out is None else Path(out)
    _check_out_dir(out)
    if out.exists():
        _check_manifest(out, spec)
        remove_stale_parts(out)
    missing = [y for y in spec.years if not (out / f"{y}.csv").exists()]
    if not missing:
        return out
    check_disk_space(out, spec.estimated_bytes(missing))
    out.mkdir(parents=True, exist_ok=True)
    _write_manifest(out, spec)

    workers = workers or min(len(missing), os.cpu_count() or 1)
    bar = _progress_bar(len(missing), spec.estimated_bytes(missing), progress)
    try:
        if workers == 1:
            for year in missing:
                write_year(year, out, spec.rows(year), seed)
                bar.update(1)
        else:
            with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(write_year, y, out, spec.rows(y), seed) for y in missing]
                for future in concurrent.futures.as_completed(futures):
                    future.result()
                    bar.update(1)
    finally:
        bar.close()
    return out


def _progress_bar(files: int, size: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=files,
        unit="file",
        desc=f"Writing {files} CSV files (~{size / 1e9:.2f} GB)",
        disable=not enabled,
        file=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m chapter05_helpers.data --profile demo --out data/demo``."""
    parser = argparse.ArgumentParser(
        prog="python -m chapter05_helpers.data",
        description="Write the chapter's yearly CSV files (skips the ones already there).",
    )
    parser.add_argument("--profile", help="ci, demo or book (default: $CHAPTER05_PROFILE or demo)")
    parser.add_argument("--out", type=Path, help="output folder (default: data/<profile>)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--first-year", type=int)
    parser.add_argument("--last-year", type=int)
    parser.add_argument("--rows-per-year", type=int, help="override the profile's rows per file")
    parser.add_argument("--workers", type=int, help="parallel writers (default: one per core)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        folder = make_dataset(
            args.profile,
            args.out,
            seed=args.seed,
            first_year=args.first_year,
            last_year=args.last_year,
            rows_per_year=args.rows_per_year,
            workers=args.workers,
            progress=not args.quiet,
        )
    except (DatasetError, UnknownProfileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    files = sorted(folder.glob("*.csv"))
    total = sum(f.stat().st_size for f in files)
    print(f"{folder}: {len(files)} files, {total / 1e9:.2f} GB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

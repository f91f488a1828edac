"""The chapter's data set: ``<year>.csv`` files of ``Date`` (every second) and ``X0`` .. ``X4``.

The same settings and seed give the same bytes. A file is written as a hidden ``.part``, recorded
(size, CRC-32) in ``dataset.json``, then renamed: after ``kill -9`` nothing looks complete, and
the next call writes what is missing. Every call checks the files' sizes against the record, and
the CRC-32 of a file changed since the record was written; it refuses a file cut short, changed or
not written by it, with a message that says what to do.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import dataclasses
import json
import os
import shutil
import sys
import tempfile
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

from chapter05_helpers.i18n import _
from chapter05_helpers.profiles import Profile, UnknownProfileError, get_profile

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 42
COLUMNS = ["Date", "X0", "X1", "X2", "X3", "X4"]
HEADER = b"Date,X0,X1,X2,X3,X4\n"
MANIFEST = "dataset.json"
BYTES_PER_ROW = 19 + 5 * 2.9 + 1  # a date, five ",N" or ",NN" (1.9 digits on average), "\n"
SECONDS_IN_DAY = 86_400


def _times_of_day() -> np.ndarray:
    """The text " HH:MM:SS" of each second of a day, as an 86,400 x 9 array of bytes."""
    texts = [f" {h:02}:{m:02}:{s:02}" for h in range(24) for m in range(60) for s in range(60)]
    return np.array(texts, "S9").view(np.uint8).reshape(SECONDS_IN_DAY, 9)


_TIMES = _times_of_day()


class DatasetError(ValueError):
    """A bad argument or an unusable data folder; the message says what to do."""


class NotEnoughDiskSpace(DatasetError):
    """The data set would not fit in the free disk space."""


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """What a data set holds: its years, rows per year (None: whole years) and seed.

    >>> spec = DatasetSpec.from_profile(get_profile("ci"))
    >>> spec.years[-1], spec.rows(2012), spec.estimated_bytes([2012])
    (2019, 21600, 745220)
    >>> DatasetSpec(2020, 2010, None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    chapter05_helpers.data.DatasetError: The first year (2020) is after the last year (2010)...
    """

    first_year: int
    last_year: int
    rows_per_year: int | None
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        first = self.first_year
        last = self.last_year
        if first > last:
            message = _("The first year ({first}) is after the last year ({last}): swap them.")
            raise DatasetError(message.format(first=first, last=last))
        if not 1 <= first <= last <= 9998:
            raise DatasetError(_("Years must be between 1 and 9998."))
        if self.rows_per_year is not None and self.rows_per_year < 1:
            message = _("rows_per_year must be at least 1, not {rows}.")
            raise DatasetError(message.format(rows=self.rows_per_year))
        if self.seed < 0:
            raise DatasetError(_("The seed must be 0 or more, not {seed}.").format(seed=self.seed))

    @classmethod
    def from_profile(cls, profile: Profile, seed: int = DEFAULT_SEED) -> DatasetSpec:
        """The data set of ``profile``: its years and rows per year."""
        return cls(profile.first_year, profile.last_year, profile.rows_per_year, seed)

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def rows(self, year: int) -> int:
        whole_year = seconds_in_year(year)
        return whole_year if self.rows_per_year is None else min(self.rows_per_year, whole_year)

    def estimated_bytes(self, years: list[int] | None = None) -> int:
        years = self.years if years is None else years
        return int(sum(self.rows(y) * BYTES_PER_ROW + len(HEADER) for y in years))


def seconds_in_year(year: int) -> int:
    """Seconds from 1 January 00:00:00 to the next 1 January: the rows of a whole year.

    >>> seconds_in_year(2010), seconds_in_year(2012)
    (31536000, 31622400)
    """
    days = 366 if calendar.isleap(year) else 365
    return days * SECONDS_IN_DAY


def day_slices(year: int, rows: int) -> list[tuple[str, int, int]]:
    """The days that the first ``rows`` seconds of ``year`` cover: ``(date, start, stop)`` rows.

    A file is written one day at a time: rows ``start`` to ``stop`` are that date's seconds.

    >>> day_slices(2010, 86_400 + 2)
    [('2010-01-01', 0, 86400), ('2010-01-02', 86400, 86402)]
    >>> day_slices(2012, seconds_in_year(2012))[-1]  # a leap year has 366 days
    ('2012-12-31', 31536000, 31622400)
    """
    first_day = np.datetime64(f"{year:04d}-01-01")
    slices = []
    for start in range(0, rows, SECONDS_IN_DAY):
        stop = min(start + SECONDS_IN_DAY, rows)
        date = str(first_day + start // SECONDS_IN_DAY)
        slices.append((date, start, stop))
    return slices


def format_day(day: str, values: np.ndarray) -> np.ndarray:
    """The CSV lines (bytes in a uint8 array) of the first ``len(values)`` seconds of ``day``.

    >>> format_day("2010-01-01", np.array([[7, 42, 0, 99, 10], [1, 2, 3, 4, 5]])).tobytes()
    b'2010-01-01 00:00:00,7,42,0,99,10\\n2010-01-01 00:00:01,1,2,3,4,5\\n'
    """
    n = len(values)
    rows = np.empty((n, 35), np.uint8)  # "YYYY-MM-DD HH:MM:SS" + five ",NN" + "\n"
    rows[:, :10] = np.frombuffer(day.encode(), np.uint8)
    rows[:, 10:19] = _TIMES[:n]
    rows[:, 19:34:3] = ord(",")
    rows[:, 20:34:3] = values // 10 + ord("0")
    rows[:, 21:35:3] = values % 10 + ord("0")
    rows[:, 34] = ord("\n")
    keep = np.ones((n, 35), bool)
    keep[:, 20:34:3] = values >= 10  # drop the tens digit of one-digit values
    return rows[keep]


def _write_part(year: int, out: Path, rows: int, seed: int) -> tuple[Path, int]:
    """Write the file of ``year`` as a hidden ``.part`` file; return it and its CRC-32."""
    part = out / f".{year}.csv.{os.getpid()}.part"
    crc = zlib.crc32(HEADER)
    rng = np.random.default_rng([seed, year])
    try:
        with open(part, "wb") as file:
            file.write(HEADER)
            values = rng.integers(0, 100, (5, rows), np.uint8).T  # drawn as the book's loop does
            for date, start, stop in day_slices(year, rows):
                text = format_day(date, values[start:stop])
                file.write(text)
                crc = zlib.crc32(text, crc)
                if start % (12 * SECONDS_IN_DAY) == 0 and hasattr(os, "posix_fadvise"):
                    file.flush()  # to disk now, rather than fill the cache
                    os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
            os.fsync(file.fileno())
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return part, crc


def write_year(year: int, out_dir: str | Path, rows: int, seed: int = DEFAULT_SEED) -> Path:
    """Write ``<out_dir>/<year>.csv``, ``rows`` rows seeded by ``(seed, year)``, atomically.

    >>> import tempfile
    >>> write_year(2010, tempfile.mkdtemp(), rows=3).read_text().splitlines()[:2]
    ['Date,X0,X1,X2,X3,X4', '2010-01-01 00:00:00,88,97,24,60,66']
    """
    part, _ = _write_part(year, Path(out_dir), rows, seed)
    return part.replace(Path(out_dir) / f"{year}.csv")


def default_data_dir(profile: Profile) -> Path:
    """Where the course keeps a profile's data set: ``<repo>/data/<profile>``.

    >>> default_data_dir(get_profile("ci")).relative_to(REPO_ROOT).as_posix()
    'data/ci'
    """
    return REPO_ROOT / "data" / profile.name


def _manifest(folder: Path) -> dict:
    """The record of what was written in ``folder`` (empty ``files`` if there is none)."""
    path = folder / MANIFEST
    return {"files": {}} | (json.loads(path.read_text()) if path.exists() else {})


def _save_json(path: Path, content: dict) -> None:
    """Write ``content`` to ``path`` as JSON, under a temporary name first."""
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    part.write_text(json.dumps(content, indent=1) + "\n")
    part.replace(path)


def _crc32(path: Path) -> int:
    """The CRC-32 of the file at ``path``, read 16 MiB at a time."""
    crc = 0
    with open(path, "rb") as file:
        while block := file.read(1 << 24):
            crc = zlib.crc32(block, crc)
    return crc


def _check_files(folder: Path, manifest: dict) -> bool:
    """Refuse the ``*.csv`` files that differ from the record: their sizes, and the CRC-32 of
    those changed since the record was written. Returns whether a CRC-32 was read."""
    recorded = (folder / MANIFEST).stat().st_mtime_ns if (folder / MANIFEST).exists() else 0
    problems, read = {}, False
    for path in sorted(folder.glob("*.csv")):
        record, stat = manifest["files"].get(path.name), path.stat()
        if record is None:
            why = _("not written by the generator ({manifest} has no record of it)")
            problems[path.name] = why.format(manifest=MANIFEST)
        elif stat.st_size != record["size"]:
            why = _("{size:,} bytes, but {written:,} were written")
            problems[path.name] = why.format(size=stat.st_size, written=record["size"])
        elif stat.st_mtime_ns >= recorded:  # touched after the record: read it
            read = True
            if _crc32(path) != record["crc32"]:
                problems[path.name] = _("changed since it was written (its CRC-32 differs)")
    if problems:
        found = "".join(f"\n  {folder / name}: {why}" for name, why in problems.items())
        message = _(
            "{folder} holds files that are not what the generator wrote:{found}\nDelete them "
            "(or move them out of the folder) and run again: the missing files are written."
        )
        raise DatasetError(message.format(folder=folder, found=found))
    return read


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
    """Make sure ``out`` holds the profile's yearly CSV files as written; return the folder.

    ``profile`` defaults to ``CHAPTER05_PROFILE``, ``out`` to ``data/<profile>``; keywords
    override the profile's sizes. Missing files are written; files that differ from what was
    written, or that the generator did not write, are refused with a :class:`DatasetError`.

    >>> import tempfile
    >>> folder = make_dataset("ci", tempfile.mkdtemp(), rows_per_year=10, progress=False)
    >>> len(list(folder.glob("*.csv"))), (folder / "2011.csv").stat().st_size
    (10, 369)
    >>> _ = (folder / "2011.csv").write_text("Date,X0,X1,X2,X3,X4\\n")  # cut short
    >>> make_dataset("ci", folder, rows_per_year=10)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    chapter05_helpers.data.DatasetError: .../2011.csv: 20 bytes, but 369 were written...
    """
    chosen = profile if isinstance(profile, Profile) else get_profile(profile)
    spec = DatasetSpec.from_profile(chosen, seed)
    given = {"first_year": first_year, "last_year": last_year, "rows_per_year": rows_per_year}
    overrides = {name: value for name, value in given.items() if value is not None}
    spec = dataclasses.replace(spec, **overrides)  # all at once: checked together
    if workers is not None and workers < 1:
        raise DatasetError(_("workers must be at least 1, not {workers}.").format(workers=workers))
    out = default_data_dir(chosen) if out is None else Path(out)
    if out.exists() and not out.is_dir():
        message = _("The output path {out} is a file; give a folder (--out DIR).")
        raise DatasetError(message.format(out=out))
    settings = dataclasses.asdict(spec)
    manifest = _manifest(out)
    found = {key: manifest.get(key, value) for key, value in settings.items()}
    if found != settings:
        message = _(
            "{out} already holds a data set made with other settings ({found}); these are "
            "{settings}. Delete the folder or choose another --out."
        )
        raise DatasetError(message.format(out=out, found=found, settings=settings))
    manifest |= settings
    checked = _check_files(out, manifest)
    names = {year: f"{year}.csv" for year in spec.years}
    missing = [y for y, name in names.items() if not (out / name).exists()]
    existing = out
    while not existing.exists():
        existing = existing.parent
    try:
        tempfile.TemporaryFile(dir=existing).close()  # can we write there?
    except OSError as error:
        message = _("Cannot write to {out} ({reason}): choose another --out.")
        raise DatasetError(message.format(out=out, reason=error.strerror)) from None
    free = shutil.disk_usage(existing).free
    needed = spec.estimated_bytes(missing)
    if needed * 1.02 > free:
        message = _(
            "The data set needs about {needed:.2f} GB in {out}, but only "
            "{free:.2f} GB are free: free some space, or choose another --out or --profile."
        )
        raise NotEnoughDiskSpace(message.format(needed=needed / 1e9, out=out, free=free / 1e9))
    out.mkdir(parents=True, exist_ok=True)
    if missing or checked:  # a record newer than the files: they are not read again
        _save_json(out / MANIFEST, manifest)
    label = _("Writing {files} CSV files (~{size:.2f} GB)").format(
        files=len(missing), size=needed / 1e9
    )
    show = progress and bool(missing)
    with tqdm(total=len(missing), unit="file", desc=label, disable=not show) as bar:
        for year, (part, crc) in _written(missing, out, spec, workers):
            manifest["files"][names[year]] = {"size": part.stat().st_size, "crc32": crc}
            _save_json(out / MANIFEST, manifest)  # recorded before it gets its name
            part.replace(out / names[year])
            bar.update(1)
    return out


def _written(years: list[int], out: Path, spec: DatasetSpec, workers: int | None):
    """Write the ``years`` as ``.part`` files, in parallel; yield ``(year, (part, crc))``."""
    import psutil

    for part in out.glob(".*.part"):  # left by generators that are no longer running
        pid = part.name.split(".")[-2]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            part.unlink()
    workers = min(workers or os.cpu_count() or 1, len(years))
    rows = [spec.rows(year) for year in years]
    outs = [out] * len(years)
    seeds = [spec.seed] * len(years)
    if workers <= 1:
        yield from zip(years, map(_write_part, years, outs, rows, seeds), strict=True)
        return
    with ProcessPoolExecutor(workers) as pool:
        results = pool.map(_write_part, years, outs, rows, seeds)
        yield from zip(years, results, strict=True)


def csv_to_parquet(data_dir: Path, parquet_dir: Path | None = None, progress: bool = False) -> Path:
    """Convert the (checked) yearly CSV files to Parquet with Dask, once; return the folder.

    ``parquet_dir`` (default ``<data_dir>-parquet``) keeps the manifest it was made from in
    ``_dataset.json`` (Parquet readers skip it): the conversion is skipped when it matches.
    It is written as ``<parquet_dir>.unfinished`` and renamed when complete (replacing a folder
    made from another data set).

    >>> import tempfile, pandas as pd
    >>> data = make_dataset("ci", tempfile.mkdtemp(), rows_per_year=10, progress=False)
    >>> frame = pd.read_parquet(csv_to_parquet(data))
    >>> len(frame), frame.dtypes.astype(str).tolist()[:2]
    (100, ['datetime64[ms]', 'uint8'])
    """
    data_dir = Path(data_dir)
    manifest = _manifest(data_dir)
    parquet_dir = Path(parquet_dir or data_dir.with_name(data_dir.name + "-parquet"))
    if not manifest["files"] or not all((data_dir / name).exists() for name in manifest["files"]):
        message = _("{folder} is not a complete data set: make it with make_dataset.")
        raise DatasetError(message.format(folder=data_dir))
    _check_files(data_dir, manifest)
    made_from = manifest
    stamp = parquet_dir / "_dataset.json"
    if stamp.exists() and json.loads(stamp.read_text()) == made_from:
        return parquet_dir
    if parquet_dir.exists() and not stamp.exists():
        message = _("{folder} was not made by csv_to_parquet: delete it or move it.")
        raise DatasetError(message.format(folder=parquet_dir))
    import dask.dataframe as dd  # here: a second call, skipped, needs no Dask
    import pyarrow as pa
    from dask.diagnostics import ProgressBar

    unfinished = parquet_dir.with_name(parquet_dir.name + ".unfinished")
    shutil.rmtree(unfinished, ignore_errors=True)
    x = COLUMNS[1:]
    csv = dd.read_csv(str(data_dir / "*.csv"), parse_dates=["Date"], dtype=dict.fromkeys(x, "u1"))
    fields = [("Date", pa.timestamp("ms"))] + [(c, pa.uint8()) for c in x]
    schema = pa.schema([pa.field(name, kind, nullable=False) for name, kind in fields])
    # Not null, the values as dictionaries, Date as steps of one second: small and fast to read.
    encodings = {"use_dictionary": x, "column_encoding": {"Date": "DELTA_BINARY_PACKED"}}
    with ProgressBar() if progress else contextlib.nullcontext():
        csv.to_parquet(unfinished, write_index=False, schema=schema, compression=None, **encodings)
    _save_json(unfinished / "_dataset.json", made_from)
    shutil.rmtree(parquet_dir, ignore_errors=True)  # made from another data set
    return unfinished.rename(parquet_dir)


def main(argv: list[str] | None = None) -> int:
    """Command line: write the missing yearly CSV files, check the others; return the status.

    >>> import tempfile
    >>> main(["--profile", "ci", "--rows-per-year", "9", "--quiet", "--out", tempfile.mkdtemp()])
    ... # doctest: +ELLIPSIS
    /...: 10 files, 0.00 GB
    0
    """
    parser = argparse.ArgumentParser(prog="python -m chapter05_helpers.data", description=__doc__)
    parser.add_argument("--profile", help="ci, demo or book (default: $CHAPTER05_PROFILE or demo)")
    parser.add_argument("--out", type=Path, help="output folder (default: data/<profile>)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default: %(default)s")
    for name in "--first-year", "--last-year", "--rows-per-year":
        parser.add_argument(name, type=int, help="override the profile's setting")
    parser.add_argument(
        "--workers", type=int, help="parallel writers (default: one per logical CPU)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = vars(parser.parse_args(argv))
    try:
        folder = make_dataset(progress=not args.pop("quiet"), **args)
    except (DatasetError, UnknownProfileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    files = sorted(folder.glob("*.csv"))
    print(f"{folder}: {len(files)} files, {sum(f.stat().st_size for f in files) / 1e9:.2f} GB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

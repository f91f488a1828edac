"""The yearly CSV generator: sizes, format, determinism, safety and its error messages."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import REPO

from chapter05_helpers import data
from chapter05_helpers.data import (
    DatasetError,
    DatasetSpec,
    NotEnoughDiskSpace,
    csv_to_parquet,
    make_dataset,
    seconds_in_year,
    write_year,
)
from chapter05_helpers.profiles import get_profile


def digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))
    }


@pytest.mark.parametrize(
    ("year", "rows"),
    [(2010, 31_536_000), (2012, 31_622_400), (2016, 31_622_400), (2019, 31_536_000)],
)
def test_book_rows_cover_the_whole_year(year, rows):
    spec = DatasetSpec.from_profile(get_profile("book"))
    assert spec.rows(year) == seconds_in_year(year) == rows


def test_book_size_matches_the_chapter():
    spec = DatasetSpec.from_profile(get_profile("book"))
    assert spec.years == list(range(2010, 2020))
    per_file = spec.estimated_bytes([2010]) / 1e9
    assert 1.05 < per_file < 1.12  # "about 1 GB" a file
    assert 10.8 < spec.estimated_bytes() / 1e9 < 11.2


def test_ci_files_have_the_profiles_rows_dtypes_and_values(tmp_path):
    folder = make_dataset("ci", tmp_path / "ci", progress=False)
    profile = get_profile("ci")
    assert sorted(p.name for p in folder.glob("*.csv")) == [f"{y}.csv" for y in profile.years]
    frame = pd.read_csv(folder / "2012.csv", parse_dates=["Date"])
    assert list(frame.columns) == data.COLUMNS
    assert len(frame) == profile.rows_per_year
    assert frame["Date"].dtype.kind == "M"
    assert all(frame[c].dtype == np.int64 for c in data.COLUMNS[1:])
    values = frame[data.COLUMNS[1:]].to_numpy()
    assert values.min() == 0 and values.max() == 99
    expected = pd.date_range("2012-01-01", periods=len(frame), freq="s")
    assert (frame["Date"].to_numpy() == expected.to_numpy()).all()


def test_a_whole_leap_year_ends_at_its_last_second():
    """The writer's days for all of 2012: 366 of them, the last one full, ending on 31 December."""
    days = data.day_slices(2012, seconds_in_year(2012))
    assert len(days) == 366
    assert days[0] == ("2012-01-01", 0, 86_400)
    assert days[59] == ("2012-02-29", 59 * 86_400, 60 * 86_400)
    assert days[-1] == ("2012-12-31", 365 * 86_400, 31_622_400)
    assert all(
        stop == start for (_, _, stop), (_, start, _) in zip(days[:-1], days[1:], strict=True)
    )
    date, start, stop = days[-1]
    last_line = data.format_day(date, np.zeros((stop - start, 5), np.uint8)).tobytes()
    assert last_line.splitlines()[-1] == b"2012-12-31 23:59:59,0,0,0,0,0"


def test_a_file_steps_into_the_next_day_at_midnight(tmp_path):
    path = write_year(2012, tmp_path, 2 * 86_400 + 3)
    lines = path.read_text().splitlines()
    assert len(lines) == 1 + 2 * 86_400 + 3  # the header, then one line per second
    assert lines[86_400].startswith("2012-01-01 23:59:59,")
    assert lines[86_401].startswith("2012-01-02 00:00:00,")
    assert lines[-1].startswith("2012-01-03 00:00:02,")


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = make_dataset("ci", tmp_path / "a", progress=False)
    b = make_dataset("ci", tmp_path / "b", progress=False, workers=1)
    c = make_dataset("ci", tmp_path / "c", progress=False, seed=7)
    assert digest(a) == digest(b)
    assert digest(a) != digest(c)


def test_text_matches_pandas_to_csv(tmp_path):
    path = write_year(2011, tmp_path, 5000)
    frame = pd.read_csv(path, parse_dates=["Date"])
    assert frame.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S").encode() == path.read_bytes()


def test_values_are_drawn_as_the_books_loop_draws_them(tmp_path):
    """Notebook 02 shows its corrected book loop writing the same bytes, at every profile."""
    rows = 13 * 86_400 + 5  # beyond one day and beyond any block a writer might draw at a time
    path = write_year(2011, tmp_path, rows)
    frame = pd.read_csv(path, usecols=data.COLUMNS[1:])
    drawn = np.random.default_rng([data.DEFAULT_SEED, 2011]).integers(0, 100, (5, rows), np.uint8)
    assert (frame.to_numpy() == drawn.T).all()


def test_second_call_writes_nothing(tmp_path):
    folder = make_dataset("ci", tmp_path, progress=False)
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    make_dataset("ci", tmp_path, progress=False)
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_manifest_records_each_files_size_and_crc(tmp_path):
    folder = make_dataset("ci", tmp_path, rows_per_year=1000, progress=False)
    manifest = json.loads((folder / "dataset.json").read_text())
    assert sorted(manifest["files"]) == sorted(p.name for p in folder.glob("*.csv"))
    for path in folder.glob("*.csv"):
        record = manifest["files"][path.name]
        assert record == {"size": path.stat().st_size, "crc32": zlib.crc32(path.read_bytes())}


ADVICE = "Delete them (or move them out of the folder) and run again: the missing files are"


@pytest.fixture
def small(tmp_path) -> Path:
    """A small ci data set: 1000 rows a year."""
    return make_dataset("ci", tmp_path / "small", rows_per_year=1000, progress=False)


def refusal(folder: Path) -> str:
    with pytest.raises(DatasetError) as error:
        make_dataset("ci", folder, rows_per_year=1000, progress=False)
    return str(error.value)


def test_a_file_cut_short_is_refused_and_written_again_once_deleted(small):
    expected = digest(small)
    path = small / "2013.csv"
    size = path.stat().st_size
    with open(path, "r+b") as file:
        file.truncate(size - 100)
    message = refusal(small)
    assert f"{path}: {size - 100:,} bytes, but {size:,} were written" in message
    assert ADVICE in message
    assert path.stat().st_size == size - 100, "refused, not touched"
    args = ("--profile", "ci", "--rows-per-year", "1000", "--out", str(small), "--quiet")
    result = run_cli(*args)
    assert result.returncode == 2
    assert f"{path}: {size - 100:,} bytes, but {size:,} were written" in result.stderr
    path.unlink()  # as the message says
    assert run_cli(*args).returncode == 0
    assert digest(small) == expected


def test_a_changed_byte_is_refused(small):
    path = small / "2015.csv"
    time.sleep(0.1)  # later than the file was written: a new modification time, even if coarse
    with open(path, "r+b") as file:  # "2015-01-01 00:00:00,N..." -> one digit of a value
        file.seek(len(b"Date,X0,X1,X2,X3,X4\n2015-01-01 00:00:00,"))
        digit = file.read(1)
        file.seek(-1, os.SEEK_CUR)
        file.write(b"1" if digit != b"1" else b"2")
    message = refusal(small)
    assert f"{path}: changed since it was written (its CRC-32 differs)" in message
    assert ADVICE in message


def test_a_foreign_file_is_refused_and_kept(tmp_path):
    foreign = tmp_path / "2010.csv"
    foreign.write_text("Date,X0\n2010-01-01 00:00:00,1\n")
    message = refusal(tmp_path)
    assert f"{foreign}: not written by the generator (dataset.json has no record of it)" in message
    assert ADVICE in message
    assert foreign.read_text() == "Date,X0\n2010-01-01 00:00:00,1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2010.csv"], "nothing else written"
    result = run_cli("--profile", "ci", "--rows-per-year", "1000", "--out", str(tmp_path))
    assert result.returncode == 2 and f"{foreign}: not written by the generator" in result.stderr


def test_another_csv_in_the_folder_is_refused(small):
    other = small / "notes.csv"
    other.write_text("a,b\n")
    message = refusal(small)
    assert f"{other}: not written by the generator" in message and "move them out" in message
    assert other.read_text() == "a,b\n"


def test_files_are_read_only_when_touched_after_the_record(small, monkeypatch):
    """Files as written are checked by size; touched later (a copy, an editor), by CRC-32 once."""
    read = []
    crc32 = data._crc32
    monkeypatch.setattr(data, "_crc32", lambda path: read.append(path.name) or crc32(path))
    make_dataset("ci", small, rows_per_year=1000, progress=False)
    assert read == []
    time.sleep(0.01)
    os.utime(small / "2012.csv")  # now: later than the record
    make_dataset("ci", small, rows_per_year=1000, progress=False)
    assert read == ["2012.csv"]
    make_dataset("ci", small, rows_per_year=1000, progress=False)  # the record is newer now
    assert read == ["2012.csv"]


def test_a_missing_file_is_written_again(small):
    expected = digest(small)
    (small / "2017.csv").unlink()
    make_dataset("ci", small, rows_per_year=1000, progress=False)
    assert digest(small) == expected


def test_csv_to_parquet_once_with_fitting_types_and_the_same_sums(small, tmp_path):
    import dask.dataframe as dd

    parquet = csv_to_parquet(small, tmp_path / "pq")
    assert (
        json.loads((parquet / "_dataset.json").read_text())["files"]
        == json.loads((small / "dataset.json").read_text())["files"]
    )
    frame = pd.read_parquet(parquet)
    assert frame.dtypes.astype(str).tolist() == ["datetime64[ms]"] + ["uint8"] * 5
    from_csv = dd.read_csv(str(small / "*.csv"), parse_dates=["Date"])
    from_parquet = dd.read_parquet(parquet)
    sums = [
        d.groupby(d["Date"].dt.year).sum(numeric_only=True).compute()
        for d in (from_csv, from_parquet)
    ]
    assert sums[0].dtypes.astype(str).unique().tolist() == ["int64"]
    assert sums[1].dtypes.astype(str).unique().tolist() == ["uint64"]
    pd.testing.assert_frame_equal(sums[1].sort_index(), sums[0].sort_index(), check_dtype=False)
    before = {p.name: p.stat().st_mtime_ns for p in parquet.iterdir()}
    assert csv_to_parquet(small, tmp_path / "pq") == parquet
    assert {p.name: p.stat().st_mtime_ns for p in parquet.iterdir()} == before, "skipped"


def test_csv_to_parquet_redoes_an_unfinished_or_outdated_conversion(small, tmp_path):
    unfinished = tmp_path / "pq.unfinished"
    unfinished.mkdir()
    (unfinished / "part.0.parquet").write_text("interrupted")
    parquet = csv_to_parquet(small, tmp_path / "pq")
    assert not unfinished.exists() and len(pd.read_parquet(parquet)) == 10_000
    before = {p.name: p.stat().st_mtime_ns for p in parquet.iterdir()}
    (small / "2019.csv").unlink()
    make_dataset("ci", small, rows_per_year=1000, progress=False)  # written again: new time
    assert csv_to_parquet(small, tmp_path / "pq") == parquet
    assert {p.name: p.stat().st_mtime_ns for p in parquet.iterdir()} == before, "same data: kept"
    other = make_dataset("ci", tmp_path / "other", rows_per_year=1000, seed=7, progress=False)
    shutil.rmtree(small)
    shutil.move(other, small)
    csv_to_parquet(small, tmp_path / "pq")  # made again
    assert json.loads((parquet / "_dataset.json").read_text())["seed"] == 7


def test_csv_to_parquet_refuses_a_folder_it_did_not_make_and_a_bad_data_set(small, tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    with pytest.raises(DatasetError, match="was not made by csv_to_parquet"):
        csv_to_parquet(small, taken)
    with open(small / "2011.csv", "ab") as file:
        file.write(b"2011-12-31 23:59:59,1,2,3,4,5\n")
    with pytest.raises(DatasetError, match="2011.csv: .* bytes, but .* were written"):
        csv_to_parquet(small, tmp_path / "pq")
    assert not (tmp_path / "pq").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX-only")
def test_kill_9_mid_run_leaves_no_complete_looking_file_and_resume_matches(tmp_path):
    settings = {"rows_per_year": 400_000, "workers": 1, "progress": False}  # 15 MB a file
    expected = digest(make_dataset("ci", tmp_path / "reference", **settings))
    killed = tmp_path / "killed"
    args = ["--profile", "ci", "--rows-per-year", "400000", "--workers", "1", "--quiet"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "chapter05_helpers.data", *args, "--out", str(killed)], cwd=REPO
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # one file done, the next one being written
        if list(killed.glob("*.csv")) and list(killed.glob(".*.part")):
            break
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = digest(killed)
    assert 1 <= len(finished) < 10, "the kill should land mid-run"
    # every file that reads as complete is complete
    assert all(finished[name] == expected[name] for name in finished)
    assert list(killed.glob(".*.part")), "the interrupted file is still a hidden .part"
    recorded = json.loads((killed / "dataset.json").read_text())["files"]
    assert set(finished) <= set(recorded), "a file gets its name only once it is recorded"
    assert digest(make_dataset("ci", killed, **settings)) == expected
    assert not list(killed.glob(".*.part")), "the stale part file is cleaned up"


def test_refuses_when_the_disk_is_too_small(tmp_path, monkeypatch):
    class Usage:
        free = 10_000_000  # 10 MB

    monkeypatch.setattr(data.shutil, "disk_usage", lambda path: Usage)
    with pytest.raises(NotEnoughDiskSpace) as error:
        make_dataset("book", tmp_path / "book", progress=False)
    message = str(error.value)
    assert "needs about 10.89 GB" in message and "only 0.01 GB are free" in message
    assert not (tmp_path / "book").exists(), "nothing written"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "chapter05_helpers.data", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
    )


def test_cli_unknown_profile(tmp_path):
    result = run_cli("--profile", "huge", "--out", str(tmp_path / "x"))
    assert result.returncode == 2
    assert "Unknown profile 'huge'" in result.stderr and "ci, demo, book" in result.stderr
    assert not (tmp_path / "x").exists()


def test_cli_first_year_after_last(tmp_path):
    result = run_cli(
        "--profile",
        "ci",
        "--first-year",
        "2020",
        "--last-year",
        "2010",
        "--out",
        str(tmp_path / "x"),
    )
    assert result.returncode == 2
    assert "first year (2020) is after the last year (2010)" in result.stderr
    assert not (tmp_path / "x").exists()


def test_cli_output_is_a_file(tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    result = run_cli("--profile", "ci", "--out", str(target))
    assert result.returncode == 2
    assert f"{target} is a file" in result.stderr
    assert target.read_text() == "not a folder"


def test_cli_output_not_writable():
    result = run_cli("--profile", "ci", "--out", "/proc/chapter05-data")
    assert result.returncode == 2
    assert "Cannot write to /proc/chapter05-data" in result.stderr


def test_folder_with_other_settings_is_refused(tmp_path):
    make_dataset("ci", tmp_path, progress=False, rows_per_year=100)
    with pytest.raises(DatasetError, match="already holds a data set made with other settings"):
        make_dataset("ci", tmp_path, progress=False)
    assert json.loads((tmp_path / "dataset.json").read_text())["rows_per_year"] == 100


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "workers must be at least 1"),
        (["--seed", "-1"], "seed must be 0 or more"),
    ],
)
def test_cli_bad_workers_or_seed(tmp_path, args, message):
    result = run_cli("--profile", "ci", "--out", str(tmp_path / "x"), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "x").exists()


def test_cli_reports_what_it_wrote(tmp_path):
    result = run_cli("--profile", "ci", "--out", str(tmp_path / "d"), "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("10 files, 0.01 GB")

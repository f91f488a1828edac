"""The yearly CSV generator: sizes, format, determinism, safety and its error messages."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from chapter05_helpers import data
from chapter05_helpers.data import (
    DatasetError,
    DatasetSpec,
    NotEnoughDiskSpace,
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


def test_a_whole_leap_year_ends_at_its_last_second(tmp_path):
    path = write_year(2012, tmp_path, seconds_in_year(2012))
    with open(path, "rb") as file:
        file.seek(-200, os.SEEK_END)
        last = file.read().splitlines()[-1].decode()
    assert last.startswith("2012-12-31 23:59:59,")
    # one line per second plus the header
    with open(path, "rb") as file:
        assert (
            sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 24), b"")) == 31_622_401
        )


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


def test_second_call_writes_nothing(tmp_path):
    folder = make_dataset("ci", tmp_path, progress=False)
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.csv")}
    make_dataset("ci", tmp_path, progress=False)
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.csv")} == before


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX-only")
def test_kill_9_mid_run_leaves_no_complete_looking_file_and_resume_matches(tmp_path):
    args = ["--profile", "ci", "--rows-per-year", "1500000", "--workers", "1", "--quiet"]
    reference = tmp_path / "reference"
    subprocess.run(
        [sys.executable, "-m", "chapter05_helpers.data", *args, "--out", str(reference)],
        check=True,
        cwd=REPO,
    )
    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "chapter05_helpers.data", *args, "--out", str(killed)], cwd=REPO
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(killed.glob("*.csv")):
        time.sleep(0.01)
    time.sleep(0.05)  # well inside the next file
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = digest(killed)
    assert 1 <= len(finished) < 10, "the kill should land mid-run"
    expected = digest(reference)
    # every file that reads as complete is complete
    assert all(finished[name] == expected[name] for name in finished)
    assert list(killed.glob(".*.part")), "the interrupted file is still a hidden .part"
    subprocess.run(
        [sys.executable, "-m", "chapter05_helpers.data", *args, "--out", str(killed)],
        check=True,
        cwd=REPO,
    )
    assert digest(killed) == expected
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

"""Every checker accepts the right answer and reports wrong ones as wrong (without raising)."""

from __future__ import annotations

import pandas as pd
import pytest
from dask import delayed

from chapter05_helpers import exercises as ex
from chapter05_helpers.data import make_dataset


@delayed
def cube(number: int) -> int:
    return number**3


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return make_dataset("ci", tmp_path_factory.mktemp("data"), rows_per_year=5000, progress=False)


def verdict(capsys, result):
    out = capsys.readouterr().out
    assert out.startswith("Correct: " if result else "Not yet: ")
    assert out.count("\n") == 1
    return result


def test_pool_with_arguments(capsys):
    right = ["Finished sleeping for 1 seconds."] * 4
    assert verdict(capsys, ex.check_pool_with_arguments(right, 4)) is True
    assert verdict(capsys, ex.check_pool_with_arguments(right, 2)) is False
    assert verdict(capsys, ex.check_pool_with_arguments([], None)) is False
    assert verdict(capsys, ex.check_pool_with_arguments(right[:3], 4)) is False


@pytest.mark.parametrize(
    ("busy", "ok"), [(1.0, True), (0.8, True), (1.9, False), (4, False), (None, False)]
)
def test_busy_cores_with_threads(capsys, busy, ok):
    assert verdict(capsys, ex.check_busy_cores_with_threads(busy)) is ok


def year_frame(folder):
    return pd.concat(pd.read_csv(p, parse_dates=["Date"]) for p in sorted(folder.glob("*.csv")))


def test_mean_x3_per_year(capsys, data_dir):
    df = year_frame(data_dir)
    right = df.groupby(df["Date"].dt.year)["X3"].mean()
    assert verdict(capsys, ex.check_mean_x3_per_year(right, data_dir)) is True
    assert verdict(capsys, ex.check_mean_x3_per_year(right + 0.5, data_dir)) is False
    assert (
        verdict(
            capsys, ex.check_mean_x3_per_year(df.groupby(df["Date"].dt.year)["X2"].mean(), data_dir)
        )
        is False
    )
    assert verdict(capsys, ex.check_mean_x3_per_year(None, data_dir)) is False


def test_count_x0_is_99(capsys, data_dir):
    right = int((year_frame(data_dir)["X0"] == 99).sum())
    assert verdict(capsys, ex.check_count_x0_is_99(right, data_dir)) is True
    assert verdict(capsys, ex.check_count_x0_is_99(right + 1, data_dir)) is False
    assert verdict(capsys, ex.check_count_x0_is_99(None, data_dir)) is False


def test_sum_of_cubes_graph(capsys):
    cubes = [cube(n) for n in [1, 2, 3, 4, 5]]
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(sum)(cubes))) is True
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(max)(cubes))) is False
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(sum)(cubes[:4]))) is False
    assert verdict(capsys, ex.check_sum_of_cubes_graph(225)) is False


@pytest.mark.parametrize(
    ("workers", "ok"), [(5, True), (9, True), (4, False), (10, False), (0, False), (None, False)]
)
def test_workers_for_two_seconds(capsys, workers, ok):
    assert verdict(capsys, ex.check_workers_for_two_seconds(workers)) is ok


def test_memory_predictions(capsys):
    curves = pd.DataFrame(
        {
            "way": ["pandas"] * 3 + ["dask"] * 3,
            "disk_mb": [100.0, 200.0, 400.0] * 2,
            "needed_mib": [300.0, 600.0, 1200.0, 150.0, 155.0, 160.0],
        }
    )
    assert verdict(capsys, ex.check_memory_predictions(2400, 170, curves)) is True
    assert verdict(capsys, ex.check_memory_predictions(1200, 170, curves)) is False  # not doubled
    assert verdict(capsys, ex.check_memory_predictions(2400, 320, curves)) is False  # Dask doubled
    assert verdict(capsys, ex.check_memory_predictions(None, None, curves)) is False


def test_one_worker_minutes(capsys):
    all_workers, one_worker = {"finished": 42, "per minute": 21.0}, {"per minute": 12.0}
    assert verdict(capsys, ex.check_one_worker_minutes(3.5, all_workers, one_worker)) is True
    assert verdict(capsys, ex.check_one_worker_minutes(2.0, all_workers, one_worker)) is False
    assert verdict(capsys, ex.check_one_worker_minutes(None, all_workers, one_worker)) is False


@pytest.mark.parametrize(("answer", "ok"), [(2, True), (8, False), (4, False), (None, False)])
def test_evaluations_in_flight(capsys, answer, ok):
    assert verdict(capsys, ex.check_evaluations_in_flight(answer)) is ok

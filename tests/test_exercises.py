"""Every checker accepts the right answer and reports wrong ones as wrong (without raising)."""

from __future__ import annotations

import pandas as pd
import pytest
from dask import delayed

from chapter05_helpers import exercises as ex
from chapter05_helpers.data import make_dataset
from chapter05_helpers.workers import cube


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
    ("answer", "ok"),
    [("processes", True), (" Processes ", True), ("threads", False), ("", False), (None, False)],
)
def test_threads_or_processes(capsys, answer, ok):
    assert verdict(capsys, ex.check_threads_or_processes(answer)) is ok


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


def test_sum_of_cubes_graph(capsys, monkeypatch):
    monkeypatch.setattr("chapter05_helpers.workers.time.sleep", lambda s: None)
    cubes = [delayed(cube)(n) for n in [1, 2, 3, 4, 5]]
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(sum)(cubes))) is True
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(max)(cubes))) is False
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(sum)(cubes[:4]))) is False
    assert verdict(capsys, ex.check_sum_of_cubes_graph(225)) is False


@pytest.mark.parametrize(
    ("workers", "ok"), [(5, True), (9, True), (4, False), (10, False), (0, False), (None, False)]
)
def test_workers_for_two_seconds(capsys, workers, ok):
    assert verdict(capsys, ex.check_workers_for_two_seconds(workers)) is ok


def test_tpot_regression_checker(capsys):
    from sklearn.datasets import load_diabetes
    from sklearn.dummy import DummyRegressor
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import train_test_split

    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=42)

    class Fitted:  # what the checker reads from a TPOTRegressor
        def __init__(self, model):
            self.fitted_pipeline_ = model.fit(X_train, y_train)

    assert (
        verdict(capsys, ex.check_tpot_regression(Fitted(Ridge(alpha=0.1)), X_test, y_test)) is True
    )
    assert (
        verdict(capsys, ex.check_tpot_regression(Fitted(DummyRegressor()), X_test, y_test)) is False
    )
    assert verdict(capsys, ex.check_tpot_regression(None, X_test, y_test)) is False


@pytest.mark.parametrize(
    ("answer", "ok"), [("client", True), ("client=", True), ("use_dask", False), ("n_jobs", False)]
)
def test_tpot_dask_parameter(capsys, answer, ok):
    assert verdict(capsys, ex.check_tpot_dask_parameter(answer)) is ok

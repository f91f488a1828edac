"""Every checker accepts the right answer and reports wrong ones as wrong (without raising)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from dask import delayed

from chapter05_helpers import exercises as ex
from chapter05_helpers.data import make_dataset
from chapter05_helpers.timing import Timing


@delayed
def cube(number: int) -> int:
    return number**3


def wrong_cube():
    @delayed
    def cube(number: int) -> int:  # named like the right one, returns a square
        return number**2

    return cube


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
    one_round, four_rounds, two_rounds = Timing(1.08), Timing(4.01), Timing(2.03)
    assert verdict(capsys, ex.check_pool_with_arguments(right, 4, one_round)) is True
    assert verdict(capsys, ex.check_pool_with_arguments(right, np.int64(4), one_round)) is True
    assert verdict(capsys, ex.check_pool_with_arguments(tuple(right), 4, one_round)) is False
    assert verdict(capsys, ex.check_pool_with_arguments(right, 4, None)) is False  # typed in
    assert verdict(capsys, ex.check_pool_with_arguments(right, 4, Timing(0.0))) is False
    assert verdict(capsys, ex.check_pool_with_arguments(right, 4, four_rounds)) is False  # in turn
    assert verdict(capsys, ex.check_pool_with_arguments(right, 2, two_rounds)) is False
    assert verdict(capsys, ex.check_pool_with_arguments(right, 2, one_round)) is False
    assert verdict(capsys, ex.check_pool_with_arguments(right, 4.0, one_round)) is False
    assert verdict(capsys, ex.check_pool_with_arguments(right, True, one_round)) is False
    assert verdict(capsys, ex.check_pool_with_arguments([], None, None)) is False
    assert verdict(capsys, ex.check_pool_with_arguments(right[:3], 4, one_round)) is False


def test_busy_cores_with_threads(capsys):
    with ThreadPoolExecutor(max_workers=4) as four:
        list(four.map(sum, [[1, 2]] * 4))
    with ThreadPoolExecutor(max_workers=2) as two:
        list(two.map(sum, [[1, 2]] * 4))
    with ThreadPoolExecutor(max_workers=4) as unused:
        pass
    run, busy_run = Timing(wall=2.0, cpu=2.02), Timing(wall=1.0, cpu=1.9)
    assert verdict(capsys, ex.check_busy_cores_with_threads(1.01, run, four)) is True
    assert verdict(capsys, ex.check_busy_cores_with_threads(np.float64(1.01), run, four)) is True
    assert verdict(capsys, ex.check_busy_cores_with_threads(1, None, None)) is False  # typed in
    assert verdict(capsys, ex.check_busy_cores_with_threads(1.01, run, None)) is False  # in turn
    assert verdict(capsys, ex.check_busy_cores_with_threads(1.01, run, unused)) is False
    assert verdict(capsys, ex.check_busy_cores_with_threads(1.01, run, two)) is False
    with ProcessPoolExecutor(max_workers=1) as processes:
        pass
    assert verdict(capsys, ex.check_busy_cores_with_threads(1.01, run, processes)) is False
    assert verdict(capsys, ex.check_busy_cores_with_threads(1.0, None, four)) is False
    assert verdict(capsys, ex.check_busy_cores_with_threads(0.5, run, four)) is False  # not t's
    assert verdict(capsys, ex.check_busy_cores_with_threads(1.9, busy_run, four)) is False
    assert verdict(capsys, ex.check_busy_cores_with_threads(None, run, four)) is False


@pytest.mark.parametrize(
    ("check", "nothing"),
    [
        ("check_pool_with_arguments", ([], None, None)),
        ("check_busy_cores_with_threads", (None, None, None)),
        ("check_sum_of_cubes_graph", (None,)),
        ("check_workers_for_two_seconds", (None,)),
    ],
)
def test_the_hint_before_any_answer_gives_nothing_away(capsys, check, nothing):
    assert getattr(ex, check)(*nothing) is False
    hint = capsys.readouterr().out
    for answer in ("max_workers=4", "4 workers", "delayed(sum", "sum)(", "= 5", "5 to 9", "1.0"):
        assert answer not in hint, (check, hint)


def year_frame(folder):
    return pd.concat(pd.read_csv(p, parse_dates=["Date"]) for p in sorted(folder.glob("*.csv")))


def test_mean_x3_per_year(capsys, data_dir):
    df = year_frame(data_dir)
    by_year = df.groupby(df["Date"].dt.year)
    right = by_year["X3"].mean()
    assert verdict(capsys, ex.check_mean_x3_per_year(right, data_dir)) is True
    wrong = {
        "shifted": right + 0.5,
        "another column": by_year["X2"].mean(),
        "a sum": by_year["X3"].sum(),
        "by month": df.groupby(df["Date"].dt.month)["X3"].mean(),
        "every column": by_year.mean(numeric_only=True),
        "one mean": df["X3"].mean(),
    }
    for name, answer in wrong.items():
        assert verdict(capsys, ex.check_mean_x3_per_year(answer, data_dir)) is False, name


def test_count_x0_is_99(capsys, data_dir):
    df = year_frame(data_dir)
    right = int((df["X0"] == 99).sum())
    assert verdict(capsys, ex.check_count_x0_is_99(right, data_dir)) is True
    assert verdict(capsys, ex.check_count_x0_is_99(float(right), data_dir)) is True
    first_year = int((df.loc[df["Date"].dt.year == 2010, "X0"] == 99).sum())
    wrong = {
        "one more": right + 1,
        "the first year only": first_year,
        "every row": len(df),
        "99 in any column": int((df[["X0", "X1", "X2", "X3", "X4"]] == 99).to_numpy().sum()),
        "True": True,
    }
    for name, answer in wrong.items():
        assert verdict(capsys, ex.check_count_x0_is_99(answer, data_dir)) is False, name


@pytest.mark.parametrize("check", ["check_mean_x3_per_year", "check_count_x0_is_99"])
def test_the_hint_before_any_answer_gives_no_code_away(capsys, data_dir, check):
    getattr(ex, check)(None, data_dir)
    hint = capsys.readouterr().out
    for code in ("groupby", "==", "len(", "sum(", "mean(", "ddf["):
        assert code not in hint


def test_sum_of_cubes_graph(capsys):
    cubes = [cube(n) for n in [1, 2, 3, 4, 5]]
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(sum)(cubes))) is True
    assert verdict(capsys, ex.check_sum_of_cubes_graph(sum(cubes))) is False  # five add tasks
    assert verdict(capsys, ex.check_sum_of_cubes_graph(sum(cube(n) for n in range(1, 6)))) is False
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(max)(cubes))) is False
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(sum)(cubes[:4]))) is False
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(sum)([1, 8, 27, 64, 125]))) is False
    squares = [wrong_cube()(n) for n in [1, 2, 3, 4, 5]]
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(sum)(squares))) is False
    assert verdict(capsys, ex.check_sum_of_cubes_graph(225)) is False


@pytest.mark.parametrize(
    ("workers", "ok"),
    [(5, True), (9, True), (np.int64(5), True), (4, False), (10, False), (0, False)]
    + [(5.0, False), (True, False), (None, False)],
)
def test_workers_for_two_seconds(capsys, workers, ok):
    assert verdict(capsys, ex.check_workers_for_two_seconds(workers)) is ok


def test_memory_predictions(capsys):
    # pandas' line: 3 MiB per MB from zero; Dask's: 150 MiB plus 0.05 MiB per MB
    curves = pd.DataFrame(
        {
            "way": ["pandas"] * 3 + ["dask"] * 3,
            "disk_mb": [100.0, 200.0, 400.0] * 2,
            "needed_mib": [300.0, 600.0, 1200.0, 155.0, 160.0, 170.0],
        }
    )
    assert verdict(capsys, ex.check_memory_predictions(2400, 190, curves)) is True
    assert verdict(capsys, ex.check_memory_predictions(2400.0, 191, curves)) is True
    wrong = {
        "pandas at today's data": (1200, 190),
        "Dask at today's data": (2400, 170),
        "Dask's need doubled": (2400, 340),
        "the x axis in bytes": (2.4e9, 190),
        "no answer": (None, None),
        "booleans": (True, True),
    }
    for name, (pandas_mib, dask_mib) in wrong.items():
        result = ex.check_memory_predictions(pandas_mib, dask_mib, curves)
        assert verdict(capsys, result) is False, name
    ex.check_memory_predictions(None, None, curves)
    assert "line" not in capsys.readouterr().out, "the first hint gives no method away"


def test_equal_cost_speedup(capsys):
    """One demo run gave 2 workers at 0.911, 1 worker at 0.987, a measured ratio of 2.03."""
    evidence = (2, 0.911, 0.987, 2.03)
    right = 2 * 0.911 / 0.987  # 1.846
    for answer in (right, round(right, 2), round(right, 3), np.float64(right)):
        assert verdict(capsys, ex.check_equal_cost_speedup(answer, *evidence)) is True, answer
    wrong = {
        "the measured ratio": 2.03,
        "the number of workers": 2,
        "the one worker's waits left out": 2 * 0.911,
        "the workers left out": 0.911 / 0.987,
        "upside down": 2 * 0.987 / 0.911,
        "rounded to one decimal": 1.8,
        "a little off": right * 1.01,
        "nothing yet": None,
        "a bool": True,
        "a string": "1.85",
        "not a number": float("nan"),
    }
    for name, answer in wrong.items():
        result = ex.check_equal_cost_speedup(answer, *evidence)
        assert verdict(capsys, result) is False, name


def test_equal_cost_speedup_names_each_plausible_mistake(capsys):
    evidence = (2, 0.911, 0.987, 2.03)
    hints = {
        2.03: "measured ratio",
        2.0: "no worker ever waits",
        1.82: "one worker waited too",
        0.92: "how many workers",
        2.17: "upside down",
    }
    for answer, words in hints.items():
        ex.check_equal_cost_speedup(answer, *evidence)
        assert words in capsys.readouterr().out, answer


def test_equal_cost_speedup_accepts_a_right_answer_that_lies_close_to_the_measured_one(capsys):
    """When both runs cost the same, the measured ratio is the answer, to two decimals."""
    evidence = (2, 0.911, 0.987, 1.848)
    assert verdict(capsys, ex.check_equal_cost_speedup(1.85, *evidence)) is True


def test_equal_cost_speedup_never_raises_on_missing_figures(capsys):
    for evidence in [(2, None, 0.9, 2.0), (2, 0.9, 0.0, 2.0), ("two", 0.9, 0.9, 2.0)]:
        assert verdict(capsys, ex.check_equal_cost_speedup(1.8, *evidence)) is False


@pytest.mark.parametrize(
    ("answer", "ok"),
    [(4, True), (8, False), (2, False), (1, False), (4.0, False), (None, False), ("4", False)],
)
def test_evaluations_in_flight(capsys, answer, ok):
    assert verdict(capsys, ex.check_evaluations_in_flight(answer)) is ok


def test_notebook_04s_hints_before_any_answer_give_nothing_away(capsys):
    ex.check_evaluations_in_flight(None)
    ex.check_equal_cost_speedup(None, 2, 0.911, 0.987, 2.03)
    hints = capsys.readouterr().out
    for answer in ("4", "3.5", "workers", "per minute"):
        assert answer not in hints, hints

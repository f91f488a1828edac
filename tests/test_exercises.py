"""Every checker accepts the right answer and reports wrong ones as wrong (without raising)."""

from __future__ import annotations

import re
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

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
    four, five, two = ProcessPoolExecutor(4), ProcessPoolExecutor(5), ProcessPoolExecutor(2)
    check = ex.check_pool_with_arguments
    assert verdict(capsys, check(right, 4, one_round, four)) is True
    assert verdict(capsys, check(right, np.int64(4), one_round, four)) is True
    assert verdict(capsys, check(right, 5, Timing(1.04), five)) is True  # any size from 4 up
    assert verdict(capsys, check(tuple(right), 4, one_round, four)) is False
    assert verdict(capsys, check(right, 4, None, four)) is False  # typed in
    assert verdict(capsys, check(right, 4, Timing(0.0), four)) is False
    assert verdict(capsys, check(right, 4, four_rounds, four)) is False  # one after another
    assert verdict(capsys, check(right, 2, two_rounds, two)) is False
    assert verdict(capsys, check(right, 2, one_round, two)) is False
    assert verdict(capsys, check(right, 4.0, one_round, four)) is False
    assert verdict(capsys, check(right, True, one_round, four)) is False
    assert verdict(capsys, check([], None, None, None)) is False
    assert verdict(capsys, check(right[:3], 4, one_round, four)) is False
    assert verdict(capsys, check(right, 4, one_round, None)) is False  # no pool kept
    with ThreadPoolExecutor(max_workers=4) as threads:
        pass
    assert verdict(capsys, check(right, 4, one_round, threads)) is False
    assert verdict(capsys, check(right, 4, one_round, "ppe_1")) is False


def test_pool_with_arguments_hints_agree_with_the_pool(capsys):
    """A pool of 4 reported as 3 is told its real size, not "3 workers: more than one round"."""
    right = ["Finished sleeping for 1 seconds."] * 4
    assert ex.check_pool_with_arguments(right, 3, Timing(1.05), ProcessPoolExecutor(4)) is False
    hint = capsys.readouterr().out
    assert "3" in hint and "4 workers" in hint and "round" not in hint
    with ThreadPoolExecutor(max_workers=4) as threads:
        ex.check_pool_with_arguments(right, 4, Timing(1.05), threads)
    assert "threads" in capsys.readouterr().out
    ex.check_pool_with_arguments(right, 2, Timing(2.03), ProcessPoolExecutor(2))
    assert "2 workers run at most 2" in capsys.readouterr().out
    ex.check_pool_with_arguments(right, 4, Timing(4.01), ProcessPoolExecutor(4))
    assert "4.01 s: more than one round" in capsys.readouterr().out


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
    measured = Timing(wall=2.0, cpu=1.86)  # 0.93 CPUs busy
    assert verdict(capsys, ex.check_busy_cores_with_threads(0.93, measured, four)) is True
    assert verdict(capsys, ex.check_busy_cores_with_threads(0.9, measured, four)) is True  # rounded
    assert verdict(capsys, ex.check_busy_cores_with_threads(1, measured, four)) is True  # rounded
    assert (
        verdict(capsys, ex.check_busy_cores_with_threads(4, measured, four)) is False
    )  # 4 threads
    assert verdict(capsys, ex.check_busy_cores_with_threads(2, measured, four)) is False  # 2 CPUs
    slow = Timing(wall=2.5, cpu=2.0)  # 0.8 busy; wall / cpu = 1.25
    assert verdict(capsys, ex.check_busy_cores_with_threads(1.25, slow, four)) is False
    assert verdict(capsys, ex.check_busy_cores_with_threads("1", measured, four)) is False
    assert verdict(capsys, ex.check_busy_cores_with_threads(1.0, Timing(), four)) is False  # nan


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
        "a one-column table": by_year[["X3"]].mean(),
        "text": right.astype(str) + " units",
        "an array": right.to_numpy(),
        "a string": "49.5",
        "nothing": None,
        "a list": list(right),
    }
    for name, answer in wrong.items():
        assert verdict(capsys, ex.check_mean_x3_per_year(answer, data_dir)) is False, name
    ex.check_mean_x3_per_year(by_year[["X3"]].mean(), data_dir)
    hint = capsys.readouterr().out
    assert "one column" in hint and "several" not in hint
    assert verdict(capsys, ex.check_mean_x3_per_year(right.astype(str), data_dir)) is True


def test_count_x0_is_99(capsys, data_dir):
    df = year_frame(data_dir)
    right = int((df["X0"] == 99).sum())
    assert verdict(capsys, ex.check_count_x0_is_99(right, data_dir)) is True
    assert verdict(capsys, ex.check_count_x0_is_99(float(right), data_dir)) is True
    share_times_rows = (df["X0"] == 99).mean() * len(df)  # a float, off by rounding only
    assert verdict(capsys, ex.check_count_x0_is_99(share_times_rows, data_dir)) is True
    assert verdict(capsys, ex.check_count_x0_is_99(right * (1 + 1e-15), data_dir)) is True
    assert verdict(capsys, ex.check_count_x0_is_99(np.int64(right), data_dir)) is True
    first_year = int((df.loc[df["Date"].dt.year == 2010, "X0"] == 99).sum())
    wrong = {
        "one more": right + 1,
        "a half more": right + 0.5,
        "the first year only": first_year,
        "every row": len(df),
        "99 in any column": int((df[["X0", "X1", "X2", "X3", "X4"]] == 99).to_numpy().sum()),
        "the share, not the count": (df["X0"] == 99).mean(),
        "True": True,
        "nothing": None,
        "a string": str(right),
        "an array": np.array([right]),
        "a Series": pd.Series([right]),
        "not a number": float("nan"),
        "infinity": float("inf"),
        "a huge whole number": 10**400,
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
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(sum)(tuple(cubes)))) is True
    assert verdict(capsys, ex.check_sum_of_cubes_graph(sum(cubes))) is False  # five add tasks
    assert verdict(capsys, ex.check_sum_of_cubes_graph(sum(cube(n) for n in range(1, 6)))) is False
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(max)(cubes))) is False
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(sum)(cubes[:4]))) is False
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(sum)([1, 8, 27, 64, 125]))) is False
    squares = [wrong_cube()(n) for n in [1, 2, 3, 4, 5]]
    assert verdict(capsys, ex.check_sum_of_cubes_graph(delayed(sum)(squares))) is False
    assert verdict(capsys, ex.check_sum_of_cubes_graph(225)) is False


@pytest.mark.parametrize(
    "answer",
    ["delayed(sum)(*cubes)", "None", "'sum_graph'", "225", "cubes", "tuple(cubes)", "[]"]
    + ["delayed(sum)(cubes).compute", "delayed(sum)(cubes, 1, 2)", "delayed(len)(cubes)"],
)
def test_sum_of_cubes_graph_never_raises(capsys, answer):
    """Odd answers get a hint, not an exception: the first one raised TypeError in compute()."""
    cubes = [cube(n) for n in [1, 2, 3, 4, 5]]
    value = eval(answer, {"delayed": delayed, "cubes": cubes, "sum": sum, "len": len})
    assert verdict(capsys, ex.check_sum_of_cubes_graph(value)) is False


def test_sum_of_cubes_graph_hints_name_the_trouble(capsys):
    cubes = [cube(n) for n in [1, 2, 3, 4, 5]]
    ex.check_sum_of_cubes_graph(delayed(sum)(*cubes))
    assert "TypeError" in capsys.readouterr().out
    ex.check_sum_of_cubes_graph(cubes)
    assert "list of delayed cubes" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("workers", "ok"),
    [(5, True), (9, True), (np.int64(5), True), (4, False), (10, False), (0, False)]
    + [(5.0, False), (np.float64(6.0), False), (5.5, False), (True, False), (None, False)]
    + [("5", False), (-3, False)],
)
def test_workers_for_two_seconds(capsys, workers, ok):
    assert verdict(capsys, ex.check_workers_for_two_seconds(workers)) is ok


def test_workers_for_two_seconds_says_why_a_whole_float_is_not_enough(capsys):
    ex.check_workers_for_two_seconds(5.0)
    assert "not an int" in capsys.readouterr().out


def demo_curves(dask_needs=(113.0, 193.0, 231.0)) -> pd.DataFrame:
    """Notebook 02b's table as measured at demo: 1, 2 and 10 files, 20.9 MB each."""
    return pd.DataFrame(
        {
            "way": ["pandas"] * 3 + ["dask"] * 3,
            "files": [1, 2, 10] * 2,
            "disk_mb": [20.86, 41.73, 208.66] * 2,
            "needed_mib": [56.6, 138.7, 632.7, *dask_needs],
            "seconds": [0.15, 0.28, 2.09, 0.39, 0.60, 2.54],
        }
    )


def test_memory_predictions(capsys):
    curves = demo_curves()
    # pandas: twice its need (its line at twice the MB): about 1265 MiB. Dask: its need levels
    # off from two files on (193 -> 231 MiB for 8 more files): 231 to 279 MiB, within 5%.
    right = {
        "pandas doubled, Dask as today": (1265, 231),
        "rounded": (1270.0, 230),
        "Dask's last rise once more": (1265, 278.5),
        "the hidden solution's formula": (2 * 632.7, 231 + (231 - 193) * 10 / 8),
        "NumPy numbers": (np.float64(1265.4), np.int64(250)),
    }
    for name, (pandas_mib, dask_mib) in right.items():
        result = ex.check_memory_predictions(pandas_mib, dask_mib, curves)
        assert verdict(capsys, result) is True, name
    wrong = {
        "pandas at today's data": ((633, 231), "today"),
        "Dask's need doubled": ((1265, 462), "doubles"),
        "Dask's line through all three points": ((1265, 333), "one file"),
        "Dask at one file": ((1265, 113), "less than"),
        "pandas in bytes": ((1265 * 2**20, 231), "bytes"),
        "the two swapped": ((231, 1265), ""),
        "no answer": ((None, None), ""),
        "booleans": ((True, True), ""),
        "strings": (("1265", "231"), ""),
        "arrays": ((np.array([1265.0]), np.array([231.0])), ""),
        "not a number": ((float("nan"), 231), ""),
        "infinity": ((1265, float("inf")), ""),
    }
    for name, ((pandas_mib, dask_mib), word) in wrong.items():
        result = ex.check_memory_predictions(pandas_mib, dask_mib, curves)
        out = capsys.readouterr().out
        assert out.startswith("Not yet: ") and out.count("\n") == 1 and result is False, name
        assert word in out, (name, out)
    ex.check_memory_predictions(None, None, curves)
    assert "line" not in capsys.readouterr().out, "the first hint gives no method away"
    for short in (curves.iloc[:2], curves.iloc[0:0], None):  # the measuring cell not run
        assert verdict(capsys, ex.check_memory_predictions(1265, 231, short)) is False


def test_memory_predictions_follow_a_dask_need_still_rising(capsys):
    # on a machine with many threads, ten files keep more threads busy than two: the need
    # was still rising, and twice the files may need more
    curves = demo_curves(dask_needs=(113.0, 193.0, 500.0))
    assert verdict(capsys, ex.check_memory_predictions(1265, 800, curves)) is True
    assert verdict(capsys, ex.check_memory_predictions(1265, 1000, curves)) is False


def test_memory_predictions_without_pandas_at_every_size(capsys):
    # at book, pandas only runs on one and two files: its line still gives twice the data
    curves = demo_curves().drop(index=2)
    slope, intercept = np.polyfit([20.86, 41.73], [56.6, 138.7], 1)
    pandas_twice = slope * 2 * 208.66 + intercept
    assert verdict(capsys, ex.check_memory_predictions(pandas_twice, 231, curves)) is True


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
    [
        (4, True),
        (4.0, True),  # the same whole number, written as a float
        (np.int64(4), True),
        (8, False),  # threads, not workers
        (8.0, False),
        (2, False),  # threads per worker
        (1, False),
        (16, False),
        (4.5, False),
        (float("nan"), False),
        (True, False),
        (None, False),
        ("4", False),
    ],
)
def test_evaluations_in_flight(capsys, answer, ok):
    assert verdict(capsys, ex.check_evaluations_in_flight(answer)) is ok


def test_notebook_04s_hints_before_any_answer_give_nothing_away(capsys):
    ex.check_evaluations_in_flight(None)
    ex.check_equal_cost_speedup(None, 2, 0.911, 0.987, 2.03)
    hints = capsys.readouterr().out
    for answer in ("4", "3.5", "workers", "per minute"):
        assert answer not in hints, hints


# --- In a Chinese notebook --------------------------------------------------------------------

CHINESE_FOLDER = Path(__file__).resolve().parent.parent / "notebooks" / "zh_CN"
ENGLISH_WORDS = re.compile(r"\b[a-z]+ [a-z]+ [a-z]+\b", re.IGNORECASE)  # three in a row


def failing_cube():
    @delayed
    def cube(number: int) -> int:  # named like the right one, fails when computed
        raise ValueError(number)

    return cube


def every_kind_of_verdict(data_dir) -> int:
    """Call the checkers once per verdict or hint they can print; return how many calls."""
    year_sums = ex.reference_year_sums(Path(data_dir).resolve())
    means = year_sums["X3"] / year_sums["rows"]
    count = int(year_sums["x0_is_99"].sum())
    cubes = [cube(i) for i in range(1, 6)]
    curves = demo_curves()
    evidence = (2, 0.911, 0.987, 2.03)
    threads = ThreadPoolExecutor(max_workers=4)
    list(threads.map(sum, [[1, 2]] * 4))
    right = ["Finished sleeping for 1 seconds."] * 4
    four = ProcessPoolExecutor(4)  # never started: no task is submitted
    calls = [
        lambda: ex.check_pool_with_arguments(right, 4, Timing(1.05), four),
        lambda: ex.check_pool_with_arguments([], 4, Timing(1.05), four),
        lambda: ex.check_pool_with_arguments(right, 4, Timing(1.05), threads),
        lambda: ex.check_pool_with_arguments(right, 4, Timing(1.05), None),
        lambda: ex.check_pool_with_arguments(right, 5, Timing(1.05), four),
        lambda: ex.check_pool_with_arguments(right, 4, None, four),
        lambda: ex.check_pool_with_arguments(right, 2, Timing(2.03), ProcessPoolExecutor(2)),
        lambda: ex.check_pool_with_arguments(right, 4, Timing(4.01), four),
        lambda: ex.check_busy_cores_with_threads(1.0, Timing(wall=2.0, cpu=2.0), threads),
        lambda: ex.check_busy_cores_with_threads(None, None, None),
        lambda: ex.check_busy_cores_with_threads(1.0, None, None),
        lambda: ex.check_busy_cores_with_threads(3.0, Timing(wall=2.0, cpu=2.0), threads),
        lambda: ex.check_busy_cores_with_threads(4.0, Timing(wall=2.0, cpu=8.0), threads),
        lambda: ex.check_mean_x3_per_year(means, data_dir),
        lambda: ex.check_mean_x3_per_year(means + 1, data_dir),
        lambda: ex.check_mean_x3_per_year(cube(1), data_dir),
        lambda: ex.check_mean_x3_per_year(means.to_frame(), data_dir),
        lambda: ex.check_mean_x3_per_year(pd.DataFrame({"a": means, "b": means}), data_dir),
        lambda: ex.check_mean_x3_per_year(3.0, data_dir),
        lambda: ex.check_mean_x3_per_year(pd.Series(["x"] * len(means)), data_dir),
        lambda: ex.check_mean_x3_per_year(means.reset_index(drop=True), data_dir),
        lambda: ex.check_count_x0_is_99(count, data_dir),
        lambda: ex.check_count_x0_is_99(count + 1, data_dir),
        lambda: ex.check_count_x0_is_99("many", data_dir),
        lambda: ex.check_count_x0_is_99(int(year_sums["x0_is_99"].iloc[0]), data_dir),
        lambda: ex.check_count_x0_is_99(int(year_sums["rows"].sum()), data_dir),
        lambda: ex.check_sum_of_cubes_graph(delayed(sum)(cubes)),
        lambda: ex.check_sum_of_cubes_graph(225),
        lambda: ex.check_sum_of_cubes_graph(cubes),
        lambda: ex.check_sum_of_cubes_graph(sum(cubes)),
        lambda: ex.check_sum_of_cubes_graph(delayed(sum)(cubes[:4])),
        lambda: ex.check_sum_of_cubes_graph(delayed(max)(cubes)),
        lambda: ex.check_sum_of_cubes_graph(delayed(sum)([wrong_cube()(i) for i in range(1, 6)])),
        lambda: ex.check_sum_of_cubes_graph(delayed(sum)([failing_cube()(i) for i in range(5)])),
        lambda: ex.check_workers_for_two_seconds(5),
        lambda: ex.check_workers_for_two_seconds(3),
        lambda: ex.check_workers_for_two_seconds(5.0),
        lambda: ex.check_workers_for_two_seconds(None),
        lambda: ex.check_memory_predictions(1265, 231, curves),
        lambda: ex.check_memory_predictions(None, 231, curves),
        lambda: ex.check_memory_predictions(1265, 231, None),
        lambda: ex.check_memory_predictions(1265 * 2**20, 231, curves),
        lambda: ex.check_memory_predictions(633, 231, curves),
        lambda: ex.check_memory_predictions(1265, 462, curves),
        lambda: ex.check_memory_predictions(1265, 333, curves),
        lambda: ex.check_memory_predictions(1265, 113, curves),
        lambda: ex.check_memory_predictions(1265, 5000, curves),
        lambda: ex.check_equal_cost_speedup(1.85, *evidence),
        lambda: ex.check_equal_cost_speedup(None, *evidence),
        lambda: ex.check_equal_cost_speedup(1.85, None, None, None, None),
        *[
            lambda wrong=wrong: ex.check_equal_cost_speedup(wrong, *evidence)
            for wrong in (2.03, 2, 2 * 0.911, 0.911 / 0.987, 2 * 0.987 / 0.911, 1.87)
        ],
        lambda: ex.check_evaluations_in_flight(4),
        lambda: ex.check_evaluations_in_flight(None),
        lambda: ex.check_evaluations_in_flight(8),
        lambda: ex.check_evaluations_in_flight(2),
    ]
    for call in calls:
        call()
    threads.shutdown()
    return len(calls)


def test_the_checkers_answer_in_chinese_in_a_chinese_notebook(capsys, monkeypatch, data_dir):
    monkeypatch.setenv("CHAPTER05_LANG", "zh_CN")
    calls = every_kind_of_verdict(data_dir)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == calls
    assert len(set(lines)) == calls, "each call meant to print a verdict of its own"
    for line in lines:
        assert line.startswith(("答对了：", "还没答对：")), line
        assert not ENGLISH_WORDS.search(line), f"left in English: {line}"


def test_the_checkers_answer_in_english_by_default(capsys, monkeypatch, data_dir):
    monkeypatch.delenv("CHAPTER05_LANG", raising=False)
    calls = every_kind_of_verdict(data_dir)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == calls
    assert all(line.startswith(("Correct: ", "Not yet: ")) for line in lines), lines
    assert not any(re.search("[\u4e00-\u9fff]", line) for line in lines), lines


def test_a_kernel_in_the_chinese_folder_gets_chinese_verdicts(capsys, monkeypatch):
    monkeypatch.delenv("CHAPTER05_LANG", raising=False)
    monkeypatch.chdir(CHINESE_FOLDER)  # where JupyterLab starts a Chinese notebook's kernel
    assert ex.check_evaluations_in_flight(8) is False
    assert capsys.readouterr().out == "还没答对：这数的是线程。TPOT 的那一行数的是什么？\n"
    monkeypatch.setenv("CHAPTER05_LANG", "en")  # the variable wins
    assert ex.check_evaluations_in_flight(4) is True
    assert capsys.readouterr().out == "Correct: one per worker, whatever the threads.\n"

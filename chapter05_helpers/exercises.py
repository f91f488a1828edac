"""Checkers for the exercises at the end of each notebook.

Each checker takes the student's answer, prints one line (``Correct: ...`` or
``Not yet: <a hint>``) and returns ``True`` or ``False``. They never raise on a wrong
answer, so a notebook can always be run top to bottom.

Example:
    >>> check_threads_or_processes("processes")
    Correct: CPU-bound Python code needs processes (each has its own interpreter and GIL).
    True
    >>> check_threads_or_processes("threads")
    Not yet: two threads took about as long as one for sum_of_squares. Why?
    False
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import numbers
from pathlib import Path
from typing import Any

import pandas as pd


def _verdict(ok: bool, good: str, hint: str) -> bool:
    print(f"Correct: {good}" if ok else f"Not yet: {hint}")
    return ok


# --- Notebook 01 -------------------------------------------------------------------------


def check_pool_with_arguments(messages: Any, max_workers: Any) -> bool:
    """Exercise 1.1: ``sleep_for(1)`` four times in a pool that finishes in about one second.

    ``messages`` are the four results, ``max_workers`` the pool size used.

    Example:
        >>> check_pool_with_arguments(["Finished sleeping for 1 seconds."] * 4, 4)
        Correct: four one-second tasks, four workers: one round, about 1 s.
        True
    """
    expected = ["Finished sleeping for 1 seconds."] * 4
    if not isinstance(messages, list) or sorted(map(str, messages)) != expected:
        return _verdict(False, "", "collect the four values that result() returns, in a list.")
    if not isinstance(max_workers, int) or max_workers < 4:
        return _verdict(
            False, "", f"with max_workers={max_workers!r} four tasks need more than one round."
        )
    return _verdict(True, "four one-second tasks, four workers: one round, about 1 s.", "")


def check_threads_or_processes(answer: Any) -> bool:
    """Exercise 1.2: which runs CPU-bound Python faster on two cores, threads or processes?

    Example: see the module's docstring.
    """
    ok = str(answer).strip().lower() == "processes"
    return _verdict(
        ok,
        "CPU-bound Python code needs processes (each has its own interpreter and GIL).",
        "two threads took about as long as one for sum_of_squares. Why?",
    )


# --- Notebook 02 -------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _per_year(data_dir: Path) -> pd.DataFrame:
    """Per-year sums and counts of X3, and the count of X0 == 99, one file at a time.

    One file at a time, so the checkers work at every profile without loading the data set.
    """
    parts = []
    for path in sorted(data_dir.glob("*.csv")):
        df = pd.read_csv(path, parse_dates=["Date"], usecols=["Date", "X0", "X3"])
        year = df["Date"].dt.year
        parts.append(
            pd.DataFrame(
                {
                    "x3_sum": df["X3"].groupby(year).sum(),
                    "rows": df["X3"].groupby(year).size(),
                    "x0_is_99": (df["X0"] == 99).groupby(year).sum(),
                }
            )
        )
    return pd.concat(parts).groupby(level=0).sum()


def check_mean_x3_per_year(answer: Any, data_dir: str | Path) -> bool:
    """Exercise 2.1: the mean of ``X3`` per year, as a pandas Series indexed by year.

    Example (``data_dir`` is the notebook's data folder)::

        check_mean_x3_per_year(my_series, data_dir)
    """
    if hasattr(answer, "compute"):
        return _verdict(False, "", "that is still a Dask plan: call .compute() on it.")
    if not isinstance(answer, pd.Series):
        return _verdict(False, "", "expected a pandas Series (one mean per year).")
    totals = _per_year(Path(data_dir).resolve())
    expected = totals["x3_sum"] / totals["rows"]
    answer = answer.sort_index()
    ok = list(answer.index) == list(expected.index) and bool(
        ((answer - expected).abs() < 1e-9).all()
    )
    return _verdict(
        ok,
        f"{len(expected)} yearly means, all close to 49.5 as uniform values in [0, 100) should be.",
        "group by the year of the Date column, then take the mean of the X3 column.",
    )


def check_count_x0_is_99(answer: Any, data_dir: str | Path) -> bool:
    """Exercise 2.2: how many rows, in all the years, have ``X0 == 99``? (an integer)

    Example (``data_dir`` is the notebook's data folder)::

        check_count_x0_is_99(count_99, data_dir)
    """
    if hasattr(answer, "compute"):
        return _verdict(False, "", "that is still a Dask plan: call .compute() on it.")
    expected = int(_per_year(Path(data_dir).resolve())["x0_is_99"].sum())
    ok = isinstance(answer, numbers.Real) and answer == expected
    return _verdict(
        ok,
        f"{expected:,} rows: about 1% of all rows, as expected for values drawn from 100.",
        "filter with ddf[ddf['X0'] == 99] and count the rows (len() or .shape[0].compute()).",
    )


# --- Notebook 03 -------------------------------------------------------------------------


def check_sum_of_cubes_graph(answer: Any) -> bool:
    """Exercise 3.1: a *lazy* graph that adds the cubes of 1..5 (five cube tasks and one sum).

    Example:
        >>> check_sum_of_cubes_graph(225)
        Not yet: return the Delayed object, before compute(): the plan, not the number.
        False
    """
    from dask.delayed import Delayed

    if not isinstance(answer, Delayed):
        return _verdict(
            False, "", "return the Delayed object, before compute(): the plan, not the number."
        )
    tasks = len(answer.__dask_graph__())
    cubes = sum(1 for key in answer.__dask_graph__() if str(key).startswith("cube"))
    if cubes != 5:
        return _verdict(False, "", f"the graph has {cubes} cube tasks; expected 5.")
    with contextlib.redirect_stdout(io.StringIO()):  # the cubes print from several threads
        value = answer.compute(scheduler="threads", num_workers=5)
    return _verdict(
        value == 225,
        f"{tasks} tasks, total {value}.",
        f"the graph computes {value}, not 1 + 8 + 27 + 64 + 125 = 225.",
    )


def check_workers_for_two_seconds(num_workers: Any) -> bool:
    """Exercise 3.2: how many threads make ten one-second cubes take about two seconds?

    Example:
        >>> check_workers_for_two_seconds(5)
        Correct: ceil(10 / 5) = 2 rounds of one second.
        True
    """
    if not isinstance(num_workers, int) or num_workers < 1:
        return _verdict(False, "", "answer with a whole number of workers.")
    rounds = math.ceil(10 / num_workers)
    return _verdict(
        rounds == 2,
        f"ceil(10 / {num_workers}) = 2 rounds of one second.",
        f"with {num_workers} workers, ten tasks need {rounds} rounds of one second.",
    )


# --- Notebook 04 -------------------------------------------------------------------------


def check_tpot_regression(regressor: Any, X_test: Any, y_test: Any) -> bool:
    """Exercise 4.1: a fitted ``TPOTRegressor`` that explains the diabetes data (R2 > 0.3).

    Example (after fitting ``regressor`` on the training half)::

        check_tpot_regression(regressor, X_test, y_test)
    """
    pipeline = getattr(regressor, "fitted_pipeline_", None)
    if pipeline is None:
        return _verdict(False, "", "expected a TPOTRegressor after .fit(X_train, y_train).")
    from sklearn.metrics import r2_score

    r2 = r2_score(y_test, pipeline.predict(X_test))
    return _verdict(
        r2 > 0.3,
        "a regression pipeline that explains a good part of the variance on the test half.",
        f"R2 on the test half is {r2:.2f}; check the split and the scorer.",
    )


def check_tpot_dask_parameter(answer: Any) -> bool:
    """Exercise 4.2: which TPOT 1.1 parameter does the job of the book's ``use_dask=True``?

    Example:
        >>> check_tpot_dask_parameter("use_dask")
        Not yet: it is not use_dask any more (see the table in this notebook).
        False
    """
    ok = str(answer).strip().rstrip("=").strip().lower() == "client"
    return _verdict(
        ok,
        "pass client=<your Dask client>; TPOT 1.1 always evaluates through Dask.",
        "it is not use_dask any more (see the table in this notebook).",
    )

"""Checkers for the exercises: each prints ``Correct: ...`` or ``Not yet: <a hint>`` and
returns ``True`` or ``False``, never raising, so a notebook always runs top to bottom.

Example:
    >>> check_evaluations_in_flight(8)
    Not yet: that counts threads. What does TPOT's line count?
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

from chapter05_helpers.i18n import _


def _verdict(ok: bool, good: str, hint: str) -> bool:
    """Print ``Correct: <good>`` or ``Not yet: <hint>`` in the student's language; return ``ok``.

    ``good`` and ``hint`` come already translated (``_("...").format(...)``).

    Example:
        >>> _verdict(False, "", "try again.")
        Not yet: try again.
        False
    """
    if ok:
        print(_("Correct: {message}").format(message=good))
    else:
        print(_("Not yet: {message}").format(message=hint))
    return bool(ok)


# --- Notebook 01 -------------------------------------------------------------------------


def _is_whole(value: Any) -> bool:
    """A whole number, NumPy's included, but not ``True``/``False``."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_pool_with_arguments(
    messages: Any, max_workers: Any, timing: Any = None, pool: Any = None
) -> bool:
    """Exercise 1: four ``sleep_for(1)`` results from a process pool, timed at about 1 s.

    ``max_workers`` is the pool size the student reports, ``timing`` the ``Timing`` of
    ``with timer() as t_1:`` around the pool and ``pool`` the ``ProcessPoolExecutor`` itself: a
    typed-in list, a run one after another or a pool of threads is told so.

    Example:
        >>> from concurrent.futures import ProcessPoolExecutor
        >>> from chapter05_helpers.timing import Timing
        >>> right = ["Finished sleeping for 1 seconds."] * 4
        >>> check_pool_with_arguments(right, 4, Timing(1.05), ProcessPoolExecutor(4))
        Correct: four one-second tasks, 4 worker processes: one round, 1.05 s.
        True
    """
    from concurrent.futures import Executor, ProcessPoolExecutor

    expected = ["Finished sleeping for 1 seconds."] * 4
    if not isinstance(messages, list) or sorted(map(str, messages)) != expected:
        return _verdict(False, "", _("collect the four values that result() returns, in a list."))
    if not isinstance(pool, ProcessPoolExecutor):
        if isinstance(pool, Executor):
            hint = _(
                "ppe_1 is a pool of threads: run the four tasks in a process pool called ppe_1."
            )
        else:
            hint = _("ppe_1 is no process pool: run the four tasks in a process pool called ppe_1.")
        return _verdict(False, "", hint)
    size = pool._max_workers
    if not _is_whole(max_workers) or max_workers != size:
        return _verdict(
            False,
            "",
            _("workers_1 is {answer!r}, but ppe_1 has {size} workers: report its size.").format(
                answer=max_workers, size=size
            ),
        )
    wall = getattr(timing, "wall", None)
    if not isinstance(wall, numbers.Real) or not wall >= 0.95:
        return _verdict(
            False,
            "",
            _("run the four tasks inside `with timer() as t_1:`, so the time is measured."),
        )
    if size < 4:
        return _verdict(
            False,
            "",
            _("{size} workers run at most {size} of the four tasks at once: two rounds.").format(
                size=size
            ),
        )
    if wall >= 1.9:
        return _verdict(
            False,
            "",
            _("{wall:.2f} s: more than one round. Did the four tasks run at once?").format(
                wall=wall
            ),
        )
    good = _("four one-second tasks, {size} worker processes: one round, {wall:.2f} s.").format(
        size=size, wall=wall
    )
    return _verdict(True, good, "")


def check_busy_cores_with_threads(busy: Any, timing: Any = None, pool: Any = None) -> bool:
    """Exercise 01b: cores kept busy (CPU time / wall time) by 4 threads of ``sum_of_squares``.

    ``timing`` is the ``Timing`` of the run and ``pool`` the ``ThreadPoolExecutor`` it used:
    a typed-in 1 or a run without threads has neither.

    Example:
        >>> from concurrent.futures import ThreadPoolExecutor
        >>> from chapter05_helpers.timing import Timing
        >>> with ThreadPoolExecutor(max_workers=4) as pool:
        ...     _ = list(pool.map(sum, [[1, 2]] * 4))
        >>> check_busy_cores_with_threads(1.0, Timing(wall=2.0, cpu=2.0), pool)
        Correct: about one CPU: the GIL lets one thread at a time run Python code.
        True

    The ratio rounded to one decimal, or to a whole number, is the same answer:
        >>> check_busy_cores_with_threads(1, Timing(wall=2.0, cpu=1.86), pool)
        Correct: about one CPU: the GIL lets one thread at a time run Python code.
        True
    """
    from concurrent.futures import ThreadPoolExecutor

    if not isinstance(busy, numbers.Real) or isinstance(busy, bool):
        return _verdict(False, "", _("compute busy_2 from the CPU and wall times of t_2."))
    threads = len(getattr(pool, "_threads", ()))
    if not isinstance(pool, ThreadPoolExecutor) or pool._max_workers != 4 or threads < 2:
        return _verdict(
            False, "", _("run the four calls in tpe_2 = ThreadPoolExecutor(max_workers=4).")
        )
    cpu, wall = getattr(timing, "cpu", None), getattr(timing, "wall", None)
    measured = isinstance(cpu, numbers.Real) and isinstance(wall, numbers.Real) and wall > 0
    ratio = cpu / wall if measured else math.nan
    if not measured or not (abs(busy - ratio) <= 0.05 or busy == round(ratio)):
        return _verdict(False, "", _("busy_2 is t_2.cpu / t_2.wall, from the timer around tpe_2."))
    return _verdict(
        0.3 < busy < 1.5,
        _("about one CPU: the GIL lets one thread at a time run Python code."),
        _("{busy:.1f} CPUs? Divide the CPU time by the wall time of the threads' run.").format(
            busy=busy
        ),
    )


# --- Notebook 02 -------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def reference_year_sums(data_dir: Path) -> pd.DataFrame:
    """Per-year sums of ``X0`` .. ``X4``, rows and ``X0 == 99`` counts: pandas, file by file.

    Example (``data_dir`` is a data set folder)::

        reference_year_sums(data_dir).loc[2010, "rows"]  # 21600 at the ci profile
    """
    parts = []
    for path in sorted(Path(data_dir).glob("*.csv")):
        df = pd.read_csv(path, parse_dates=["Date"])
        year = df.pop("Date").dt.year
        sums = df.groupby(year).sum()
        sums["rows"] = df.groupby(year).size()
        sums["x0_is_99"] = (df["X0"] == 99).groupby(year).sum()
        parts.append(sums)
    return pd.concat(parts).groupby(level=0).sum()


def check_mean_x3_per_year(answer: Any, data_dir: str | Path) -> bool:
    """Exercise 2.1: the mean of ``X3`` per year, a pandas Series indexed by year (see tests).

    Example (``data_dir`` is a data set folder)::

        check_mean_x3_per_year(df[["X3"]], data_dir)  # a one-column table
        # Not yet: that is a table with one column: take the column itself, a Series.
    """
    if hasattr(answer, "compute"):
        return _verdict(False, "", _("that is still a Dask plan: call .compute() on it."))
    if isinstance(answer, pd.DataFrame):
        if answer.shape[1] == 1:
            hint = _("that is a table with one column: take the column itself, a Series.")
        else:
            hint = _("that is a table of several columns: keep only X3, as a Series.")
        return _verdict(False, "", hint)
    if not isinstance(answer, pd.Series):
        return _verdict(False, "", _("expected a pandas Series (one mean per year)."))
    totals = reference_year_sums(Path(data_dir).resolve())
    expected = totals["X3"] / totals["rows"]
    try:
        answer = pd.to_numeric(answer).sort_index()
    except (TypeError, ValueError):
        return _verdict(False, "", _("expected numbers: one mean per year, indexed by year."))
    if list(answer.index) != list(expected.index):
        shown = list(answer.index)[:3]
        hint = _("the index starts {shown}: expected the years {first}...").format(
            shown=shown, first=expected.index[0]
        )
        return _verdict(False, "", hint)
    ok = bool(((answer - expected).abs() < 1e-9).all())
    return _verdict(
        ok,
        _(
            "{years} yearly means, all close to 49.5 as uniform values in [0, 100) should be."
        ).format(years=len(expected)),
        _("one value per year, but not the mean of X3 (a sum, or another column?)."),
    )


def _same_count(answer: float, count: int) -> bool:
    """``answer`` is ``count``, up to the rounding of a float (a mean times a row count)."""
    return abs(answer - count) <= 1e-6 * max(1, abs(count))


def check_count_x0_is_99(answer: Any, data_dir: str | Path) -> bool:
    """Exercise 2.2: how many rows, in all the years, have ``X0 == 99``? (see the tests)

    A float that differs from the count only by rounding (a share of the rows times their
    number, say) is the count.

    Example (``data_dir`` is a data set folder)::

        check_count_x0_is_99(60485.00000000001, data_dir)  # at demo: 60485 rows
        # Correct: 60,485 rows: about 1% of all rows, as expected for values drawn from 100.
    """
    if hasattr(answer, "compute"):
        return _verdict(False, "", _("that is still a Dask plan: call .compute() on it."))
    if not isinstance(answer, numbers.Real) or isinstance(answer, bool):
        return _verdict(False, "", _("expected one number: the count of rows."))
    try:
        value = float(answer)
    except (OverflowError, TypeError, ValueError):
        return _verdict(False, "", _("expected one number: the count of rows."))
    totals = reference_year_sums(Path(data_dir).resolve())
    expected = int(totals["x0_is_99"].sum())
    if _same_count(value, int(totals["x0_is_99"].iloc[0])) and len(totals) > 1:
        return _verdict(False, "", _("that is the first year's count: count over every file."))
    if _same_count(value, int(totals["rows"].sum())):
        return _verdict(False, "", _("that counts every row: keep only the rows where X0 is 99."))
    return _verdict(
        _same_count(value, expected),
        _("{count:,} rows: about 1% of all rows, as expected for values drawn from 100.").format(
            count=expected
        ),
        _("{answer:,.10g} is not the count of rows where X0 equals 99.").format(answer=value),
    )


# --- Notebook 03 -------------------------------------------------------------------------


def check_sum_of_cubes_graph(answer: Any) -> bool:
    """Exercise 3.1: a *lazy* graph that adds the cubes of 1..5: five cube tasks, one sum task.

    Any answer gets a verdict: computing the student's graph may fail, and that is a hint too.

    Example:
        >>> check_sum_of_cubes_graph(225)
        Not yet: return the Delayed object, before compute(): the plan, not the number.
        False
    """
    from dask.delayed import Delayed

    if isinstance(answer, list | tuple) and any(isinstance(a, Delayed) for a in answer):
        return _verdict(
            False, "", _("that is a list of delayed cubes: feed them all to one delayed sum task.")
        )
    if not isinstance(answer, Delayed):
        return _verdict(
            False, "", _("return the Delayed object, before compute(): the plan, not the number.")
        )
    try:
        return _check_cubes_and_sum(answer)
    except Exception as error:  # a checker never raises: the error is the hint
        hint = _("computing the graph failed: {error_type}: {error}").format(
            error_type=type(error).__name__, error=error
        )
        return _verdict(False, "", hint)


def _check_cubes_and_sum(answer: Any) -> bool:
    """The graph checks of exercise 3.1 on a ``Delayed`` (they may raise)."""
    from collections import Counter

    graph = answer.__dask_graph__()
    names = Counter(str(key[0] if isinstance(key, tuple) else key).split("-")[0] for key in graph)
    if names["cube"] != 5:
        hint = _("the graph has {cubes} cube tasks; expected 5.").format(cubes=names["cube"])
        return _verdict(False, "", hint)
    others = {name: count for name, count in names.items() if name != "cube"}
    if names["add"]:
        hint = _("{adds} add tasks: sum() ran at once and added the cubes in turn.").format(
            adds=names["add"]
        )
        return _verdict(False, "", hint)
    if others != {"sum": 1}:
        found = ", ".join(f"{count} {name}" for name, count in sorted(others.items()))
        hint = _("besides the cubes the graph has {found} task(s), not one sum task.").format(
            found=found
        )
        return _verdict(False, "", hint)
    with contextlib.redirect_stdout(io.StringIO()):  # the cubes print from several threads
        value = answer.compute(scheduler="threads", num_workers=5)
    return _verdict(
        value == 225,
        _("{tasks} tasks, total {value}.").format(tasks=len(graph), value=value),
        _("the graph computes {value}, not 1 + 8 + 27 + 64 + 125 = 225.").format(value=value),
    )


def check_workers_for_two_seconds(num_workers: Any) -> bool:
    """Exercise 3.2: how many threads make ten one-second cubes take about two seconds?

    Example:
        >>> check_workers_for_two_seconds(5)
        Correct: ceil(10 / 5) = 2 rounds of one second.
        True
    """
    if isinstance(num_workers, numbers.Real) and not isinstance(num_workers, bool):
        if not _is_whole(num_workers) and float(num_workers).is_integer():
            hint = _("{answer!r} is not an int: Dask needs a whole number of threads.").format(
                answer=num_workers
            )
            return _verdict(False, "", hint)
    if not _is_whole(num_workers) or num_workers < 1:
        return _verdict(False, "", _("answer with a whole number of workers."))
    rounds = math.ceil(10 / num_workers)
    return _verdict(
        rounds == 2,
        _("ceil(10 / {workers}) = 2 rounds of one second.").format(workers=num_workers),
        _("with {workers} workers, ten tasks need {rounds} rounds of one second.").format(
            workers=num_workers, rounds=rounds
        ),
    )


# --- Notebook 02b (optional) -------------------------------------------------------------


def _mib(value: Any) -> float | None:
    """``value`` as a finite float of MiB, or ``None`` when it is not one number."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return None
    try:
        value = float(value)
    except (OverflowError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def memory_prediction_ranges(curves: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """The MiB each way's measured points support for twice the data: ``{way: (low, high)}``.

    pandas holds every row: its need grows in proportion, so twice the data needs twice (its
    line through the points, within 5%). Dask's need rises only while more files keep more
    threads busy: at twice the data it needs at least what it needs now, and at most its last
    measured rise (from the second-largest point to the largest) once more, within 5%.

    Example:
        >>> curves = pd.DataFrame({"way": ["pandas"] * 3 + ["dask"] * 3,
        ...     "files": [1, 2, 10] * 2, "disk_mb": [20.0, 40.0, 200.0] * 2,
        ...     "needed_mib": [60.0, 120.0, 600.0, 110.0, 190.0, 230.0]})
        >>> {way: tuple(round(x) for x in r) for way, r in memory_prediction_ranges(curves).items()}
        {'pandas': (1140, 1260), 'dask': (218, 294)}
    """
    from chapter05_helpers.peak_memory import fit_lines

    ranges = {}
    now_mb = float(curves["disk_mb"].max())
    slope, intercept = fit_lines(curves[curves["way"] == "pandas"], "needed_mib")["pandas"]
    pandas_twice = slope * 2 * now_mb + intercept
    ranges["pandas"] = (0.95 * pandas_twice, 1.05 * pandas_twice)
    dask = curves[curves["way"] == "dask"].sort_values("disk_mb")
    last, before = dask.iloc[-1], dask.iloc[-2]
    rise = max(0.0, last["needed_mib"] - before["needed_mib"])
    per_mb = rise / (last["disk_mb"] - before["disk_mb"])
    ranges["dask"] = (0.95 * last["needed_mib"], 1.05 * (last["needed_mib"] + per_mb * now_mb))
    return ranges


def check_memory_predictions(pandas_mib: Any, dask_mib: Any, curves: pd.DataFrame) -> bool:
    """Exercise 02b: each way's memory (MiB) for twice the data, worked out from ``curves``.

    The right answers are the ranges of :func:`memory_prediction_ranges`. The plausible wrong
    ones: a need read at today's data, Dask's need doubled, Dask's straight line through all
    its points (the one-file point keeps threads idle), and an answer in bytes or MB.

    Example:
        >>> curves = pd.DataFrame({"way": ["pandas"] * 3 + ["dask"] * 3,
        ...     "files": [1, 2, 10] * 2, "disk_mb": [20.0, 40.0, 200.0] * 2,
        ...     "needed_mib": [60.0, 120.0, 600.0, 110.0, 190.0, 230.0]})
        >>> check_memory_predictions(1200, 250, curves)
        Correct: pandas 1200 MiB (2.0x today), Dask 250 MiB (1.09x): it levels off.
        True
        >>> check_memory_predictions(1200, 460, curves)
        Not yet: Dask's 460 MiB doubles its need, as if it held every row. Does it?
        False
    """
    from chapter05_helpers.peak_memory import fit_lines

    answers = {"pandas": _mib(pandas_mib), "dask": _mib(dask_mib)}
    if None in answers.values():
        return _verdict(False, "", _("give two numbers, in MiB: pandas_mib and dask_mib."))
    counts = curves["way"].value_counts() if isinstance(curves, pd.DataFrame) else {}
    if counts.get("pandas", 0) < 2 or counts.get("dask", 0) < 2:
        return _verdict(
            False, "", _("run the cell that measures both ways first: curves is short.")
        )
    ranges = memory_prediction_ranges(curves)
    now_mb = float(curves["disk_mb"].max())
    lines = fit_lines(curves, "needed_mib")
    now = {way: slope * now_mb + cut for way, (slope, cut) in lines.items()}
    dask_points = curves[curves["way"] == "dask"].sort_values("disk_mb")
    now["dask"] = float(dask_points["needed_mib"].iloc[-1])
    dask_line = lines["dask"][0] * 2 * now_mb + lines["dask"][1]

    def inside(answer: float, way: str) -> bool:
        low, high = ranges[way]
        return low <= answer <= high

    def near(answer: float, target: float) -> bool:
        return abs(answer - target) <= 0.05 * abs(target)

    for way, answer in answers.items():
        if inside(answer, way):
            continue
        name = "pandas" if way == "pandas" else "Dask"
        if answer > 1000 * ranges[way][1]:
            hint = _("{way}'s {answer:.3g} looks like bytes: give MiB, as in the table.")
        elif way == "pandas" and near(answer, now["pandas"]):
            hint = _("pandas' answer is what it needs today. What do twice the rows need?")
        elif way == "dask" and near(answer, 2 * now["dask"]):
            hint = _("Dask's {answer:.0f} MiB doubles its need, as if it held every row. Does it?")
        elif way == "dask" and near(answer, dask_line):
            hint = _(
                "Dask's {answer:.0f} MiB follows the line through all its points. "
                "What did one file leave idle?"
            )
        elif answer < ranges[way][0]:
            hint = _("{way}'s {answer:.0f} MiB is less than it needs today.")
        else:
            hint = _("{way}'s {answer:.0f} MiB is more than its points suggest.")
        hint = hint.format(way=name, answer=answer)
        return _verdict(False, "", hint)
    good = _(
        "pandas {pandas:.0f} MiB ({pandas_ratio:.1f}x today), "
        "Dask {dask:.0f} MiB ({dask_ratio:.2f}x): it levels off."
    ).format(
        pandas=answers["pandas"],
        pandas_ratio=answers["pandas"] / now["pandas"],
        dask=answers["dask"],
        dask_ratio=answers["dask"] / now["dask"],
    )
    return _verdict(True, good, "")


# --- Notebook 04 -------------------------------------------------------------------------


def check_equal_cost_speedup(
    answer: Any, workers: Any, utilization_all: Any, utilization_one: Any, measured: Any
) -> bool:
    """Exercise 4b.1: the speed-up of all workers over one if the same pipelines cost the same.

    A run's wall time is its evaluating time over its workers times their utilization. So with
    equal evaluating time the ratio is ``workers * utilization_all / utilization_one``. The answer
    may be rounded to two decimals. The plausible wrong answers get their own hint: the measured
    ratio (it also holds the runs' different costs), the number of workers, and the ratio with a
    part left out or upside down.

    Example:
        >>> check_equal_cost_speedup(1.84, 2, 0.92, 1.0, 2.05)
        Correct: 2 workers x 0.92 / 1.00 = 1.84.
        True
        >>> check_equal_cost_speedup(2.05, 2, 0.92, 1.0, 2.05)
        Not yet: that is the measured ratio. It also holds how much faster the same pipelines ran \
in one of the runs. Which part of it depends only on the waiting?
        False
    """
    if not isinstance(answer, numbers.Real) or isinstance(answer, bool):
        return _verdict(False, "", _("put a number in speedup_1."))
    try:
        n, u_all, u_one = float(workers), float(utilization_all), float(utilization_one)
        expected = n * u_all / u_one
        wrong = {
            float(measured): _(
                "that is the measured ratio. It also holds how much faster the same "
                "pipelines ran in one of the runs. Which part of it depends only on the waiting?"
            ),
            n: _("that assumes no worker ever waits. What do the two utilizations say?"),
            n * u_all: _(
                "the one worker waited too. Its utilization belongs in the answer as well."
            ),
            u_all / u_one: _("that leaves out how many workers share the work."),
            n * u_one / u_all: _("upside down: more waiting on all workers means a smaller ratio."),
        }
    except (TypeError, ValueError, ZeroDivisionError):
        return _verdict(
            False, "", _("run the cells above first: the two runs' figures are missing.")
        )
    if not math.isfinite(expected):
        return _verdict(
            False, "", _("run the cells above first: the two runs' figures are missing.")
        )
    if abs(answer - expected) <= 0.005 + 1e-9:  # two decimals
        good = _("{workers:.0f} workers x {u_all:.2f} / {u_one:.2f} = {ratio:.2f}.").format(
            workers=n, u_all=u_all, u_one=u_one, ratio=expected
        )
        return _verdict(True, good, "")
    value, hint = min(wrong.items(), key=lambda item: abs(answer - item[0]))
    if abs(answer - value) < abs(answer - expected) and abs(value - expected) > 0.005:
        return _verdict(False, "", hint)
    return _verdict(
        False,
        "",
        _(
            "a run's wall time is its evaluating time over the workers and their utilization. "
            "Write it for both runs, with the same evaluating time, and divide."
        ),
    )


def check_evaluations_in_flight(answer: Any) -> bool:
    """Exercise 4.1: evaluations TPOT 1.1 keeps in flight under plain ``Client()`` on 8 CPUs.

    Dask starts 4 workers of 2 threads there; TPOT counts workers. A whole number written as a
    float (``4.0``) counts as that number.

    Example:
        >>> check_evaluations_in_flight(4)
        Correct: one per worker, whatever the threads.
        True
        >>> check_evaluations_in_flight(8)
        Not yet: that counts threads. What does TPOT's line count?
        False
    """
    is_number = isinstance(answer, numbers.Real) and not isinstance(answer, bool)
    if not is_number or not math.isfinite(answer) or answer != int(answer):
        return _verdict(False, "", _("put a whole number in answer_1."))
    if answer == 8:
        return _verdict(False, "", _("that counts threads. What does TPOT's line count?"))
    return _verdict(
        answer == 4,
        _("one per worker, whatever the threads."),
        _("how many workers does Client() start on 8 CPUs? Dask's choice is not 1 or 8."),
    )

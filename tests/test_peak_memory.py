"""The memory measurements of notebook 02b, each in a fresh process, at the demo profile's size
(about 200 MB of CSV)."""

from __future__ import annotations

import pandas as pd
import pytest

from chapter05_helpers.data import make_dataset
from chapter05_helpers.exercises import reference_year_sums
from chapter05_helpers.peak_memory import aggregate, cap_supported, measure
from chapter05_helpers.profiles import get_profile

COLUMNS = ["X0", "X1", "X2", "X3", "X4"]


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    rows = get_profile("demo").rows_per_year
    folder = make_dataset("ci", tmp_path_factory.mktemp("demo"), rows_per_year=rows, progress=False)
    return sorted(folder.glob("*.csv"))


@pytest.mark.slow  # each measurement reads 200 MB of CSV in a fresh process
def test_pandas_needs_several_times_what_dask_needs(demo_files):
    pandas, dask = measure("pandas", demo_files), measure("dask", demo_files)
    expected = reference_year_sums(demo_files[0].parent)[COLUMNS]
    for result in (pandas, dask):
        assert result["error"] is None
        pd.testing.assert_frame_equal(result["sums"].sort_index(), expected)
    pandas_cost = pandas["peak"] - pandas["footprint"]
    dask_cost = dask["peak"] - dask["footprint"]
    assert pandas_cost > 2 * dask_cost, (pandas_cost, dask_cost)


@pytest.mark.slow
@pytest.mark.skipif(not cap_supported(), reason="the hard cap (RLIMIT_DATA) is Linux's")
def test_one_cap_stops_the_pandas_way_and_lets_dask_finish(demo_files):
    cap = 400 * 2**20  # between Dask's need (~300 MiB) and pandas' (~650 MiB) at this size
    pandas = measure("pandas", demo_files, cap)
    dask = measure("dask", demo_files, cap)
    assert pandas["sums"] is None and pandas["error"].startswith("MemoryError"), pandas["error"]
    assert dask["error"] is None
    expected = reference_year_sums(demo_files[0].parent)[COLUMNS]
    pd.testing.assert_frame_equal(dask["sums"].sort_index(), expected)


def test_an_unknown_way_is_refused():
    with pytest.raises(ValueError, match="way must be one of"):
        aggregate("spark", [])


@pytest.mark.slow
def test_measure_runs_in_a_fresh_process_each_time(demo_files):
    """Each call has its own peak: a small run after a large one does not inherit its peak."""
    large = measure("pandas", demo_files)
    small = measure("pandas", demo_files[:1])
    assert small["peak"] - small["footprint"] < (large["peak"] - large["footprint"]) / 2

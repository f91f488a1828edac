"""Dask's fault tolerance: a worker killed with SIGKILL mid-aggregation costs time, not data."""

from __future__ import annotations

import os
import signal
import sys
import time

import dask.dataframe as dd
import pandas as pd
import pytest
from distributed import Client, LocalCluster

from chapter05_helpers.data import make_dataset
from chapter05_helpers.exercises import reference_year_sums


def tasks_in_memory(dask_scheduler) -> int:
    return sum(ts.state == "memory" for ts in dask_scheduler.tasks.values())


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX-only")
def test_kill_9_one_worker_mid_aggregation(tmp_path):
    folder = make_dataset("ci", tmp_path / "data", rows_per_year=300_000, progress=False)
    expected = reference_year_sums(folder)[["X0", "X1", "X2", "X3", "X4"]]
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        ddf = dd.read_csv(str(folder / "*.csv"), parse_dates=["Date"], blocksize="1MB")
        assert ddf.npartitions >= 40
        future = client.compute(ddf.groupby(ddf["Date"].dt.year).sum(numeric_only=True))
        deadline = time.monotonic() + 60
        while client.run_on_scheduler(tasks_in_memory) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        pids = client.run(os.getpid)
        victim_address, victim_pid = sorted(pids.items())[0]
        assert not future.done(), "the kill must land while the aggregation runs"
        os.kill(victim_pid, signal.SIGKILL)
        result = future.result(timeout=300)
        # the nanny restarts the killed worker: two workers again, one of them a new process
        client.wait_for_workers(2, timeout=60)
        assert victim_pid not in client.run(os.getpid).values()
    pd.testing.assert_frame_equal(result.sort_index(), expected)

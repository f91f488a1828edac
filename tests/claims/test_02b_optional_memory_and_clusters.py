"""Claims of notebook 02b (memory, Parquet and a small cluster), shown on the installed versions.

The workers' memory rules run against stand-ins for a worker and a nanny (no cluster starts);
what only a running cluster does is read from the installed source at the lines that decide it.
"""

from __future__ import annotations

import asyncio
import csv
import inspect
import json
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from dask.dataframe.io import csv as dask_csv
from distributed.core import Status


def small_frame(rows: int = 2_000) -> pd.DataFrame:
    """A frame like the course's: a Date column, one row per second, five one-byte features."""
    values = np.random.default_rng(0).integers(0, 100, (5, rows), dtype=np.uint8)
    frame = pd.DataFrame({"Date": pd.date_range("2010-01-01", periods=rows, freq="s")})
    for i in range(5):
        frame[f"X{i}"] = values[i]
    return frame


def in_fresh_python(code: str) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON object, returned here."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- Partitions ---------------------------------------------------------------------------


@pytest.mark.claim("read-csv-default-blocksize")
def test_read_csv_defaults_to_64_mb_or_less_with_little_memory_per_cpu(tmp_path):
    assert dask_csv.auto_blocksize(16 * 2**30, 8) == 64_000_000  # 2 GiB per CPU
    assert dask_csv.auto_blocksize(4 * 2**30, 8) == 4 * 2**30 // 8 // 10  # 512 MiB per CPU
    source = inspect.getsource(dask_csv._infer_block_size)
    assert "psutil.virtual_memory().total" in source and "psutil.cpu_count()" in source
    path = tmp_path / "x.csv"
    small_frame().to_csv(path, index=False)
    size = path.stat().st_size
    with mock.patch.object(dask_csv, "AUTO_BLOCKSIZE", size // 5):  # what the default reads
        assert dd.read_csv(str(path)).npartitions == 5


# --- Writing CSV ---------------------------------------------------------------------------


@pytest.mark.claim("to-csv-one-value-at-a-time")
def test_to_csv_hands_each_value_to_pythons_csv_writer_on_one_core(tmp_path):
    frame = small_frame(20_000)
    rows_seen: list = []
    real_writer = csv.writer

    def spying_writer(*args, **kwargs):
        writer = real_writer(*args, **kwargs)

        class Spy:
            def writerow(self, row):
                return writer.writerow(row)

            def writerows(self, rows):
                rows = list(rows)
                rows_seen.extend(rows[:2])
                return writer.writerows(rows)

        return Spy()

    process, thread = time.process_time(), time.thread_time()
    with mock.patch("pandas.io.formats.csvs.csvlib.writer", spying_writer):
        frame.to_csv(tmp_path / "x.csv", index=False)
    process, thread = time.process_time() - process, time.thread_time() - thread
    # one Python object per value: csv.writer calls str() on each number as it writes it
    assert [type(value) for value in rows_seen[0]] == [str] + [int] * 5
    row = frame.set_index(frame["Date"].astype(str)).loc[rows_seen[0][0]]
    assert rows_seen[0][1:] == [int(row[f"X{i}"]) for i in range(5)]
    assert process < 1.2 * thread + 0.01, "other threads worked too"


# --- Memory, as the operating system counts it ----------------------------------------------

PEAK = """
import json, numpy as np
def status(field):
    line = next(l for l in open("/proc/self/status") if l.startswith(field + ":"))
    return int(line.split()[1]) * 1024
before = status("VmHWM")
array = np.ones(64 * 2**20 // 8)  # 64 MiB, every page written
during = status("VmRSS")
del array
print(json.dumps({"hwm_rise": status("VmHWM") - before, "rss_drop": during - status("VmRSS")}))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="/proc/self/status is Linux's")
@pytest.mark.claim("vmhwm-is-peak-memory")
def test_the_high_water_mark_keeps_a_peak_that_is_gone():
    result = in_fresh_python(PEAK)
    assert result["hwm_rise"] > 60 * 2**20  # the peak stays recorded ...
    assert result["rss_drop"] > 60 * 2**20  # ... after the memory went back


CAP = """
import json, resource, numpy as np
data = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmData:"))
resource.setrlimit(resource.RLIMIT_DATA, (data + 100 * 2**20, resource.RLIM_INFINITY))
small = np.ones(10 * 2**20 // 8)  # 10 MiB: under the cap
try:
    big = np.ones(200 * 2**20 // 8)  # 200 MiB: past it
    error = None
except MemoryError as caught:
    error = type(caught).__name__
print(json.dumps({"small": float(small.sum()), "error": error}))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_DATA caps mmap only on Linux")
@pytest.mark.claim("rlimit-data-makes-allocations-fail")
def test_past_the_hard_cap_a_request_for_memory_fails_with_an_error():
    result = in_fresh_python(CAP)
    assert result == {"small": 10 * 2**20 / 8, "error": "MemoryError"}


# --- Parquet --------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")
@pytest.mark.claim("parquet-keeps-column-types")
def test_parquet_stores_typed_binary_columns_read_without_parsing(tmp_path):
    frame = small_frame(20_000)
    frame.to_csv(tmp_path / "x.csv", index=False)
    dd.from_pandas(frame, npartitions=1).to_parquet(tmp_path / "pq", write_index=False)
    back = dd.read_parquet(tmp_path / "pq").compute()
    assert back.dtypes.to_dict() == frame.dtypes.to_dict()  # uint8 and datetime, as written
    from_csv = pd.read_csv(tmp_path / "x.csv")
    assert from_csv["Date"].dtype != frame["Date"].dtype  # CSV is text: a string column
    parquet_bytes = sum(p.stat().st_size for p in (tmp_path / "pq").glob("*.parquet"))
    assert parquet_bytes < (tmp_path / "x.csv").stat().st_size / 2


@pytest.mark.claim("uint8-sums-widen")
def test_one_byte_columns_add_up_in_a_wider_type():
    frame = small_frame(1_000)
    sums = frame.groupby(frame["Date"].dt.year).sum(numeric_only=True)
    assert frame["X0"].dtype == np.uint8
    assert sums["X0"].dtype == np.uint64
    assert sums["X0"].iloc[0] == int(frame["X0"].astype(int).sum()) > 255


# --- A worker's memory ---------------------------------------------------------------------


class WorkerStandIn:
    """What ``WorkerMemoryManager`` reads from a worker; its process memory is set by hand."""

    def __init__(self, folder: Path, unmanaged: int):
        self.local_directory = str(folder)
        self.periodic_callbacks: dict = {}
        self.status = Status.running
        self.unmanaged = unmanaged
        self.manager = None
        self.monitor = self

    def get_process_memory(self) -> int:  # unmanaged bytes + the results still in memory
        return self.unmanaged + sum(v.nbytes for v in self.manager.data.fast.values())

    def digest_metric(self, *args) -> None:
        pass


@pytest.mark.claim("worker-memory-thresholds")
def test_a_worker_spills_at_60_and_70_percent_pauses_at_80_and_is_ended_at_95(tmp_path):
    from distributed.worker_memory import NannyMemoryManager, WorkerMemoryManager

    limit, mb = 10_000_000, 1_000_000
    worker = WorkerStandIn(tmp_path, unmanaged=2 * mb)
    manager = worker.manager = WorkerMemoryManager(worker, nthreads=1, memory_limit=limit)
    for i in range(5):  # 5 MB of results: under 60% of the limit, all in memory
        manager.data[f"x{i}"] = np.ones(mb // 8)
    assert len(manager.data.slow) == 0
    manager.data["x5"] = np.ones(2 * mb // 8)  # 7 MB of results: past 60% (target)
    assert len(manager.data.slow) > 0 and manager.data.fast.total_weight <= 0.6 * limit
    manager.data.clear()
    for i in range(5):  # 5 MB of results and 2 MB unmanaged: 70%, not more
        manager.data[f"y{i}"] = np.ones(mb // 8)
    asyncio.run(manager._maybe_spill(worker, worker.get_process_memory()))
    assert len(manager.data.slow) == 0
    worker.unmanaged = 2.5 * mb  # 75% of the limit: past 70% (spill) ...
    asyncio.run(manager._maybe_spill(worker, worker.get_process_memory()))
    assert len(manager.data.slow) > 0  # ... so it spilled ...
    assert worker.get_process_memory() <= 0.6 * limit  # ... down to 60%
    for fraction, status in ((0.79, Status.running), (0.81, Status.paused), (0.7, Status.running)):
        manager._maybe_pause_or_unpause(worker, int(fraction * limit))
        assert worker.status == status, fraction
    nanny = mock.Mock(nthreads=1, periodic_callbacks={}, status=Status.running)
    nanny_manager = NannyMemoryManager(nanny, memory_limit=limit)
    assert nanny_manager.memory_terminate_fraction == 0.95
    for fraction, ended in ((0.94, False), (0.96, True)):
        nanny.process.process = mock.Mock(pid=1)  # psutil reads this fraction of the limit
        rss = mock.Mock(return_value=mock.Mock(rss=int(fraction * limit)))
        with mock.patch("psutil.Process", return_value=mock.Mock(memory_info=rss)):
            nanny_manager.memory_monitor(nanny)
        assert nanny.process.process.terminate.called is ended, fraction


@pytest.mark.claim("nanny-restarts-dead-worker")
def test_a_nanny_starts_its_worker_again_when_it_ends():
    from distributed.deploy import local
    from distributed.nanny import Nanny

    assert "worker_class = Nanny if processes else Worker" in inspect.getsource(local)
    assert inspect.signature(local.LocalCluster).parameters["processes"].default is None
    on_exit = inspect.getsource(Nanny._on_worker_exit)
    restart = on_exit.index('logger.warning("Restarting worker')
    assert on_exit.index("await self.instantiate()", restart) > restart


# --- Heartbeats and the memory sampler -------------------------------------------------------


@pytest.mark.claim("heartbeat-every-half-second-up-to-10-workers")
def test_workers_report_every_half_second_on_a_small_cluster():
    from distributed import scheduler

    intervals = [scheduler.heartbeat_interval(n) for n in (1, 2, 10, 11, 49, 50)]
    assert intervals == [0.5, 0.5, 0.5, 1, 1, 2]
    # the memory the scheduler knows of a worker changes only when its heartbeat arrives
    heartbeat = inspect.getsource(scheduler.Scheduler.heartbeat_worker)
    assert "ws.metrics = metrics" in heartbeat
    memory = inspect.getsource(scheduler.WorkerState.memory.fget)
    assert 'self.metrics["memory"]' in memory


@pytest.mark.claim("memory-sampler-polls-own-interval")
def test_the_memory_sampler_reads_the_last_report_on_its_own_timer():
    from distributed.diagnostics.memory_sampler import MemorySampler, MemorySamplerExtension

    default = inspect.signature(MemorySampler.sample).parameters["interval"].default
    assert default == 0.5

    async def sample_for(seconds: float, interval: float) -> list[int]:
        scheduler = mock.Mock(handlers={}, clients={"me"}, periodic_callbacks={})
        scheduler.memory.process = 100  # the last heartbeats' report: unchanged here
        extension = MemorySamplerExtension(scheduler)
        key = extension.start(client="me", measure="process", interval=interval)
        await asyncio.sleep(seconds)
        return [nbytes for _, nbytes in extension.stop(key)]

    samples = asyncio.run(sample_for(0.3, 0.02))
    assert len(samples) >= 8, "many samples, with no heartbeat at all"
    assert set(samples) == {100}, "each sample repeats the latest report"


@pytest.mark.claim("lost-tasks-run-again")
def test_the_scheduler_runs_a_lost_workers_tasks_again():
    from distributed.scheduler import Scheduler

    source = inspect.getsource(Scheduler.remove_worker)
    running = source.index("for ts in list(ws.processing):")
    assert source.index('recommendations[k] = "released"', running) > running  # to run again
    held = source.index("for ts in list(ws.has_what):")
    assert source.index('recommendations[ts.key] = "released"', held) > held  # lost results
    import distributed
    import yaml

    defaults = yaml.safe_load(Path(distributed.__file__).with_name("distributed.yaml").read_text())
    assert defaults["distributed"]["scheduler"]["allowed-failures"] == 3  # then it gives up

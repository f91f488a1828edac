"""Claims of notebook 02 (Dask arrays and dataframes), each shown on the installed versions.

Most run a small example. A few read the installed source at the lines that decide them.
"""

from __future__ import annotations

import inspect
import json
import os
import pickle
import re
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from unittest import mock

import cloudpickle
import dask
import dask.array as da
import dask.bag as db
import dask.dataframe as dd
import dask.local
import dask.multiprocessing
import dask.system
import dask.threaded
import numpy as np
import pandas as pd
import psutil
import pytest
from dask.callbacks import Callback
from dask.utils import format_bytes, get_default_shuffle_method

SITE = Path(dask.__file__).resolve().parent.parent


def small_csv(folder: Path, rows: int = 20_000, name: str = "2010.csv") -> Path:
    """A CSV like the course's: a Date column, one row per second, five integer features."""
    values = np.random.default_rng(0).integers(0, 100, (5, rows))
    frame = pd.DataFrame({"Date": pd.date_range("2010-01-01", periods=rows, freq="s")})
    for i in range(5):
        frame[f"X{i}"] = values[i]
    path = folder / name
    frame.to_csv(path, index=False)
    return path


def in_fresh_python(code: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    """Run ``code`` in a new Python interpreter (as a spawned child would be)."""
    return subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, timeout=60
    )


# --- Collections --------------------------------------------------------------------------


@pytest.mark.claim("collections-are-plans")
def test_making_a_collection_computes_nothing_one_task_per_piece():
    start = time.perf_counter()
    huge = da.ones((100_000,) * 3, chunks=1_000)  # 8 PB: no memory could hold it
    seconds = time.perf_counter() - start
    assert huge.nbytes > 1000 * psutil.virtual_memory().total
    assert seconds < 1
    assert huge.numblocks == (100, 100, 100)
    small = da.ones((8, 8), chunks=4)
    graph = dict(small.__dask_graph__())
    assert len(graph) == small.blocks.size == 4  # one task per chunk, nothing computed
    assert small.sum().compute() == 64


@pytest.mark.claim("collection-pieces-numpy-pandas-python")
def test_the_pieces_are_numpy_arrays_pandas_frames_and_lists():
    array = da.arange(12, chunks=4)
    assert array.chunks == ((4, 4, 4),) and array.numblocks == (3,)
    assert isinstance(array.blocks[0].compute(), np.ndarray)
    frame = dd.from_pandas(pd.DataFrame({"x": range(6)}), npartitions=2)
    assert frame.npartitions == 2
    assert isinstance(frame.partitions[0].compute(), pd.DataFrame)
    bag = db.from_sequence(["a", {"b": 1}, 3], npartitions=2)
    pieces = [piece.compute(scheduler="sync") for piece in bag.to_delayed()]
    assert [type(piece) for piece in pieces] == [list, list]
    assert sum(pieces, []) == ["a", {"b": 1}, 3]


@pytest.mark.claim("local-schedulers-keep-results-in-memory")
def test_the_local_schedulers_keep_results_in_a_dict():
    caches = []

    class Watch(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):
            caches.append(state["cache"])

    with Watch():
        da.ones(10, chunks=2).sum().compute(scheduler="threads")
    assert caches and all(type(cache) is dict for cache in caches)  # plain memory
    source = inspect.getsource(dask.local)
    for word in ("spill", "psutil", "memory_limit", "virtual_memory"):
        assert word not in source, f"dask/local.py now mentions {word}: re-read the claim"


@pytest.mark.claim("bag-groupby-shuffles-on-disk-without-client")
def test_bag_groupby_writes_its_shuffle_to_disk_without_a_client(tmp_path):
    import partd

    written = []

    class Spy(partd.File):
        def append(self, data, **kwargs):
            super().append(data, **kwargs)
            written.append([p for p in os.listdir(self.path) if not p.startswith(".")])

    assert get_default_shuffle_method() == "disk"  # no distributed client in this process
    bag = db.from_sequence(range(100), npartitions=4)
    with mock.patch.object(partd, "File", Spy), dask.config.set(temporary_directory=tmp_path):
        groups = dict(bag.groupby(lambda x: x % 3).compute(scheduler="sync"))
    assert sorted(groups) == [0, 1, 2] and sorted(groups[1]) == list(range(1, 100, 3))
    assert len(written) == 4 and all(written), "each partition went through files on disk"


@pytest.mark.claim("workers-spill-to-disk")
def test_a_worker_with_a_memory_limit_moves_results_to_disk(tmp_path):
    from distributed.spill import SpillBuffer
    from distributed.worker_memory import WorkerMemoryManager

    class Worker:  # what WorkerMemoryManager reads from a worker
        local_directory = str(tmp_path)
        periodic_callbacks: dict = {}

    manager = WorkerMemoryManager(Worker(), nthreads=1, memory_limit=10_000_000)
    assert isinstance(manager.data, SpillBuffer)
    for i in range(8):
        manager.data[f"x{i}"] = np.ones(1_000_000 // 8)  # 1 MB each, 8 MB in all
    assert len(manager.data.slow) > 0, "past its target the worker wrote results to disk"
    assert list((tmp_path / "storage").iterdir())
    assert manager.data["x0"].sum() == 125_000  # read back from disk when needed


@pytest.mark.claim("format-bytes-binary-units")
def test_format_bytes_prints_binary_units():
    assert format_bytes(2**20) == "1.00 MiB"
    assert format_bytes(2**30) == "1.00 GiB"
    assert format_bytes(10**6) == "0.95 MiB"  # a million bytes (1 MB) is not 1 MiB
    assert format_bytes(10**9) == "0.93 GiB"  # nor is 1 GB 1 GiB


# --- NumPy and the operating system --------------------------------------------------------

FAULTS = """
import json, resource, sys
import numpy as np

def faults(nbytes):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    array = np.ones(nbytes // 8)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    del array
    return after - before

nbytes = int(sys.argv[1])
faults = [faults(nbytes) for _ in range(4)]
print(json.dumps({"faults": faults, "fresh_is_zero": not np.empty(nbytes // 8).any()}))
"""


def page_faults(mib: int) -> dict:
    """Four ``np.ones`` of ``mib`` MiB in a row, each freed, in a new process: their page faults."""
    result = subprocess.run(
        [sys.executable, "-c", FAULTS, str(mib * 2**20)], capture_output=True, text=True, timeout=60
    )
    return json.loads(result.stdout)


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's allocator and getrusage faults")
@pytest.mark.claim("numpy-large-array-fresh-pages")
def test_a_large_array_gets_fresh_zeroed_pages_from_the_os_every_time():
    measured = page_faults(256)
    faults = measured["faults"]
    # Memory from the OS faults in at least once per page: per 2 MiB huge page where the kernel
    # has one free (NumPy asks for them), per 4 kiB page otherwise. Reused memory faults ~never.
    assert min(faults) >= 256 // 2, f"a later array reused memory: {faults}"
    assert measured["fresh_is_zero"], "the system hands out pages filled with zeros"


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's allocator and getrusage faults")
@pytest.mark.claim("small-buffers-are-reused")
def test_a_buffer_below_32_mib_reuses_memory_given_back_before():
    for mib in (16, 30):  # Dask's chunks at demo are 15 MiB
        faults = page_faults(mib)["faults"]
        assert faults[0] > 50, faults
        assert faults[-1] < faults[0] / 10, f"{mib} MiB: no reuse: {faults}"
    faults = page_faults(34)["faults"]  # past glibc's 32 MiB, every block is fresh again
    assert min(faults) >= 34 // 2, f"34 MiB reused memory: {faults}"


@pytest.mark.claim("threaded-scheduler-one-thread-per-logical-cpu")
def test_the_threaded_scheduler_runs_one_thread_per_logical_cpu():
    assert da.Array.__dask_scheduler__ is dask.threaded.get
    assert dd.DataFrame.__dask_scheduler__ is dask.threaded.get
    da.ones(10, chunks=2).sum().compute()
    assert dask.threaded.default_pool._max_workers == dask.system.CPU_COUNT
    assert os.cpu_count() == psutil.cpu_count(logical=True)  # logical CPUs, not cores
    assert psutil.cpu_count(logical=False) in (None, *range(1, os.cpu_count() + 1))
    if sys.platform == "linux":  # the kernel lists one cpuN per hardware thread
        cpus = [
            p for p in Path("/sys/devices/system/cpu").iterdir() if re.match(r"cpu\d+$", p.name)
        ]
        assert len(cpus) == os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert dask.system.CPU_COUNT <= usable


@pytest.mark.claim("tracemalloc-counts-numpy-arrays")
def test_tracemalloc_sees_numpy_buffers():
    tracemalloc.start()
    try:
        array = np.ones(1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak >= array.nbytes


@pytest.mark.claim("dask-array-needs-a-few-chunks")
def test_dask_holds_only_the_chunks_its_threads_work_on():
    side, chunk = 300, 100  # 27 chunks of 8 MB
    total = (da.ones((side, side, side), chunks=chunk) + 1).sum()
    tracemalloc.start()
    try:
        assert total.compute(scheduler="threads", num_workers=2) == 2 * side**3
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    chunk_bytes = 8 * chunk**3
    assert peak < 6 * chunk_bytes, f"{peak / chunk_bytes:.1f} chunks of 27 at once"


@pytest.mark.claim("numpy-and-pandas-use-one-core")
def test_numpy_and_pandas_compute_on_the_calling_thread_alone():
    array = np.ones(10_000_000)
    frame = pd.DataFrame({"k": np.arange(2_000_000) % 7, "v": np.ones(2_000_000)})
    for work in (lambda: (array + 1).sum(), lambda: frame.groupby("k").sum()):
        process, thread = time.process_time(), time.thread_time()
        for _ in range(3):
            work()
        process, thread = time.process_time() - process, time.thread_time() - thread
        assert thread > 0.01
        assert process < 1.2 * thread + 0.01, "other threads of this process worked too"


# --- pandas -------------------------------------------------------------------------------


@pytest.mark.claim("pandas-freq-lowercase-s")
def test_pandas_spells_seconds_lower_case():
    assert len(pd.date_range("2010-01-01", periods=3, freq="s")) == 3
    with pytest.raises(ValueError, match="Did you mean s"):
        pd.date_range("2010-01-01", periods=3, freq="S")


@pytest.mark.claim("date-range-end-is-midnight")
def test_an_end_date_means_midnight_at_its_start():
    from datetime import datetime

    dates = pd.date_range(start=datetime(2010, 1, 1), end=datetime(2010, 12, 31), freq="s")
    assert dates[-1] == pd.Timestamp("2010-12-31 00:00:00")
    assert len(dates) == 364 * 86_400 + 1


@pytest.mark.claim("groupby-sum-of-dates-raises-since-pandas-2")
def test_summing_a_date_column_raises_and_the_default_changed_in_2_0():
    frame = pd.DataFrame({"Date": pd.date_range("2010-01-01", periods=4, freq="s"), "X0": 1})
    grouped = frame.groupby(frame["Date"].dt.month)
    with pytest.raises(TypeError):
        grouped.sum()
    assert grouped.sum(numeric_only=True)["X0"].tolist() == [4]
    default = inspect.signature(type(grouped).sum).parameters["numeric_only"].default
    assert default is False
    # pandas' own docstrings date the new default (False) to 2.0.0
    source = inspect.getsource(pd.core.groupby.groupby)
    assert "versionchanged:: 2.0.0\n\n                numeric_only now defaults to ``False``" in (
        source
    )


@pytest.mark.claim("read-csv-int64-and-datetime-8-bytes")
def test_read_csv_gives_8_bytes_a_value_48_a_row(tmp_path):
    path = small_csv(tmp_path, rows=1_000)
    frame = pd.read_csv(path, parse_dates=["Date"])
    assert all(dtype.itemsize == 8 for dtype in frame.dtypes)
    assert {str(dtype) for dtype in frame.dtypes[1:]} == {"int64"}
    assert frame["Date"].dtype.kind == "M"
    assert frame.memory_usage(index=False, deep=True).sum() == 48 * len(frame)
    assert path.stat().st_size / len(frame) < 48  # the text is smaller than the numbers


@pytest.mark.claim("pd-concat-copies")
def test_pd_concat_copies_the_frames():
    parts = [pd.DataFrame({"x": np.arange(1000) + i}) for i in range(3)]
    stacked = pd.concat(parts, axis=0)
    for part in parts:
        assert not np.shares_memory(stacked["x"].to_numpy(), part["x"].to_numpy())
    parts[0].loc[0, "x"] = -1
    assert stacked["x"].iloc[0] == 0  # a copy: the parts can change, the stack does not


@pytest.mark.claim("read-csv-chunksize-yields-frames")
def test_read_csv_chunksize_gives_the_file_as_smaller_frames(tmp_path):
    path = small_csv(tmp_path, rows=1_000)
    with pd.read_csv(path, chunksize=300) as reader:
        sizes = [len(chunk) for chunk in reader if isinstance(chunk, pd.DataFrame)]
    assert sizes == [300, 300, 300, 100]


# --- Dask DataFrame -----------------------------------------------------------------------


def block_lengths(path: Path, blocksize: int) -> list[int]:
    """The bytes of each block ``dd.read_csv`` cuts ``path`` into (one partition each)."""
    from dask.bytes import read_bytes

    _, blocks = read_bytes(str(path), delimiter=b"\n", blocksize=blocksize, sample=False)
    return [len(block) for block in dask.compute(*blocks[0], scheduler="sync")]


@pytest.mark.claim("read-csv-blocks-at-least-blocksize")
def test_read_csv_cuts_size_floordiv_blocksize_pieces_of_at_least_blocksize(tmp_path):
    path = small_csv(tmp_path)
    size = path.stat().st_size
    row = 40  # no row of this file is longer
    for blocksize in (size // 4, size // 4 + 1, size // 3, size // 2 + 1):
        lengths = block_lengths(path, blocksize)
        assert len(lengths) == size // blocksize
        assert dd.read_csv(str(path), blocksize=blocksize).npartitions == size // blocksize
        assert all(blocksize - row <= n < 2 * blocksize + row for n in lengths), lengths
    assert block_lengths(path, size + 1) == [size]  # a smaller file is one piece
    ddf = dd.read_csv(str(path), blocksize=size // 8)  # smaller pieces, more of them
    reads = [key for key in dict(ddf.__dask_graph__()) if key[0].startswith("read-csv")]
    assert ddf.npartitions == len(reads) == 8  # one reading task per piece ...
    assert isinstance(ddf.partitions[3].compute(), pd.DataFrame)  # ... giving a pandas frame


def cached_rows(ddf, num_workers: int = 2) -> tuple[object, list[int], int]:
    """Compute the per-year sums, noting how many big pieces the scheduler held at each step."""
    held, chunk_rows = [], []

    class Watch(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):
            big = [v for v in list(state["cache"].values()) if getattr(v, "ndim", 0) and len(v) > 9]
            held.append(len(big))
            if str(key[0] if isinstance(key, tuple) else key).startswith("chunk"):
                chunk_rows.append(len(result))

    with Watch():
        sums = ddf.groupby(ddf["Date"].dt.year).sum(numeric_only=True)
        sums = sums.compute(scheduler="threads", num_workers=num_workers)
    return sums, chunk_rows, max(held)


@pytest.mark.claim("dask-groupby-reduces-each-partition")
def test_dask_reduces_each_partition_and_holds_few_at_once(tmp_path):
    path = small_csv(tmp_path)
    ddf = dd.read_csv(str(path), parse_dates=["Date"], blocksize=path.stat().st_size // 16)
    sums, chunk_rows, most_held = cached_rows(ddf)
    assert ddf.npartitions == 16
    assert len(chunk_rows) == 16 and set(chunk_rows) == {1}, "one row per year per partition"
    assert most_held <= 6, f"{most_held} of 16 partitions held at once"
    frame = pd.read_csv(path, parse_dates=["Date"])
    assert sums.loc[2010].tolist() == frame.drop(columns="Date").sum().tolist()


@pytest.mark.claim("dask-meta-raises-before-reading")
def test_dask_raises_while_building_the_plan_from_its_metadata(tmp_path):
    path = small_csv(tmp_path, rows=100)
    ddf = dd.read_csv(str(path), parse_dates=["Date"])
    path.unlink()  # from here, reading the file would fail with FileNotFoundError
    assert len(ddf._meta) == 0 and len(ddf._meta_nonempty) > 0  # made-up rows, same types
    assert (ddf._meta_nonempty.dtypes == ddf.dtypes).all()
    with pytest.raises(TypeError):
        ddf.groupby(ddf["Date"].dt.year).sum()


# --- Bags, processes and pickling ----------------------------------------------------------


@pytest.mark.claim("bag-default-scheduler-processes")
def test_a_bag_runs_its_tasks_in_other_processes_by_default():
    assert db.Bag.__dask_scheduler__ is dask.multiprocessing.get
    bag = db.from_sequence(range(4), npartitions=2)
    pids = set(bag.map(lambda _: os.getpid()).compute(num_workers=1))
    assert pids and os.getpid() not in pids


@pytest.mark.claim("cloudpickle-main-and-lambdas-by-value")
def test_cloudpickle_sends_main_functions_and_lambdas_by_value_others_by_name():
    namespace = {"__name__": "__main__"}
    exec("def add_one(x):\n    return x + 1\n", namespace)  # as a notebook cell defines it
    add_one = namespace["add_one"]
    load = "import pickle, sys; print(pickle.loads(sys.stdin.buffer.read())(20))"
    for function in (add_one, lambda x: x + 1):  # a fresh interpreter has neither
        assert in_fresh_python(load, cloudpickle.dumps(function)).stdout.strip() == b"21"
    by_name = cloudpickle.dumps(json.dumps)  # a module's function: its name only
    assert b"json" in by_name and len(by_name) < 60
    assert pickle.loads(by_name) is json.dumps
    assert "cloudpickle.dumps" in inspect.getsource(dask.multiprocessing)


@pytest.mark.claim("spawn-needs-functions-from-a-module")
def test_a_fresh_interpreter_cannot_find_a_notebook_function_by_name(monkeypatch):
    namespace = {"__name__": "__main__"}
    exec("def add_one(x):\n    return x + 1\n", namespace)
    add_one = namespace["add_one"]
    monkeypatch.setattr(sys.modules["__main__"], "add_one", add_one, raising=False)  # a cell's
    payload = pickle.dumps(add_one)  # what a process pool sends: the name only
    assert b"add_one" in payload and len(payload) < 60
    result = in_fresh_python("import pickle, sys; pickle.loads(sys.stdin.buffer.read())", payload)
    assert result.returncode != 0 and b"Can't get attribute 'add_one'" in result.stderr
    # spawn, a fresh interpreter per child, is the default on macOS and Windows
    source = Path(inspect.getsourcefile(threading)).with_name("multiprocessing") / "context.py"
    text = source.read_text()
    darwin = r"if sys.platform == 'darwin':\n(\s*#.*\n)*\s*_default_context = DefaultContext\("
    assert re.search(darwin + r"_concrete_contexts\['spawn'\]\)", text)
    windows = r"if sys.platform != 'win32':(.|\n)*\nelse:(.|\n)*_concrete_contexts = \{\n"
    assert re.search(windows + r"\s*'spawn': SpawnContext\(\),\n\s*\}\n", text)

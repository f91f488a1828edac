"""The claims of notebook 01b (threads, the GIL, processes), shown on this Python.

Each test carries the id that a markdown cell of
``notebooks/01b_optional_threads_and_processes.ipynb`` lists in its metadata.
"""

from __future__ import annotations

import concurrent.futures
import inspect
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable

import numpy as np
import psutil
import pytest

FORK = multiprocessing.get_context("fork")


def count_up(n: int) -> int:
    """Busy pure-Python work: add the numbers below ``n``."""
    total = 0
    for i in range(n):
        total += i
    return total


def cpu_and_wall(work: Callable[[], object]) -> tuple[float, float, float]:
    """This process's CPU seconds, its joined children's, and the wall seconds of ``work()``."""
    me = psutil.Process()
    before, wall = me.cpu_times(), time.perf_counter()
    work()
    after, wall = me.cpu_times(), time.perf_counter() - wall
    own = (after.user + after.system) - (before.user + before.system)
    children = (after.children_user + after.children_system) - (
        before.children_user + before.children_system
    )
    return own, children, wall


def ticker_share(work: Callable[[], object]) -> float:
    """How fast a pure-Python counting thread goes while ``work()`` runs, against its speed
    just before (1: not slowed; 0: stopped). A thread can only count while it holds the GIL,
    so it stops while ``work`` holds the GIL and runs on while ``work`` has released it."""
    state = {"count": 0, "stop": False}

    def tick() -> None:
        while not state["stop"]:
            state["count"] += 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)  # the counter asks for the GIL back after 0.1 ms, not 5 ms
    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        time.sleep(0.02)
        start, began = state["count"], time.perf_counter()
        time.sleep(0.1)
        alone = (state["count"] - start) / (time.perf_counter() - began)
        start, began = state["count"], time.perf_counter()
        work()
        during = (state["count"] - start) / (time.perf_counter() - began)
    finally:
        state["stop"] = True
        ticker.join()
        sys.setswitchinterval(interval)
    return during / alone


@pytest.mark.claim("threads-share-memory-and-wait-together")
def test_threads_share_the_process_memory_and_sleep_at_the_same_time():
    seen: list[int] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=5) as pool:
        began = time.perf_counter()
        list(pool.map(lambda _: (seen.append(os.getpid()), time.sleep(0.3)), range(5)))
        elapsed = time.perf_counter() - began
    assert seen == [os.getpid()] * 5  # one process: the list the threads filled is ours
    assert elapsed < 0.3 * 2, f"five 0.3 s naps in five threads took {elapsed:.2f} s"


@pytest.mark.claim("thread-pool-same-api-as-process-pool")
def test_the_thread_pool_has_the_process_pools_api():
    threads = concurrent.futures.ThreadPoolExecutor
    processes = concurrent.futures.ProcessPoolExecutor
    assert issubclass(threads, concurrent.futures.Executor)
    assert issubclass(processes, concurrent.futures.Executor)
    for method in ("submit", "map", "shutdown", "__enter__", "__exit__"):
        assert method in vars(threads) or method in vars(concurrent.futures.Executor)
        assert method in vars(processes) or method in vars(concurrent.futures.Executor)
    submit = inspect.signature(threads.submit), inspect.signature(processes.submit)
    assert str(submit[0]) == str(submit[1]) == "(self, fn, /, *args, **kwargs)"
    with threads(max_workers=2) as pool:
        assert pool.submit(pow, 2, 10).result() == 1024
        assert list(pool.map(abs, [-1, -2])) == [1, 2]


@pytest.mark.claim("gil-one-thread-at-a-time")
def test_two_threads_of_python_code_keep_one_core_busy_not_two():
    """CPython 3.11 has one GIL per interpreter: two threads of pure Python code take turns."""
    assert getattr(sys, "_is_gil_enabled", lambda: True)()  # not a free-threaded build
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        own, _, wall = cpu_and_wall(lambda: list(pool.map(count_up, [1_500_000] * 2)))
    assert own / wall < 1.25, f"{own / wall:.2f} cores busy with two threads"
    assert 0.25 < ticker_share(lambda: count_up(1_000_000)) < 0.8  # Python code shares the GIL


@pytest.mark.claim("processes-use-several-cores")
def test_the_operating_system_runs_two_busy_processes_on_two_cores():
    """Each process has its own interpreter (its own GIL). The operating system spreads two
    busy processes over two CPUs: seen in the CPU each was last running on."""
    allowed = sorted(os.sched_getaffinity(0))
    assert len(allowed) >= 2, "needs two CPUs"
    children = [FORK.Process(target=burn, args=(1.0,)) for _ in range(2)]
    for child in children:
        child.start()
    seen, deadline = set(), time.perf_counter() + 5
    try:
        while len(seen) < 2 and time.perf_counter() < deadline:
            cpus = [psutil.Process(child.pid).cpu_num() for child in children]
            if cpus[0] != cpus[1]:
                seen.add(tuple(sorted(cpus)))
                break
            time.sleep(0.01)
    finally:
        for child in children:
            child.terminate()
            child.join()
    assert seen, "the two busy processes were never seen on two different CPUs"


@pytest.mark.claim("pool-workers-cpu-counted-after-shutdown")
def test_a_pools_cpu_time_counts_as_its_childrens_once_the_with_block_joined_them():
    """Linux counts a child's CPU time once the child has ended and been waited for."""
    me = psutil.Process()

    def children() -> float:
        times = me.cpu_times()
        return times.children_user + times.children_system

    start = children()
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=FORK) as pool:
        pool.submit(burn, 0.2).result()
        while_alive = children() - start
    joined = children() - start
    assert while_alive < 0.05, f"{while_alive:.2f} s counted while the worker was alive"
    assert joined >= 0.19, f"{joined:.2f} s counted once the with block joined the worker"


def burn(cpu_seconds: float) -> None:
    end = time.process_time() + cpu_seconds
    while time.process_time() < end:
        pass


@pytest.mark.claim("numpy-number-loops-release-the-gil")
def test_numpy_releases_the_gil_in_loops_over_numbers_not_over_python_objects():
    numbers = np.random.default_rng(0).random(4_000_000)
    objects = np.arange(2_000_000, dtype=object)
    for name, loop in (("np.sort", np.sort), ("np.sin", np.sin)):
        released = max(ticker_share(lambda loop=loop: loop(numbers)) for _ in range(2))
        assert released > 0.3, f"a thread ran at {released:.0%} of its speed during {name}"
    held = min(ticker_share(lambda: objects.sum()) for _ in range(2))
    assert held < 0.2, f"a thread ran at {held:.0%} of its speed during a sum of objects"


@pytest.mark.claim("dask-arrays-and-dataframes-default-to-threads")
def test_dask_computes_arrays_dataframes_and_delayed_with_threads_by_default():
    import dask
    import dask.array as da
    import dask.bag as db
    import dask.dataframe as dd
    import dask.multiprocessing
    import dask.threaded
    import pandas as pd

    frame = dd.from_pandas(pd.DataFrame({"x": [1, 2]}), npartitions=1)
    for collection in (da.ones(3), frame, dask.delayed(1)):
        assert collection.__dask_scheduler__ is dask.threaded.get, type(collection)
    assert db.from_sequence([1]).__dask_scheduler__ is dask.multiprocessing.get  # bags: processes

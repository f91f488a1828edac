"""The claims of notebook 03 (dask.delayed, its schedulers, Graphviz, a local cluster).

Each test carries the id that a markdown cell of ``notebooks/03_dask_delayed.ipynb`` lists in
its metadata. The tests use short sleeps instead of the notebook's one-second ones.
"""

from __future__ import annotations

import concurrent.futures
import inspect
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
import threading
import time
import types

import cloudpickle
import dask
import dask.multiprocessing
import dask.threaded
import pytest
from dask import delayed
from dask.delayed import Delayed
from support import small_cluster

from chapter05_helpers.pool_functions import sleep_for


def fresh_python(code: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter, as a worker process of Dask's would be."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


@pytest.mark.claim("delayed-call-runs-nothing")
def test_calling_a_delayed_function_records_the_call_and_runs_nothing():
    calls = []

    @delayed
    def cube(number: int) -> int:
        calls.append(number)
        return number**3

    @delayed
    def multiply(items: list) -> int:
        calls.append("multiply")
        result = 1
        for item in items:
            result *= item
        return result

    graph = multiply([cube(n) for n in [1, 2, 3, 4, 5]])
    assert calls == [] and isinstance(graph, Delayed)
    names = sorted(str(key).split("-")[0] for key in graph.__dask_graph__())
    assert names == ["cube"] * 5 + ["multiply"]  # one task per call
    assert graph.compute(scheduler="sync") == 1728000
    assert sorted(map(str, calls)) == ["1", "2", "3", "4", "5", "multiply"]


@pytest.mark.claim("scheduler-runs-a-task-once-its-inputs-are-done")
def test_a_task_starts_as_soon_as_its_own_inputs_are_done():
    started: dict[str, float] = {}

    @delayed
    def step(name: str, seconds: float, *inputs: object) -> str:
        started[name] = time.perf_counter()
        time.sleep(seconds)
        return name

    slow, fast = step("slow", 0.5), step("fast", 0.05)
    after_fast = step("after fast", 0.0, fast)
    last = step("last", 0.0, slow, after_fast)
    began = time.perf_counter()
    assert dask.compute(last, scheduler="threads", num_workers=3) == ("last",)
    assert started["after fast"] - began < 0.4, "it waited for a task it does not need"
    assert started["last"] - began >= 0.5, "it started before one of its inputs was done"


@pytest.mark.claim("delayed-default-threads-one-per-cpu")
def test_delayed_computes_on_a_thread_pool_with_one_thread_per_usable_logical_cpu():
    """``dask.system.CPU_COUNT`` counts the logical CPUs this process may use (its CPU
    affinity and its cgroup CPU quota included), unlike ``os.cpu_count()``."""
    from dask.system import CPU_COUNT

    assert delayed(1).__dask_scheduler__ is dask.threaded.get
    delayed(threading.get_ident)().compute()
    assert dask.threaded.default_pool._max_workers == CPU_COUNT
    assert CPU_COUNT == len(os.sched_getaffinity(0)) == os.cpu_count()  # no limit here
    allowed = sorted(os.sched_getaffinity(0))
    assert len(allowed) >= 2, "needs two CPUs"
    pinned = fresh_python(
        f"import os; os.sched_setaffinity(0, {{{allowed[0]}}})\n"
        "from dask.system import CPU_COUNT; print(CPU_COUNT, os.cpu_count())"
    )
    assert pinned.stdout.decode().split() == ["1", str(os.cpu_count())], pinned.stderr.decode()
    source = inspect.getsource(dask.system.cpu_count)
    assert "cgroups_count = math.ceil(quota / period)" in source


@pytest.mark.claim("compute-runs-shared-tasks-once")
def test_dask_compute_runs_the_tasks_two_graphs_share_once():
    calls = []

    @delayed
    def cube(number: int) -> int:
        calls.append(number)
        return number**3

    cubes = [cube(n) for n in [1, 2, 3, 4, 5]]
    results = dask.compute(delayed(sum)(cubes), delayed(max)(cubes), scheduler="sync")
    assert results == (225, 125)  # a tuple, one value per graph
    assert sorted(calls) == [1, 2, 3, 4, 5]  # five cubes, not ten


@pytest.mark.claim("visualize-draws-tasks-as-circles-results-as-boxes")
def test_the_graph_drawing_has_circles_for_tasks_boxes_for_results_drawn_bottom_up():
    from dask.dot import to_graphviz

    @delayed
    def cube(number: int) -> int:
        return number**3

    @delayed
    def multiply(items: list) -> int:
        return items[0]

    graph = multiply([cube(n) for n in [1, 2, 3, 4, 5]])
    dot = to_graphviz(graph.__dask_graph__()).source
    assert "rankdir=BT" in dot  # bottom to top: inputs below, the final result on top
    assert dot.count("label=cube shape=circle") == 5
    assert dot.count("label=multiply shape=circle") == 1
    assert dot.count('label="" shape=box') == 6  # five cubes' results and the product
    assert dot.count("->") == 5 + 5 + 1  # cube -> its result -> multiply -> the product


@pytest.mark.claim("visualize-saves-mydask-png")
def test_visualize_saves_mydask_png_in_the_working_folder_unless_told_otherwise(
    tmp_path, monkeypatch
):
    assert shutil.which("dot"), "Graphviz's dot program is needed (the README says how)"
    monkeypatch.chdir(tmp_path)
    graph = delayed(sum)([delayed(abs)(-1), delayed(abs)(-2)])
    graph.visualize()
    graph.visualize(filename="other.svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mydask.png", "other.svg"]
    assert (tmp_path / "mydask.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.claim("synchronous-scheduler-runs-one-task-at-a-time")
def test_the_synchronous_scheduler_runs_every_task_in_the_calling_thread():
    threads = [delayed(threading.get_ident)() for _ in range(5)]
    assert set(dask.compute(*threads, scheduler="synchronous")) == {threading.get_ident()}
    naps = [delayed(time.sleep)(0.05) for _ in range(5)]
    began = time.perf_counter()
    dask.compute(*naps, scheduler="synchronous")
    assert time.perf_counter() - began >= 5 * 0.05


@pytest.mark.claim("process-scheduler-starts-workers-with-spawn")
def test_the_process_scheduler_starts_its_workers_with_spawn_on_every_system():
    assert dask.config.get("multiprocessing.context", "spawn") == "spawn"
    assert dask.multiprocessing.get_context().get_start_method() == "spawn"
    source = inspect.getsource(dask.multiprocessing.get_context)
    assert 'context_name = config.get("multiprocessing.context", "spawn")' in source
    # on Windows it uses the multiprocessing module itself, whose only method is spawn
    assert 'if sys.platform == "win32":' in source and "return multiprocessing\n" in source
    get = inspect.getsource(dask.multiprocessing.get)
    assert "num_workers, mp_context=context, initializer=initializer" in get


@pytest.mark.claim("process-scheduler-batches-of-six")
def test_the_process_scheduler_sends_ready_tasks_in_batches_of_up_to_six():
    """Default batches of six: four ready tasks go to one process. chunksize=1: one each."""
    assert 'chunksize = chunksize or config.get("chunksize", 6)' in inspect.getsource(
        dask.multiprocessing.get
    )
    tasks = [delayed(pid_after)(0.1) for _ in range(4)]
    context = multiprocessing.get_context("fork")  # a started pool: no process start timed
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        list(pool.map(pid_after, [0.0, 0.0]))
        batched = dask.compute(*tasks, scheduler="processes", pool=pool)
        one_by_one = dask.compute(*tasks, scheduler="processes", pool=pool, chunksize=1)
    assert len(set(batched)) == 1, "one batch, one process"
    assert len(set(one_by_one)) == 2, "one task per batch: both processes get some"


@pytest.mark.claim("cloudpickle-sends-main-functions-by-value")
def test_cloudpickle_sends_a_function_of_main_by_value_a_module_function_by_name():
    assert dask.multiprocessing._dumps.func is cloudpickle.dumps  # what the scheduler sends
    main = types.ModuleType("__main__")  # a notebook's functions live in __main__
    exec("import time\ndef cube(number):\n    return number ** 3\n", vars(main))
    by_value = cloudpickle.dumps(main.cube)
    assert main.cube.__module__ == "__main__"
    assert main.cube.__code__.co_code in by_value  # its code travels
    with pytest.raises(pickle.PicklingError):  # plain pickle cannot find it by name
        pickle.dumps(main.cube)
    load = "import pickle, sys; print(pickle.loads(sys.stdin.buffer.read())(5))"
    fresh = fresh_python(load, stdin=by_value)
    assert fresh.stdout.decode().strip() == "125", fresh.stderr.decode()
    by_name = cloudpickle.dumps(sleep_for)
    assert b"chapter05_helpers.pool_functions" in by_name and len(by_name) < 120
    assert sleep_for.__code__.co_code not in by_name


@pytest.fixture(scope="module")
def two_thread_workers():

    with small_cluster(2) as (cluster, client):
        yield cluster, client


@pytest.mark.claim("client-makes-compute-use-its-cluster")
def test_while_a_client_is_open_compute_runs_on_its_cluster(two_thread_workers):
    from dask.base import get_scheduler
    from distributed import get_worker

    cluster, client = two_thread_workers
    assert get_scheduler() == client.get
    ran_on = delayed(lambda: get_worker().address)().compute()
    assert ran_on in {w.address for w in cluster.workers.values()}


@pytest.mark.claim("local-cluster-without-processes-runs-workers-in-this-process")
def test_processes_false_makes_the_workers_threads_of_this_process(two_thread_workers):
    cluster, client = two_thread_workers
    pids = client.run(os.getpid)
    assert len(pids) == 2 and set(pids.values()) == {os.getpid()}
    assert all(type(w).__name__ == "Worker" for w in cluster.workers.values())
    assert {w.state.nthreads for w in cluster.workers.values()} == {1}


@pytest.mark.claim("task-stream-records-tasks-and-transfers")
def test_the_task_stream_records_worker_start_stop_and_transfers(two_thread_workers):
    from dask.distributed import get_task_stream

    _, client = two_thread_workers
    workers = list(client.scheduler_info()["workers"])
    first = client.submit(pid_after, 0.1, workers=workers[0], pure=False)
    second = client.submit(pid_after, 0.1, workers=workers[1], pure=False)
    with get_task_stream(client) as stream:
        client.submit(lambda *pids: len(pids), first, second).result()
    records = stream.data
    assert records and all({"worker", "key", "startstops"} <= set(r) for r in records)
    steps = [s for r in records for s in r["startstops"]]
    assert all(s["stop"] >= s["start"] for s in steps)
    assert {s["action"] for s in steps} >= {"compute", "transfer"}  # it fetched an input


@pytest.mark.claim("dashboard-draws-transfers-in-red")
def test_the_dashboards_task_stream_colours_transfers_red():
    from distributed.diagnostics import task_stream

    assert task_stream.colors["transfer"] == "red"
    assert 'color = colors[startstop["action"]]' in inspect.getsource(task_stream.rectangles)


@pytest.mark.claim("first-compute-imports-distributed")
def test_the_first_compute_imports_the_distributed_package_to_look_for_a_client():
    """Without a ``scheduler=``, ``compute()`` asks ``distributed`` for an open ``Client``: the
    first call imports the package (hundreds of modules), later calls find it loaded."""
    assert "from distributed import get_client" in inspect.getsource(dask.base.get_scheduler)
    fresh = fresh_python(
        """
        import sys
        import dask
        before = "distributed" in sys.modules
        dask.delayed(abs)(-1).compute()
        print(before, "distributed" in sys.modules)
        """
    )
    assert fresh.stdout.decode().split() == ["False", "True"], fresh.stderr.decode()

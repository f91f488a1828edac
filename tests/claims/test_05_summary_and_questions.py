"""Claims of notebook 05 (the summary) not already proven for notebook 02.

Notebook 05 restates much of the chapter; the statements it shares with notebook 02 carry the
same ids and are proven in ``test_02_dask_arrays_and_dataframes.py``. TPOT's are read from its
installed source (without importing TPOT, which is slow), at the lines that decide them.
"""

from __future__ import annotations

import ast
import concurrent.futures
import importlib.util
import multiprocessing
import pickle
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import dask
import pytest
from dask import delayed
from support import small_cluster

TPOT = Path(importlib.util.find_spec("tpot").origin).parent


def init_defaults(path: Path, class_name: str) -> dict[str, object]:
    """The default of each keyword of ``class_name.__init__`` in the file at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    cls = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == class_name)
    init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    names = [a.arg for a in init.args.args][-len(init.args.defaults) :]
    return {
        name: ast.literal_eval(value) if isinstance(value, ast.Constant) else ast.unparse(value)
        for name, value in zip(names, init.args.defaults, strict=True)
    }


def method_source(path: Path, class_name: str, method: str) -> str:
    """The source of ``class_name.method`` in the file at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    cls = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == class_name)
    node = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == method)
    return ast.unparse(node)


def nap() -> None:
    time.sleep(0.2)


# --- Parallelism in Python ------------------------------------------------------------------


@pytest.mark.claim("threads-wait-at-once")
def test_sleeping_threads_wait_at_the_same_time():
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(time.sleep, [0.25] * 4))
    assert time.perf_counter() - start < 0.75  # not 1 s: the four naps overlapped


@pytest.mark.claim("process-returns-no-value")
def test_a_process_gives_back_an_exit_code_not_its_functions_value():
    process = multiprocessing.Process(target=abs, args=(-42,))  # abs(-42) returns 42
    process.start()
    process.join()
    assert process.exitcode == 0
    assert 42 not in vars(process).values()
    assert not any(name in dir(process) for name in ("result", "value", "return_value"))


@pytest.mark.claim("pool-executors-built-on-multiprocessing-and-threading")
def test_the_pools_run_multiprocessing_processes_and_threading_threads():
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(abs, -n) for n in range(4)]
        values = sorted(f.result() for f in concurrent.futures.as_completed(futures))
        workers = list(pool._processes.values())
    assert values == [0, 1, 2, 3]
    assert workers and all(isinstance(w, multiprocessing.process.BaseProcess) for w in workers)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        pool.submit(abs, -1).result()
        assert all(isinstance(t, threading.Thread) for t in pool._threads)


@pytest.mark.claim("multiprocessing-is-current")
def test_multiprocessing_runs_without_a_deprecation_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any DeprecationWarning would raise here
        process = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(0,))
        process.start()
        process.join()
    assert process.exitcode == 0


@pytest.mark.claim("stdlib-functions-pickle-by-name")
def test_a_fresh_interpreter_finds_time_sleep_by_its_name():
    payload = pickle.dumps(time.sleep)
    assert b"time" in payload and b"sleep" in payload and len(payload) < 40
    code = "import pickle, sys; f = pickle.loads(sys.stdin.buffer.read()); print(f.__name__)"
    found = subprocess.run(
        [sys.executable, "-c", code], input=payload, capture_output=True, timeout=60
    )
    assert found.stdout.strip() == b"sleep"  # what a spawned or forkserver child does


@pytest.mark.claim("processes-start-slower-than-threads")
def test_starting_processes_costs_more_than_starting_threads():
    def start_and_join(make) -> float:
        start = time.perf_counter()
        workers = [make() for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return time.perf_counter() - start

    threads = start_and_join(lambda: threading.Thread(target=time.sleep, args=(0,)))
    processes = start_and_join(lambda: multiprocessing.Process(target=time.sleep, args=(0,)))
    assert processes > 3 * threads, (processes, threads)


# --- dask.delayed ---------------------------------------------------------------------------


@pytest.mark.claim("delayed-runs-independent-tasks-in-parallel")
def test_independent_delayed_calls_run_at_the_same_time():
    calls = [delayed(time.sleep)(0.25) for _ in range(4)]
    start = time.perf_counter()
    dask.compute(*calls, scheduler="threads", num_workers=4)
    assert time.perf_counter() - start < 0.75  # not 1 s: the four calls overlapped


@pytest.mark.claim("delayed-chain-runs-one-step-at-a-time")
def test_a_chain_of_delayed_steps_runs_one_after_another():
    @delayed
    def step(x):
        time.sleep(0.1)
        return x + 1

    chain = step(0)
    for _ in range(3):
        chain = step(chain)
    start = time.perf_counter()
    assert chain.compute(scheduler="threads", num_workers=4) == 4
    assert time.perf_counter() - start >= 0.4  # four steps of 0.1 s, one at a time


@pytest.mark.claim("dask-schedulers-threads-processes-cluster")
def test_dask_runs_one_graph_on_threads_on_processes_or_on_a_cluster():
    from dask.base import named_schedulers

    assert {"threads", "processes", "sync"} <= set(named_schedulers)
    current = delayed(threading.get_ident)()
    assert current.compute(scheduler="threads") != threading.get_ident()
    import distributed.client

    client_source = Path(distributed.client.__file__).read_text(encoding="utf-8")
    assert 'dask.config.set(scheduler="dask.distributed")' in client_source  # a Client's


# --- A Dask cluster ---------------------------------------------------------------------------


@pytest.mark.claim("client-submit-returns-future")
def test_submit_returns_a_future_at_once_and_result_waits(tmp_path):

    with small_cluster(1) as (cluster, client):
        start = time.perf_counter()
        future = client.submit(nap)
        returned = time.perf_counter() - start
        assert returned < 0.15 and not future.done()
        assert future.result() is None and time.perf_counter() - start >= 0.2
        total = client.submit(sum, [2, 3])
        assert total.result() == 5
        worker = next(iter(cluster.workers.values()))
        assert worker.data[total.key] == 5  # the worker keeps the result in its memory


# --- TPOT 1.1 (read from its source) ----------------------------------------------------------


@pytest.mark.claim("tpot-evaluates-through-dask")
def test_tpot_sends_each_pipeline_to_a_worker_through_its_dask_client():
    estimator = TPOT / "tpot_estimator" / "estimator.py"
    defaults = init_defaults(estimator, "TPOTEstimator")
    assert "use_dask" not in defaults  # TPOT 0.11's switch is gone: there is no other way
    fit = method_source(estimator, "TPOTEstimator", "fit")
    assert "_client = self.client" in fit  # the client you give it ...
    assert "LocalCluster(n_workers=self.n_jobs" in fit  # ... or a cluster of its own
    evaluate = (TPOT / "utils" / "eval_utils.py").read_text(encoding="utf-8")
    assert "future = client.submit(eval_objective_list, individual," in evaluate


@pytest.mark.claim("tpot-default-n-jobs-one")
def test_tpot_classifier_defaults_to_one_job():
    template = TPOT / "tpot_estimator" / "templates" / "tpottemplates.py"
    assert init_defaults(template, "TPOTClassifier")["n_jobs"] == 1
    assert init_defaults(template, "TPOTClassifier")["client"] is None


@pytest.mark.claim("tpot-evaluations-use-whole-training-set")
def test_every_tpot_evaluation_cross_validates_on_all_the_training_data():
    estimator = TPOT / "tpot_estimator" / "estimator.py"
    defaults = init_defaults(estimator, "TPOTEstimator")
    assert defaults["scatter"] is True and defaults["budget_range"] is None
    fit = method_source(estimator, "TPOTEstimator", "fit")
    assert "X_future = _client.scatter(X)" in fit  # one copy of all of X for the workers
    utils = (TPOT / "tpot_estimator" / "estimator_utils.py").read_text(encoding="utf-8")
    assert "if budget is not None and budget < 1:" in utils  # only a budget subsamples
    template = TPOT / "tpot_estimator" / "templates" / "tpottemplates.py"
    assert init_defaults(template, "TPOTClassifier")["validation_strategy"] == "none"

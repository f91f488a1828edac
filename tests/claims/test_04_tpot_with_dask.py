"""The claims of notebook 04 (TPOT on a Dask cluster), proven on the installed versions.

Each test demonstrates one statement of the notebook with a tiny run (an in-process cluster,
a small array), or reads the installed library's source at the lines that decide it. None runs
a TPOT search.
"""

from __future__ import annotations

import cProfile
import inspect
import io
import json
import logging
import os
import pstats
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import dask
import numpy as np
import pytest
from distributed import Client, LocalCluster, get_task_stream
from support import small_cluster

with warnings.catch_warnings():  # stopit, which TPOT imports, still uses pkg_resources
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    import tpot
    from tpot import TPOTClassifier, TPOTRegressor
    from tpot.builtin_modules import EstimatorTransformer
    from tpot.evolvers import base_evolver
    from tpot.tpot_estimator import estimator as estimator_module
    from tpot.utils import eval_utils

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "04_tpot_with_dask.ipynb"

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),  # pkg_resources, constant features
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


def source_lines(function) -> list[str]:
    """The stripped lines of ``function``'s installed source."""
    return [line.strip() for line in inspect.getsource(function).splitlines()]


def lines_with(function, text: str) -> list[str]:
    """The lines of ``function``'s source that contain ``text``."""
    return [line for line in source_lines(function) if text in line]


@pytest.fixture(scope="module")
def two_workers():
    """Two in-process workers of one thread each, and a client: the course's cluster, small."""
    with small_cluster(2) as (cluster, client):
        yield cluster, client


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


# --- A cluster on your machine -------------------------------------------------------------


@pytest.mark.claim("dask-cpu-count-respects-affinity-and-cgroups")
def test_dask_cpu_count_respects_the_cpus_python_may_use():
    # A process limited to one CPU (as a container's CPU set or limit does): Dask counts 1,
    # Python 3.11's os.cpu_count() still counts the machine's.
    code = "import os, dask.system; print(os.cpu_count(), dask.system.cpu_count())"
    taskset = ["taskset", "--cpu-list", "0", sys.executable, "-c", code]
    machine, dask_count = map(int, subprocess.check_output(taskset, text=True).split())
    assert dask_count == 1
    if sys.version_info < (3, 13):
        assert machine == os.cpu_count()  # os.cpu_count() ignores the process's CPU set
    # A cgroup quota (a container's --cpus=1, Binder's limit) is read too.
    lines = source_lines(dask.system.cpu_count)
    assert "quota, period = _try_extract_cgroup_cpu_quota()" in lines
    assert "count = min(count, cgroups_count)" in lines


@pytest.mark.claim("cpu-counts-are-logical-cpus")
def test_cpu_counts_count_logical_cpus_not_cores():
    psutil = pytest.importorskip("psutil")
    assert os.cpu_count() == psutil.cpu_count(logical=True)
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    processors = sum(line.startswith("processor") for line in cpuinfo)
    assert os.cpu_count() == processors  # Linux lists one "processor" per logical CPU


@pytest.mark.claim("an-evaluation-mixes-compiled-and-python-code")
def test_an_evaluation_runs_partly_in_compiled_code_and_partly_in_python(digits):
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline

    X, y = digits
    pipeline = make_pipeline(PCA(n_components=20), LogisticRegression(max_iter=100))
    profile = cProfile.Profile()
    profile.runcall(cross_val_score, pipeline, X[:500], y[:500], cv=3)
    stats = pstats.Stats(profile).stats  # (file, line, name) -> (..., own time, ...)
    compiled = sum(own for (file, _, _), (_, _, own, _, _) in stats.items() if file == "~")
    total = sum(own for (_, _, own, _, _) in stats.values())
    # Built-in and extension functions (NumPy, SciPy, scikit-learn's Cython) show as "~".
    # The shares depend on the data's size and the profiler's overhead: both parts are there.
    assert compiled / total > 0.05, f"compiled share {compiled / total:.2f}"
    assert (total - compiled) / total > 0.05, "some of it is Python code, which holds the GIL"


@pytest.mark.claim("tpot-keeps-one-evaluation-per-worker-in-flight")
def test_tpot_keeps_as_many_evaluations_in_flight_as_cluster_workers():
    lines = source_lines(eval_utils.parallel_eval_objective_list)
    assert "max_queue_size = len(client.cluster.workers)" in lines
    bounded = "while len(submitted_futures) < max_queue_size and len(individual_stack)>0:"
    assert lines.count(bounded) == 2  # the first batch and every refill
    assert len(lines_with(eval_utils.parallel_eval_objective_list, "client.submit(")) == 2
    assert not lines_with(eval_utils.parallel_eval_objective_list, "nthreads")  # threads: unread


@pytest.mark.claim("local-cluster-silence-logs-hides-info")
def test_silence_logs_keeps_the_workers_start_messages_out():
    # distributed prints its log through a StreamHandler on the "distributed" logger (to the
    # notebook's stderr); silence_logs raises the level of such handlers while the cluster lives.
    printed = io.StringIO()
    handler = logging.StreamHandler(printed)
    handler.setLevel(logging.INFO)
    logger = logging.getLogger("distributed")
    logger.addHandler(handler)
    try:

        def start_messages(silence_logs) -> int:
            printed.truncate(0)
            with LocalCluster(
                n_workers=1, processes=False, dashboard_address=":0", silence_logs=silence_logs
            ):
                pass
            return printed.getvalue().count("Start worker at")

        assert start_messages(False) == 1  # the control: the message is there to hide
        assert start_messages(logging.ERROR) == 0
    finally:
        logger.removeHandler(handler)
    # Worker processes (processes=True) get the level from their nanny, in the child.
    from distributed.nanny import Nanny

    assert "silence_logs=self.silence_logs," in source_lines(Nanny.instantiate)


@pytest.mark.claim("client-run-calls-once-per-worker")
def test_client_run_calls_a_function_once_in_every_worker(two_workers):
    cluster, client = two_workers
    EVENTS.clear()
    results = client.run(record_call, "run")  # in-process workers share this module's EVENTS
    assert set(results) == set(cluster.scheduler.workers) and len(results) == 2
    assert EVENTS == ["run", "run"]


@pytest.mark.claim("dask-scheduler-address-env-sets-config")
def test_dask_scheduler_address_becomes_the_scheduler_address_setting():
    address = "tcp://scheduler-host:8786"
    collected = dask.config.collect_env({"DASK_SCHEDULER_ADDRESS": address})
    assert dask.config.get("scheduler-address", config=collected) == address
    code = "import dask; print(dask.config.get('scheduler-address'))"
    env = {**os.environ, "DASK_SCHEDULER_ADDRESS": address}
    assert subprocess.check_output([sys.executable, "-c", code], env=env, text=True).strip() == (
        address
    )


# --- Or: a cluster that is already running ----------------------------------------------


@pytest.mark.claim("client-timeout-fails-naming-the-address")
def test_a_silent_address_fails_after_the_timeout_with_its_name():
    address = "tcp://127.0.0.1:9"  # the discard port: nothing listens
    start = time.perf_counter()
    with pytest.raises(OSError, match="127.0.0.1:9"):
        Client(address, timeout="0.5s")
    assert time.perf_counter() - start < 5


@pytest.mark.claim("dashboard-link-setting-from-dask-config-folder")
def test_the_course_folder_sets_the_dashboard_link_through_the_proxy():
    folder = REPO / "dask-config"
    code = "import distributed, dask; print(dask.config.get('distributed.dashboard.link'))"
    env = {**os.environ, "DASK_CONFIG": str(folder)}
    link = subprocess.check_output([sys.executable, "-c", code], env=env, text=True).strip()
    assert link == "{JUPYTERHUB_SERVICE_PREFIX}proxy/{port}/status"
    from distributed.utils import format_dashboard_link

    with dask.config.set({"distributed.dashboard.link": link}):
        os.environ["JUPYTERHUB_SERVICE_PREFIX"] = "/user/ada/"
        try:
            assert format_dashboard_link("127.0.0.1", 8787) == "/user/ada/proxy/8787/status"
        finally:
            del os.environ["JUPYTERHUB_SERVICE_PREFIX"]


# --- The digits, the book's code, what changed -----------------------------------------------


@pytest.mark.claim("digits-are-1797-images-of-8-by-8")
def test_the_digits_are_1797_images_of_8_by_8_pixels():
    from sklearn.datasets import load_digits

    digits = load_digits()
    assert digits.images.shape == (1797, 8, 8)
    assert digits.data.shape == (1797, 64)


@pytest.mark.claim("tpot-constructor-accepts-any-keyword")
def test_the_constructor_takes_the_books_keywords_and_fit_rejects_them(digits):
    X, y = digits
    book = TPOTClassifier(n_jobs=-1, random_state=42, use_dask=True, verbosity=2, max_time_mins=10)
    assert book.tpotestimator_kwargs == {"use_dask": True, "verbosity": 2}
    with pytest.raises(TypeError, match="unexpected keyword argument 'use_dask'"):
        book.fit(X, y)


@pytest.mark.claim("tpot-without-client-starts-n-jobs-workers")
def test_without_a_client_tpot_starts_a_local_cluster_of_n_jobs_workers():
    assert inspect.signature(TPOTClassifier).parameters["n_jobs"].default == 1
    fit = source_lines(estimator_module.TPOTEstimator.fit)
    assert "if self.client is not None: #If user passed in a client manually" in fit
    assert (
        "cluster = LocalCluster(n_workers=self.n_jobs, #if no client is passed in and no global "
        "client exists, create our own"
    ) in fit
    assert "threads_per_worker=1," in fit


@pytest.mark.claim("tpot-n-jobs-minus-one-starts-no-worker")
def test_n_jobs_minus_one_gives_a_cluster_of_no_workers_and_scatter_times_out():
    with (
        LocalCluster(n_workers=-1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        assert len(cluster.workers) == 0
        with pytest.raises(TimeoutError, match="No valid workers found"):
            client.scatter(np.ones(3), timeout=0.3)  # TPOT scatters its data first
        assert dask.config.get("distributed.comm.timeouts.connect") == "30s"  # the default wait
    assert "X_future = _client.scatter(X)" in source_lines(estimator_module.TPOTEstimator.fit)


@pytest.mark.claim("tpot-verbose-replaces-verbosity")
def test_verbose_is_the_setting_and_zero_prints_nothing():
    parameters = inspect.signature(TPOTClassifier).parameters
    assert "verbose" in parameters and "verbosity" not in parameters
    doc = TPOTClassifier.__init__.__doc__
    assert "0. nothing" in doc and "6. evaluations progress bar" in doc


@pytest.mark.claim("tpot-default-scorer-and-cv")
def test_tpot_defaults_to_roc_auc_ovr_and_ten_folds():
    parameters = inspect.signature(TPOTClassifier).parameters
    assert parameters["scorers"].default == ["roc_auc_ovr"]
    assert parameters["cv"].default == 10


@pytest.mark.claim("tpot-fitted-pipeline-no-score")
def test_tpot_classifier_has_no_score_and_refits_the_best_pipeline_as_fitted_pipeline():
    assert not hasattr(TPOTClassifier, "score")
    fit = source_lines(estimator_module.TPOTEstimator.fit)
    assert "self.fitted_pipeline_ = best_individual_pipeline" in fit
    # refitted on all the data fit was given, before any validation split
    assert "self.fitted_pipeline_.fit(X_original,y_original) #TODO use y_original as well?" in fit
    assert "X_original = X" in fit and "y_original = y" in fit


@pytest.mark.claim("tpot-needs-no-dask-ml")
def test_tpot_neither_requires_nor_imports_dask_ml():
    from importlib.metadata import requires

    assert not [r for r in requires("tpot") if r.lower().startswith(("dask-ml", "dask_ml"))]
    package = Path(tpot.__file__).parent
    assert not [p for p in package.rglob("*.py") if "dask_ml" in p.read_text(encoding="utf-8")]
    assert "client.submit(" in inspect.getsource(eval_utils)  # distributed's client directly


# --- Two TPOT 1.1.0 defects ------------------------------------------------------------------


@pytest.mark.claim("client-from-address-has-no-cluster")
def test_a_client_made_from_an_address_has_no_cluster_object(two_workers):
    cluster, client = two_workers
    assert client.cluster is cluster
    with Client(cluster.scheduler_address) as by_address:
        assert by_address.cluster is None
        with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'workers'"):
            len(by_address.cluster.workers)  # TPOT's line


@pytest.mark.claim("client-heartbeat-reads-cluster-status")
def test_the_clients_heartbeat_every_5_seconds_reads_the_clusters_status():
    assert dask.config.get("distributed.client.heartbeat") == "5s"
    heartbeat = "".join(source_lines(Client._heartbeat))
    assert "self.cluster.status in (Status.closed, Status.closing)" in heartbeat
    # without a cluster object (None), the check is skipped and the heartbeat is sent
    assert "or (self.cluster and self.cluster.status" in heartbeat


@pytest.mark.claim("inner-classifier-labels-then-probabilities")
def test_an_inner_classifier_passes_on_one_column_then_one_per_class(digits):
    from sklearn.naive_bayes import GaussianNB

    X, y = digits
    inner = EstimatorTransformer(GaussianNB(), cross_val_predict_cv=5)
    assert inner.fit_transform(X, y).shape[1] == 1
    assert inner.transform(X).shape[1] == len(np.unique(y)) == 10


@pytest.mark.claim("allow-inner-classifiers-false-leaves-them-out")
def test_allow_inner_classifiers_false_draws_no_inner_classifier():
    from tpot.config.template_search_spaces import get_template_search_spaces

    def drawn(inner_predictors) -> int:
        space = get_template_search_spaces(
            "linear",
            classification=True,
            inner_predictors=inner_predictors,
            n_classes=10,
            n_samples=898,
            n_features=64,
            random_state=0,
        )
        rng = np.random.default_rng(0)
        pipelines = [space.generate(rng).export_pipeline() for _ in range(10)]
        return sum("EstimatorTransformer" in p.__repr__(N_CHAR_MAX=10**6) for p in pipelines)

    assert drawn(None) > 0  # TPOTClassifier's default: the count sees them
    assert drawn(False) == 0


# --- The search -----------------------------------------------------------------------------


@pytest.mark.claim("tpot-random-state-seeds-choices-and-folds")
def test_random_state_seeds_the_generator_and_the_folds():
    fit = source_lines(estimator_module.TPOTEstimator.fit)
    assert (
        "self.cv_gen = sklearn.model_selection.StratifiedKFold(n_splits=self.cv, shuffle=True, "
        "random_state=self.random_state)"
    ) in fit
    init = source_lines(estimator_module.TPOTEstimator.__init__)
    assert "self.rng = np.random.default_rng(random_state)" in init


@pytest.mark.claim("max-eval-time-caps-only-the-first-evaluations")
def test_the_cap_reaches_the_first_evaluations_of_a_generation_only(two_workers):
    lines = source_lines(eval_utils.parallel_eval_objective_list)
    submits = lines_with(eval_utils.parallel_eval_objective_list, "client.submit(")
    assert "max_eval_time_mins=max_eval_time_mins" in submits[0]  # the first len(workers)
    assert "timeout=max_eval_time_mins*60" in submits[1]  # every refill
    assert "max_eval_time_mins" not in submits[1].replace("timeout=max_eval_time_mins*60", "")
    # What the refill's timeout= reaches: the objective's **kwargs, then export_pipeline(**kwargs)
    wrapper = inspect.signature(eval_utils.objective_nan_wrapper).parameters
    assert wrapper["max_eval_time_mins"].default is None and "timeout" not in wrapper
    # The client's fallback: 1.25 times the cap, counted from the submission, then cancel().
    assert (
        "if max_eval_time_mins is not None and time.time() - "
        'submitted_futures[completed_future]["time"] > max_eval_time_mins*1.25*60:'
    ) in lines
    assert "completed_future.cancel()" in lines


EVENTS: list[str] = []  # what tasks on in-process workers did, in order


def record_call(name: str) -> str:
    """A task or ``client.run`` function that notes its call in ``EVENTS``."""
    EVENTS.append(name)
    return name


def keep_busy(seconds: float, name: str) -> str:
    """A task that runs Python code for ``seconds`` (sleeping in small steps), noting both ends."""
    EVENTS.append(f"{name} started")
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        time.sleep(0.01)
    EVENTS.append(f"{name} ended")
    return name


@pytest.mark.claim("cancel-does-not-stop-a-running-task")
def test_cancel_does_not_stop_a_running_task_and_the_next_waits_behind_it():
    EVENTS.clear()
    with small_cluster(1) as (cluster, client):
        slow = client.submit(keep_busy, 1.0, "slow", pure=False)
        while "slow started" not in EVENTS:
            time.sleep(0.01)
        slow.cancel()
        assert slow.cancelled()
        start = time.perf_counter()
        assert client.submit(keep_busy, 0.0, "next", pure=False).result() == "next"
        waited = time.perf_counter() - start
    assert EVENTS == ["slow started", "slow ended", "next started", "next ended"], EVENTS
    assert waited > 0.7, waited  # behind the cancelled task, which ran to its end


@pytest.mark.claim("tpot-empty-search-raises")
def test_a_search_with_nothing_scored_raises():
    optimize = "".join(source_lines(base_evolver.BaseEvolver.optimize))
    assert 'raise Exception("No individuals could be evaluated in the initial population.' in (
        optimize
    )


# --- The task stream and the training data ---------------------------------------------------


@pytest.mark.claim("task-stream-records-worker-start-stop")
def test_get_task_stream_records_each_tasks_worker_start_and_stop(two_workers, tmp_path):
    from distributed import performance_report

    _, client = two_workers
    report = tmp_path / "report.html"
    with get_task_stream(client) as stream, performance_report(filename=report):
        client.gather(client.map(sum, [[1], [2], [3]]))
    assert len(stream.data) == 3
    for task in stream.data:
        assert {"worker", "startstops"} <= set(task)
        assert all({"start", "stop", "action"} <= set(s) for s in task["startstops"])
    assert report.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")
    from distributed.diagnostics.task_stream import colors

    assert colors["transfer"] == "red"  # how the dashboard draws a fetch


@pytest.mark.claim("tpot-scatters-the-training-data-whole-to-one-worker")
def test_tpot_scatters_the_whole_training_set_to_one_worker(two_workers, digits):
    _, client = two_workers
    assert inspect.signature(estimator_module.TPOTEstimator).parameters["scatter"].default is True
    fit = source_lines(estimator_module.TPOTEstimator.fit)
    assert "X_future = _client.scatter(X)" in fit and "y_future = _client.scatter(y)" in fit
    X, y = digits
    X_future = client.scatter(X)  # as TPOT does: one array, one future, one worker
    assert len(client.who_has([X_future])[X_future.key]) == 1
    assert client.submit(np.shape, X_future).result() == X.shape  # every task gets all of it


@pytest.mark.claim("active-memory-manager-drops-copies-workers-fetch-again")
def test_unneeded_copies_are_dropped_and_fetched_again():
    defaults = dask.config.get("distributed.scheduler.active-memory-manager")
    assert defaults["start"] is True and defaults["interval"] == "2s"
    assert {"class": "distributed.active_memory_manager.ReduceReplicas"} in defaults["policies"]
    with (
        dask.config.set({"distributed.scheduler.active-memory-manager.interval": "50ms"}),
        small_cluster(2) as (cluster, client),
    ):
        data = client.scatter(np.ones(10_000))
        with get_task_stream(client) as stream:
            for _ in range(3):  # each time on the worker without a copy
                holders = client.who_has([data])[data.key]
                assert len(holders) == 1
                other = next(w for w in cluster.scheduler.workers if w not in holders)
                client.submit(np.sum, data, workers=[other], pure=False).result()
                for _ in range(200):  # the manager drops the copy nothing needs any more
                    if len(client.who_has([data])[data.key]) == 1:
                        break
                    time.sleep(0.02)
        fetches = sum(s["action"] == "transfer" for t in stream.data for s in t["startstops"])
        assert fetches == 3


@pytest.mark.claim("workers-idle-while-the-client-breeds")
def test_a_generation_ends_when_all_its_evaluations_end_then_the_client_breeds():
    # parallel_eval_objective_list returns only when no evaluation is left in flight ...
    loop = "while len(individual_stack)>0 or len(submitted_futures)>0:"
    assert loop in source_lines(eval_utils.parallel_eval_objective_list)
    # ... and each generation selects and breeds on the client before it submits again.
    step = [line for line in source_lines(base_evolver.BaseEvolver.step) if line]
    order = [
        next(i for i, line in enumerate(step) if line.startswith(what))
        for what in (
            "self.population.survival_select(",
            "self.generate_offspring()",
            "self.evaluate_population()",
        )
    ]
    assert order == sorted(order)


# --- TPOT's result ---------------------------------------------------------------------------


@pytest.mark.claim("evaluated-individuals-columns")
def test_the_table_names_the_score_after_the_scorer_and_marks_errors():
    from sklearn.metrics import get_scorer

    assert get_scorer("accuracy")._score_func.__name__ == "accuracy_score"
    init = "".join(source_lines(estimator_module.TPOTEstimator.__init__))
    assert 'f._score_func.__name__ if hasattr(f,"_score_func")' in init
    objective = "".join(source_lines(eval_utils.objective_nan_wrapper))
    assert 'return ["TIMEOUT"]' in objective and 'return ["INVALID"]' in objective
    # Pipelines still running or never sent when the budget runs out: no score, no error.
    lines = source_lines(eval_utils.parallel_eval_objective_list)
    assert lines.count('"eval_error": None,') == 1  # the ones never sent
    assert "eval_error = None #eval error is None because these individuals were not " in "".join(
        lines
    )


@pytest.mark.claim("tpot-evaluation-gets-the-whole-training-set")
def test_each_evaluation_cross_validates_on_all_of_x():
    from tpot.tpot_estimator.estimator_utils import objective_function_generator

    source = "".join(source_lines(objective_function_generator))
    assert "if budget is not None and budget < 1:" in source  # subsampling only with a budget
    fit = source_lines(estimator_module.TPOTEstimator.fit)
    assert 'objective_kwargs = {"X": X_future, "y": y_future},' in fit


# --- Exercise and what follows ---------------------------------------------------------------


@pytest.mark.claim("client-on-8-cpus-starts-4-workers-of-2-threads")
def test_plain_client_on_8_cpus_starts_4_workers_of_2_threads():
    from distributed.deploy.local import LocalCluster as Local
    from distributed.deploy.utils import nprocesses_nthreads

    assert nprocesses_nthreads(8) == (4, 2)
    init = "".join(source_lines(Local.__init__))
    assert "n_workers, threads_per_worker = nprocesses_nthreads()" in init


@pytest.mark.claim("scheduler-sends-a-task-to-an-idle-worker")
def test_the_scheduler_sends_the_second_task_to_the_idle_worker():
    from distributed import get_worker

    def where(seconds: float) -> str:
        time.sleep(seconds)
        return get_worker().address

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=2, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        futures = [client.submit(where, 0.3, pure=False) for _ in range(2)]
        assert len(set(client.gather(futures))) == 2  # one each, though each has 2 threads


@pytest.mark.claim("tpot-default-population-is-50")
def test_tpot_regressors_population_defaults_to_50():
    assert "population_size" not in inspect.signature(TPOTRegressor).parameters
    parameters = inspect.signature(estimator_module.TPOTEstimator).parameters
    assert parameters["population_size"].default == 50
    assert inspect.signature(TPOTRegressor).parameters["cv"].default == 10


@pytest.mark.claim("inner-regressor-one-column-both-ways")
def test_an_inner_regressor_passes_on_one_column_both_ways():
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    X, y = load_diabetes(return_X_y=True)
    inner = EstimatorTransformer(Ridge(), cross_val_predict_cv=5)
    assert inner.fit_transform(X, y).shape[1] == inner.transform(X).shape[1] == 1


@pytest.mark.claim("tpot-fit-changes-dask-config-for-the-process")
def test_tpots_first_fit_sets_two_scheduler_settings_for_the_whole_process(digits, monkeypatch):
    keys = ["distributed.scheduler.worker-ttl", "distributed.scheduler.allowed-failures"]
    import distributed
    import yaml

    shipped = Path(distributed.__file__).with_name("distributed.yaml").read_text()
    defaults = yaml.safe_load(shipped)["distributed"]["scheduler"]
    before = {keys[0]: defaults["worker-ttl"], keys[1]: defaults["allowed-failures"]}
    assert before == {keys[0]: "5 minutes", keys[1]: 3}  # distributed's defaults
    monkeypatch.setattr(estimator_module.TPOTEstimator, "fit", lambda self, X, y: self)
    X, y = digits
    with dask.config.set(before):  # as in a fresh process; puts them back afterwards
        estimator = TPOTClassifier(verbose=0)
        assert {key: dask.config.get(key) for key in keys} == before  # building changes nothing
        estimator.fit(X, y)  # the first fit builds a TPOTEstimator: its __init__ sets them
        assert {key: dask.config.get(key) for key in keys} == {keys[0]: None, keys[1]: 1}
    # A scheduler reads them when it starts: a cluster started later in the process gets them.
    from distributed.scheduler import Scheduler

    init = "".join(source_lines(Scheduler.__init__))
    assert 'dask.config.get("distributed.scheduler.allowed-failures")' in init
    assert 'dask.config.get("distributed.scheduler.worker-ttl")' in init
    # what they mean: no check for silent workers; a task gives up after allowed + 1 deaths
    assert "if self.worker_ttl:pc = PeriodicCallback(self.check_worker_ttl" in init
    import distributed.scheduler as scheduler_module

    module = [line.strip() for line in inspect.getsource(scheduler_module).splitlines()]
    assert "if ts.suspicious > self.allowed_failures:" in module


@pytest.mark.claim("closing-an-address-client-leaves-the-cluster-running")
def test_closing_a_client_made_from_an_address_leaves_its_cluster_running(two_workers):
    cluster, client = two_workers
    Client(cluster.scheduler_address).close()
    assert client.submit(sum, [1, 2]).result() == 3
    assert len(cluster.scheduler.workers) == 2


def test_every_claim_of_this_file_is_stated_by_notebook_04():
    """This file proves notebook 04's claims only: each id here is in one of its cells."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    stated = {claim for cell in cells for claim in cell.get("metadata", {}).get("claims", [])}
    here = Path(__file__).read_text(encoding="utf-8")
    tested = set(re.findall(r'@pytest\.mark\.claim\("([^"]+)"\)', here))
    assert tested - stated == set(), tested - stated

"""The claims of notebook 04b (TPOT 1.1.0 on Dask, in depth), proven on the installed versions.

Each test runs a tiny piece of the libraries (one wrapper fit, a few pipelines drawn, TPOT's own
evaluation loop on stand-in pipelines that sleep) or reads TPOT's source at the lines that decide
the statement. None runs a TPOT search.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import threading
import time
import warnings
from importlib.metadata import requires

import dask
import numpy as np
import pytest
from distributed import Client, LocalCluster, get_task_stream
from sklearn.datasets import load_digits
from support import small_cluster

from chapter05_helpers.tpot_timing import SleepingPipeline, sleep_then_score

with warnings.catch_warnings():  # stopit, which TPOT imports, still uses pkg_resources
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    import func_timeout
    from tpot import TPOTClassifier
    from tpot.builtin_modules import EstimatorTransformer
    from tpot.config import template_search_spaces
    from tpot.evolvers import base_evolver, steady_state_evolver
    from tpot.tpot_estimator import estimator, steady_state_estimator
    from tpot.tpot_estimator.steady_state_estimator import TPOTEstimatorSteadyState
    from tpot.utils import eval_utils

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


def source_lines(function) -> list[str]:
    """The lines of a function's source, stripped, without blank lines and comments."""
    lines = textwrap.dedent(inspect.getsource(function)).splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def calls_to(function, name: str) -> list[ast.Call]:
    """Every call of ``<something>.name(...)`` in a function's source, in order."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
    ]


def keywords(call: ast.Call) -> set[str]:
    return {k.arg for k in call.keywords if k.arg is not None}


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)


@pytest.fixture(scope="module")
def one_worker():
    """A one-worker, one-thread cluster in this process: TPOT's loop sees one worker."""
    with small_cluster(1) as (cluster, client):
        yield client


def evaluate(client: Client, pipelines: list[SleepingPipeline], cap_seconds: float | None):
    """TPOT's generational evaluation loop over ``pipelines``, in the order given."""
    return eval_utils.parallel_eval_objective_list(
        pipelines[::-1],  # the loop pops from the end of the list
        [sleep_then_score],
        max_eval_time_mins=None if cap_seconds is None else cap_seconds / 60,
        n_expected_columns=1,
        client=client,
    )


# --- What inner classifiers cost ----------------------------------------------------------


@pytest.mark.claim("estimator-transformer-one-column-fitting-ten-predicting")
def test_the_inner_classifier_wrapper_passes_one_column_then_ten(digits):
    from sklearn.linear_model import LogisticRegression

    X, y = digits[0][:300], digits[1][:300]
    wrapper = EstimatorTransformer(LogisticRegression(max_iter=200), cross_val_predict_cv=3)
    fitted_columns = np.asarray(wrapper.fit_transform(X, y)).reshape(len(X), -1).shape[1]
    predicted_columns = np.asarray(wrapper.transform(X)).reshape(len(X), -1).shape[1]
    assert (fitted_columns, predicted_columns) == (1, 10)


@pytest.mark.claim("multinomialnb-rejects-negative-values")
def test_multinomial_naive_bayes_fails_on_negative_values():
    from sklearn.naive_bayes import MultinomialNB

    with pytest.raises(ValueError, match="[Nn]egative"):
        MultinomialNB().fit([[-1.0, 2.0], [1.0, 0.0]], [0, 1])


@pytest.mark.claim("tpot-light-spaces-keep-inner-classifiers")
def test_the_light_names_never_match_so_inner_classifiers_stay():
    source = inspect.getsource(template_search_spaces.get_template_search_spaces)
    assert 'search_space == "light" or search_space == "graph_light"' in source
    space = template_search_spaces.get_template_search_spaces(
        "linear-light", n_classes=10, n_samples=898, n_features=64
    )
    rng = np.random.default_rng(42)
    drawn = [repr(space.generate(rng).export_pipeline()) for _ in range(20)]
    assert any("EstimatorTransformer" in text for text in drawn)


# --- One worker or all of them ------------------------------------------------------------


@pytest.mark.claim("tpot-first-generation-drawn-from-random-state")
def test_the_first_generation_is_drawn_before_anything_is_evaluated():
    init = source_lines(base_evolver.BaseEvolver.__init__)
    assert any("initial_population = [next(self.individual_generator)" in line for line in init)
    assert not any("self.evaluate_population(" in line or "submit(" in line for line in init)

    def draw() -> list[str]:
        space = template_search_spaces.get_template_search_spaces(
            "linear",
            inner_predictors=False,
            n_classes=10,
            n_samples=898,
            n_features=64,
            random_state=42,
        )
        rng = np.random.default_rng(42)
        return [repr(space.generate(rng).export_pipeline()) for _ in range(5)]

    assert draw() == draw()


KEYS = ("distributed.scheduler.worker-ttl", "distributed.scheduler.allowed-failures")


def settings_after(build) -> list:
    """Dask's two settings after ``build()``, from Dask's defaults; restored afterwards."""
    with dask.config.set({KEYS[0]: "5 minutes", KEYS[1]: 3}):  # restores both on exit
        build()
        return [dask.config.get(key) for key in KEYS]


@pytest.mark.claim("tpot-fit-changes-dask-config")
def test_tpot_changes_two_dask_settings_for_the_whole_process():
    space = "linear-light"
    assert settings_after(lambda: TPOTClassifier(search_space=space)) == ["5 minutes", 3]
    fit = source_lines(TPOTClassifier.fit)
    assert any(line.startswith("super(TPOTClassifier,self).__init__(") for line in fit)
    base = settings_after(
        lambda: estimator.TPOTEstimator(space, ["accuracy"], [1], classification=True)
    )
    steady = settings_after(lambda: TPOTEstimatorSteadyState(search_space=space))
    assert base == steady == [None, 1]


@pytest.mark.claim("dask-scheduler-reads-settings-when-it-starts")
def test_a_scheduler_keeps_the_settings_it_started_with():
    settings = {
        "distributed.scheduler.worker-ttl": "5 minutes",
        "distributed.scheduler.allowed-failures": 3,
    }
    with (
        dask.config.set(settings),
        LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cluster,
    ):
        with dask.config.set(
            {"distributed.scheduler.worker-ttl": None, "distributed.scheduler.allowed-failures": 1}
        ):
            kept = (cluster.scheduler.worker_ttl, cluster.scheduler.allowed_failures)
    assert kept == (300.0, 3)


@pytest.mark.claim("dask-ttl-and-allowed-failures-act-on-lost-workers")
def test_the_two_settings_act_only_on_a_silent_or_dead_worker():
    from distributed.scheduler import Scheduler

    ttl = source_lines(Scheduler.check_worker_ttl)
    assert "if last_seen > ttl:" in ttl, "worker-ttl: a worker silent for that long goes"
    init = source_lines(Scheduler.__init__)
    checks = init.index("if self.worker_ttl:")
    assert "self.check_worker_ttl" in init[checks + 1], "worker-ttl None: the check never runs"
    removal = source_lines(Scheduler.remove_worker)
    lost = removal.index("if not expected:")
    assert removal[lost + 1 : lost + 4] == [
        "ts.suspicious += 1",
        "ts.prefix.suspicious += 1",
        "if ts.suspicious > self.allowed_failures:",
    ], "allowed-failures: counted only when a worker dies while it runs the task"


@pytest.mark.claim("tpot-keeps-one-evaluation-per-worker")
def test_tpot_keeps_as_many_evaluations_in_flight_as_client_cluster_has_workers():
    generational = source_lines(eval_utils.parallel_eval_objective_list)
    steady = source_lines(steady_state_evolver.SteadyStateEvolver.optimize)
    assert "max_queue_size = len(client.cluster.workers)" in generational
    assert "self.max_queue_size = len(self._client.cluster.workers)" in steady
    assert "while len(submitted_futures) < max_queue_size and len(individual_stack)>0:" in (
        generational
    )


# --- Where the workers' time goes ---------------------------------------------------------


@pytest.mark.claim("tpot-generational-breeds-after-whole-generation")
def test_the_generational_loop_breeds_only_after_every_result_is_in():
    step = source_lines(base_evolver.BaseEvolver.step)
    order = [
        next(i for i, line in enumerate(step) if line.startswith(call))
        for call in (
            "self.population.survival_select(",
            "self.generate_offspring()",
            "self.evaluate_population()",
        )
    ]
    assert order == sorted(order), "select, breed, then evaluate"
    loop = source_lines(eval_utils.parallel_eval_objective_list)
    assert "while len(individual_stack)>0 or len(submitted_futures)>0:" in loop
    full = source_lines(base_evolver.BaseEvolver.evaluate_population_full)
    assert sum("parallel_eval_objective_list(" in line for line in full) == 1


@pytest.mark.claim("tpot-steady-state-refills-each-free-worker")
def test_the_steady_state_loop_breeds_only_for_free_workers_and_submits_at_once():
    loop = source_lines(steady_state_evolver.SteadyStateEvolver.optimize)
    assert "n_individuals_to_submit = self.max_queue_size - len(submitted_futures)" in loop
    breed = next(
        line for line in loop if line.startswith("parents = self.population.parent_select(")
    )
    assert "k=n_individuals_to_submit" in breed
    waits = [line for line in loop if "as_completed(submitted_futures" in line]
    assert waits and all("next(" in line for line in waits), "it waits for one result, not all"


@pytest.mark.claim("tpot-steady-state-string-space-allows-inner-classifiers")
def test_the_steady_state_estimator_turns_a_name_into_a_space_with_inner_classifiers():
    fit = source_lines(steady_state_estimator.TPOTEstimatorSteadyState.fit)
    built = [line for line in fit if "get_template_search_spaces(self.search_space" in line]
    assert built and all("inner_predictors=True" in line for line in built)
    space = template_search_spaces.get_template_search_spaces(
        "linear", inner_predictors=False, n_classes=10, n_samples=898, n_features=64
    )
    assert template_search_spaces.get_template_search_spaces(space, inner_predictors=True) is space


@pytest.mark.claim("tpot-steady-state-reads-client-cluster")
def test_the_steady_state_loop_counts_the_workers_of_client_cluster():
    loop = source_lines(steady_state_evolver.SteadyStateEvolver.optimize)
    assert "self.max_queue_size = len(self._client.cluster.workers)" in loop


@pytest.mark.claim("dask-cancel-does-not-stop-a-running-task")
def test_a_cancelled_task_runs_on_in_its_worker(one_worker):
    worker = next(iter(one_worker.cluster.workers.values()))
    future = one_worker.submit(time.sleep, 0.6, pure=False)
    while worker.state.executing_count == 0:
        time.sleep(0.01)
    future.cancel()
    time.sleep(0.2)
    assert future.cancelled() and worker.state.executing_count == 1, "cancelled, still running"
    deadline = time.perf_counter() + 3
    while worker.state.executing_count and time.perf_counter() < deadline:
        time.sleep(0.02)
    assert worker.state.executing_count == 0, "it ran on to its end"


@pytest.mark.claim("tpot-stopping-cancels-running-evaluations")
def test_a_search_that_stops_cancels_what_is_still_running():
    steady = source_lines(steady_state_evolver.SteadyStateEvolver.optimize)
    end = steady.index("for future in submitted_futures.keys():")
    assert steady[end + 1 : end + 3] == ["future.cancel()", "future.release() #release the future"]
    generational = source_lines(eval_utils.parallel_eval_objective_list)
    timed_out = generational.index("elif global_timeout_triggered:")
    assert generational[timed_out + 1] == "completed_future.cancel()"


# --- What max_eval_time_mins really does ----------------------------------------------------


@pytest.mark.claim("func-timeout-cannot-stop-compiled-code")
def test_a_timed_out_call_returns_while_its_compiled_step_runs_on():
    threads, after_the_step = [], threading.Event()

    def slow() -> None:
        threads.append(threading.current_thread())
        time.sleep(0.5)  # one step in compiled code
        after_the_step.set()  # the next Python step: the thread is stopped before it

    start = time.perf_counter()
    with pytest.raises(func_timeout.FunctionTimedOut):
        func_timeout.func_timeout(0.1, slow)
    assert time.perf_counter() - start < 0.4, "the caller gets the timeout at once"
    assert threads[0].is_alive(), "the stopped call still runs"
    threads[0].join(2.0)
    assert time.perf_counter() - start >= 0.5, "the compiled step ran to its end"
    assert not after_the_step.is_set(), "stopped between two Python steps"
    import sklearn.svm._libsvm as libsvm  # a support vector machine fits in compiled code

    assert libsvm.__file__.endswith((".so", ".pyd"))


@pytest.mark.claim("tpot-cap-reaches-first-evaluations-only")
def test_only_the_first_evaluations_get_the_cap(one_worker):
    first = calls_to(eval_utils.parallel_eval_objective_list, "submit")
    assert [("max_eval_time_mins" in keywords(c), "timeout" in keywords(c)) for c in first] == [
        (True, False),
        (False, True),
    ]
    # One worker, a cap of 0.6 s, two pipelines of 0.9 s: the first stops at the cap; the
    # refill runs to its end (the client's fallback would act only after 0.75 s, at its next
    # look, 1.2 s after the submission) and gets a score.
    _, _, _, errors = evaluate(
        one_worker, [SleepingPipeline("first", 0.9), SleepingPipeline("refill", 0.9)], 0.6
    )
    assert errors[::-1] == ["TIMEOUT", None]


@pytest.mark.claim("tpot-refill-timeout-reaches-no-code")
def test_the_refills_timeout_argument_is_swallowed():
    from distributed import Client as DaskClient

    assert "timeout" not in inspect.signature(DaskClient.submit).parameters  # passed on to func
    wrapper = inspect.signature(eval_utils.objective_nan_wrapper).parameters
    assert "timeout" not in wrapper and wrapper["max_eval_time_mins"].default is None
    space = template_search_spaces.get_template_search_spaces(
        "linear-light", inner_predictors=False, n_classes=3, n_samples=90, n_features=4
    )
    pipeline = space.generate(np.random.default_rng(0))
    assert repr(pipeline.export_pipeline(timeout=60.0)) == repr(pipeline.export_pipeline())


@pytest.mark.claim("tpot-fallback-cancel-cannot-stop-a-running-task")
def test_the_fallback_cancels_but_the_worker_runs_on_and_the_next_waits(one_worker):
    loop = source_lines(eval_utils.parallel_eval_objective_list)
    fallback = next(i for i, line in enumerate(loop) if "max_eval_time_mins*1.25*60" in line)
    assert loop[fallback + 1] == "completed_future.cancel()"
    # One worker, a cap of 0.4 s. The first (0.5 s) stops at the cap. The long one (1.0 s) meets
    # the fallback at the client's look 0.8 s after its submission; it runs on to 1.0 s. The
    # short one (0.05 s) is sent at the fallback and starts only when the long one ends.
    pipelines = [
        SleepingPipeline("first", 0.5),
        SleepingPipeline("long", 1.0),
        SleepingPipeline("short", 0.05),
    ]
    with get_task_stream(one_worker) as stream:
        _, starts, ends, errors = evaluate(one_worker, pipelines, 0.4)
    assert errors[::-1] == ["TIMEOUT", "TIMEOUT", None]
    assert len(stream.data) == 2, "a cancelled task leaves no record in the task stream"
    short_start = max(part["start"] for r in stream.data for part in r["startstops"])
    long_submitted = starts[1]
    assert short_start - long_submitted >= 0.95, "the short one waited for the long one's end"
    assert ends[0] - starts[0] > 0.1, "TPOT records the wait as the short one's time"


@pytest.mark.claim("tpot-no-cap-raises-at-first-refill")
def test_max_eval_time_none_raises_type_error_at_the_first_refill(one_worker):
    with pytest.raises(TypeError, match="NoneType"):
        evaluate(
            one_worker, [SleepingPipeline("first", 0.01), SleepingPipeline("refill", 0.01)], None
        )


@pytest.mark.claim("tpot-steady-state-caps-every-evaluation")
def test_every_steady_state_submission_carries_the_cap():
    calls = calls_to(steady_state_evolver.SteadyStateEvolver.optimize, "submit")
    assert len(calls) == 3
    for call in calls:
        assert "max_eval_time_mins" in keywords(call) and "timeout" not in keywords(call)


# --- A grid search on the same cluster ------------------------------------------------------


@pytest.mark.claim("dask-ml-grid-search-runs-on-the-cluster")
def test_dask_ml_grid_search_fits_on_the_dask_cluster(one_worker, digits):
    from dask_ml.model_selection import GridSearchCV
    from sklearn.svm import SVC

    X, y = digits[0][:200], digits[1][:200]
    with get_task_stream(one_worker) as stream:
        GridSearchCV(SVC(), {"C": [1, 10]}, cv=2, scheduler=one_worker).fit(X, y)
    assert any("fit" in str(record["key"]) for record in stream.data)


@pytest.mark.claim("tpot-does-not-need-dask-ml")
def test_tpot_does_not_depend_on_dask_ml():
    needs = [line.split(";")[0].split("[")[0].strip().lower() for line in requires("tpot") or []]
    assert "distributed" in " ".join(needs) or "dask" in " ".join(needs)
    assert not any(name.startswith(("dask-ml", "dask_ml")) for name in needs)

"""Sentinels for the TPOT 1.1.0 defects the course works around.

Each test reproduces one defect on the TPOT installed, in a few seconds and without a search
where a direct call shows it. While the defect is there, the test passes. When a TPOT release
fixes it, the test fails with a message that names the workaround in the course to drop.
``docs/upstream-tpot.md`` describes each defect, its line in TPOT's source and a fix.
"""

from __future__ import annotations

import time
import traceback
import warnings

import numpy as np
import pytest
import sklearn.base
from sklearn.datasets import load_iris
from support import small_cluster

with warnings.catch_warnings():  # stopit, which TPOT imports, still uses pkg_resources
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    import tpot
    from tpot import TPOTClassifier
    from tpot.builtin_modules import EstimatorTransformer
    from tpot.config.template_search_spaces import get_template_search_spaces

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),  # pkg_resources, constant features
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


def fixed(defect: str, drop: str) -> str:
    """The message of a sentinel whose defect is gone: what changed and what to drop."""
    return f"TPOT {tpot.__version__} no longer shows {defect}. Drop from the course: {drop}."


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    """150 rows, 4 features, 3 classes: enough for every sentinel, fast for all of them."""
    return load_iris(return_X_y=True)


def small_search(**extra) -> TPOTClassifier:
    """A TPOT search that would stop within seconds if it ever ran to the end."""
    settings = dict(
        search_space="linear-light",
        scorers=["accuracy"],
        scorers_weights=[1],
        cv=2,
        population_size=2,
        generations=1,
        max_time_mins=0.05,
        max_eval_time_mins=0.05,
        random_state=0,
        verbose=0,
    )
    return TPOTClassifier(**{**settings, **extra})


@pytest.fixture
def no_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """``TPOTClassifier.fit`` without the search: its own set-up runs, then it returns."""
    from tpot.tpot_estimator.estimator import TPOTEstimator

    monkeypatch.setattr(TPOTEstimator, "fit", lambda self, X, y: self)


# (a) tpot/utils/eval_utils.py, parallel_eval_objective_list: len(client.cluster.workers)
@pytest.mark.timeout(120)
def test_a_client_made_from_an_address_fails_on_client_cluster(iris) -> None:
    from dask.distributed import Client, LocalCluster

    X, y = iris
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster.scheduler_address) as by_address,
    ):
        assert by_address.cluster is None, (
            "distributed now gives a client made from an address a cluster object: check "
            "whether TPOT still needs ClusterByAddress (chapter05_helpers/tpot_support.py)"
        )
        try:
            small_search(allow_inner_classifiers=False, client=by_address).fit(X, y)
        except AttributeError as error:
            where = traceback.extract_tb(error.__traceback__)[-1]
            assert "'NoneType' object has no attribute 'workers'" in str(error), error
            assert where.name == "parallel_eval_objective_list", where
            assert "client.cluster.workers" in where.line, where
        else:
            pytest.fail(
                fixed(
                    "the AttributeError on a client made from an address "
                    "(len(client.cluster.workers) in parallel_eval_objective_list)",
                    "ClusterByAddress, the stand-in for client.cluster that connect_to_scheduler "
                    "sets (chapter05_helpers/tpot_support.py), and notebook 04's explanation of "
                    "it: give TPOT the client made from the address as it is",
                )
            )


# (b) tpot/tpot_estimator/estimator.py, TPOTEstimator.fit: LocalCluster(n_workers=self.n_jobs)
class ClusterRequested(Exception):
    """Raised by the stand-in LocalCluster: TPOT asked for a cluster, the test stops it there."""


@pytest.mark.timeout(120)
def test_b_n_jobs_minus_one_asks_for_a_cluster_of_no_workers(iris, monkeypatch) -> None:
    import tpot.tpot_estimator.estimator as estimator_module
    from dask.distributed import LocalCluster

    requested: dict = {}

    def record(**kwargs):
        requested.update(kwargs)
        raise ClusterRequested

    monkeypatch.setattr(estimator_module, "LocalCluster", record)
    X, y = iris
    try:
        small_search(n_jobs=-1, allow_inner_classifiers=False).fit(X, y)
    except ClusterRequested:
        pass
    drop = (
        "the n_jobs=-1 row of notebook 04's table of what changed since the book "
        "(the book's n_jobs=-1 no longer fails with 'No valid workers found')"
    )
    assert requested, fixed("a LocalCluster built from n_jobs", drop)
    assert requested["n_workers"] == -1, fixed("LocalCluster(n_workers=-1) for n_jobs=-1", drop)
    # What that request gives: a cluster with no worker, so TPOT's futures never run.
    with LocalCluster(n_workers=-1, processes=False, dashboard_address=":0") as cluster:
        assert len(cluster.workers) == 0, fixed("a cluster of no workers for n_jobs=-1", drop)


# (c) tpot/builtin_modules/estimatortransformer.py, EstimatorTransformer.fit_transform:
# cross_val_predict(...) without method=, while transform uses predict_proba
def test_c_an_inner_classifier_passes_on_labels_when_fitting_and_probabilities_after(
    iris,
) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import make_pipeline

    X, y = iris
    # As TPOT's search spaces wrap an inner classifier: method "auto", 5-fold out-of-fold output.
    inner = EstimatorTransformer(GaussianNB(), cross_val_predict_cv=5)
    fitting, predicting = inner.fit_transform(X, y).shape[1], inner.transform(X).shape[1]
    drop = (
        "allow_inner_classifiers=False in the searches of notebooks 04 and 04b, and their "
        "sections on INVALID pipelines (inner classifiers now score)"
    )
    assert (fitting, predicting) == (1, 3), fixed(
        f"the column mismatch of an inner classifier ({fitting} when fitting, {predicting} after)",
        drop,
    )
    # The step after it learnt one column, and then receives three: TPOT records INVALID.
    pipeline = make_pipeline(inner, LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but LogisticRegression is expecting 1"):
        pipeline.predict(X)


# (d) tpot/tpot_estimator/templates/tpottemplates.py, TPOTClassifier: population_size and the
# other TPOTEstimator settings only through **tpotestimator_kwargs; fit calls
# TPOTEstimator.__init__ again with the built search-space object as search_space.
def test_d_get_params_and_clone_lose_population_size_and_fit_replaces_search_space(
    iris, no_search
) -> None:
    X, y = iris
    drop = (
        "notebook 04b's search_settings dict, which stands in for sklearn.base.clone and "
        "get_params() (they lost population_size, and fit replaced search_space)"
    )
    estimator = small_search(population_size=7)
    assert "population_size" not in estimator.get_params(), fixed(
        "get_params() without population_size", drop
    )
    copy = sklearn.base.clone(estimator).fit(X, y)  # fit without the search (no_search)
    assert copy.population_size == 50, fixed(
        f"clone() losing population_size (the copy has {copy.population_size}, asked 7)", drop
    )
    estimator.fit(X, y)
    assert not isinstance(estimator.get_params()["search_space"], str), fixed(
        "fit replacing search_space (the name) with the built search-space object", drop
    )


# (e) tpot/config/template_search_spaces.py, get_template_search_spaces: the light spaces'
# defaults compare against "light" / "graph_light", names no caller passes.
def inner_classifiers(space_name: str, inner_predictors: bool | None, n: int = 30) -> int:
    """How many of ``n`` pipelines drawn from a template space have an inner classifier."""
    space = get_template_search_spaces(
        space_name,
        classification=True,
        inner_predictors=inner_predictors,  # None, as TPOTClassifier passes by default
        n_classes=3,
        n_samples=150,
        n_features=4,
        random_state=0,
    )
    rng = np.random.default_rng(0)
    found = 0
    for _ in range(n):
        pipeline = space.generate(rng).export_pipeline()
        if space_name.startswith("graph"):  # a graph: any classifier other than the root
            graph = pipeline.graph
            inner = [v for v in graph.nodes if v != pipeline.root]
            found += any(sklearn.base.is_classifier(graph.nodes[v]["instance"]) for v in inner)
        else:  # a linear pipeline: TPOT wraps inner classifiers in EstimatorTransformer
            found += "EstimatorTransformer" in pipeline.__repr__(N_CHAR_MAX=10**6)
    return found


@pytest.mark.parametrize("space_name", ["linear-light", "graph-light"])
def test_e_the_light_spaces_include_inner_classifiers_by_default(space_name: str) -> None:
    assert inner_classifiers(space_name, inner_predictors=False) == 0  # the count is not blind
    found = inner_classifiers(space_name, inner_predictors=None)
    assert found > 0, fixed(
        f"inner classifiers in the {space_name!r} space by default",
        "notebook 04b's section on the light search spaces and its count of their inner "
        "classifiers (allow_inner_classifiers=False is still needed for 'linear')",
    )


# (f) tpot/utils/eval_utils.py, parallel_eval_objective_list: the first len(workers) evaluations
# of a generation get max_eval_time_mins=...; every refill passes timeout=..., which no code reads.
CALLS: list[str] = []  # what the objective below did, in order (the workers run in-process)


class Named:
    """The least of a TPOT individual that ``parallel_eval_objective_list`` needs."""

    def __init__(self, name: str) -> None:
        self.name = name

    def unique_id(self) -> str:
        return self.name


def run_for(individual: Named, seconds: float = 0.0, **kwargs) -> list[float]:
    """An objective that computes (in Python, interruptibly) for ``seconds``, noting its end."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        time.sleep(0.01)
    CALLS.append(f"{individual.name} ran to its end, given {sorted(kwargs)}")
    return [1.0]


@pytest.mark.timeout(120)
def test_f_max_eval_time_mins_reaches_only_the_first_evaluations_of_a_generation() -> None:
    from tpot.utils.eval_utils import parallel_eval_objective_list

    drop = (
        "notebook 04's sentence that the per-pipeline cap reaches only the first evaluations of "
        "each generation (and the same in notebook 04b and docs/upstream-tpot.md, defect 6): "
        "every evaluation is now capped"
    )
    CALLS.clear()
    with small_cluster(1) as (cluster, client):
        # One worker: "first" is the generation's first evaluation, "refill" the next one.
        # Each computes for 1.5 s under a cap of 0.3 s (max_eval_time_mins=0.005).
        scores, _, _, errors = parallel_eval_objective_list(
            [Named("refill"), Named("first")],  # TPOT pops from the end
            [run_for],
            max_eval_time_mins=0.005,
            n_expected_columns=1,
            client=client,
            seconds=1.5,
        )
        assert errors == ["TIMEOUT", "TIMEOUT"], errors  # both reported over the cap ...
        deadline = time.perf_counter() + 3
        while time.perf_counter() < deadline and len(CALLS) < 1:
            time.sleep(0.05)
        time.sleep(0.3)
        refill_ran_on = [c for c in CALLS if c.startswith("refill")]
        assert "first ran to its end" not in " ".join(CALLS)  # ... the first one was stopped
        assert refill_ran_on, fixed("a refill running past max_eval_time_mins", drop)
        assert refill_ran_on == ["refill ran to its end, given ['timeout']"], (
            CALLS
        )  # timeout= unread

        # max_eval_time_mins=None, "no time limit per evaluation", fails at the first refill.
        try:
            parallel_eval_objective_list(
                [Named("b"), Named("a")],
                [run_for],
                max_eval_time_mins=None,
                n_expected_columns=1,
                client=client,
            )
        except TypeError as error:
            assert "unsupported operand type(s) for *: 'NoneType'" in str(error), error
        else:
            pytest.fail(fixed("the TypeError of max_eval_time_mins=None at a refill", drop))

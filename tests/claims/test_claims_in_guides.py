"""The claims of the guides (docs/instructors.md, docs/upstream-tpot.md), proven here.

Each test demonstrates one statement with a tiny run, or reads the installed library's source at
the lines that decide it (SLURM, Windows and macOS cannot run here). The line numbers that
docs/upstream-tpot.md cites are checked against the installed TPOT, line by line.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import dask
import numpy as np
import pytest
from distributed import Client, LocalCluster
from support import small_cluster

with warnings.catch_warnings():  # stopit, which TPOT imports, still uses pkg_resources
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    import tpot
    from tpot.builtin_modules import EstimatorTransformer

REPO = Path(__file__).resolve().parents[2]
TPOT = Path(tpot.__file__).parent

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


def tpot_line(path: str, number: int) -> str:
    """Line ``number`` (from 1) of ``path`` in the installed TPOT package, stripped."""
    return (TPOT / path).read_text(encoding="utf-8").splitlines()[number - 1].strip()


def python(code: str, **env: str) -> str:
    """What a fresh Python prints for ``code``, with ``env`` added to the environment."""
    return subprocess.check_output(
        [sys.executable, "-c", code], env={**os.environ, **env}, text=True
    ).strip()


# --- docs/instructors.md -------------------------------------------------------------------


@pytest.mark.claim("float64-array-sizes-in-mb")
def test_the_arrays_of_the_profiles_take_64_mb_1_gb_and_8_gb():
    itemsize = np.dtype(np.float64).itemsize
    assert [itemsize * side**3 for side in (200, 500, 1000)] == [64 * 10**6, 10**9, 8 * 10**9]


@pytest.mark.claim("dask-config-folder-read-from-dask-config-variable")
def test_dask_reads_every_yaml_file_of_the_dask_config_folder(tmp_path):
    (tmp_path / "a.yaml").write_text("course-a: 1\n")
    (tmp_path / "b.yml").write_text("course-b: 2\n")
    code = "import dask; print(dask.config.get('course-a'), dask.config.get('course-b'))"
    assert python(code, DASK_CONFIG=str(tmp_path)) == "1 2"


@pytest.mark.claim("missing-hub-prefix-warns-and-dashboard-link-fails")
def test_without_the_hub_prefix_the_cluster_starts_and_the_link_raises(monkeypatch, caplog):
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    link = "{JUPYTERHUB_SERVICE_PREFIX}proxy/{port}/status"
    with (
        dask.config.set({"distributed.dashboard.link": link}),
        LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        assert client.submit(sum, [1, 2]).result() == 3  # the cluster works
        with pytest.raises(KeyError, match="JUPYTERHUB_SERVICE_PREFIX"):
            client.dashboard_link  # noqa: B018 (what notebook 04 prints)
        with pytest.raises(KeyError, match="JUPYTERHUB_SERVICE_PREFIX"):
            client._repr_html_()  # the client's summary in Jupyter
    assert any(
        r.levelname == "WARNING" and "Failed to format dashboard link" in r.getMessage()
        for r in caplog.records
    )


@pytest.mark.claim("busy-dashboard-port-moves-and-warns")
def test_a_busy_dashboard_port_gets_another_with_a_warning():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with (
            pytest.warns(UserWarning, match=f"Port {port} is already in use"),
            LocalCluster(
                n_workers=1, processes=False, dashboard_address=f"127.0.0.1:{port}"
            ) as cluster,
        ):
            moved = cluster.scheduler.services["dashboard"].port
            assert moved != port and f":{moved}/status" in cluster.dashboard_link


@pytest.mark.claim("slurm-job-of-8-cores-runs-4-workers-of-2-threads")
def test_a_slurm_job_of_8_cores_starts_4_workers_of_2_threads_unless_processes_is_set():
    from dask_jobqueue.slurm import SLURMJob

    default = SLURMJob(cores=8, memory="32GB")
    assert (default.worker_processes, default.worker_process_threads) == (4, 2)
    assert "--nthreads 2" in default.job_script() and "--nworkers 4" in default.job_script()
    single = SLURMJob(cores=8, processes=8, memory="32GB")
    assert "--nthreads 1" in single.job_script() and "--nworkers 8" in single.job_script()


@pytest.mark.claim("jobqueue-cluster-workers-are-jobs")
def test_a_jobqueue_cluster_lists_one_entry_per_job_and_tpot_counts_those():
    from distributed import Scheduler, SpecCluster, Worker
    from distributed.deploy.spec import ProcessInterface
    from tpot.utils.eval_utils import parallel_eval_objective_list

    from chapter05_helpers.tpot_support import connect_to_scheduler

    class Job(ProcessInterface):  # one "job" of two single-threaded workers
        def __init__(self, scheduler: str, name: str) -> None:
            super().__init__()
            self.workers = [Worker(scheduler, name=f"{name}-{i}", nthreads=1) for i in range(2)]

        async def start(self) -> None:
            await asyncio.gather(*self.workers)
            await super().start()

        async def close(self) -> None:
            await asyncio.gather(*(w.close() for w in self.workers))
            await super().close()

    job = {"cls": Job, "options": {}}
    with (
        SpecCluster(
            scheduler={"cls": Scheduler, "options": {"dashboard_address": ":0"}},
            workers={"job-0": job, "job-1": job},
        ) as cluster,
        Client(cluster) as client,
    ):
        assert len(client.scheduler_info(n_workers=-1)["workers"]) == 4
        assert sorted(cluster.workers) == ["job-0", "job-1"]  # keyed by job: what TPOT counts
        by_address = connect_to_scheduler(cluster.scheduler_address)
        assert len(by_address.cluster.workers) == 4  # the course's stand-in counts workers
        by_address.close()
    # dask-jobqueue's clusters are such SpecClusters: one spec (one entry) per job.
    from dask_jobqueue.core import JobQueueCluster

    assert issubclass(JobQueueCluster, SpecCluster)
    assert "return super().scale(jobs, memory=memory, cores=cores)" in inspect.getsource(
        JobQueueCluster.scale
    )
    assert "self.workers.update(dict(zip(to_open, workers)))" in inspect.getsource(
        SpecCluster._correct_state_internal
    )
    assert "max_queue_size = len(client.cluster.workers)" in inspect.getsource(
        parallel_eval_objective_list
    )


@pytest.mark.claim("child-output-reaches-the-notebook-on-linux-and-macos-only")
def test_ipykernel_forwards_a_childs_output_on_linux_and_macos_only():
    from ipykernel.iostream import OutStream
    from ipykernel.kernelapp import IPKernelApp

    assert IPKernelApp.capture_fd_output.default_value is True
    init = inspect.getsource(OutStream.__init__)
    assert (
        '(sys.platform.startswith("linux") or sys.platform.startswith("darwin"))' in init
    )  # the only platforms whose file descriptors 1 and 2 are watched


@pytest.mark.claim("spawn-is-the-default-on-macos-and-windows")
def test_macos_and_windows_start_processes_with_spawn():
    import multiprocessing.context as context

    source = inspect.getsource(context)
    assert "if sys.platform == 'darwin':" in source
    assert "_default_context = DefaultContext(_concrete_contexts['spawn'])" in source
    assert "_default_context = DefaultContext(_concrete_contexts['fork'])" in source
    windows = source[source.index("\nelse:") :]  # the branch for sys.platform == 'win32'
    assert "_default_context = DefaultContext(_concrete_contexts['spawn'])" in windows


@pytest.mark.claim("spawned-workers-import-the-function")
def test_a_spawned_pool_cannot_run_a_function_defined_in_main():
    code = (
        "import concurrent.futures as cf, multiprocessing as mp\n"
        "def square(x):\n    return x * x\n"
        "if __name__ == '__main__':\n"
        "    spawn = mp.get_context('spawn')\n"
        "    with cf.ProcessPoolExecutor(1, mp_context=spawn) as pool:\n"
        "        print(list(pool.map(square, [3])))\n"
    )
    failed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert "Can't get attribute 'square' on <module '__main__'" in failed.stderr
    assert "BrokenProcessPool" in failed.stderr


# --- docs/upstream-tpot.md -----------------------------------------------------------------


@pytest.mark.claim("upstream-tpot-cited-lines")
def test_every_line_the_report_cites_is_that_line_of_the_installed_tpot():
    cited = {  # (file, line): what the report says is there
        ("utils/eval_utils.py", 128): "max_queue_size = len(client.cluster.workers)",
        ("evolvers/steady_state_evolver.py", 377): "len(self._client.cluster.workers)",
        ("tpot_estimator/estimator.py", 529): "cluster = LocalCluster(n_workers=self.n_jobs,",
        ("evolvers/base_evolver.py", 458): "self._cluster = LocalCluster(n_workers=self.n_jobs,",
        ("tpot_estimator/steady_state_estimator.py", 573): "LocalCluster(n_workers=self.n_jobs,",
        ("evolvers/steady_state_evolver.py", 369): "LocalCluster(n_workers=self.n_jobs,",
        ("builtin_modules/estimatortransformer.py", 121): "if self.cross_val_predict_cv is not",
        ("builtin_modules/estimatortransformer.py", 122): "output = cross_val_predict(self.est",
        ("tpot_estimator/templates/tpottemplates.py", 334): "**tpotestimator_kwargs,",
        ("tpot_estimator/templates/tpottemplates.py", 528): "def fit(self, X, y):",
        ("tpot_estimator/templates/tpottemplates.py", 540): "super(TPOTClassifier,self).__init_",
        ("tpot_estimator/templates/tpottemplates.py", 565): "**self.tpotestimator_kwargs)",
        ("tpot_estimator/estimator.py", 406): "self.search_space = search_space",
        ("tpot_estimator/estimator.py", 681): "self._search_space = get_template_search_",
        ("tpot_estimator/templates/tpottemplates.py", 72): "**tpotestimator_kwargs,",
        ("tpot_estimator/templates/tpottemplates.py", 267): "def fit(self, X, y):",
        ("tpot_estimator/templates/tpottemplates.py", 277): "super(TPOTRegressor,self).__init_",
        ("config/template_search_spaces.py", 260): 'if search_space == "light" or search_',
        ("config/template_search_spaces.py", 266): 'if search_space == "light" or search_',
        ("utils/eval_utils.py", 135): "max_eval_time_mins=max_eval_time_mins",
        ("utils/eval_utils.py", 254): "timeout=max_eval_time_mins*60",
        ("utils/eval_utils.py", 203): "max_eval_time_mins*1.25*60:",
        ("utils/eval_utils.py", 204): "completed_future.cancel()",
        ("utils/eval_utils.py", 87): "if max_eval_time_mins is None or math.isinf(",
        ("tpot_estimator/estimator_utils.py", 149): "pipeline = pipeline.export_pipeline(**pi",
        ("evolvers/steady_state_evolver.py", 408): "max_eval_time_mins=self.max_eval_time_mins",
        ("evolvers/steady_state_evolver.py", 586): "max_eval_time_mins=self.max_eval_time_mins",
        ("evolvers/steady_state_evolver.py", 704): "max_eval_time_mins=self.max_eval_time_mins",
    }
    wrong = {
        where: tpot_line(*where) for where, text in cited.items() if text not in tpot_line(*where)
    }
    assert wrong == {}, f"the report's line numbers no longer match TPOT {tpot.__version__}"


@pytest.mark.claim("joblib-effective-n-jobs-reads-negative-n-jobs")
def test_joblib_reads_minus_one_as_every_cpu_python_may_use():
    code = "import os, joblib; print(os.cpu_count(), joblib.effective_n_jobs(-1))"
    machine, joblib_count = map(int, python_in_one_cpu(code).split())
    assert joblib_count == 1  # limited to one CPU, as in a container
    import joblib

    assert joblib.effective_n_jobs(-1) == joblib.cpu_count()
    if joblib.cpu_count() > 1:
        assert joblib.effective_n_jobs(-2) == joblib.cpu_count() - 1
    with pytest.raises(ValueError, match="n_jobs == 0"):
        joblib.effective_n_jobs(0)
    assert machine == os.cpu_count()  # what the report's former fix used: the host's count


def python_in_one_cpu(code: str) -> str:
    """What a fresh Python limited to CPU 0 prints for ``code``."""
    command = ["taskset", "--cpu-list", "0", sys.executable, "-c", code]
    return subprocess.check_output(command, text=True).strip()


@pytest.mark.claim("inner-classifier-binary-fails-or-silently-mismatches")
def test_binary_inner_classifiers_fail_with_probabilities_and_mislead_with_margins():
    from sklearn.datasets import load_breast_cancer, load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    X, y = load_breast_cancer(return_X_y=True)
    with_proba = EstimatorTransformer(GaussianNB(), cross_val_predict_cv=5)
    assert (with_proba.fit_transform(X, y).shape[1], with_proba.transform(X).shape[1]) == (1, 2)
    with pytest.raises(ValueError, match="X has 2 features"):
        make_pipeline(with_proba, LogisticRegression()).fit(X, y).predict(X)
    # decision_function only: one column both ways, labels when fitting, margins after
    margins = EstimatorTransformer(LinearSVC(), cross_val_predict_cv=5)
    pipeline = make_pipeline(margins, LogisticRegression()).fit(X, y)
    learnt_from = margins.fit_transform(X, y)
    assert set(np.unique(learnt_from)) == {0, 1}
    given = margins.transform(X)
    assert given.shape[1] == 1 and given.min() < -1 and given.max() > 1
    as_learnt = pipeline[-1].predict(margins.estimator.predict(X).reshape(-1, 1))
    assert (pipeline.predict(X) != as_learnt).sum() > 0  # runs, and answers otherwise
    # and multiclass margins fail like probabilities do
    Xi, yi = load_iris(return_X_y=True)
    svc = EstimatorTransformer(LinearSVC(), cross_val_predict_cv=5)
    assert (svc.fit_transform(Xi, yi).shape[1], svc.transform(Xi).shape[1]) == (1, 3)


@pytest.mark.claim("tpot-regressors-have-neither-proba-nor-margins")
def test_no_regressor_of_tpots_spaces_has_predict_proba_or_decision_function():
    from tpot.config import get_search_space
    from tpot.config.get_configspace import GROUPNAMES

    light = ["RidgeCV", "LinearSVR", "LassoLarsCV", "KNeighborsRegressor", "DecisionTreeRegressor"]
    names = sorted({*GROUPNAMES["regressors"], *light, "ElasticNetCV"})
    rng = np.random.default_rng(0)
    found = []
    for name in names:
        estimator = get_search_space(name, random_state=0).generate(rng).export_pipeline()
        found += [name for m in ("predict_proba", "decision_function") if hasattr(estimator, m)]
    assert found == []
    light_source = inspect.getsource(
        __import__("tpot.config.template_search_spaces").config.template_search_spaces
    )
    assert str(light + ["ElasticNetCV"]).replace("'", '"') in light_source


@pytest.mark.claim("one-method-get-params-fix-loses-set-params")
def test_get_params_alone_lets_set_params_change_nothing(monkeypatch):
    import sklearn.base
    from sklearn.datasets import load_iris
    from tpot import TPOTClassifier
    from tpot.tpot_estimator.estimator import TPOTEstimator

    class OneMethodFix(TPOTClassifier):
        def get_params(self, deep=True):
            return {**super().get_params(deep), **self.tpotestimator_kwargs}

    monkeypatch.setattr(TPOTEstimator, "fit", lambda self, X, y: self)  # no search
    X, y = load_iris(return_X_y=True)
    estimator = OneMethodFix(search_space="linear-light", population_size=4, verbose=0)
    assert sklearn.base.clone(estimator).fit(X, y).population_size == 4  # clone: mended
    candidate = sklearn.base.clone(estimator).set_params(population_size=9)  # GridSearchCV
    assert candidate.population_size == 9
    assert candidate.fit(X, y).population_size == 4  # fit passes **self.tpotestimator_kwargs


@pytest.mark.claim("steady-state-search-caps-every-evaluation")
def test_the_steady_state_evolver_passes_the_cap_with_every_evaluation():
    from tpot.evolvers import steady_state_evolver

    source = inspect.getsource(steady_state_evolver)
    submits = [line.strip() for line in source.splitlines() if "client.submit(" in line]
    assert len(submits) == 3
    assert all("max_eval_time_mins=self.max_eval_time_mins" in s for s in submits), submits
    assert not any("timeout=" in s for s in submits)
    from tpot import TPOTEstimatorSteadyState

    assert TPOTEstimatorSteadyState.__module__.endswith("steady_state_estimator")


class Named:
    """The least of a TPOT individual that ``parallel_eval_objective_list`` needs."""

    def __init__(self, name: str) -> None:
        self.name = name

    def unique_id(self) -> str:
        return self.name


def one(individual: Named, **kwargs) -> list[float]:
    """An objective that scores every pipeline 1 at once."""
    return [1.0]


@pytest.mark.claim("max-eval-time-none-fails-at-first-refill")
def test_none_as_the_cap_is_documented_as_no_limit_and_fails_at_a_refill():
    from tpot.tpot_estimator.estimator import TPOTEstimator
    from tpot.utils.eval_utils import parallel_eval_objective_list

    doc = re.sub(r"\s+", " ", TPOTEstimator.__init__.__doc__ or "")
    assert "If none or inf, there will be no time limit per evaluation." in doc
    with small_cluster(1) as (cluster, client):
        one_each = dict(n_expected_columns=1, client=client, max_eval_time_mins=None)
        scores = parallel_eval_objective_list([Named("a")], [one], **one_each)[0]
        assert scores == [[1.0]]  # as many as workers: no refill, no error
        with pytest.raises(TypeError, match="unsupported operand type"):
            parallel_eval_objective_list([Named("b"), Named("a")], [one], **one_each)


@pytest.mark.claim("tpot-get-params-misses-kwargs-and-fit-replaces-search-space")
def test_get_params_misses_population_size_and_fit_replaces_the_search_space(monkeypatch):
    import sklearn.base
    from sklearn.datasets import load_iris
    from tpot import TPOTClassifier
    from tpot.tpot_estimator.estimator import TPOTEstimator

    monkeypatch.setattr(TPOTEstimator, "fit", lambda self, X, y: self)  # TPOT's set-up only
    X, y = load_iris(return_X_y=True)
    estimator = TPOTClassifier(search_space="linear-light", population_size=4, verbose=0)
    assert "population_size" not in estimator.get_params()
    assert sklearn.base.clone(estimator).fit(X, y).population_size == 50
    estimator.fit(X, y)
    assert type(estimator.get_params()["search_space"]).__name__ == "SequentialPipeline"


@pytest.mark.claim("tpot-light-spaces-include-inner-classifiers")
def test_the_light_spaces_default_to_inner_classifiers():
    from tpot.config.template_search_spaces import get_template_search_spaces

    source = inspect.getsource(get_template_search_spaces)
    assert source.count('if search_space == "light" or search_space == "graph_light":') == 2
    space = get_template_search_spaces(
        "linear-light",
        classification=True,
        n_classes=3,
        n_samples=150,
        n_features=4,
        random_state=0,
    )
    rng = np.random.default_rng(0)
    drawn = [space.generate(rng).export_pipeline().__repr__(N_CHAR_MAX=10**6) for _ in range(20)]
    assert sum("EstimatorTransformer" in p for p in drawn) == 11  # the report's count

"""The course's TPOT plumbing: the client made from an address, and a search with no pipeline."""

from __future__ import annotations

import logging
import time

import dask
import pytest
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits

from chapter05_helpers import tpot_support


@pytest.fixture
def scheduler_address():
    """An in-process scheduler and worker; its clients send a heartbeat every 50 ms."""
    with (
        dask.config.set({"distributed.client.heartbeat": "50ms"}),
        LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster,
    ):
        yield cluster.scheduler_address


class WorkersOnly:
    """The stand-in notebook 04 used to set: only what TPOT reads."""

    def __init__(self, client):
        self.client = client

    @property
    def workers(self):
        return self.client.scheduler_info(n_workers=-1)["workers"]

    def _repr_html_(self):
        return "<p>Workers of the scheduler</p>"


def errors_logged(caplog, client: Client) -> list[str]:
    """What is logged at error level while ``client`` lives for a second (about 20 heartbeats)."""
    with caplog.at_level(logging.ERROR):
        time.sleep(1)
        client._repr_html_()  # the summary Jupyter shows reads client.cluster too
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_helpers_client_gives_tpot_its_workers_and_the_heartbeat_what_it_reads(
    scheduler_address, caplog
):
    client = tpot_support.connect_to_scheduler(scheduler_address)
    assert len(client.cluster.workers) == 1  # what TPOT 1.1.0 reads
    assert client.dashboard_link.endswith("/status")
    assert errors_logged(caplog, client) == []
    client.close()  # closing reads client.cluster.status too
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_the_old_stand_in_breaks_the_heartbeat(scheduler_address, caplog):
    """The control: the check above does see the heartbeat's error when it happens."""
    client = Client(scheduler_address)
    client.cluster = WorkersOnly(client)
    errors = errors_logged(caplog, client)
    client.cluster = None  # else closing fails too, on the same missing attribute
    client.close()
    assert any("_heartbeat" in message for message in errors), errors


def test_a_dashboard_link_given_as_the_address_gets_a_message():
    with pytest.raises(ValueError, match="probably the dashboard's"):
        tpot_support.connect_to_scheduler("http://127.0.0.1:8787/status")


def test_a_search_with_no_pipeline_in_its_budget_prints_what_to_do(capsys):
    from tpot import TPOTClassifier

    X, y = load_digits(return_X_y=True)
    X, y = X[:300], y[:300]  # a pipeline still running when the budget ends ends soon after
    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        settings = dict(
            search_space="linear-light",
            scorers=["accuracy"],
            scorers_weights=[1],
            cv=3,
            population_size=4,
            max_time_mins=0.001,  # 0.06 s: nothing finishes
            max_eval_time_mins=0.001,  # TPOT waits this long for a first result (default 10)
            random_state=42,
            verbose=0,
            client=client,
        )
        with pytest.raises(Exception, match=tpot_support._EMPTY_SEARCH):
            TPOTClassifier(**settings).fit(X, y)  # what TPOT 1.1.0 does on its own
        estimator = TPOTClassifier(**settings)
        with tpot_support.explain_empty_search(estimator):
            estimator.fit(X, y)
    assert "TPOT stopped: no pipeline got a score" in capsys.readouterr().out
    assert len(estimator.evaluated_individuals) > 0  # the table is there, as after a fit
    assert tpot_support.fitted_pipeline(estimator) is None
    advice = capsys.readouterr().out
    assert "No pipeline got a score in TPOT's budget of 0.001 min" in advice
    assert "longer budget (max_time_mins)" in advice and "cv=3 folds now" in advice


def test_other_errors_pass_through():
    with pytest.raises(TypeError), tpot_support.explain_empty_search(object()):
        raise TypeError("not an empty search")


def compute(worker: str, start: float, stop: float) -> dict:
    """One task-stream record of a computation, as ``get_task_stream`` gives it."""
    return {"worker": worker, "startstops": [{"action": "compute", "start": start, "stop": stop}]}


def test_shared_idle_gaps_count_only_when_every_worker_waits():
    stream = [
        compute("a", 0, 10),
        compute("b", 0, 6),  # b waits from 6 to 13 alone: not shared until a stops at 10
        compute("a", 13, 20),
        compute("b", 13.5, 19),
        {"worker": "b", "startstops": [{"action": "transfer", "start": 10, "stop": 12}]},
    ]
    # a fetch is not a computation
    assert tpot_support.shared_idle_gaps(stream, longer_than=1) == [(10.0, 3.0)]
    assert tpot_support.shared_idle_gaps(stream, longer_than=5) == []
    assert tpot_support.shared_idle_gaps([]) == []


def test_shared_idle_gaps_on_a_real_task_stream():
    from distributed import get_task_stream

    with (
        LocalCluster(n_workers=2, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as client,
        get_task_stream(client) as stream,
    ):
        client.gather(client.map(time.sleep, [0.1, 0.1]))
        time.sleep(0.5)  # both workers idle
        client.gather(client.map(time.sleep, [0.1, 0.1], pure=False))
    gaps = tpot_support.shared_idle_gaps(stream.data, longer_than=0.3)
    assert len(gaps) == 1 and 0.3 < gaps[0][1] < 2 and gaps[0][0] > 0, gaps

"""Plumbing for TPOT 1.1.0 on Dask: its warnings, an address client, no pipeline, idle gaps.

Example (the stand-in for ``client.cluster``, on a client of a scheduler with two workers):
    >>> class TwoWorkerClient:  # answers as a client of such a scheduler does
    ...     def scheduler_info(self, n_workers=-1):
    ...         return {"workers": {"tcp://10.0.0.1:40001": {}, "tcp://10.0.0.2:40001": {}}}
    >>> len(ClusterByAddress(TwoWorkerClient()).workers)  # what TPOT 1.1.0 reads
    2
    >>> ClusterByAddress(TwoWorkerClient()).status.name  # what the client's heartbeat reads
    'running'
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from distributed import Client
from distributed.core import Status

from chapter05_helpers.i18n import _

# TPOT's own noise, matched by message or category: none of it is about the student's code.
_NOISE: list[tuple[str, type[Warning]]] = [
    ("pkg_resources is deprecated", UserWarning),  # stopit, imported by TPOT
    ("IProgress not found", Warning),  # tqdm, imported by TPOT: no Jupyter widgets
    ("Inconsistent values: penalty", UserWarning),  # TPOT's LogisticRegression settings
    ("Features .* are constant", UserWarning),  # the digits' border pixels are always 0
    ("invalid value encountered", RuntimeWarning),  # the same constant features
    ("divide by zero encountered", RuntimeWarning),
]


def silence_tpot_warnings() -> None:
    """Hide the warnings TPOT 1.1.0's own search space makes scikit-learn and its imports print.

    Run it before ``import tpot``, and in every worker with ``client.run(silence_tpot_warnings)``.
    It hides scikit-learn's ``FutureWarning`` and ``ConvergenceWarning`` (TPOT's deprecated and
    short-``max_iter`` settings) and the messages in ``_NOISE``; every other warning still shows.

    Example:
        >>> silence_tpot_warnings()
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("default")  # what a student's session does
        ...     silence_tpot_warnings()
        ...     warnings.warn("Features [0] are constant.", UserWarning)
        ...     warnings.warn("a warning of your own", UserWarning)
        >>> [str(w.message) for w in caught]
        ['a warning of your own']
    """
    from sklearn.exceptions import ConvergenceWarning

    for message, category in _NOISE:
        warnings.filterwarnings("ignore", message=message, category=category)
    warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")
    warnings.filterwarnings("ignore", category=ConvergenceWarning)


class ClusterByAddress:
    """A stand-in for ``client.cluster`` on a client made from a scheduler's address.

    TPOT 1.1.0 reads ``len(client.cluster.workers)``. Distributed's client reads
    ``client.cluster.status`` in its heartbeat, and shows the cluster in its summary.

    Example:
        >>> ClusterByAddress.status.name
        'running'
    """

    status = Status.running  # never closing: the client behaves as if it had no cluster object

    def __init__(self, client: Client) -> None:
        self.client = client

    @property
    def workers(self) -> dict[str, Any]:
        """The scheduler's current workers, by address."""
        return self.client.scheduler_info(n_workers=-1)["workers"]

    def _repr_html_(self) -> str:  # the client's summary in Jupyter shows its cluster
        return f"<p>The cluster of the scheduler at {self.client.scheduler.address}</p>"


def connect_to_scheduler(address: str, timeout: str = "5s") -> Client:
    """A client of the running scheduler at ``address``, ready for TPOT 1.1.0.

    A dashboard link given by mistake gets a message saying so; a silent address fails
    after ``timeout``.

    Example (with ``DASK_SCHEDULER_ADDRESS`` set)::

        client = connect_to_scheduler(dask.config.get("scheduler-address"))
    """
    if address.startswith(("http://", "https://")):
        message = _(
            "DASK_SCHEDULER_ADDRESS={address} is a web address, probably the dashboard's. "
            "Set it to the scheduler's address instead, such as tcp://scheduler-host:8786."
        )
        raise ValueError(message.format(address=address))
    client = Client(address, timeout=timeout)
    client.cluster = ClusterByAddress(client)  # TPOT 1.1.0 reads client.cluster.workers
    return client


# What TPOT 1.1.0 raises when its first generation ends with no pipeline scored.
_EMPTY_SEARCH = "No individuals could be evaluated"


@contextmanager
def explain_empty_search(estimator: Any) -> Iterator[None]:
    """Around ``estimator.fit``: a search that ends with no pipeline scored says so, and goes on.

    TPOT 1.1.0 then raises ``Exception("No individuals could be evaluated ...")``. This turns it
    into one printed line, and fills ``estimator.evaluated_individuals`` as a finished fit does.
    Any other error passes through.

    Example::

        with explain_empty_search(estimator):
            estimator.fit(X_train, y_train)
    """
    try:
        yield
    except Exception as error:
        if not str(error).startswith(_EMPTY_SEARCH):
            raise
        estimator.make_evaluated_individuals()
        message = _("TPOT stopped: no pipeline got a score in its budget ({error}...).")
        print(message.format(error=str(error)[:60]))


def fitted_pipeline(estimator: Any) -> Any | None:
    """TPOT's best pipeline, refitted; ``None``, with what to do, when no pipeline finished.

    Example:
        >>> import pandas as pd
        >>> class EmptySearch:  # what a fitted TPOT holds when its budget ran out too soon
        ...     max_time_mins, cv = 0.1, 3
        ...     evaluated_individuals = pd.DataFrame(
        ...         {"accuracy_score": [float("nan")] * 4, "Eval Error": [None] * 4})
        >>> fitted_pipeline(EmptySearch()) is None
        No pipeline got a score in TPOT's budget of 0.1 min (0 of 4 finished).
        Your machine needs more time per pipeline. Give TPOT a longer budget (max_time_mins)
        or less work per pipeline (cv=3 folds now: try fewer), and run the search again.
        True
    """
    pipeline = getattr(estimator, "fitted_pipeline_", None)
    if pipeline is not None:
        return pipeline
    evaluated = estimator.evaluated_individuals
    scores = evaluated.filter(like="_score").notna().any(axis=1)
    finished = int((scores | evaluated["Eval Error"].notna()).sum())
    message = _(
        "No pipeline got a score in TPOT's budget of {minutes} min "
        "({finished} of {evaluated} finished).\n"
        "Your machine needs more time per pipeline. Give TPOT a longer budget (max_time_mins)\n"
        "or less work per pipeline (cv={cv} folds now: try fewer), "
        "and run the search again."
    )
    print(
        message.format(
            minutes=estimator.max_time_mins,
            finished=finished,
            evaluated=len(evaluated),
            cv=estimator.cv,
        )
    )
    return None


def shared_idle_gaps(
    task_stream: list[dict[str, Any]], longer_than: float = 2.0
) -> list[tuple[float, float]]:
    """When no worker computed, from a task stream's records: (start, length) pairs in seconds.

    ``task_stream`` is ``get_task_stream(client).data``: one record per task, each with its
    ``startstops``. Starts count from the first record's start, as ``plot_task_stream`` draws
    them. Only gaps longer than ``longer_than`` seconds count.

    Example (two workers; both idle from 5 s to 8 s):
        >>> def task(start, stop):
        ...     return {"startstops": [{"action": "compute", "start": start, "stop": stop}]}
        >>> shared_idle_gaps([task(0, 5), task(0, 4), task(8, 9), task(8.5, 12)])
        [(5.0, 3.0)]
    """
    steps = [step for record in task_stream for step in record["startstops"]]
    busy = sorted((s["start"], s["stop"]) for s in steps if s["action"] == "compute")
    gaps: list[tuple[float, float]] = []
    if not busy:
        return gaps
    first = min(s["start"] for s in steps)
    end = busy[0][1]
    for start, stop in busy[1:]:
        if start - end > longer_than:
            gaps.append((round(float(end - first), 1), round(float(start - end), 1)))
        end = max(end, stop)
    return gaps

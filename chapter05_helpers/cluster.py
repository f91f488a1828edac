"""One call for a Dask client: a local cluster sized for this machine, or an existing cluster.

* With ``DASK_SCHEDULER_ADDRESS`` unset: a ``LocalCluster`` with one worker process per CPU
  core, one thread each, and the profile's memory limit per worker. The client owns the
  cluster, so closing the client stops every worker.
* With ``DASK_SCHEDULER_ADDRESS=tcp://host:8786`` set: a connection to that running
  scheduler (dask-jobqueue, dask-kubernetes, a hosted cluster, or ``dask scheduler`` by hand).
  An address that does not answer fails within :data:`CONNECT_TIMEOUT` seconds with a
  message naming it, instead of hanging.

Calling :func:`get_client` again while the client is open returns the same client (running
a notebook cell twice does not start a second cluster). The dashboard link printed is the
one that really serves: if port 8787 is taken, the cluster uses a free port and the link
says so.

Example:
    >>> from chapter05_helpers.cluster import get_client
    >>> with get_client("ci", n_workers=1) as client:  # doctest: +ELLIPSIS
    ...     client.submit(sum, [1, 2, 3]).result()
    Started a local cluster: 1 worker...; dashboard at http://127.0.0.1:.../status
    6
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import dask
from distributed.diagnostics.plugin import WorkerPlugin

from chapter05_helpers.profiles import Profile, get_profile

ADDRESS_ENV_VAR = "DASK_SCHEDULER_ADDRESS"
DASHBOARD_PORT = 8787
CONNECT_TIMEOUT = 5  # seconds

_current: Any = None  # the open client get_client() returned last


class ClusterConnectionError(ConnectionError):
    """The scheduler address did not answer; the message names it and says what to do."""


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing listens on ``host:port`` (so a server could bind it).

    Example:
        >>> isinstance(port_is_free(8787), bool)
        True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class _SchedulerWorkers:
    """What TPOT 1.1 reads from ``client.cluster``: the list of workers.

    TPOT 1.1 sizes its queue with ``len(client.cluster.workers)``; a client connected by
    address has ``cluster=None``, which TPOT cannot handle. This stands in for the cluster,
    answering from the scheduler. It never closes anything: the cluster is not ours.
    """

    def __init__(self, client: Any) -> None:
        from distributed.core import Status

        self._client = client
        self.status = Status.running
        self.scheduler_address = client.scheduler.address

    @property
    def workers(self) -> dict:
        return self._client.scheduler_info(n_workers=-1)["workers"]

    def __repr__(self) -> str:
        return f"<existing cluster at {self.scheduler_address}>"

    def _repr_html_(self) -> str:  # the client's HTML view shows its cluster
        return f"<p>An existing cluster, scheduler at <code>{self.scheduler_address}</code>.</p>"


def _connect(address: str) -> Any:
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as error:
        raise ClusterConnectionError(
            f"Could not reach the Dask scheduler at {address} within {CONNECT_TIMEOUT} s "
            f"({type(error).__name__}). Is it running and reachable from here? "
            f"To use a local cluster instead, unset {ADDRESS_ENV_VAR}."
        ) from None
    client.cluster = _SchedulerWorkers(client)
    return client


class SilenceWarnings(WorkerPlugin):
    """A worker plugin that turns Python warnings off in every worker, present and future."""

    name = "chapter05-silence-warnings"

    def setup(self, worker: Any) -> None:
        import warnings

        warnings.simplefilter("ignore")


def start_local_client(profile: str | Profile | None = None, n_workers: int | None = None) -> Any:
    """Start a new ``LocalCluster`` and return a client that owns it (closing it stops the cluster).

    One worker process per CPU core (or ``n_workers``), one thread each, the profile's memory
    limit per worker, the dashboard on port 8787 or, when that is taken, a free port. The
    workers run with Python warnings and informational logs off: TPOT 1.1's pipelines make
    scikit-learn print deprecation warnings by the hundred, from every worker, and a worker's
    output lands in whichever notebook cell happens to be running.

    Example:
        >>> with start_local_client("ci", n_workers=1) as client:
        ...     client.submit(max, [3, 1, 2]).result()
        3
    """
    from distributed import Client

    chosen = profile if isinstance(profile, Profile) else get_profile(profile)
    port = DASHBOARD_PORT if port_is_free(DASHBOARD_PORT) else 0
    # A client made without an address would connect to DASK_SCHEDULER_ADDRESS if it is set
    # (dask reads it as the "scheduler-address" setting): this one always starts a local cluster.
    with dask.config.set({"scheduler-address": None}):
        client = Client(
            n_workers=n_workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            memory_limit=chosen.worker_memory_limit,
            dashboard_address=f"127.0.0.1:{port}",
            silence_logs=logging.ERROR,
        )
    client.register_plugin(SilenceWarnings())
    return client


def get_client(
    profile: str | Profile | None = None,
    *,
    n_workers: int | None = None,
    address: str | None = None,
    quiet: bool = False,
) -> Any:
    """Return a ``distributed.Client``: local, or connected to ``DASK_SCHEDULER_ADDRESS``.

    Use it as a context manager (``with get_client() as client:``) or close it with
    :func:`close_client`. A second call while the client is open returns it again.

    Example:
        >>> client = get_client("ci", n_workers=1, quiet=True)
        >>> client is get_client("ci", quiet=True)
        True
        >>> close_client()
    """
    global _current
    if _current is not None and _current.status == "running":
        if not quiet:
            print(f"Reusing the open client: {describe(_current)}")
        return _current
    chosen = profile if isinstance(profile, Profile) else get_profile(profile)
    address = address or os.environ.get(ADDRESS_ENV_VAR, "").strip() or None
    if address:
        client = _connect(address)
        what = f"Connected to the existing cluster at {address}"
    else:
        client = start_local_client(chosen, n_workers)
        what = "Started a local cluster"
    _current = client
    if not quiet:
        print(f"{what}: {describe(client)}")
    return client


def describe(client: Any) -> str:
    """Workers, threads, memory and the dashboard link of ``client``'s cluster, in one line.

    Example (``client`` from :func:`get_client`)::

        describe(client)  # '2 workers, 2 threads, 4.0 GiB; dashboard at http://127.0.0.1:8787/status'
    """
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    threads = sum(w["nthreads"] for w in workers)
    memory = sum(w["memory_limit"] for w in workers)
    plural = "" if len(workers) == 1 else "s"
    return (
        f"{len(workers)} worker{plural}, {threads} thread{'' if threads == 1 else 's'}, "
        f"{memory / 2**30:.1f} GiB; dashboard at {client.dashboard_link}"
    )


def close_client() -> None:
    """Close the client :func:`get_client` returned (and its local cluster, if it started one).

    Example:
        >>> close_client()  # nothing open: does nothing
    """
    global _current
    if _current is not None:
        if isinstance(_current.cluster, _SchedulerWorkers):
            _current.cluster = None  # not ours to close
        _current.close()
        _current = None

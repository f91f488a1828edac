"""The cluster helper: local clusters, busy ports, dead addresses, reuse, clean close, dashboard."""

from __future__ import annotations

import socket
import time
import urllib.request

import psutil
import pytest

from chapter05_helpers import cluster
from chapter05_helpers.cluster import ClusterConnectionError, close_client, get_client


@pytest.fixture(autouse=True)
def no_open_client(monkeypatch):
    monkeypatch.delenv(cluster.ADDRESS_ENV_VAR, raising=False)
    yield
    close_client()


def worker_processes() -> list[psutil.Process]:
    return [
        p
        for p in psutil.Process().children(recursive=True)
        if p.is_running()
        and "multiprocessing" in " ".join(p.cmdline())
        and "forkserver" not in " ".join(p.cmdline())
        and "resource_tracker" not in " ".join(p.cmdline())
    ]


def http_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


def test_local_cluster_one_thread_per_worker_and_profile_memory(capsys):
    client = get_client("ci", n_workers=2)
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    assert len(workers) == 2
    assert {w["nthreads"] for w in workers} == {1}
    assert {w["memory_limit"] for w in workers} == {2 * 2**30}  # ci: 2GiB per worker
    assert client.submit(sum, [1, 2, 3]).result() == 6
    out = capsys.readouterr().out
    assert out.startswith(
        "Started a local cluster: 2 workers, 2 threads, 4.0 GiB; dashboard at http://"
    )


def test_second_call_reuses_the_open_client(capsys):
    first = get_client("ci", n_workers=1)
    before = len(worker_processes())
    second = get_client("ci", n_workers=1)
    assert second is first
    assert len(worker_processes()) == before
    assert "Reusing the open client" in capsys.readouterr().out


def test_busy_port_8787_gives_a_link_that_serves(capsys):
    with socket.socket() as squatter:
        try:
            squatter.bind(("127.0.0.1", cluster.DASHBOARD_PORT))
        except OSError:
            pass  # already taken by something else: the situation under test anyway
        squatter.listen()
        client = get_client("ci", n_workers=1)
        link = client.dashboard_link
        assert ":8787/" not in link
        assert link in capsys.readouterr().out
        assert http_status(link) == 200


def test_dashboard_status_page_serves_while_computing():
    client = get_client("ci", n_workers=1)
    future = client.submit(time.sleep, 3)
    time.sleep(0.5)
    assert not future.done()
    assert http_status(client.dashboard_link) == 200
    future.result()


def test_dead_address_fails_fast_and_names_it():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once the block ends: nothing listens there
    address = f"tcp://127.0.0.1:{port}"
    start = time.monotonic()
    with pytest.raises(ClusterConnectionError) as error:
        get_client("ci", address=address)
    assert time.monotonic() - start < 10
    assert address in str(error.value)
    assert cluster.ADDRESS_ENV_VAR in str(error.value)


def test_env_var_address_is_used(monkeypatch):
    monkeypatch.setenv(
        cluster.ADDRESS_ENV_VAR, "tcp://127.0.0.1:9"
    )  # discard port: nothing answers
    with pytest.raises(ClusterConnectionError, match="tcp://127.0.0.1:9"):
        get_client("ci")


def test_close_leaves_no_process_behind():
    get_client("ci", n_workers=2)
    started = worker_processes()
    assert len(started) >= 2
    close_client()
    gone, alive = psutil.wait_procs(started, timeout=15)
    assert alive == []


def test_context_manager_closes_the_cluster():
    with get_client("ci", n_workers=1) as client:
        started = worker_processes()
        assert client.submit(len, "abc").result() == 3
    _, alive = psutil.wait_procs(started, timeout=15)
    assert alive == []
    assert get_client("ci", n_workers=1, quiet=True) is not client  # a closed client is not reused


def test_start_local_client_ignores_the_address_setting():
    import dask

    from chapter05_helpers.cluster import start_local_client

    # what DASK_SCHEDULER_ADDRESS becomes when it is set before dask is imported
    with dask.config.set({"scheduler-address": "tcp://127.0.0.1:9"}):
        with start_local_client("ci", n_workers=1) as client:
            assert client.submit(abs, -4).result() == 4

"""Notebook 04's own cluster cell: a local cluster, a busy port, a dead or wrong address.

Each test starts a kernel for the notebook, runs its cells up to the cluster cell, and
checks what a student would see.
"""

from __future__ import annotations

import re
import socket
import time
import urllib.request

import pytest
from nbclient.exceptions import CellExecutionError
from support import NOTEBOOKS, free_port, live_notebook

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]  # a kernel for notebook 04 each

NOTEBOOK_04 = NOTEBOOKS / "04_tpot_with_dask.ipynb"
LOCAL_CELL = "LocalCluster("  # starts a local cluster unless an address is set
CLUSTER_CELL = "connect_to_scheduler(address)"  # connects to that address; prints the cluster
CLOSE = "client.close()\nif cluster is not None:\n    cluster.close()"


def http_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


def dashboard_link(printed: str) -> str:
    return re.search(r"dashboard: (http://\S+)", printed).group(1)


def test_one_single_threaded_worker_per_core_and_a_live_dashboard(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with live_notebook(NOTEBOOK_04) as nb:
        printed = nb.run_until(LOCAL_CELL) + nb.run_until(CLUSTER_CELL)
        cores = int(nb.run("import os\nprint(len(os.sched_getaffinity(0)))"))  # the usable cores
        assert f"{cores} workers, {cores} threads" in printed
        link = dashboard_link(printed)
        assert ":8787/" in link
        # the status page answers while a task runs
        nb.run("import time\nf = client.submit(time.sleep, 3)")
        assert http_status(link) == 200
        assert nb.run("print(f.done())").strip() == "False"
        nb.run(CLOSE)
        assert nb.run("print(client.status, cluster.status.name)").split() == ["closed", "closed"]


def test_busy_port_8787_gives_a_link_that_serves(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with socket.socket() as squatter:
        # SO_REUSEADDR: bind even while earlier tests' connections to 8787 are in TIME_WAIT
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            squatter.bind(("127.0.0.1", 8787))
            squatter.listen()
        except OSError:
            pass  # already taken by something else: the situation under test anyway
        with live_notebook(NOTEBOOK_04) as nb:
            printed = nb.run_until(LOCAL_CELL) + nb.run_until(CLUSTER_CELL)
            link = dashboard_link(printed)
            assert ":8787/" not in link
            assert "Port 8787 is already in use" in printed  # Dask says why the link moved
            assert http_status(link) == 200
            nb.run(CLOSE)


def test_dead_address_fails_fast_and_names_it(monkeypatch):
    address = f"tcp://127.0.0.1:{free_port()}"
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)
    with live_notebook(NOTEBOOK_04) as nb:
        nb.run_until(LOCAL_CELL)  # the setup cell, then the local cluster's: skipped
        start = time.monotonic()
        with pytest.raises(CellExecutionError) as error:
            nb.run_until(CLUSTER_CELL)
        assert time.monotonic() - start < 10
    assert f"Timed out trying to connect to {address} after 5 s" in str(error.value)


def test_a_dashboard_link_as_the_address_gets_a_message_saying_so(monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "http://127.0.0.1:8787/status")
    with live_notebook(NOTEBOOK_04) as nb:
        with pytest.raises(CellExecutionError) as error:
            nb.run_until(CLUSTER_CELL)
    message = str(error.value)
    assert "http://127.0.0.1:8787/status is a web address, probably the dashboard's" in message
    assert "tcp://scheduler-host:8786" in message


def test_on_a_hub_the_link_goes_through_the_proxy_from_the_courses_dask_config(monkeypatch):
    """What a hub or Binder sets: the course's dask-config/ folder and the user's prefix."""
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    monkeypatch.setenv("DASK_CONFIG", str(NOTEBOOKS.parent / "dask-config"))
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    with live_notebook(NOTEBOOK_04) as nb:
        printed = nb.run_until(LOCAL_CELL) + nb.run_until(CLUSTER_CELL)
        link = re.search(r"dashboard: (\S+)", printed).group(1)
        port = nb.run("print(cluster.scheduler_info['services']['dashboard'])").strip()
        nb.run(CLOSE)
    assert link == f"/user/ada/proxy/{port}/status"

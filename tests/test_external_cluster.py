"""The course runs unchanged on an existing cluster: a real scheduler, two workers, 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import NOTEBOOKS
from distributed import Client
from run_notebooks import execute_notebook

DASK = Path(sys.executable).with_name("dask")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in reversed(processes):
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def external_cluster(tmp_path):
    """A `dask scheduler` and two `dask worker` processes; yields the scheduler's address."""
    scheduler_file = tmp_path / "scheduler.json"
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = []
    try:
        processes.append(
            subprocess.Popen(
                [
                    DASK,
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--dashboard-address",
                    "127.0.0.1:0",
                    "--scheduler-file",
                    str(scheduler_file),
                ],
                stdout=open(logs / "scheduler.log", "w"),
                stderr=subprocess.STDOUT,
            )
        )
        deadline = time.monotonic() + 60
        address = None
        while address is None and time.monotonic() < deadline:
            try:  # the file may appear before it is completely written
                address = json.loads(scheduler_file.read_text())["address"]
            except (FileNotFoundError, json.JSONDecodeError, KeyError):
                time.sleep(0.2)
        assert address, "the scheduler did not start within 60 s"
        for i in range(2):
            processes.append(
                subprocess.Popen(
                    [
                        DASK,
                        "worker",
                        address,
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--memory-limit",
                        "2GiB",
                        "--name",
                        f"external-{i}",
                    ],
                    stdout=open(logs / f"worker-{i}.log", "w"),
                    stderr=subprocess.STDOUT,
                )
            )
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        stop(processes)


def test_notebook_04_runs_on_the_existing_cluster(external_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", external_cluster)
    monkeypatch.setenv("CHAPTER05_PROFILE", "ci")
    execute_notebook(NOTEBOOKS / "04_tpot_with_dask.ipynb", tmp_path / "out", html_too=False)

    executed = nbformat.read(tmp_path / "out" / "04_tpot_with_dask.ipynb", as_version=4)
    text = "".join(
        o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "2 workers, 2 threads" in text
    assert "workers TPOT will see: 2" in text  # the stand-in for client.cluster is in place
    with Client(external_cluster, timeout=30) as client:
        executed_tasks = client.run(lambda dask_worker: dask_worker.state.executed_count)
        names = {info["name"] for info in client.scheduler_info(n_workers=-1)["workers"].values()}
    assert names == {"external-0", "external-1"}, "the notebook must not stop the cluster's workers"
    assert len(executed_tasks) == 2
    assert all(count > 0 for count in executed_tasks.values()), executed_tasks

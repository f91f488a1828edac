"""The course runs unchanged on an existing cluster: a real scheduler, two workers, 127.0.0.1.

Nothing may be logged at error level during notebook 04: not by the scheduler or the workers (their
logs), not by the client in the kernel (a logging handler set up before the first cell, since
nbclient keeps only what arrives while a cell runs), and not in the cells' outputs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from distributed import Client
from run_notebooks import execute_notebook
from support import NOTEBOOKS

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]  # notebook 04, its TPOT search included
DASK = Path(sys.executable).with_name("dask")
# Distributed's loggers do not propagate to the root logger: each gets the kernel's handler too.
KERNEL_LOGGERS = (
    "",
    "distributed",
    "distributed.client",
    "bokeh",
    "tornado",
    "tornado.application",
)
# An IPython startup file: every record at WARNING or above, from any thread, into the log.
KERNEL_LOGGING = f"""
import logging, os, threading
import distributed  # sets up its loggers first
handler = logging.FileHandler(os.environ["CHAPTER05_KERNEL_LOG"])
handler.setLevel(logging.WARNING)
handler.setFormatter(logging.Formatter("%(name)s - %(levelname)s - %(message)s"))
for name in {KERNEL_LOGGERS!r}:
    logging.getLogger(name).addHandler(handler)
threading.excepthook = lambda args: logging.getLogger().error(
    "uncaught in a thread", exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
"""
# What may be logged at WARNING during a run that succeeded, by whom and why. Nothing at ERROR.
EXPECTED_WARNINGS = {
    "the scheduler or a worker, when the machine's cores are all busy (TPOT keeps them so)": (
        r"Event loop was unresponsive"
    ),
}
SEVERE = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback")
WARNING = re.compile(r"\bWARNING\b")


def problems(text: str, source: str) -> list[str]:
    """Lines at error level, and warnings that no entry of EXPECTED_WARNINGS names."""
    found = []
    for line in text.splitlines():
        if SEVERE.search(line):
            found.append(f"{source}: {line}")
        elif WARNING.search(line) and not any(
            re.search(pattern, line) for pattern in EXPECTED_WARNINGS.values()
        ):
            found.append(f"{source} (unexpected warning): {line}")
    return found


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
        yield address, logs
    finally:
        stop(processes)


def test_notebook_04_runs_on_the_existing_cluster(external_cluster, tmp_path, monkeypatch):
    address, logs = external_cluster
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-log-to-file.py").write_text(KERNEL_LOGGING)
    kernel_log = logs / "kernel.log"
    kernel_log.touch()
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("CHAPTER05_KERNEL_LOG", str(kernel_log))
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)
    monkeypatch.setenv("CHAPTER05_PROFILE", "ci")
    execute_notebook(NOTEBOOKS / "04_tpot_with_dask.ipynb", tmp_path / "out", html_too=False)

    executed = nbformat.read(tmp_path / "out" / "04_tpot_with_dask.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") for o in outputs)
    assert "2 workers, 2 threads" in text
    assert "max_queue_size = len(client.cluster.workers)" in text  # TPOT reads it: it is there
    found = [f"cell output: {o['ename']}: {o['evalue']}" for o in outputs if "ename" in o]
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    found += problems(stderr, "cell stderr")
    for log in sorted(logs.glob("*.log")):
        found += problems(log.read_text(), log.name)
    assert found == [], "\n".join(found)
    with Client(address, timeout=30) as client:
        executed_tasks = client.run(lambda dask_worker: dask_worker.state.executed_count)
        names = {info["name"] for info in client.scheduler_info(n_workers=-1)["workers"].values()}
    assert names == {"external-0", "external-1"}, "the notebook must not stop the cluster's workers"
    assert len(executed_tasks) == 2
    assert all(count > 0 for count in executed_tasks.values()), executed_tasks

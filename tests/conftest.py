"""Shared test set-up: the ci profile, and a check that no process outlives the suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

# The suite always runs at the ci profile, on local clusters (the external-cluster test sets
# its own address). Notebook kernels started by nbval inherit this environment.
os.environ["CHAPTER05_PROFILE"] = "ci"
os.environ.pop("DASK_SCHEDULER_ADDRESS", None)

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"


def run_nbval(
    notebook: Path, env_extra: dict[str, str], timeout: float = 900
) -> subprocess.CompletedProcess:
    """Run nbval over one notebook in a separate pytest process and return the finished process."""
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(notebook),
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(REPO / "tests" / "nbval_sanitize.cfg"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# The standard library's own helpers (started by the forkserver/spawn tests); they end with
# the pytest process itself, so they are not leaks.
STDLIB_HELPERS = ("multiprocessing.forkserver", "multiprocessing.resource_tracker")


def _is_stdlib_helper(process: psutil.Process) -> bool:
    try:
        command = " ".join(process.cmdline())
    except psutil.Error:
        return True  # already gone
    return any(helper in command for helper in STDLIB_HELPERS)


@pytest.fixture(scope="session", autouse=True)
def no_processes_left_behind():
    """Fail the run if any child process (kernel, pool worker, dask worker) outlives the suite."""
    yield
    me = psutil.Process()
    survivors = [
        p for p in me.children(recursive=True) if p.is_running() and not _is_stdlib_helper(p)
    ]
    if survivors:
        _, alive = psutil.wait_procs(survivors, timeout=10)
        if alive:
            described = [f"{p.pid} {' '.join(p.cmdline()[:4])}" for p in alive]
            for p in alive:
                p.kill()
            pytest.fail(f"processes left running after the suite: {described}")

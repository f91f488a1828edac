"""The suite's set-up: the ci profile, the markers nbval's and Playwright's tests get, and no
process left behind. Shared helpers are in ``support.py``."""

from __future__ import annotations

import os

import psutil
import pytest
from support import TWINS

# The suite always runs at the ci profile, on local clusters (the tests that need an address set
# their own). Notebook kernels started by nbval inherit this environment.
os.environ["CHAPTER05_PROFILE"] = "ci"
os.environ.pop("DASK_SCHEDULER_ADDRESS", None)
os.environ.pop("CHAPTER05_LANG", None)  # the helpers speak English unless a test asks


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """nbval's cells of the twins are ``notebooks`` tests; a module that drives Chromium with
    Playwright holds ``browser`` tests. (Other tests carry their markers themselves.)"""
    for item in items:
        if item.path.parent == TWINS:
            item.add_marker(pytest.mark.notebooks)
        module = getattr(item, "module", None)
        if module is not None and "sync_playwright" in vars(module):
            item.add_marker(pytest.mark.browser)


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

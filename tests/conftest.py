"""Shared test set-up: the ci profile, notebook runners, no process left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

import nbformat
import psutil
import pytest

# The suite always runs at the ci profile, on local clusters (the tests that need an address set
# their own). Notebook kernels started by nbval inherit this environment.
os.environ["CHAPTER05_PROFILE"] = "ci"
os.environ.pop("DASK_SCHEDULER_ADDRESS", None)

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"  # what students open: stored without outputs
TWINS = REPO / "tests" / "notebooks"  # the same cells with the ci outputs nbval compares
sys.path.insert(0, str(REPO / "tools"))  # the maintainers' tools are tested too
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; the browser tests never download one


def require_chromium(what: str) -> None:
    """Skip the calling module without Chromium or playwright; fail under CI, which has them."""
    if CHROMIUM.exists() and find_spec("playwright") is not None:
        return
    how = "sudo apt-get install chromium; make env (brings playwright)"
    if os.environ.get("CI"):  # CI installs them (.ci/run): a skip there would hide a failure
        pytest.fail(f"{what}: Chromium or playwright missing ({how})", pytrace=False)
    pytest.skip(f"needs Debian's Chromium and playwright: {how}", allow_module_level=True)


def ipython_dir_with_start_method(folder: Path, method: str) -> Path:
    """An IPYTHONDIR whose startup file sets ``method`` in every kernel that uses it.

    This is how the suite runs notebook 01 under each start method without a notebook cell
    doing it: IPython runs ``profile_default/startup/*.py`` before the first cell.
    """
    startup = folder / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-start-method.py").write_text(
        f"import multiprocessing\nmultiprocessing.set_start_method({method!r}, force=True)\n"
    )
    return folder


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


class LiveNotebook:
    """A notebook's kernel, alive: run its own cells up to a marker, then any extra code."""

    def __init__(self, client, nb) -> None:
        self.client, self.nb, self.next = client, nb, 0

    def run_until(self, marker: str) -> str:
        """Run the code cells in order, up to the first whose source contains ``marker``.

        Returns the text that cell printed (stdout and stderr).
        """
        while self.next < len(self.nb.cells):
            cell, index = self.nb.cells[self.next], self.next
            self.next += 1
            if cell.cell_type != "code":
                continue
            self.client.execute_cell(cell, index)
            if marker in cell.source:
                return _text(cell)
        raise AssertionError(f"no code cell contains {marker!r}")

    def run(self, code: str) -> str:
        """Run ``code`` as a new cell in the same kernel; return what it printed."""
        cell = nbformat.v4.new_code_cell(code)
        self.nb.cells.append(cell)
        self.client.execute_cell(cell, len(self.nb.cells) - 1)
        return _text(cell)


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


@contextmanager
def live_notebook(path: Path, timeout: int = 600) -> Iterator[LiveNotebook]:
    """Start a kernel for the notebook at ``path`` (with this process's environment)."""
    from run_notebooks import notebook_client

    nb = nbformat.read(path, as_version=4)
    client = notebook_client(nb, path, timeout)
    with client.setup_kernel():
        yield LiveNotebook(client, nb)


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

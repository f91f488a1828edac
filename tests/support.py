"""What several test modules share: the course's folders, notebook builders and runners, Chromium.

Test modules ``import support`` (``pythonpath`` in pyproject.toml puts ``tests/`` and ``tools/``
on the path); fixtures and collection rules live in ``conftest.py``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"  # what students open: stored without outputs
TWINS = REPO / "tests" / "notebooks"  # the same cells with the ci outputs nbval compares
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; the browser tests never download one
CHROMIUM_ARGS = [  # the flags this machine needs: no sandbox as root, no network but loopback
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium(what: str) -> None:
    """Skip the calling module without Chromium or playwright; fail under CI, which has them."""
    if CHROMIUM.exists() and find_spec("playwright") is not None:
        return
    how = "sudo apt-get install chromium; make env (brings playwright)"
    if os.environ.get("CI"):  # CI installs them (.ci/run): a skip there would hide a failure
        pytest.fail(f"{what}: Chromium or playwright missing ({how})", pytrace=False)
    pytest.skip(f"needs Debian's Chromium and playwright: {how}", allow_module_level=True)


@contextmanager
def small_cluster(n_workers: int = 1) -> Iterator[tuple]:
    """A cluster of ``n_workers`` one-thread workers inside this process, and a client of it.

    Example:
        >>> with small_cluster(2) as (cluster, client):
        ...     len(cluster.workers), client.submit(sum, [1, 2]).result()
        (2, 3)
    """
    import logging

    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=False,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield cluster, client


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on (free once this returns).

    >>> with socket.socket() as client:
    ...     client.connect_ex(("127.0.0.1", free_port())) != 0  # refused: nobody listens
    True
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def canonical(name: str) -> str:
    """A package name as PyPI compares names (PEP 503).

    >>> canonical("Dask_ML")
    'dask-ml'
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(sections: tuple[str, ...] = ("default", "develop")) -> dict[str, str]:
    """Package -> version pinned by Pipfile.lock, from its ``sections`` (the course's own
    packages, installed from their folders, have no version and are left out).

    >>> locked_versions(("default",))["tpot"]
    '1.1.0'
    """
    lock = json.loads((REPO / "Pipfile.lock").read_text(encoding="utf-8"))
    return {
        canonical(name): entry["version"].removeprefix("==")
        for section in sections
        for name, entry in lock[section].items()
        if "version" in entry
    }


def write_notebook(
    path: Path, *sources: str, title: str | None = None, stored: list[str] | None = None
) -> Path:
    """A notebook at ``path``: a Markdown ``title`` if given, then one code cell per source.

    ``stored`` gives each code cell a stored stdout output, as a twin has, for nbval to compare.

    >>> import tempfile
    >>> path = write_notebook(Path(tempfile.mkdtemp()) / "a.ipynb", "print(1)", stored=["1\\n"])
    >>> nbformat.read(path, as_version=4).cells[0].outputs[0].text
    '1\\n'
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if title is not None:
        nb.cells.append(nbformat.v4.new_markdown_cell(f"# {title}"))
    for count, source in enumerate(sources, start=1):
        cell = nbformat.v4.new_code_cell(source)
        if stored is not None:
            cell.execution_count = count
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored[count - 1])]
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


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
        env={**os.environ, **env_extra},
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
                return _printed(cell)
        raise AssertionError(f"no code cell contains {marker!r}")

    def run(self, code: str) -> str:
        """Run ``code`` as a new cell in the same kernel; return what it printed."""
        cell = nbformat.v4.new_code_cell(code)
        self.nb.cells.append(cell)
        self.client.execute_cell(cell, len(self.nb.cells) - 1)
        return _printed(cell)


def _printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


@contextmanager
def live_notebook(path: Path, timeout: int = 600) -> Iterator[LiveNotebook]:
    """Start a kernel for the notebook at ``path`` (with this process's environment)."""
    from run_notebooks import notebook_client

    nb = nbformat.read(path, as_version=4)
    client = notebook_client(nb, path, timeout)
    with client.setup_kernel():
        yield LiveNotebook(client, nb)

"""Notebook 01's processes under each other start method (the main nbval run covers the default).

An IPython startup file sets the start method, so no notebook cell has to. Only the cells that
start processes with the default method run again, with the setup and exercise cells they need,
and their outputs are compared with the twin's. The other cells do not depend on the default
method (the spawn section chooses its own): the main run covers them.
"""

from __future__ import annotations

import multiprocessing

import nbformat
import pytest
from support import TWINS, ipython_dir_with_start_method, run_nbval

OTHER_START_METHODS = [
    m for m in multiprocessing.get_all_start_methods() if m != multiprocessing.get_start_method()
]
# A code cell runs again when its source contains one of these (each must match a cell).
PROCESS_CELLS = (
    "from chapter05_helpers.pool_functions import",  # sleep_func, sleep_for
    "process_1 = Process(target=sleep_func)",  # three processes, then their exit codes
    "process_1, process_2, process_3)]",
    "unjoined = [Process(target=sleep_func)",  # not joined, then joined
    "for process in unjoined:\n    process.join()",
    "out.append(ppe.submit(sleep_func))",  # a pool of the default size
    "check_pool_with_arguments",  # the exercise: a pool that passes arguments, and its check
    "# Solution.",
)
PROBE = "import multiprocessing\nprint(multiprocessing.get_start_method())"


def process_cells_of_notebook_01(method: str) -> nbformat.NotebookNode:
    """The twin of notebook 01 cut to its setup cell and PROCESS_CELLS, then a cell that prints
    the start method its kernel uses (stored: ``method``)."""
    nb = nbformat.read(TWINS / "01_python_parallelism.ipynb", as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    kept = [code[0]] + [c for c in code[1:] if any(marker in c.source for marker in PROCESS_CELLS)]
    lost = [marker for marker in PROCESS_CELLS if not any(marker in c.source for c in kept)]
    assert lost == [], f"notebook 01 has no cell with {lost}: update PROCESS_CELLS"
    probe = nbformat.v4.new_code_cell(PROBE, execution_count=len(nb.cells) + 1)
    probe.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"{method}\n")]
    nb.cells = kept + [probe]
    return nb


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("method", OTHER_START_METHODS)
def test_notebook_01s_processes_under_every_start_method(method, tmp_path):
    notebook = tmp_path / "01_process_cells.ipynb"
    nbformat.write(process_cells_of_notebook_01(method), notebook)
    ipython_dir = ipython_dir_with_start_method(tmp_path / "ipython", method)
    result = run_nbval(notebook, {"IPYTHONDIR": str(ipython_dir)})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout.splitlines()[-1], result.stdout[-500:]

"""Notebook checks beyond the main nbval run (which covers every notebook once)."""

from __future__ import annotations

import multiprocessing

import nbformat
import pytest
from conftest import NOTEBOOKS, ipython_dir_with_start_method, run_nbval

OTHER_START_METHODS = [
    m for m in multiprocessing.get_all_start_methods() if m != multiprocessing.get_start_method()
]


@pytest.mark.parametrize("method", OTHER_START_METHODS)
def test_notebook_01_under_every_start_method(method, tmp_path):
    """The main run covers the default start method; this runs notebook 01 under the others.

    An IPython startup file sets the start method, so no notebook cell has to.
    """
    ipython_dir = ipython_dir_with_start_method(tmp_path / "ipython", method)
    result = run_nbval(NOTEBOOKS / "01_python_parallelism.ipynb", {"IPYTHONDIR": str(ipython_dir)})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # and the kernels really ran under that method: a notebook that prints it, stored with it
    code = "import multiprocessing\nprint(multiprocessing.get_start_method())"
    probe = one_cell_notebook(tmp_path / "probe.ipynb", code, f"{method}\n")
    result = run_nbval(probe, {"IPYTHONDIR": str(ipython_dir)}, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]


def one_cell_notebook(path, source: str, stored_output: str = ""):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(source)
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored_output)]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def test_sanitizer_masks_timings_only(tmp_path):
    """A different timing passes; a different result fails, so outputs really are compared."""
    code = "print('Wall time: 1.23 s')\nprint(6 * 7)"
    same = one_cell_notebook(tmp_path / "same.ipynb", code, "Wall time: 9.87 s\n42\n")
    assert run_nbval(same, {}, timeout=120).returncode == 0
    wrong = one_cell_notebook(tmp_path / "wrong.ipynb", code, "Wall time: 9.87 s\n43\n")
    result = run_nbval(wrong, {}, timeout=120)
    assert result.returncode == 1, result.stdout[-2000:]


def test_stored_notebooks_carry_no_errors_and_were_executed():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code_cells = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code_cells), f"{path.name}: a cell was never run"
        errors = [o for c in code_cells for o in c.outputs if o.output_type == "error"]
        assert errors == [], f"{path.name} stores an error output"

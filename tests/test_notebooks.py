"""Notebook checks beyond the main nbval run (which covers every twin once).

The notebooks in ``notebooks/`` are stored clean; their twins in ``tests/notebooks/`` hold the
outputs of a ``ci`` run (``tools/twins.py``).
"""

from __future__ import annotations

import multiprocessing

import nbformat
import pytest
from conftest import NOTEBOOKS, TWINS, ipython_dir_with_start_method, run_nbval
from twins import differences, has_outputs, twin_path

OTHER_START_METHODS = [
    m for m in multiprocessing.get_all_start_methods() if m != multiprocessing.get_start_method()
]


@pytest.mark.parametrize("method", OTHER_START_METHODS)
def test_notebook_01_under_every_start_method(method, tmp_path):
    """The main run covers the default start method; this runs notebook 01 under the others.

    An IPython startup file sets the start method, so no notebook cell has to.
    """
    ipython_dir = ipython_dir_with_start_method(tmp_path / "ipython", method)
    result = run_nbval(TWINS / "01_python_parallelism.ipynb", {"IPYTHONDIR": str(ipython_dir)})
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


def test_notebooks_are_stored_without_outputs():
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert paths, "no notebooks found"
    for path in paths:
        cells = has_outputs(nbformat.read(path, as_version=4))
        assert cells == [], (
            f"{path.name}: cells {cells} carry outputs; run `python tools/twins.py --strip`"
        )


def test_every_notebook_has_a_twin_with_the_same_cells():
    problems = [
        line
        for path in sorted(NOTEBOOKS.glob("*.ipynb"))
        for line in differences(path, twin_path(path))
    ]
    assert problems == [], "\n".join(problems) + "\nRefresh the twins with `make outputs NB=...`."
    orphans = {p.name for p in TWINS.glob("*.ipynb")} - {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    assert not orphans, f"twins without a notebook: {sorted(orphans)}"


def test_a_changed_line_without_its_twin_is_named(tmp_path):
    source = nbformat.read(NOTEBOOKS / "03_dask_delayed.ipynb", as_version=4)
    index = next(i for i, c in enumerate(source.cells) if "def cube" in c.source)
    source.cells[index].source = source.cells[index].source.replace("number**3", "number**2")
    nbformat.write(source, tmp_path / "03_dask_delayed.ipynb")
    found = differences(tmp_path / "03_dask_delayed.ipynb", TWINS / "03_dask_delayed.ipynb")
    assert len(found) == 1, found
    assert found[0].startswith(f"03_dask_delayed.ipynb cell {index} (code cell ")
    assert found[0].endswith("its source differs from the twin's")


def test_twins_carry_no_errors_and_were_executed():
    for path in sorted(TWINS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code_cells = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code_cells), f"{path.name}: a cell was never run"
        errors = [o for c in code_cells for o in c.outputs if o.output_type == "error"]
        assert errors == [], f"{path.name} stores an error output"

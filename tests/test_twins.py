"""Notebooks and their twins (tools/twins.py), and what nbval compares between them.

The notebooks in ``notebooks/`` are stored clean; their twins in ``tests/notebooks/`` hold the
outputs of a ``ci`` run, which nbval compares (the main run covers every twin once).
"""

from __future__ import annotations

import nbformat
import pytest
from support import NOTEBOOKS, TWINS, run_nbval, write_notebook
from twins import differences, has_outputs, twin_path


@pytest.mark.notebooks
def test_sanitizer_masks_timings_only(tmp_path):
    """A different timing passes; a different result fails, so outputs really are compared."""
    code = "print('Wall time: 1.23 s')\nprint(6 * 7)"
    same = write_notebook(tmp_path / "same.ipynb", code, stored=["Wall time: 9.87 s\n42\n"])
    assert run_nbval(same, {}, timeout=120).returncode == 0
    wrong = write_notebook(tmp_path / "wrong.ipynb", code, stored=["Wall time: 9.87 s\n43\n"])
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

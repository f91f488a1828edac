"""Maintainers' tool: clean notebooks in ``notebooks/``, executed twins in ``tests/notebooks/``.

A student opens ``notebooks/NN_*.ipynb`` and sees no output until they run it. The suite needs
outputs to compare, so each notebook has a *twin* under ``tests/notebooks/`` with the same cells
and sources and the outputs of a run at the ``ci`` profile. nbval re-executes the twins.

``python tools/twins.py --check`` lists every way a notebook and its twin differ (naming the
cell); ``--strip`` clears the outputs of the notebooks in ``notebooks/``. ``make outputs``
refreshes the twins (``tools/run_notebooks.py --store``).

Example:
    >>> twin_path(NOTEBOOKS / "03_dask_delayed.ipynb").relative_to(REPO_ROOT).as_posix()
    'tests/notebooks/03_dask_delayed.ipynb'
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO_ROOT / "notebooks"
TWINS = REPO_ROOT / "tests" / "notebooks"
# Cell metadata that must agree between a notebook and its twin: what nbval reads (tags) and
# what JupyterLab shows (collapsed solutions).
COMPARED_METADATA = ("tags", "jupyter")


def twin_path(notebook: Path) -> Path:
    """Where the executed twin of ``notebook`` lives."""
    return TWINS / Path(notebook).name


def strip_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Clear every code cell's outputs and execution count, in place; return ``nb``.

    Example:
        >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
        >>> nb.cells[0].execution_count = 3
        >>> strip_outputs(nb).cells[0].execution_count is None
        True
    """
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    return nb


def has_outputs(nb: nbformat.NotebookNode) -> list[int]:
    """The indexes of the code cells that carry outputs or an execution count.

    Example:
        >>> has_outputs(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
        []
    """
    return [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]


def _described(cell: nbformat.NotebookNode) -> str:
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else "(empty)"
    return f"{cell.cell_type} cell {first[:60]!r}"


def differences(notebook: Path, twin: Path) -> list[str]:
    """Every way the cells of ``notebook`` and ``twin`` differ, one line each, naming the cell.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> a, b = folder / "a.ipynb", folder / "b.ipynb"
        >>> nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), a)
        >>> nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 2")]), b)
        >>> differences(a, b)
        ["a.ipynb cell 0 (code cell 'x = 1'): its source differs from the twin's"]
    """
    if not twin.exists():
        return [f"{notebook.name} has no twin at {twin}: run `make outputs NB={notebook}`"]
    mine = nbformat.read(notebook, as_version=4).cells
    theirs = nbformat.read(twin, as_version=4).cells
    found = []
    for i, (a, b) in enumerate(zip(mine, theirs, strict=False)):
        where = f"{notebook.name} cell {i} ({_described(a)})"
        if a.cell_type != b.cell_type:
            found.append(f"{where}: the twin has a {b.cell_type} cell there")
        elif a.source != b.source:
            found.append(f"{where}: its source differs from the twin's")
        for key in COMPARED_METADATA:
            if a.metadata.get(key) != b.metadata.get(key):
                found.append(f"{where}: its metadata {key!r} differs from the twin's")
    if len(mine) != len(theirs):
        found.append(f"{notebook.name} has {len(mine)} cells, its twin {len(theirs)}")
    return found


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python tools/twins.py --check | --strip [NOTEBOOK ...]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare notebooks and twins")
    parser.add_argument("--strip", action="store_true", help="clear the notebooks' outputs")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    problems = []
    for path in paths:
        if args.strip:
            nbformat.write(strip_outputs(nbformat.read(path, as_version=4)), path)
        if args.check:
            problems += differences(path, twin_path(path))
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print("Refresh the twins with `make outputs` (or `make outputs NB=...`).", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Maintainers' tool: execute every notebook headless, into ``build/`` or in place.

``make run`` calls ``python tools/run_notebooks.py --out build`` at the profile named by
``CHAPTER05_PROFILE`` (``demo`` unless set): executed ``.ipynb`` and HTML, one of each per
notebook. ``make site`` makes the course site from them (``site/build.py``: the course map,
navigation, search). ``make outputs`` calls it with ``--store`` at ``ci``: each notebook is
executed as its twin under ``tests/notebooks/`` (see ``tools/twins.py``), the outputs nbval
compares against.

Example:
    >>> notebook_paths(REPO_ROOT / "notebooks")[0].name
    '01_python_parallelism.ipynb'
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TWINS = REPO_ROOT / "tests" / "notebooks"  # see tools/twins.py


def notebook_paths(folder: Path) -> list[Path]:
    """The course's numbered notebooks in ``folder``, in order.

    Optional companions are numbered after the section they deepen (``02b_optional_...``).

    Example:
        >>> notebook_paths(Path("/nonexistent"))
        []
    """
    return sorted(p for p in folder.glob("[0-9][0-9]*_*.ipynb"))


def notebook_title(path: Path) -> str:
    """The first Markdown heading of the notebook at ``path`` (its file name if none).

    Example:
        >>> notebook_title(REPO_ROOT / "notebooks" / "01_python_parallelism.ipynb")
        'Section 1: Parallelism in plain Python'
    """
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip().replace("`", "")  # plain text for the index
    return path.stem


def notebook_client(nb, source: Path, timeout: int | None = None, record_timing: bool = False):
    """An ``nbclient`` client for the notebook ``nb`` read from ``source``.

    Its kernel's working directory is the notebook's own folder, as in JupyterLab.

    Example (``nb`` from ``nbformat.read(source, as_version=4)``)::

        notebook_client(nb, source).execute()
    """
    from nbclient import NotebookClient

    return NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(source.parent)}},
        record_timing=record_timing,
    )


def execute_notebook(
    source: Path,
    out_dir: Path,
    timeout: int | None = None,
    html_too: bool = True,
    cwd: Path | None = None,
) -> float:
    """Run ``source`` in a fresh kernel, write ``.ipynb`` and ``.html``; return the seconds taken.

    The kernel runs in ``cwd`` (default: the notebook's own folder, as in JupyterLab).
    A failing cell raises ``nbclient.exceptions.CellExecutionError`` after the
    partly executed notebook has been written, so the failure can be read.

    Example (takes as long as the notebook)::

        seconds = execute_notebook(Path("notebooks/03_dask_delayed.ipynb"), Path("build"))
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(source, as_version=4)
    # stored twins carry no execution timestamps
    where = (cwd or source.parent) / source.name
    client = notebook_client(nb, where, timeout, record_timing=html_too)
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        elapsed = time.perf_counter() - start
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_dir / source.name)
        if html_too:
            body, _ = HTMLExporter().from_notebook_node(nb)
            (out_dir / f"{source.stem}.html").write_text(body, encoding="utf-8")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python tools/run_notebooks.py [--out build | --store] [NOTEBOOK ...]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build")
    parser.add_argument(
        "--store",
        action="store_true",
        help="write each executed notebook as its twin in tests/notebooks/, without HTML",
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    args = parser.parse_args(argv)
    from chapter05_helpers.profiles import get_profile

    profile = get_profile()
    sources = args.notebooks or notebook_paths(REPO_ROOT / "notebooks")
    if not sources:
        print("No notebooks found.", file=sys.stderr)
        return 1
    for source in sources:
        print(f"[{profile.name}] executing {source.name} ...", flush=True)
        if args.store:  # executed where nbval runs the twin, so relative paths agree
            seconds = execute_notebook(source, TWINS, html_too=False, cwd=TWINS)
        else:
            seconds = execute_notebook(source, args.out)
        print(f"[{profile.name}] {source.name}: {seconds:.1f} s", flush=True)
    where = f"their twins under {TWINS}" if args.store else f"{args.out} (make site: the site)"
    print(f"Executed {len(sources)} notebooks into {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

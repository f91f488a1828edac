"""Execute every notebook headless into ``build/``: executed ``.ipynb``, HTML and an index.

``make run`` calls ``python -m chapter05_helpers.build --out build`` at the profile
named by ``CHAPTER05_PROFILE`` (``demo`` unless set).

Example:
    >>> from chapter05_helpers.build import REPO_ROOT, notebook_paths
    >>> [p.name for p in notebook_paths(REPO_ROOT / "notebooks")][0]
    '01_python_parallelism.ipynb'
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import time
from pathlib import Path

from chapter05_helpers.profiles import get_profile

REPO_ROOT = Path(__file__).resolve().parent.parent


def notebook_paths(folder: Path) -> list[Path]:
    """The course's numbered notebooks in ``folder``, in order.

    Example:
        >>> notebook_paths(Path("/nonexistent"))
        []
    """
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


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


def execute_notebook(
    source: Path, out_dir: Path, timeout: int | None = None, html_too: bool = True
) -> float:
    """Run ``source`` in a fresh kernel, write ``.ipynb`` and ``.html``; return the seconds taken.

    The kernel's working directory is the notebook's own folder, as in JupyterLab.
    A failing cell raises ``nbclient.exceptions.CellExecutionError`` after the
    partly executed notebook has been written, so the failure can be read.

    Example (takes as long as the notebook)::

        seconds = execute_notebook(Path("notebooks/03_dask_delayed.ipynb"), Path("build"))
    """
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.read(source, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(source.parent)}},
        record_timing=html_too,  # stored notebooks carry no execution timestamps
    )
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


def write_index(out_dir: Path, entries: list[tuple[Path, str, float]], profile_name: str) -> Path:
    """Write ``index.html``: a table of contents linking each executed notebook's HTML.

    Example:
        >>> import tempfile
        >>> write_index(Path(tempfile.mkdtemp()), [], "demo").name
        'index.html'
    """
    rows = "\n".join(
        f'<li><a href="{html.escape(path.stem)}.html">{html.escape(title)}</a>'
        f" <small>({seconds:.0f} s)</small></li>"
        for path, title, seconds in entries
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Chapter 5: Parallel training with TPOT and Dask</title>
<style>body{{font-family:sans-serif;max-width:46em;margin:3em auto;line-height:1.5}}</style>
</head><body>
<h1>Chapter 5: Parallel training with TPOT and Dask</h1>
<p>Notebooks executed at the <code>{html.escape(profile_name)}</code> profile
on {time.strftime("%Y-%m-%d %H:%M")}; the time each took is beside it.</p>
<ol>
{rows}
</ol>
</body></html>
"""
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m chapter05_helpers.build [--out build] [NOTEBOOK ...]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build")
    parser.add_argument(
        "--store",
        action="store_true",
        help="overwrite the notebooks in place, without HTML (how the stored outputs are made)",
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    args = parser.parse_args(argv)
    profile = get_profile()
    sources = args.notebooks or notebook_paths(REPO_ROOT / "notebooks")
    if not sources:
        print("No notebooks found.", file=sys.stderr)
        return 1
    entries = []
    for source in sources:
        print(f"[{profile.name}] executing {source.name} ...", flush=True)
        out_dir = source.parent if args.store else args.out
        seconds = execute_notebook(source, out_dir, html_too=not args.store)
        print(f"[{profile.name}] {source.name}: {seconds:.1f} s", flush=True)
        entries.append((source, notebook_title(source), seconds))
    if args.store:
        print(f"Stored the outputs of {len(entries)} notebooks in place")
        return 0
    index = write_index(args.out, entries, profile.name)
    print(f"Wrote {len(entries)} notebooks and {index}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

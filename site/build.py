"""Build the course site: ``make site`` calls ``python site/build.py``.

The pages are the notebooks as executed by ``make run`` (``build/*.ipynb``, at ``demo`` unless
``CHAPTER05_PROFILE`` says otherwise); a notebook with no executed copy, or one older than its
source, is executed first. They are staged with the landing page (the course map), the
instructors' guide (``docs/instructors.md``) and the dashboard screenshots of the browser test
(``build/screenshots/``), then Sphinx (myst-nb, sphinx-book-theme) writes ``build/site/``.
Nothing is executed by Sphinx and nothing is downloaded.

Example::

    python site/build.py                      # build/site/, from make run's build/*.ipynb
    python site/build.py --no-run --executed tests/notebooks --out /tmp/site
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

SITE = Path(__file__).resolve().parent
REPO = SITE.parent
sys.path.insert(0, str(REPO / "tools"))
from run_notebooks import execute_notebook, notebook_paths, notebook_title  # noqa: E402

DOCS = REPO / "docs"
# Where the course lives: the launch buttons, the repository link, and links to the course's
# files that are not pages of the site are made from these (site/conf.py reads them here).
REPOSITORY_URL = os.environ.get("CHAPTER05_REPOSITORY_URL", "https://github.com/chapter05/course")
BRANCH = os.environ.get("CHAPTER05_BRANCH", "main")
BINDERHUB_URL = os.environ.get("CHAPTER05_BINDERHUB_URL", "https://mybinder.org")
# A JupyterHub with nbgitpuller (the "JupyterHub" launch button): your institution's.
JUPYTERHUB_URL = os.environ.get("CHAPTER05_JUPYTERHUB_URL", "https://hub.example.org")
# A Markdown link to a relative target: [text](target)
LINK = re.compile(r"(\]\()(?!https?:|mailto:|#)([^)\s]+)(\))")
# The screenshots tests/test_browser.py saves, and what each shows.
SCREENSHOTS = {
    "dashboard-status-during-fit.png": "The dashboard's Status page while TPOT fits (the book's "
    "figure 5.5).",
    "lab-instructor-layout.png": "JupyterLab in the instructor's layout: notebook 04, with the "
    "task stream, progress and worker memory docked beside it.",
    "lab-sidebar-connected.png": "The Dask sidebar, connected to the course's cluster by itself.",
}


def course_map(entries: list[tuple[str, str]]) -> str:
    """A Markdown table linking each notebook page; optional companions carry no number.

    Example:
        >>> course_map([("02_b", "Section 2")]).splitlines()[-1]
        '| 2 | [Section 2](02_b.ipynb) |'
    """
    rows = ["| | lesson |", "|---|---|"]
    for stem, title in entries:
        number = "" if "_optional_" in stem else str(int(stem[:2]))
        rows.append(f"| {number} | [{title}]({stem}.ipynb) |")
    return "\n".join(rows)


def screenshots_section(folder: Path) -> str:
    """The landing page's figures: every known screenshot that ``folder`` holds.

    Example:
        >>> screenshots_section(Path("/nonexistent"))
        ''
    """
    figures = [
        f"```{{figure}} screenshots/{name}\n:alt: {caption}\n\n{caption}\n```"
        for name, caption in SCREENSHOTS.items()
        if (folder / name).exists()
    ]
    if not figures:
        return ""
    return "## The dashboard on stage\n\n" + "\n\n".join(figures)


def relink(markdown: str, folder: str, pages: set[str]) -> str:
    """Point relative links of a page from the course's ``folder`` at the site or the repository.

    A link to another page of the site (``pages``: repository paths) becomes a link to it in the
    site; a link to any other file of the course goes to that file in the repository.

    Example:
        >>> relink("[b](../benchmarks/README.md) [c](03_c.ipynb#x)", "notebooks",
        ...        {"notebooks/03_c.ipynb"})  # doctest: +ELLIPSIS
        '[b](https://.../blob/main/benchmarks/README.md) [c](03_c.ipynb#x)'
    """

    def target(match: re.Match) -> str:
        path, _, anchor = match.group(2).partition("#")
        repo_path = os.path.normpath(f"{folder}/{path}").replace(os.sep, "/")
        if repo_path in pages:
            new = Path(repo_path).name
        else:
            new = f"{REPOSITORY_URL}/blob/{BRANCH}/{repo_path}"
        return f"{match.group(1)}{new}{'#' + anchor if anchor else ''}{match.group(3)}"

    return LINK.sub(target, markdown)


def stage(executed: list[Path], screenshots: Path, dest: Path) -> Path:
    """Copy the pages into ``dest`` (emptied first) and write its ``index.md``; return ``dest``.

    Example (``executed``: notebooks with outputs)::

        stage(sorted(Path("tests/notebooks").glob("0*.ipynb")), Path("build/screenshots"), tmp)
    """
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    images = sorted(DOCS.glob("*.png"))  # the guide's own pictures, beside it as in docs/
    pages = {f"notebooks/{p.name}" for p in executed} | {"docs/instructors.md"}
    pages |= {f"docs/{p.name}" for p in images}
    for notebook in executed:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                cell["source"] = relink("".join(cell["source"]), "notebooks", pages)
        (dest / notebook.name).write_text(json.dumps(nb, indent=1), encoding="utf-8")
    guide = (DOCS / "instructors.md").read_text(encoding="utf-8")
    (dest / "instructors.md").write_text(relink(guide, "docs", pages), encoding="utf-8")
    for image in images:
        shutil.copy2(image, dest / image.name)
    if screenshots.is_dir():
        shutil.copytree(screenshots, dest / "screenshots")
    entries = [(path.stem, notebook_title(path)) for path in executed]
    text = (SITE / "index.template.md").read_text(encoding="utf-8")
    text = text.replace("%COURSE_MAP%", course_map(entries))
    text = text.replace("%SCREENSHOTS%", screenshots_section(screenshots))
    text = text.replace("%TOCTREE%", "\n".join(stem for stem, _ in entries))
    (dest / "index.md").write_text(text, encoding="utf-8")
    return dest


def executed_copies(sources: list[Path], executed_dir: Path) -> list[Path]:
    """The executed copy of each source notebook, executing those missing or out of date.

    Example (executes what ``make run`` has not)::

        executed_copies(notebook_paths(REPO / "notebooks"), REPO / "build")
    """
    copies = []
    for source in sources:
        copy = executed_dir / source.name
        if not copy.exists() or copy.stat().st_mtime < source.stat().st_mtime:
            print(f"executing {source.name} (no up-to-date copy in {executed_dir}) ...", flush=True)
            execute_notebook(source, executed_dir, html_too=False)
        copies.append(copy)
    return copies


def sphinx_build(source: Path, out: Path) -> None:
    """Run Sphinx's HTML builder on the staged ``source`` into ``out``; fail on any warning.

    Always a fresh build (Sphinx warns only about the pages it reads).

    Example::

        sphinx_build(Path("build/site-src"), Path("build/site"))
    """
    doctrees = source.parent / f"{source.name}.doctrees"
    for folder in (doctrees, out):
        if folder.exists():
            shutil.rmtree(folder)
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going"]
    command += ["-c", str(SITE), "-d", str(doctrees)]
    subprocess.run([*command, str(source), str(out)], check=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python site/build.py [--executed build] [--out build/site] [--no-run]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executed", type=Path, default=REPO / "build", help="executed notebooks")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "site")
    parser.add_argument("--screenshots", type=Path, default=REPO / "build" / "screenshots")
    parser.add_argument(
        "--no-run", action="store_true", help="use the executed copies as they are; run nothing"
    )
    args = parser.parse_args(argv)
    sources = notebook_paths(REPO / "notebooks")
    if args.no_run:
        executed = notebook_paths(args.executed)
    else:
        executed = executed_copies(sources, args.executed)
    start = time.perf_counter()
    staged = stage(executed, args.screenshots, args.out.parent / f"{args.out.name}-src")
    sphinx_build(staged, args.out)
    seconds = time.perf_counter() - start
    print(f"Wrote {args.out}/index.html: {len(executed)} notebooks, {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

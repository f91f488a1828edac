"""Sphinx configuration of the course site, in English and in Chinese (``make site``).

The source directory is the repository itself and this folder holds the configuration::

    python -m sphinx -b html -c docs -d build/doctrees/en . build/site
    python -m sphinx -b html -c docs -d build/doctrees/zh_CN -D language=zh_CN . build/site/zh_CN

So a page sits where its file sits (``notebooks/03_dask_delayed.ipynb`` becomes
``notebooks/03_dask_delayed.html``), and a link from a notebook to ``../docs/instructors.md`` is
a link between two pages. ``include_patterns`` names the pages.

myst-nb executes the notebooks, each in its own folder, at the size ``CHAPTER05_PROFILE`` names
(``demo`` unless set). It keeps their outputs in a jupyter-cache, one per size
(``build/.jupyter_cache/<profile>``): a notebook runs again only when its code changes. The
Chinese site reuses the English site's outputs, since its code is the same. A failing cell
stops the build with the notebook's path and the cell's traceback. Nothing is downloaded.

The Chinese prose comes from the gettext catalogs in ``locale/zh_CN/LC_MESSAGES/`` (one per
page, named after it: ``notebooks/03_dask_delayed.po``). An untranslated paragraph shows in
English.
"""

from __future__ import annotations

import logging
import os
import shutil
import warnings
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging as sphinx_logging
from sphinx.util.docutils import SphinxDirective

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent

# Where the course lives: the launch buttons, the repository button, and links to the course's
# files that are not pages of the site. A fork sets these variables (or edits the defaults).
REPOSITORY_URL = os.environ.get("CHAPTER05_REPOSITORY_URL", "https://github.com/chapter05/course")
BRANCH = os.environ.get("CHAPTER05_BRANCH", "main")
BINDERHUB_URL = os.environ.get("CHAPTER05_BINDERHUB_URL", "https://mybinder.org")
# A JupyterHub with nbgitpuller (the "JupyterHub" launch button): your institution's.
JUPYTERHUB_URL = os.environ.get("CHAPTER05_JUPYTERHUB_URL", "https://hub.example.org")
PROFILE = os.environ.get("CHAPTER05_PROFILE", "demo")
# The dashboard screenshots the browser test saves, shown on the landing page when present.
SCREENSHOTS = REPO / "build" / "screenshots"
# The runnable Chinese notebooks: the Chinese site's download button serves them.
CHINESE_NOTEBOOKS = REPO / "notebooks" / "zh_CN"

project = "Chapter 5: Parallel training with TPOT and Dask"
author = "the course's authors"
html_title = "Parallel training with TPOT and Dask"
extensions = ["myst_nb"]

root_doc = "docs/index"
include_patterns = [
    "docs/index.md",
    "docs/glossary.md",
    "docs/instructors.md",
    "notebooks/[0-9][0-9]*_*.ipynb",
]
# Folders Sphinx need not walk (it skips excluded folders).
exclude_patterns = [
    ".*",
    "build",
    "data",
    "notebooks/data",
    "notebooks/zh_CN",
    "tests",
    "**.ipynb_checkpoints",
]

# myst-nb: execute each notebook once per size, in its own folder, and keep the outputs.
nb_execution_mode = "cache"
nb_execution_cache_path = str(REPO / "build" / ".jupyter_cache" / PROFILE)
nb_execution_raise_on_error = True  # a failing cell fails the build
nb_execution_show_tb = True  # ... and the log shows the cell and its traceback
nb_execution_timeout = 1800  # seconds a cell may take (the book size's TPOT search takes 600)
nb_ipywidgets_js = {}  # no widgets in the course: no script from outside
nb_merge_streams = True  # one block for a cell's printed lines, as in JupyterLab
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# Translations: -D language=zh_CN reads locale/zh_CN/LC_MESSAGES/<page>.po (relative to the
# source directory, the repository).
language = "en"
locale_dirs = ["locale"]
gettext_compact = False

html_theme = "sphinx_book_theme"
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["course.css"]  # the language link beside the buttons
html_last_updated_fmt = None
html_copy_source = True
html_context = {"default_mode": "auto"}  # light or dark, as the reader's system is
# build/site/index.html: the landing page is docs/index.html, one click deeper.
html_additional_pages = {"index": "redirect.html"}
html_theme_options = {
    "repository_url": REPOSITORY_URL,
    "repository_branch": BRANCH,
    "path_to_docs": "",  # a page's path is its file's path in the repository
    "use_repository_button": True,
    "use_download_button": True,
    "launch_buttons": {
        "binderhub_url": BINDERHUB_URL,
        "jupyterhub_url": JUPYTERHUB_URL,
        "notebook_interface": "jupyterlab",
    },
    # The same page in the other language (docs/_templates/language-switch.html).
    "article_header_end": ["language-switch", "article-header-buttons"],
    "show_navbar_depth": 1,
    "show_toc_level": 2,
}

# Sphinx's Chinese search segments words with jieba. jieba imports pkg_resources, which warns
# that it is deprecated: import jieba quietly first, so no build run with warnings as errors stops.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import jieba

jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict ..." lines in the build log


BUILDER = {"name": ""}  # this run's builder: html, or gettext when the catalogs are extracted


def remember_builder(app) -> None:
    """Note the builder's name for the directives below."""
    BUILDER["name"] = app.builder.name


class Screenshot(SphinxDirective):
    """A figure of ``build/screenshots/<name>``, or nothing while the file is missing.

    The caption is the directive's content. The catalogs always get it as one paragraph, so a
    fresh extraction does not depend on which screenshots this machine holds.
    Example (in Markdown)::

        ```{screenshot} dashboard-status-during-fit.png
        The dashboard's Status page while TPOT fits.
        ```
    """

    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        caption = " ".join(line.strip() for line in self.content)  # one line: alt text too
        if BUILDER["name"] == "gettext":
            return self.parse_text_to_nodes(caption)
        if not (SCREENSHOTS / self.arguments[0]).is_file():
            return []
        uri = "/" + (SCREENSHOTS / self.arguments[0]).relative_to(REPO).as_posix()
        return self.parse_text_to_nodes(f"```{{figure}} {uri}\n:alt: {caption}\n\n{caption}\n```")


def link_files_to_repository(app, doctree: nodes.document) -> None:
    """Send a page's links to course files that are not pages of the site to the repository.

    myst-parser reads such a link as a link to a page (``../benchmarks/README.md``: a Markdown
    file that is not a page) or as a download (any other file); a reader wants the file as the
    repository shows it.
    """
    for node in list(doctree.findall(addnodes.pending_xref)):
        if node.get("reftype") != "myst" or node.get("refdomain") != "doc":
            continue
        if node["reftarget"] in app.env.found_docs:
            continue
        files = [Path(app.srcdir, node["reftarget"] + s) for s in app.config.source_suffix]
        for path in filter(Path.is_file, files):
            node.replace_self(repository_link(path, node))
            break
    for node in list(doctree.findall(addnodes.download_reference)):
        path = Path(app.env.relfn2path(node["reftarget"], node["refdoc"])[1])
        if path.is_file():
            node.replace_self(repository_link(path, node))


def repository_link(path: Path, node: nodes.Element) -> nodes.reference:
    """A link to the course's file at ``path`` in the repository, with ``node``'s text."""
    relative = path.resolve().relative_to(REPO).as_posix()
    return nodes.reference(
        "", "", *node.children, refuri=f"{REPOSITORY_URL}/blob/{BRANCH}/{relative}"
    )


def outputs_beside_doctrees(app) -> None:
    """Keep myst-nb's output images beside this build's doctrees.

    myst-nb writes them to ``<outdir>/../jupyter_execute``: for the Chinese site, which is built
    inside the English one, that folder would land in the English site.
    """
    folder = Path(app.doctreedir) / "jupyter_execute"
    app.env.mystnb_config = app.env.mystnb_config.copy(output_folder=str(folder))


def serve_chinese_notebooks(app, exception: Exception | None) -> None:
    """On the Chinese site, the download button gives the Chinese notebook of the page.

    The theme's button serves ``_sources/<page>.ipynb``, which Sphinx copies from the English
    notebook: each is replaced by its Chinese twin in ``notebooks/zh_CN/`` where one exists.
    """
    if exception is not None or app.builder.format != "html" or app.config.language != "zh_CN":
        return
    log = sphinx_logging.getLogger(__name__)
    for copied in sorted((Path(app.outdir) / "_sources" / "notebooks").glob("*.ipynb")):
        chinese = CHINESE_NOTEBOOKS / copied.name
        if chinese.is_file():
            shutil.copyfile(chinese, copied)
        else:
            log.info("no Chinese notebook %s: its download button gives the English one", chinese)


def launch_chinese_notebooks(app, pagename: str, templatename, context: dict, doctree) -> None:
    """On the Chinese site, the launch buttons (Binder, JupyterHub) open the Chinese notebook.

    sphinx-book-theme makes them for ``notebooks/<name>.ipynb``; where ``notebooks/zh_CN/``
    holds the page's Chinese notebook, they open that one instead.
    """
    name = pagename.removeprefix("notebooks/")
    if app.config.language != "zh_CN" or not (CHINESE_NOTEBOOKS / f"{name}.ipynb").is_file():
        return
    for group in context.get("header_buttons", []):
        if group.get("label") == "launch-buttons":
            for button in group["buttons"]:
                english, chinese = f"/{pagename}.ipynb", f"/notebooks/zh_CN/{name}.ipynb"
                button["url"] = button["url"].replace(english, chinese)


def chinese_search_stemmer(app, config) -> None:
    """On the Chinese site, define the stemmer Sphinx 9.0's search names but lacks."""
    if config.language == "zh_CN":
        app.add_js_file("chinese-search.js")  # before language_data.js, which needs it


def setup(app) -> dict:
    """The course's additions: screenshots, links to course files, Chinese notebooks."""
    app.connect("builder-inited", remember_builder)
    app.connect("config-inited", chinese_search_stemmer)
    app.add_directive("screenshot", Screenshot)
    app.connect("doctree-read", link_files_to_repository, priority=400)  # before downloads
    app.connect("builder-inited", outputs_beside_doctrees, priority=600)  # after myst-nb's
    app.connect("build-finished", serve_chinese_notebooks)
    app.connect("html-page-context", launch_chinese_notebooks, priority=600)  # after the theme's
    return {"parallel_read_safe": True}

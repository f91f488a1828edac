"""Sphinx configuration of the course site (``make site``; the pages are staged by site/build.py).

The notebooks arrive executed (at ``demo`` by ``make site``); nothing is executed here and nothing
is downloaded: Sphinx, myst-nb and sphinx-book-theme come from the course's environment.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

# The course's addresses (repository, branch, Binder, JupyterHub) are set in site/build.py.
_spec = importlib.util.spec_from_file_location("site_build", Path(__file__).with_name("build.py"))
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)
REPOSITORY_URL, BRANCH = _build.REPOSITORY_URL, _build.BRANCH
BINDERHUB_URL, JUPYTERHUB_URL = _build.BINDERHUB_URL, _build.JUPYTERHUB_URL

project = "Chapter 5: Parallel training with TPOT and Dask"
author = "the course's authors"
html_title = "Parallel training with TPOT and Dask"
extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "data", "build.py", "index.template.md"]

# myst-nb: show the stored outputs, run nothing.
nb_execution_mode = "off"
nb_ipywidgets_js = {}  # no widgets in the course: no script from outside
nb_merge_streams = True  # one block for a cell's printed lines, as in JupyterLab
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
# Sphinx's search over the pages, in the browser: no server, no outside service.
html_search_language = "en"

html_theme = "sphinx_book_theme"
html_static_path: list[str] = []
html_last_updated_fmt = None
html_copy_source = True
html_context = {"default_mode": "auto"}  # light or dark, as the reader's system is
html_theme_options = {
    "repository_url": REPOSITORY_URL,
    "repository_branch": BRANCH,
    "path_to_docs": "notebooks",  # the pages' notebooks, as the repository holds them
    "use_repository_button": True,
    "use_download_button": True,
    "launch_buttons": {
        "binderhub_url": BINDERHUB_URL,
        "jupyterhub_url": JUPYTERHUB_URL,
        "notebook_interface": "jupyterlab",
    },
    "show_navbar_depth": 1,
    "show_toc_level": 2,
}
